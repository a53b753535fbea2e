"""Reading annotated fixtures: ``# expect: CODE`` / ``# ok: CODE`` above a statement.

The annotated statement is the next line that is not a comment or blank. A
finding belongs to it when its start line lies in the statement's range (for
a compound statement, only its header: ``def``/``if``/``with`` ... up to the body).
"""
from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from caveat.engine.analyzer import Engine
from caveat.project import Settings

LABEL = re.compile(r"^\s*#\s*(expect|ok)\s*:\s*(.+?)\s*$")
# The API stage resolves against the test interpreter's environment, found or not.
ALL = Settings(select=("ALL",), python=sys.prefix)
_ENGINE = Engine()


@dataclass(frozen=True)
class Label:
    kind: str  # "expect" or "ok"
    code: str
    comment_line: int
    first: int
    last: int


def statement_ranges(source: str) -> dict[int, tuple[int, int]]:
    ranges: dict[int, tuple[int, int]] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.stmt):
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            body = getattr(node, "body", None)
            last = (body[0].lineno - 1) if isinstance(body, list) and body and body[0].lineno > node.lineno else node.end_lineno
            for line in {node.lineno, first}:
                if line not in ranges or ranges[line][1] > last:
                    ranges[line] = (first, max(last, node.lineno))
    return ranges


def read_labels(source: str) -> list[Label]:
    lines = source.splitlines()
    ranges = statement_ranges(source)
    labels = []
    for index, line in enumerate(lines):
        match = LABEL.match(line)
        if not match:
            continue
        target = index + 1
        while target < len(lines) and (not lines[target].strip() or lines[target].lstrip().startswith("#")):
            target += 1
        number = target + 1
        first, last = ranges.get(number, (number, number))
        for code in re.split(r"[,\s]+", match.group(2)):
            if code:
                labels.append(Label(match.group(1), code, index + 1, first, last))
    return labels


def all_findings(text: str, path: str, settings: Settings = ALL, engine: Engine = _ENGINE):
    """Local and API findings, merged as the CLI and the server merge them."""
    local = engine.analyze(text, path, settings)
    api = engine.analyze_api(text, path, settings)
    return engine.merge(text, settings, local, api) if api.raw else local.findings


DIRECTIVE = re.compile(r"^#\s*caveat-fixture:\s*select\s*=\s*(.+)$", re.M)
DEFAULT_PROFILE = re.compile(r"^#\s*caveat-fixture:\s*profile\s*=\s*default\s*$", re.M)


def fixture_settings(text: str) -> Settings:
    """``# caveat-fixture: select=B`` at the top of a fixture narrows what runs (e.g.
    bandit alone, where caveat rules would report the same defects in its place);
    ``# caveat-fixture: profile=default`` checks what the default set reports (committed
    code, no flags), where a rule's narrower claim may be on and the rest of it not."""
    if DEFAULT_PROFILE.search(text):
        return Settings(python=sys.prefix)
    match = DIRECTIVE.search(text)
    if match is None:
        return ALL
    return Settings(select=tuple(code.strip() for code in match.group(1).split(",") if code.strip()))


def analyse(path: Path, settings: Settings | None = None):
    text = path.read_text(encoding="utf-8")
    return text, all_findings(text, str(path), settings or fixture_settings(text))


def check_fixture(path: Path) -> list[str]:
    """Problems with one fixture: missed expectations, findings on ok lines,
    and findings of the fixture's codes that no label accounts for."""
    text, findings = analyse(path)
    labels = read_labels(text)
    codes = {label.code for label in labels}
    problems = []
    matched: set[int] = set()
    for label in labels:
        hits = [i for i, f in enumerate(findings) if f.code == label.code and label.first <= f.line <= label.last]
        if label.kind == "expect":
            if not hits:
                problems.append(f"{path.name}:{label.first}: expected {label.code}, got nothing")
            matched.update(hits)
        elif hits:
            for i in hits:
                problems.append(f"{path.name}:{findings[i].line}: {label.code} fired on an `ok` line: {findings[i].message}")
            matched.update(hits)
    for i, finding in enumerate(findings):
        if finding.code in codes and i not in matched:
            problems.append(f"{path.name}:{finding.line}: unexpected {finding.code}: {finding.message}")
    return problems
