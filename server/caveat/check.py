"""``caveat check``: discover files, analyse each, collect results for a report."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from caveat.engine.analyzer import Engine
from caveat.project import Settings
from caveat.report import FileResult


def read_source(path: Path) -> tuple[str, str | None]:
    """The file's text and, when it is not valid UTF-8, a note saying so."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        note = (f"{path}: not valid UTF-8 (byte {error.start}); analysed with the bad bytes "
                f"replaced by U+FFFD")
        return data.decode("utf-8", "replace"), note


def discover(paths: list[Path], settings: Settings) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            found.append(path)  # named explicitly: checked even when excluded
            continue
        for folder, dirs, files in os.walk(path):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if not settings.is_excluded(here / d / "x.py"))
            for name in sorted(files):
                candidate = here / name
                if name.endswith((".py", ".pyi")) and not settings.is_excluded(candidate):
                    found.append(candidate)
    return found


class CheckRun:
    def __init__(self, settings: Settings, *, use_cache: bool = True, progress: bool = False) -> None:
        self.settings = settings
        self.use_cache = use_cache
        self.progress = progress
        self.notes: list[str] = []
        self.engine = Engine()

    def check(self, paths: list[Path]) -> list[FileResult]:
        files = discover(paths, self.settings)
        results: list[FileResult] = []
        show = self.progress and len(files) >= 20
        for count, path in enumerate(files, start=1):
            results.append(self.check_file(path))
            if show:
                done = int(30 * count / len(files))
                sys.stderr.write(f"\r[{'#' * done}{'.' * (30 - done)}] {count}/{len(files)} files")
                sys.stderr.flush()
        if show:
            sys.stderr.write("\r" + " " * 60 + "\r")
        return results

    def check_file(self, path: Path) -> FileResult:
        display = _display_path(path)
        try:
            text, note = read_source(path)
        except OSError as error:
            self.notes.append(f"{display}: cannot read: {error.strerror}")
            return FileResult(display, [], [], [])
        if note:
            self.notes.append(note)
        analysis = self.engine.analyze(text, str(path), self.settings)
        self.notes.extend(f"{display}: {n}" for n in analysis.notes)
        return FileResult(display, analysis.findings, text.splitlines(), analysis.notes)


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
