"""Human output in the style of ruff: location, code, message, then the source line."""
from __future__ import annotations

from typing import TextIO

from caveat.report import FileResult, Summary, display_line, display_message


def write_text(results: list[FileResult], out: TextIO, *, show_source: bool = True,
               summary: Summary | None = None) -> None:
    total = 0
    for result in results:
        for finding in result.findings:
            total += 1
            cwe = f", CWE-{finding.cwe}" if finding.cwe else ""
            marker = " [*]" if finding.fixable else ""
            out.write(f"{result.path}:{finding.line}:{finding.col + 1}: {finding.code}{marker} "
                      f"{display_message(finding)} [{finding.category}{cwe}]\n")
            if show_source and 0 < finding.line <= len(result.lines):
                text = display_line(finding, result.lines[finding.line - 1].rstrip("\r\n"))
                gutter = len(str(finding.line))
                width = (finding.end_col - finding.col) if finding.end_line == finding.line else len(text) - finding.col
                width = max(1, min(width, max(1, len(text) - finding.col)))
                out.write(f"{' ' * gutter} |\n{finding.line} | {text}\n{' ' * gutter} | {' ' * finding.col}{'^' * width}\n")
                if finding.fix:
                    out.write(f"{' ' * gutter} = fix: {finding.fix.title}{'' if finding.fix.safe else ' (unsafe)'}\n")
                out.write("\n")
    summary = summary or summarize(results)
    if summary.stale:
        out.write("Stale baseline entries (their findings are gone or their lines changed):\n")
        out.writelines(f"  {entry}\n" for entry in summary.stale)
    for line in summary.lines(total):
        out.write(line + "\n")


def summarize(results: list[FileResult], summary: Summary | None = None) -> Summary:
    """``summary`` (or a new one) with the counts of fixes the reported findings offer."""
    from caveat.fixing import applicable

    summary = summary or Summary()
    findings = [f for result in results for f in result.findings]
    summary.fixable = sum(applicable(f, unsafe=False) for f in findings)
    summary.unsafe_fixable = sum(applicable(f, unsafe=True) for f in findings) - summary.fixable
    return summary
