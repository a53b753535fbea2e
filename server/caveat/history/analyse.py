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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from caveat.check import (CACHE_DIR, POOL_MIN_FILES, DiskCache, analysis_pool, analyse_in_worker, decode_source,
                          full_analysis, namespace, progress_bar)
from caveat.engine.analyzer import Engine
from caveat.engine.blocks import split_lines
from caveat.engine.findings import Finding
from caveat.engine.gc_tuning import tune_for_analysis
from caveat.history.git import BlobReader
from caveat.project import Settings
from caveat.report import display_message
from caveat.report.sarif import fingerprints
from caveat.rules.meta import META_RULES

NOT_DEFECTS = frozenset(info.code for info in META_RULES)  # notes about caveat's own run
_WINDOW = 16  # file versions in flight per worker


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
        self.settings = settings
        self.api = api
        self.jobs = jobs if jobs is not None else (os.cpu_count() or 1)
        self.progress = progress
        self.results: dict[Version, list[Defect]] = {}
        self.stats = {"versions": 0, "cached": 0, "analysed": 0}
        use_cache = use_cache and os.environ.get("CAVEAT_NO_DISK_CACHE", "") not in ("1", "true", "yes")
        space = namespace(settings) + ("" if api else "-local")
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
        with BlobReader(self.root) as reader:
            texts = (self._text(reader, version) for version in pending)
            if self.jobs > 1 and len(pending) >= POOL_MIN_FILES:
                yield from self._in_pool(pending, texts)
                return
            engine = Engine()
            tune_for_analysis()
            for version, text in zip(pending, texts):
                findings, _ = full_analysis(engine, text, version[0], self.settings, self.api)
                yield version, _defects(findings, text)

    def _in_pool(self, pending: list[Version], texts: Iterator[str]):
        workers = min(self.jobs, len(pending))
        with analysis_pool(workers, self.settings, self.api) as pool:
            in_flight: list = []
            for version, text in zip(pending, texts):
                in_flight.append((version, text, pool.submit(analyse_in_worker, version[0], text)))
                if len(in_flight) >= _WINDOW * workers:
                    version, text, future = in_flight.pop(0)
                    yield version, _defects(future.result()[0], text)
            for version, text, future in in_flight:
                yield version, _defects(future.result()[0], text)

    @staticmethod
    def _text(reader: BlobReader, version: Version) -> str:
        text, _ = decode_source(reader.read(version[1]), Path(version[0]))
        return text


def _defects(findings: list[Finding], text: str) -> list[Defect]:
    lines = split_lines(text)
    found = []
    for finding in findings:
        if finding.code in NOT_DEFECTS:
            continue
        line_text = lines[finding.line - 1].strip() if 0 < finding.line <= len(lines) else ""
        found.append(Defect(finding.code, finding.category, finding.line, line_text, display_message(finding)))
    return found
