"""The JSON report: an array of findings, as DESIGN.md specifies (columns 1-based)."""
from __future__ import annotations

import json
from typing import TextIO

from caveat.report import FileResult, display_message


def as_records(results: list[FileResult]) -> list[dict]:
    return [
        {
            "path": result.path, "line": f.line, "column": f.col + 1,
            "end_line": f.end_line, "end_column": f.end_col + 1,
            "code": f.code, "name": f.name, "category": f.category, "cwe": f.cwe,
            "severity": f.severity.label, "message": display_message(f), "fixable": f.fixable,
        }
        for result in results for f in result.findings
    ]


def write_json(results: list[FileResult], out: TextIO) -> None:
    json.dump(as_records(results), out, indent=2)
    out.write("\n")
