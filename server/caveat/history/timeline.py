"""Replaying a range of history: velocity and defects per period, and what is still open.

For each non-merge commit, in topological order (parents first), the findings of every
Python file it changes are compared before and after, by SARIF fingerprint
(``caveat.report.sarif.fingerprint``: code, path, the line's text, occurrence), so a
finding that only moved within its file is the same finding. A finding that disappears
from one file and appears, with the same code and line text, in another file of the
same commit (a rename, code moved between modules) has moved too: it is neither fixed
nor introduced again, and keeps the commit that introduced it. What is left is
introduced (after, not before) or fixed (before, not after; deleting the code fixes it).

Merge commits are not counted (their changes were counted in the commits they merge).
Periods follow the committer date in UTC; weeks start on Monday.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from caveat.history.analyse import Analyser, Defect
from caveat.history.attribution import Attribution
from caveat.history.git import Commit, Repository
from caveat.history.links import web_url
from caveat.report.sarif import fingerprint

PERIODS = ("week", "month")


@dataclass(frozen=True)
class Introduction:
    commit: str
    timestamp: int
    ai_assisted: bool


@dataclass(frozen=True)
class OpenFinding:
    path: str
    defect: Defect
    introduced_by: Introduction


@dataclass
class CommitSummary:
    commit: Commit
    ai_assisted: bool
    lines_added: int
    lines_deleted: int
    introduced: int = 0
    fixed: int = 0


@dataclass
class Period:
    start: date
    end: date  # the last day, inclusive
    commits: int = 0
    ai_commits: int = 0
    lines_added: int = 0
    lines_deleted: int = 0
    ai_lines_added: int = 0
    findings_introduced: int = 0
    ai_findings_introduced: int = 0
    findings_fixed: int = 0
    by_category: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: {"introduced": 0,
                                                                                                 "fixed": 0}))


@dataclass
class History:
    repository: str
    since: date | None
    until: date | None
    period: str
    periods: list[Period]
    open_findings: list[OpenFinding]
    commits: list[CommitSummary]
    head: str
    remote: str | None = None  # the forge's web URL, when origin points at one
    local_root: str | None = None
    notes: list[str] = field(default_factory=list)  # for the user, on stderr

    def to_json(self) -> dict:
        """The documented schema (README, "caveat report")."""
        categories = sorted({c for p in self.periods for c in p.by_category})
        return {
            "repository": self.repository,
            "range": {"since": _iso_date(self.since), "until": _iso_date(self.until)},
            "period": self.period,
            "periods": [{
                "start": p.start.isoformat(), "end": p.end.isoformat(),
                "commits": p.commits, "ai_commits": p.ai_commits,
                "lines_added": p.lines_added, "lines_deleted": p.lines_deleted, "ai_lines_added": p.ai_lines_added,
                "findings_introduced": p.findings_introduced, "ai_findings_introduced": p.ai_findings_introduced,
                "findings_fixed": p.findings_fixed,
                "by_category": {c: dict(p.by_category.get(c, {"introduced": 0, "fixed": 0})) for c in categories},
            } for p in self.periods],
            "open_findings": [{
                "path": f.path, "line": f.defect.line, "code": f.defect.code, "category": f.defect.category,
                "introduced_by": {"commit": f.introduced_by.commit, "date": iso_time(f.introduced_by.timestamp),
                                  "ai_assisted": f.introduced_by.ai_assisted},
            } for f in self.open_findings],
        }


def iso_time(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso_date(day: date | None) -> str | None:
    return day.isoformat() if day else None


def period_start(day: date, period: str) -> date:
    if period == "month":
        return day.replace(day=1)
    return day - timedelta(days=day.weekday())


def next_period(start: date, period: str) -> date:
    if period == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=7)


def utc_day(timestamp: int) -> date:
    return datetime.fromtimestamp(timestamp, timezone.utc).date()


def replay(repo: Repository, analyser: Analyser, attribution: Attribution, *, head: str, base: str | None = None,
           since: datetime | None = None, until: datetime | None = None, period: str = "week") -> History:
    """The history of ``base..head`` (everything reachable from ``head`` without ``base``)."""
    if until is not None:  # the range ends with the code as it was then
        head = repo.last_before(head, _epoch(until)) or head
    commits = repo.commits(head, base, since=_epoch(since), until=_epoch(until))
    notes = []
    boundary = repo.shallow_commits()
    if boundary & {c.sha for c in commits}:
        commits = [c for c in commits if c.sha not in boundary]
        notes.append("this clone is shallow: the commits at its boundary are not counted (their parents are "
                     "missing); fetch more history for a full report (e.g. `fetch-depth: 0` in actions/checkout)")
    versions = [(path, blob) for commit in commits for change in commit.changes
                for path, blob in ((change.old_path, change.old_blob), (change.new_path, change.new_blob)) if blob]
    touched = {path for path, _ in versions}
    final = {path: blob for path, blob in repo.python_files(head).items() if path in touched}
    analyser.analyse(versions + list(final.items()))

    first = since.date() if since else (utc_day(commits[0].timestamp) if commits else None)
    last = until.date() if until else (utc_day(commits[-1].timestamp) if commits else None)
    periods = _periods(first, last, period)
    by_start = {p.start: p for p in periods}
    alive: dict[tuple[str, str], Introduction] = {}
    summaries = []
    for commit in commits:
        ai = attribution.is_ai_assisted(commit.trailers)
        counted = [(a, d) for path, a, d in commit.numstat if not analyser.is_excluded(path)]
        summary = CommitSummary(commit, ai, sum(a for a, _ in counted), sum(d for _, d in counted))
        summaries.append(summary)
        bucket = by_start.get(period_start(utc_day(commit.timestamp), period))
        introduced, fixed = _diff(commit, analyser, alive, Introduction(commit.sha, commit.timestamp, ai))
        summary.introduced, summary.fixed = len(introduced), len(fixed)
        if bucket is not None:
            _count(bucket, summary, introduced, fixed)
    open_findings = [OpenFinding(path, defect, alive[(path, fp)])
                     for path, blob in sorted(final.items())
                     for fp, defect in analyser.fingerprinted(path, blob) if (path, fp) in alive]
    open_findings.sort(key=lambda f: (f.path, f.defect.line, f.defect.code))
    remote = web_url(repo.remote_url())
    return History(remote or str(repo.root), first, last, period, periods, open_findings, summaries, head, remote,
                   str(repo.root), notes)


def _diff(commit: Commit, analyser: Analyser, alive: dict, introduction: Introduction
          ) -> tuple[list[Defect], list[Defect]]:
    """(introduced, fixed) by one commit; ``alive`` follows the introduced findings."""
    removed: dict[str, list[tuple[str, str]]] = defaultdict(list)  # path-free key -> [(path, fp)]
    removed_defects: dict[tuple[str, str], Defect] = {}
    added: list[tuple[str, str, Defect]] = []
    for change in commit.changes:
        before = analyser.fingerprinted(change.old_path, change.old_blob) if change.old_blob else []
        after = analyser.fingerprinted(change.new_path, change.new_blob) if change.new_blob else []
        before_fps = {fp for fp, _ in before}
        after_fps = {fp for fp, _ in after}
        for fp, defect in before:
            if fp not in after_fps or change.old_path != change.new_path:
                removed[_moved_key(defect)].append((change.old_path, fp))
                removed_defects[(change.old_path, fp)] = defect
        for fp, defect in after:
            if fp not in before_fps or change.old_path != change.new_path:
                added.append((change.new_path, fp, defect))
    introduced = []
    for path, fp, defect in added:
        candidates = removed.get(_moved_key(defect))
        if candidates:  # the same finding, moved to another place or file
            old = candidates.pop(0)
            del removed_defects[old]
            origin = alive.pop(old, None)
            if origin is not None:
                alive[(path, fp)] = origin
            continue
        introduced.append(defect)
        alive[(path, fp)] = introduction
    for key in removed_defects:
        alive.pop(key, None)
    return introduced, list(removed_defects.values())


def _moved_key(defect: Defect) -> str:
    """The fingerprint without the path: the same code on the same line text."""
    return fingerprint(defect.code, "", defect.text)


def _count(bucket: Period, summary: CommitSummary, introduced: list[Defect], fixed: list[Defect]) -> None:
    bucket.commits += 1
    bucket.lines_added += summary.lines_added
    bucket.lines_deleted += summary.lines_deleted
    bucket.findings_introduced += len(introduced)
    bucket.findings_fixed += len(fixed)
    if summary.ai_assisted:
        bucket.ai_commits += 1
        bucket.ai_lines_added += summary.lines_added
        bucket.ai_findings_introduced += len(introduced)
    for defect in introduced:
        bucket.by_category[defect.category]["introduced"] += 1
    for defect in fixed:
        bucket.by_category[defect.category]["fixed"] += 1


def _periods(first: date | None, last: date | None, period: str) -> list[Period]:
    if first is None or last is None or last < first:
        return []
    periods = []
    start = period_start(first, period)
    while start <= last:
        following = next_period(start, period)
        periods.append(Period(start, following - timedelta(days=1)))
        start = following
    return periods


def _epoch(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment else None
