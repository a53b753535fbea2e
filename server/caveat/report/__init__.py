"""Reports: text (like ruff), JSON (DESIGN.md contract) and SARIF 2.1.0."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from caveat.engine.findings import Finding

SECRET_CATEGORY = "hardcoded-secret"
_STRING = re.compile(r"""(?P<prefix>[rRbBuUfF]{0,2})(?P<q>'''|\"\"\"|'|")(?P<body>.*?)(?P=q)""")
_QUOTED_IN_MESSAGE = re.compile(r"""(['"])(.+?)\1""")


@dataclass(frozen=True)
class FileResult:
    path: str  # as given / relative for display
    findings: list[Finding]  # the findings to report
    lines: list[str]
    notes: list[str]
    baselined: list[Finding] = field(default_factory=list)  # hidden: the baseline has them
    unreported: list[Finding] = field(default_factory=list)  # hidden: on lines unchanged since --diff-from


@dataclass
class Summary:
    """What a run did besides finding things, for the report's last lines."""

    fixed: int | None = None  # findings --fix removed (None: not fixing)
    baseline: str | None = None  # the baseline file in use, as the user named it
    baselined: int = 0  # findings it hid
    diff_from: str | None = None  # --diff-from REF
    changed_files: int = 0  # checked files changed since REF
    outside_diff: int = 0  # findings in those files on lines not changed since REF
    fixable: int = 0  # reported findings --fix would fix
    unsafe_fixable: int = 0  # ... that only --unsafe-fixes would
    stale: list[str] = field(default_factory=list)  # --report-stale-baseline: "path:line: CODE message"

    def lines(self, reported: int) -> list[str]:
        s = "" if reported == 1 else "s"
        if self.fixed is not None:
            fixed_s = "" if self.fixed == 1 else "s"
            out = [f"Fixed {self.fixed} finding{fixed_s}, {reported} remaining."]
        else:
            out = [f"Found {reported} finding{s}." if reported else "All checks passed."]
        if self.fixable or self.unsafe_fixable:
            more = f" ({self.unsafe_fixable} more with `--unsafe-fixes`)" if self.unsafe_fixable else ""
            out.append(f"[*] {self.fixable} fixable with `caveat check --fix`{more}." if self.fixable else
                       f"[*] {self.unsafe_fixable} fixable with `caveat check --fix --unsafe-fixes`.")
        if self.baselined:
            verb = "is" if self.baselined == 1 else "are"
            out.append(f"{self.baselined} finding{'' if self.baselined == 1 else 's'} in the baseline "
                       f"({self.baseline}) {verb} not shown.")
        if self.stale:
            one = len(self.stale) == 1
            out.append(f"{len(self.stale)} baseline entr{'y' if one else 'ies'} no longer match{'es' if one else ''} "
                       f"a finding; `caveat check --write-baseline {self.baseline}` drops {'it' if one else 'them'}.")
        if self.diff_from is not None:
            files = f"{self.changed_files} file{'' if self.changed_files == 1 else 's'}"
            if not self.changed_files:
                out.append(f"No checked file changed since {self.diff_from}.")
            else:
                out.append(f"Checked the lines changed since {self.diff_from} in {files}; "
                           f"{self.outside_diff} finding{'' if self.outside_diff == 1 else 's'} "
                           f"on unchanged lines not reported.")
        return out


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
