"""Settings for each document: ``[tool.caveat]`` of its project, overridden by the editor.

Invalid editor settings or a broken pyproject.toml never stop the server:
the problem is reported once (window/showMessage) and the last valid version
of that layer (or, when there was none, the defaults) is used.
"""
from __future__ import annotations

import logging
import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from caveat.project import ConfigError, Settings, find_pyproject, load_pyproject, settings_from_mapping

log = logging.getLogger("caveat.lsp.settings")


_EDITOR_KEYS = {
    "select", "extend-select", "ignore", "severity", "exclude", "python", "max-file-size-kb",
    "report-unused-suppressions", "options", "profile", "respect-peer-suppressions", "new-code", "diagnosticMode", "path",
    "interpreter", "trace",
    "enable", "server", "baseline",
}


def editor_table(raw: Any) -> dict:
    """caveat's settings out of what an editor sent.

    ``{"caveat": {...}}`` gives its section. A bare table is caveat's only when every
    key is one of caveat's settings: clients such as Eglot send the user's whole
    workspace configuration (``{"ruff": {...}}``), which is other servers' business.
    VS Code sends every key, unset ones empty (``select: []``, ``python: ""``): an empty
    string or an empty selection means "not set" (selecting nothing is never what a user
    means), while an empty ``ignore`` or ``exclude`` still overrides the project's list.
    """
    if not isinstance(raw, dict):
        return {}
    if "caveat" in raw:
        raw = raw["caveat"] if isinstance(raw["caveat"], dict) else {}
    elif not all(str(key).replace("_", "-") in _EDITOR_KEYS or key in _EDITOR_KEYS for key in raw):
        return {}
    unset_when_empty = {"select", "extend-select", "extend_select", "severity", "options"}
    return {key: value for key, value in raw.items()
            if value is not None and value != "" and not (key in unset_when_empty and not value)}


class SettingsStore:
    def __init__(self, report: Callable[[str], None]) -> None:
        self._report = report
        self._editor: dict = {}
        self._reported: set[str] = set()
        self._file_cache: dict[Path, tuple[float, Settings | None]] = {}
        self.root: Path | None = None

    def set_editor(self, raw: Any) -> bool:
        """Replace the editor layer; returns False (and reports) when invalid, keeping the
        last valid editor layer (a typo in the middle of editing settings loses nothing)."""
        table = editor_table(raw)
        try:
            settings_from_mapping(table, "editor settings")
        except ConfigError as error:
            instead = "keeping the last valid editor settings" if self._editor else \
                "using the project's settings and defaults instead"
            self._report_once(f"caveat: {error}; {instead}")
            return False
        self._editor = table
        return True

    def for_path(self, path: str | None) -> Settings:
        base = self._file_settings(Path(path) if path else None)
        if not self._editor:
            return base
        try:
            merged = settings_from_mapping(self._editor, "editor settings", base)
        except ConfigError as error:
            self._report_once(f"caveat: {error}")
            return base
        if merged.python and not os.path.isabs(os.path.expanduser(merged.python)) and self.root:
            merged = replace(merged, python=str(self.root / merged.python))
        if self._editor.get("baseline") and not os.path.isabs(merged.baseline or "") and self.root:
            merged = replace(merged, baseline=str(self.root / merged.baseline))  # the editor's: from the workspace
        return merged

    def _file_settings(self, path: Path | None) -> Settings:
        start = path.parent if path else self.root
        pyproject = find_pyproject(start) if start and start.exists() else None
        if pyproject is None:
            return Settings(root=str(self.root or (start or Path.cwd())))
        try:
            mtime = pyproject.stat().st_mtime
        except OSError:
            return Settings(root=str(pyproject.parent))
        cached = self._file_cache.get(pyproject)
        if cached and cached[0] == mtime:
            return cached[1] or Settings(root=str(pyproject.parent))
        try:
            settings = load_pyproject(pyproject)
        except ConfigError as error:
            settings = cached[1] if cached else None  # the last valid version of the file, if any
            instead = "keeping its last valid settings" if settings else "using default settings for this project"
            self._report_once(f"caveat: {error}; {instead}")
        self._file_cache[pyproject] = (mtime, settings)
        return settings or Settings(root=str(pyproject.parent))

    def _report_once(self, message: str) -> None:
        if message not in self._reported:
            self._reported.add(message)
            log.warning(message)
            self._report(message)
