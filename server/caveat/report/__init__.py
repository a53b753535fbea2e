"""Reports: text (like ruff), JSON (DESIGN.md contract) and SARIF 2.1.0."""
from __future__ import annotations

import re
from dataclasses import dataclass

from caveat.engine.findings import Finding

SECRET_CATEGORY = "hardcoded-secret"
_STRING = re.compile(r"""(?P<prefix>[rRbBuUfF]{0,2})(?P<q>'''|\"\"\"|'|")(?P<body>.*?)(?P=q)""")
_QUOTED_IN_MESSAGE = re.compile(r"""(['"])(.+?)\1""")


@dataclass(frozen=True)
class FileResult:
    path: str  # as given / relative for display
    findings: list[Finding]
    lines: list[str]
    notes: list[str]


def redact_text(text: str) -> str:
    """Hide string literal contents, keeping at most four leading characters."""
    def hide(match: re.Match) -> str:
        body = match.group("body")
        shown = body[:4] if len(body) > 12 else ""
        return f"{match.group('prefix')}{match.group('q')}{shown}****{match.group('q')}"
    return _STRING.sub(hide, text)


def redact_message(text: str) -> str:
    return _QUOTED_IN_MESSAGE.sub(lambda m: f"{m.group(1)}****{m.group(1)}", text)


def display_line(finding: Finding, line_text: str) -> str:
    return redact_text(line_text) if finding.category == SECRET_CATEGORY else line_text


def display_message(finding: Finding) -> str:
    return redact_message(finding.message) if finding.category == SECRET_CATEGORY else finding.message
