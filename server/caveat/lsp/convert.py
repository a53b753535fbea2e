"""Conversions between caveat's findings and LSP types (positions in the client's encoding)."""
from __future__ import annotations

from typing import Sequence

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec, ServerTextPosition

from caveat.engine.findings import Finding, Fix, Position, Severity, TextEdit
from caveat.rules.base import RuleInfo

SOURCE = "caveat"

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}


def to_lsp_position(codec: PositionCodec, lines: Sequence[str], pos: Position) -> types.Position:
    line = max(0, pos.line - 1)
    if line >= len(lines):
        return types.Position(line=line, character=0)
    return codec.position_to_client_units(lines, ServerTextPosition(line, max(0, pos.col)))


def to_range(codec: PositionCodec, lines: Sequence[str], start: Position, end: Position) -> types.Range:
    return types.Range(start=to_lsp_position(codec, lines, start), end=to_lsp_position(codec, lines, end))


def finding_range(codec: PositionCodec, lines: Sequence[str], finding: Finding) -> types.Range:
    end = Position(finding.end_line, finding.end_col)
    if (finding.end_line, finding.end_col) <= (finding.line, finding.col):
        # A point finding: underline to the end of its line so it is visible.
        text = lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""
        end = Position(finding.line, max(finding.col + 1, len(text.rstrip("\r\n"))))
    return to_range(codec, lines, Position(finding.line, finding.col), end)


def to_diagnostic(codec: PositionCodec, lines: Sequence[str], finding: Finding, info: RuleInfo | None) -> types.Diagnostic:
    from caveat.report import display_message

    data = {"category": finding.category, "cwe": finding.cwe, "name": finding.name,
            "fixable": finding.fixable, "origin": finding.source}
    return types.Diagnostic(
        range=finding_range(codec, lines, finding),
        message=display_message(finding),
        severity=_SEVERITY[finding.severity],
        code=finding.code,
        code_description=types.CodeDescription(href=info.url) if info and info.url else None,
        source=SOURCE,
        data=data,
    )


def from_lsp_position(codec: PositionCodec, lines: Sequence[str], pos: types.Position) -> Position:
    server = codec.position_from_client_units(lines, pos)
    return Position(server.line + 1, server.character)


def to_text_edits(codec: PositionCodec, lines: Sequence[str], edits: Sequence[TextEdit]) -> list[types.TextEdit]:
    return [types.TextEdit(range=to_range(codec, lines, e.start, e.end), new_text=e.text) for e in edits]


def to_workspace_edit(codec: PositionCodec, lines: Sequence[str], uri: str, version: int | None,
                      fix: Fix) -> types.WorkspaceEdit:
    changes: list = [types.TextDocumentEdit(
        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
        edits=to_text_edits(codec, lines, fix.edits),
    )]
    for path, edits in fix.other_files:
        from pathlib import Path

        other_lines = Path(path).read_text(encoding="utf-8").splitlines(keepends=True) if Path(path).exists() else []
        changes.append(types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=Path(path).resolve().as_uri(), version=None),
            edits=to_text_edits(codec, other_lines, edits),
        ))
    return types.WorkspaceEdit(document_changes=changes)


def hover_markdown(findings: Sequence[Finding], infos: dict[str, RuleInfo], environment: str | None) -> str:
    from caveat.report import display_message

    parts = []
    for finding in findings:
        info = infos.get(finding.code)
        cwe = f" · CWE-{finding.cwe}" if finding.cwe else ""
        header = f"### {finding.code} {finding.name}\n\n*{finding.category}{cwe}* · {finding.severity.label}"
        body = display_message(finding)
        if finding.fix:
            body += f"\n\nQuick fix: **{finding.fix.title}**"
        if finding.category in {"hallucinated-attribute", "hallucinated-module", "unknown-keyword-argument",
                                "removed-api", "undeclared-dependency", "version-mismatch"} and environment:
            body += f"\n\nEnvironment: `{environment}`"
        doc = info.doc if info else ""
        parts.append(f"{header}\n\n{body}\n\n---\n\n{doc}")
    return "\n\n---\n\n".join(parts)
