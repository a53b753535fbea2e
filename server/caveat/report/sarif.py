"""SARIF 2.1.0 with rule metadata, CWE tags and line-independent fingerprints."""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import TextIO

from caveat import __version__
from caveat import baseline
from caveat.engine.findings import Severity
from caveat.report import FileResult, display_line, display_message
from caveat.rules import all_rules

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note", Severity.HINT: "note"}


def sarif_document(results: list[FileResult], root: str = "", with_baseline: bool = False) -> dict:
    """The SARIF log. With a baseline in use (``with_baseline``), every result has a
    ``baselineState``: "new", or "unchanged" for the findings the baseline hides
    (``FileResult.baselined``), so code scanning shows them as already known."""
    infos = all_rules()
    used = sorted({f.code for r in results for f in (*r.findings, *r.baselined)})
    index = {code: i for i, code in enumerate(used)}
    rules = []
    for code in used:
        info = infos.get(code)
        if info is None:
            rules.append({"id": code})
            continue
        family = "security" if info.cwe else "quality"
        tags = [info.category, family] + ([f"external/cwe/cwe-{info.cwe}"] if info.cwe else [])
        rules.append({
            "id": code, "name": info.name,
            "shortDescription": {"text": info.summary},
            "fullDescription": {"text": info.summary},
            "help": {"text": info.doc, "markdown": info.doc},
            **({"helpUri": info.url} if info.url else {}),
            "defaultConfiguration": {"level": _LEVEL[info.severity]},
            "properties": {"tags": tags, "category": info.category,
                           **({"cwe": f"CWE-{info.cwe}"} if info.cwe else {})},
        })
    sarif_results = []
    for result in results:
        # Fingerprints count occurrences among all of the file's findings, reported or not.
        tagged = sorted([(f, "new") for f in result.findings] + [(f, "unchanged") for f in result.baselined]
                        + [(f, None) for f in result.unreported], key=lambda pair: pair[0].sort_key())
        digests = baseline.fingerprints([f for f, _ in tagged], result.lines)
        for (f, state), digest in zip(tagged, digests, strict=True):
            if state is None:
                continue
            line_text = result.lines[f.line - 1].strip() if 0 < f.line <= len(result.lines) else ""
            region = {"startLine": f.line, "startColumn": f.col + 1, "endLine": f.end_line,
                      "endColumn": f.end_col + 1}
            if line_text:
                region["snippet"] = {"text": display_line(f, line_text)}
            entry = {
                "ruleId": f.code, "ruleIndex": index[f.code], "level": _LEVEL[f.severity],
                "message": {"text": display_message(f)},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": result.path.replace("\\", "/"), "uriBaseId": "%SRCROOT%"},
                    "region": region}}],
                "partialFingerprints": {baseline.FINGERPRINT_KEY: digest},
                **({"baselineState": state} if with_baseline else {}),
                "properties": {"category": f.category, **({"cwe": f"CWE-{f.cwe}"} if f.cwe else {})},
            }
            if f.fix:
                entry["fixes"] = [{
                    "description": {"text": f.fix.title},
                    "artifactChanges": [{
                        "artifactLocation": {"uri": result.path.replace("\\", "/"), "uriBaseId": "%SRCROOT%"},
                        "replacements": [{
                            "deletedRegion": {"startLine": e.start.line, "startColumn": e.start.col + 1,
                                              "endLine": e.end.line, "endColumn": e.end.col + 1},
                            "insertedContent": {"text": e.text}} for e in f.fix.edits],
                    }],
                }]
            sarif_results.append(entry)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "caveat", "version": __version__, "semanticVersion": __version__,
                                "rules": rules}},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": _root_uri(root)}},
            "results": sarif_results,
            "columnKind": "unicodeCodePoints",
        }],
    }


def fingerprint(code: str, path: str, line_text: str, occurrence: int = 1) -> str:
    """The identity ``caveat report`` follows findings by across commits: the code, the path,
    the line's text with its whitespace collapsed and which occurrence of that (code, text)
    in the file this is. (SARIF's ``partialFingerprints`` and baselines use
    ``caveat.baseline.fingerprints``, which also hash the enclosing definitions.)"""
    return hashlib.sha256(f"{code}\0{path}\0{' '.join(line_text.split())}\0{occurrence}".encode()).hexdigest()[:32]


def fingerprints(path: str, items: list[tuple[str, str]]) -> list[str]:
    """The fingerprints of a file's findings, in order, from (code, stripped line text) each."""
    occurrences: Counter = Counter()
    found = []
    for code, line_text in items:
        occurrences[(code, line_text)] += 1
        found.append(fingerprint(code, path, line_text, occurrences[(code, line_text)]))
    return found


def _root_uri(root: str) -> str:
    from pathlib import Path

    return Path(root or ".").resolve().as_uri() + "/"


def write_sarif(results: list[FileResult], out: TextIO, root: str = "", with_baseline: bool = False) -> None:
    json.dump(sarif_document(results, root, with_baseline), out, indent=2)
    out.write("\n")
