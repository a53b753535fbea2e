"""Findings of file versions, each analysed once.

A file version is a (path, blob) pair: the engine's results depend on the text and on
the path (test files, settings modules), so a blob met again at the same path is never
analysed again, within a run (memory) or across runs (``.caveat_cache/history-*.pickle``,
in the namespace ``caveat check`` uses: caveat's version and sources, the settings, the
installed packages). Texts come from ``git cat-file --batch`` and are analysed by the
engine's local checks (bandit and caveat's rules) in a pool of processes, one per core.

API checks (jedi) are off: they ask today's environment about yesterday's code, and a
library upgraded since would make old commits look broken (or fixed). ``api=True`` turns
them on for those who keep the environment of the past.
"""
from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from caveat.check import (
    CACHE_DIR,
    LOCAL_ONLY,
    POOL_MIN_FILES,
    DiskCache,
    analyse_in_worker,
    analysis_pool,
    decode_source,
    full_analysis,
    namespace,
    progress_bar,
)
from caveat.engine.analyzer import Engine
from caveat.engine.blocks import split_lines
from caveat.engine.findings import Finding
from caveat.engine.gc_tuning import tune_for_analysis
from caveat.history.git import BlobReader
from caveat.project import STRICT, Settings
from caveat.report import display_message
from caveat.report.sarif import fingerprints
from caveat.rules.meta import META_RULES

NOT_DEFECTS = frozenset(info.code for info in META_RULES)  # notes about caveat's own run
_WINDOW = 8  # file versions in flight per process


@dataclass(frozen=True)
class Defect:
    """A finding as the history needs it."""

    code: str
    category: str
    line: int
    text: str  # the source line, stripped (what the fingerprint is computed from)
    message: str  # redacted as in every output


Version = tuple[str, str]  # (path, blob)


class Analyser:
    def __init__(self, root: Path, settings: Settings, *, jobs: int | None = None, progress: bool = False,
                 use_cache: bool = True, api: bool = False) -> None:
        self.root = root
        # Every line of history was new code when its commit wrote it: unless new-code = "default",
        # versions are analysed with the strict profile, as the editor and `caveat check` analyse
        # the lines being written.
        self.settings = replace(settings, profile=STRICT) if settings.new_code_strict else settings
        self.api = api
        self.jobs = jobs if jobs is not None else (os.cpu_count() or 1)
        self.progress = progress
        self.results: dict[Version, list[Defect]] = {}
        self.stats = {"versions": 0, "cached": 0, "analysed": 0}
        use_cache = use_cache and os.environ.get("CAVEAT_NO_DISK_CACHE", "") not in ("1", "true", "yes")
        space = namespace(settings) + ("" if api else LOCAL_ONLY)
        self.cache = DiskCache(root / CACHE_DIR, space, prefix="history") if use_cache else None
        self._excluded: dict[str, bool] = {}

    def is_excluded(self, path: str) -> bool:
        """``exclude`` and the default exclusions, as ``caveat check .`` at the root applies them."""
        hit = self._excluded.get(path)
        if hit is None:
            hit = self._excluded[path] = self.settings.is_excluded(self.root / path, self.root)
        return hit

    def defects(self, path: str, blob: str) -> list[Defect]:
        return self.results.get((path, blob), [])

    def fingerprinted(self, path: str, blob: str) -> list[tuple[str, Defect]]:
        found = self.defects(path, blob)
        return list(zip(fingerprints(path, [(d.code, d.text) for d in found]), found))

    def analyse(self, versions: Iterable[Version]) -> None:
        """Make the findings of every version available (from memory, the disk cache or analysis)."""
        pending: list[Version] = []
        for version in dict.fromkeys(versions):
            if version in self.results:
                continue
            if self.is_excluded(version[0]):
                self.results[version] = []
                continue
            hit = self.cache.get(self._key(version)) if self.cache else None
            if hit is not None:
                self.results[version] = hit[0]
                self.stats["cached"] += 1
            else:
                pending.append(version)
        self.stats["versions"] = len(self.results) + len(pending)
        self.stats["analysed"] += len(pending)
        show = self.progress and len(pending) >= 20
        for count, (version, defects) in enumerate(self._run(pending), start=1):
            self.results[version] = defects
            if self.cache:
                self.cache.put(self._key(version), defects, [])
            if show and (count % 5 == 0 or count == len(pending)):
                progress_bar(count, len(pending), "file versions")
        if show:
            progress_bar(0, 0)
        if self.cache:
            self.cache.save()

    @staticmethod
    def _key(version: Version) -> str:
        return DiskCache.key(version[0], version[1].encode())

    def _run(self, pending: list[Version]) -> Iterator[tuple[Version, list[Defect]]]:
        """Each file's versions go, in history order, to the same process: its engine's block
        cache then re-analyses only the blocks a version changed (from one version of a file to
        the next, most blocks are the same). One single-process pool per core, fed in turn."""
        if not pending:
            return
        workers = min(self.jobs, len(pending)) if len(pending) >= POOL_MIN_FILES else 1
        lanes = _lanes(pending, workers)
        with BlobReader(self.root) as reader:
            if workers == 1:
                engine = Engine()
                tune_for_analysis()
                for version in lanes[0]:
                    text = self._text(reader, version)
                    findings, _ = full_analysis(engine, text, version[0], self.settings, self.api)
                    yield version, _defects(findings, text)
                return
            pools = [analysis_pool(1, self.settings, self.api) for _ in lanes]
            try:
                in_flight: list[deque] = [deque() for _ in lanes]
                for lane, version in _in_turn(lanes):
                    text = self._text(reader, version)
                    in_flight[lane].append((version, text, pools[lane].submit(analyse_in_worker, version[0], text)))
                    if len(in_flight[lane]) >= _WINDOW:
                        version, text, future = in_flight[lane].popleft()
                        yield version, _defects(future.result()[0], text)
                for queue in in_flight:
                    for version, text, future in queue:
                        yield version, _defects(future.result()[0], text)
            finally:
                for pool in pools:
                    pool.shutdown(cancel_futures=True)

    @staticmethod
    def _text(reader: BlobReader, version: Version) -> str:
        text, _ = decode_source(reader.read(version[1]), Path(version[0]))
        return text


def _lanes(pending: list[Version], count: int) -> list[list[Version]]:
    """``count`` lists of versions, each path's versions in one list in their order, the lists
    balanced by number of versions (the files with most versions placed first)."""
    by_path: dict[str, list[Version]] = {}
    for version in pending:
        by_path.setdefault(version[0], []).append(version)
    lanes: list[list[Version]] = [[] for _ in range(count)]
    for versions in sorted(by_path.values(), key=len, reverse=True):
        min(lanes, key=len).extend(versions)
    return lanes


def _in_turn(lanes: list[list[Version]]) -> Iterator[tuple[int, Version]]:
    """(lane, version), taking one from each lane in turn, so every process has work."""
    for step in range(max(map(len, lanes))):
        for lane, versions in enumerate(lanes):
            if step < len(versions):
                yield lane, versions[step]


def _defects(findings: list[Finding], text: str) -> list[Defect]:
    lines = split_lines(text)
    found = []
    for finding in findings:
        if finding.code in NOT_DEFECTS:
            continue
        line_text = lines[finding.line - 1].strip() if 0 < finding.line <= len(lines) else ""
        found.append(Defect(finding.code, finding.category, finding.line, line_text, display_message(finding)))
    return found
