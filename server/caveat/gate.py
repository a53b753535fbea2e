"""``caveat check`` as the gate in front of a change: which findings a run reports, and --fix.

``Scope`` decides what is reported: findings the baseline records are hidden (kept for
SARIF as ``unchanged``), and with ``--diff-from REF`` only findings that start on a line
added or changed since REF are reported, in files changed since REF; the others in those
files are counted. ``apply_fixes`` runs the editor's fixes (``caveat.fixing``) on the
findings the scope reports: a run never rewrites code it does not report on.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from caveat import vcs
from caveat.baseline import Baseline, Entry, defect_code
from caveat.check import CheckRun, full_analysis
from caveat.engine.findings import CATEGORIES, Finding
from caveat.fixing import FileOutcome, applicable, fix_file
from caveat.report import FileResult, Summary

_API_CATEGORIES = frozenset(CATEGORIES["api"])


@dataclass
class Scope:
    baseline: Baseline | None = None
    changes: vcs.Changes | None = None
    matched: set[Entry] = field(default_factory=set)  # baseline entries that matched a finding

    def includes(self, path: Path) -> bool:
        """Whether the run checks this file at all (with --diff-from: only changed files)."""
        return self.changes is None or self.changes.touched(path)

    def split(self, path: str | Path, findings: list[Finding], lines: list[str],
              new_lines: frozenset[int] | set[int] | None | bool = False
              ) -> tuple[list[Finding], list[Finding], list[Finding]]:
        """(reported, baselined, on unchanged lines). ``new_lines`` overrides the changed
        lines of the file on disk (for text that is not on disk yet)."""
        reported, baselined = list(findings), []
        if self.baseline is not None:
            reported, baselined, matched = self.baseline.split(path, findings, lines)
            self.matched |= matched
        unchanged: list[Finding] = []
        if self.changes is not None:
            fresh = self.changes.lines(path) if new_lines is False else new_lines
            if fresh is not None:  # None: a new file, every line is new
                unchanged = [f for f in reported if f.line not in fresh]
                reported = [f for f in reported if f.line in fresh]
        return reported, baselined, unchanged

    def apply(self, result: FileResult, path: Path) -> FileResult:
        reported, baselined, unchanged = self.split(path, result.findings, result.lines)
        return replace(result, findings=reported, baselined=baselined, unreported=unchanged)


def summary_of(results: list[FileResult], scope: Scope, baseline_name: str | None) -> Summary:
    summary = Summary(baseline=baseline_name)
    summary.baselined = sum(len(r.baselined) for r in results)
    if scope.changes is not None:
        summary.diff_from = scope.changes.ref
        summary.changed_files = len(results)
        summary.outside_diff = sum(len(r.unreported) for r in results)
    return summary


def apply_fixes(run: CheckRun, results: list[FileResult], scope: Scope, unsafe: bool,
                write: bool) -> list[FileOutcome]:
    """Fix the files whose reported findings have fixes; write them when ``write``."""
    outcomes = []
    for result in results:
        if not any(applicable(f, unsafe) for f in result.findings):
            continue
        path = Path(result.path)  # relative to the working folder, as displayed
        outcome = fix_file(path, _scoped_analysis(run, scope, path), unsafe, display=result.path)
        run.notes.extend(outcome.notes)
        if outcome.changed and write:
            try:
                outcome.source.write(outcome.fixed)
            except OSError as error:  # the file is left as it is
                run.notes.append(f"{result.path}: not fixed: {error.strerror or error}")
                outcome.fixed, outcome.applied = outcome.original, 0
        outcomes.append(outcome)
    return outcomes


def _scoped_analysis(run: CheckRun, scope: Scope, path: Path) -> Callable[[str], list[Finding]]:
    from caveat.engine.blocks import split_lines

    strict = run.new_code is not None  # new-code = "strict": new lines get the strict profile

    def analyse(text: str) -> list[Finding]:
        fresh: set[int] | None | bool = False  # False: not asked
        if scope.changes is not None or strict:
            try:
                fresh = vcs.changed_lines_of_text(path, text, scope.changes.base if scope.changes else run.new_code.ref)
            except vcs.VcsError:
                fresh = None  # not in git: every line is new
        new_code = (None if fresh is None else frozenset(fresh)) if strict else frozenset()
        findings, _ = full_analysis(run.engine, text, str(path), run.settings, run.api, new_code)
        lines = [line.rstrip("\r\n") for line in split_lines(text)]
        return scope.split(path, findings, lines, fresh if scope.changes is not None else False)[0]

    return analyse


def checkable(entry: Entry, settings, api: bool) -> bool:
    """Whether this run could have found the entry's finding (its code is selected, and
    the API stage ran for an API finding)."""
    from caveat.rules import default_off

    return settings.is_enabled(entry.code, entry.category, default_off()) and \
        (api or entry.category not in _API_CATEGORIES)


def stale_entries(baseline: Baseline, checked: list[Path], scope: Scope, settings, api: bool) -> list[Entry]:
    """Entries of checked files that matched nothing, and entries of files that are gone."""
    keys = {baseline.key(path) for path in checked}
    return [entry for entry in baseline.entries
            if entry not in scope.matched and
            ((entry.path in keys and checkable(entry, settings, api)) or not baseline.exists_on_disk(entry))]


def rewritten_entries(old: Baseline | None, new: list[Entry], checked: list[Path], settings,
                      api: bool) -> tuple[list[Entry], int, int]:
    """(entries for a rewritten baseline, how many old entries were kept, how many stale
    ones were dropped): today's findings of the checked files, plus the old entries this
    run could not have seen (other files, codes not selected) whose files still exist."""
    if old is None:
        return new, 0, 0
    keys = {old.key(path) for path in checked}
    found = {_identity(e) for e in new}
    kept = [entry for entry in old.entries
            if old.exists_on_disk(entry) and not (entry.path in keys and checkable(entry, settings, api))
            and _identity(entry) not in found]
    recorded = found | {_identity(e) for e in kept}
    dropped = sum(_identity(e) not in recorded for e in old.entries)
    return new + kept, len(kept), dropped


def _identity(entry: Entry) -> tuple[str, str, str]:
    """What two entries for one finding share (B506 and CAV132 on one line are one defect)."""
    return entry.path, defect_code(entry.code), entry.fingerprint
