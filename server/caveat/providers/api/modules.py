"""Where an imported module comes from: stdlib, the workspace, the environment, or nowhere.

All of it is file-system lookups: nothing is imported, nothing of the project runs.
"""
from __future__ import annotations

import difflib
import json
import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from caveat.environment import Environment, canonical_name, module_location, stdlib_paths

_SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", "__pycache__", ".tox", ".nox", ".mypy_cache", ".ruff_cache",
              ".pytest_cache", ".caveat_cache", "site-packages", "dist-packages", ".venv", "venv", ".eggs", "build", "dist"}

STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) | frozenset(sys.builtin_module_names)


@lru_cache(maxsize=1)
def popular_imports() -> dict[str, str]:
    """import name -> distribution, for well-known packages (offline, bundled)."""
    path = Path(__file__).resolve().parent.parent.parent / "data" / "popular_imports.json"
    try:
        return dict(json.loads(path.read_text(encoding="utf-8"))["imports"])
    except (OSError, ValueError, KeyError):
        return {}


@lru_cache(maxsize=1)
def top_pypi() -> dict[str, str]:
    """Canonical name -> distribution name of the 15,000 most-downloaded PyPI projects
    (``data/top-pypi-packages.tsv``; its header says where it comes from and when)."""
    path = Path(__file__).resolve().parent.parent.parent / "data" / "top-pypi-packages.tsv"
    found: dict[str, str] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return found
    for line in lines:
        if line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) >= 2 and parts[1]:
            found.setdefault(canonical_name(parts[1]), parts[1])
    return found


def known_distribution(top: str) -> str | None:
    """The distribution a well-known import name most likely comes from: the curated
    import table first, then a top-PyPI project of that name (``blinker``, ``watchdog``) or
    of a common packaging of it (``python-X``, ``pyX``, ``X-python``)."""
    curated = popular_imports().get(top)
    if curated:
        return curated
    table = top_pypi()
    name = canonical_name(top)
    for candidate in (name, f"python-{name}", f"py{name}", f"{name}-python"):
        if candidate in table:
            return table[candidate]
    return None


def is_stdlib(top: str) -> bool:
    return top in STDLIB or top == "__future__"


@dataclass
class WorkspaceIndex:
    """Top-level module names defined anywhere in the workspace (first-party code)."""

    root: Path
    names: set[str] = field(default_factory=set)
    sources: list[str] = field(default_factory=list)  # the workspace's .py files, read for ``attributes``
    scanned_at: float = 0.0
    truncated: bool = False
    _attributes: set[str] | None = None

    @property
    def attributes(self) -> set[str]:
        """Names the project defines or assigns as attributes, read from its files on first
        use (a run whose every file is cached never reads them)."""
        if self._attributes is None:
            names: set[str] = set()
            read = 0
            for path in self.sources:
                if read >= _MAX_READ:
                    break
                read += _defined_attributes(path, names)
            self._attributes = names
        return self._attributes


_WORKSPACES: dict[str, WorkspaceIndex] = {}
_WS_LOCK = threading.Lock()
_RESCAN_SECONDS = 10.0
_MAX_ENTRIES = 50_000


def workspace_index(root: Path, env: Environment) -> WorkspaceIndex:
    key = str(root)
    with _WS_LOCK:
        index = _WORKSPACES.get(key)
        if index is not None and time.monotonic() - index.scanned_at < _RESCAN_SECONDS:
            return index
    index = _scan(root, env)
    with _WS_LOCK:
        _WORKSPACES[key] = index
    return index


def _scan(root: Path, env: Environment) -> WorkspaceIndex:
    index = WorkspaceIndex(root, scanned_at=time.monotonic())
    env_prefix = os.path.realpath(env.prefix)
    seen = 0
    for folder, dirs, files in os.walk(root):
        seen += len(dirs) + len(files)
        if seen > _MAX_ENTRIES:
            index.truncated = True
            break
        keep = []
        for name in dirs:
            if name in _SKIP_DIRS or name.startswith("."):
                continue
            path = os.path.join(folder, name)
            if os.path.isfile(os.path.join(path, "pyvenv.cfg")) or os.path.realpath(path) == env_prefix:
                continue
            keep.append(name)
            if name.isidentifier():
                index.names.add(name)
        dirs[:] = keep
        for name in files:
            if name.endswith((".py", ".pyi")) or name.endswith((".so", ".pyd")):
                stem = name.split(".", 1)[0]
                if stem.isidentifier() and stem != "__init__":
                    index.names.add(stem)
            if name.endswith(".py"):
                index.sources.append(os.path.join(folder, name))
    return index


_MAX_READ = 64 * 1024 * 1024  # bytes of workspace source read for attribute names
_DEFINED = re.compile(r"\b(?:def|class)\s+(\w+)|\.(\w+)\s*(?::[^=\n]*)?=(?!=)|^[ \t]*(\w+)\s*(?::[^=\n]*)?=(?!=)",
                      re.M)


_FILE_NAMES: dict[str, tuple[tuple[int, int], frozenset[str]]] = {}  # path -> ((mtime, size), names)


def _defined_attributes(path: str, names: set[str]) -> int:
    """Add the names a project file defines (defs, classes, assignments, ``x.attr = ...``):
    an attribute of that name may be the project's own object, which jedi cannot always tell
    from a library's. Returns the bytes read. A file unchanged since the last rescan of the
    workspace is not read again."""
    try:
        stat = os.stat(path)
    except OSError:
        return 0
    if stat.st_size > 2 * 1024 * 1024:
        return 0
    stamp = (stat.st_mtime_ns, stat.st_size)
    known = _FILE_NAMES.get(path)
    if known is None or known[0] != stamp:
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except OSError:
            return 0
        known = _FILE_NAMES[path] = (stamp, frozenset(match.group(1) or match.group(2) or match.group(3)
                                                      for match in _DEFINED.finditer(text)))
    names.update(known[1])
    return stat.st_size


@dataclass(frozen=True)
class Resolution:
    kind: str  # "stdlib", "workspace", "environment", "missing"
    location: str | None = None


def resolve_top(top: str, env: Environment, workspace: WorkspaceIndex, file_path: str | None) -> Resolution:
    if is_stdlib(top):
        return Resolution("stdlib")
    found = module_location(top, env.paths)
    if found:
        return Resolution("environment", found)
    if top in workspace.names:
        return Resolution("workspace")
    if file_path:
        folder = os.path.dirname(os.path.abspath(file_path))
        found = module_location(top, (folder,))
        if found:
            return Resolution("workspace", found)
    found = module_location(top, stdlib_paths())
    if found:
        return Resolution("stdlib", found)
    if workspace.truncated:
        return Resolution("workspace")  # cannot tell: the workspace was too large to index fully
    return Resolution("missing")


def suggestions(top: str, installed: list[str], limit: int = 3) -> list[str]:
    """Close names among installed import names and popular ones (installed first)."""
    pool = list(dict.fromkeys([*installed, *popular_imports()]))
    lowered = {name.lower(): name for name in pool}
    exact = lowered.get(top.lower())
    close = difflib.get_close_matches(top.lower(), list(lowered), n=limit + 1, cutoff=0.75)
    result = [exact] if exact and exact != top else []
    for match in close:
        name = lowered[match]
        if name != top and name not in result:
            result.append(name)
    return result[:limit]
