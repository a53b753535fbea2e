"""Which lines are new code: unless ``new-code = "default"`` they get the strict profile.

A line is new when git says it was added or changed since the base revision (``HEAD`` by
default; ``caveat check --diff-from REF`` compares with REF): in ``caveat check`` the file on
disk, in the editor the buffer. A file git does not track yet is new in every line. A file
outside any git repository: nothing is known to be new under ``new-code = "auto"`` (the
default; an extracted release or a folder of scripts is not code being written), every line
is new under ``new-code = "strict"`` (``outside_git_all_new``). The answers, for the engine: a
set of line numbers, ``None`` for "every line", or the empty set for "none"
(``new-code = "default"``, an unchanged file, or outside git under "auto").

The editor asks on every keystroke, and git takes tens of milliseconds per question, so
``BufferLines`` answers from the last exact answer for this buffer, carried over the edit
since (lines before and after the edited region keep their answer and move with the edit;
the edited lines are new), and says when an exact answer is due; the server computes it off
the typing path and re-filters when it differs.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from caveat import vcs

log = logging.getLogger("caveat.newcode")

NOTHING: frozenset[int] = frozenset()


# --- caveat check ----------------------------------------------------------------------------
class DiskLines:
    """New lines of files on disk since ``ref``, one ``git diff`` per repository."""

    def __init__(self, ref: str = "HEAD", outside_git_all_new: bool = True) -> None:
        self.ref = ref
        self.outside_git: frozenset[int] | None = None if outside_git_all_new else NOTHING
        self._changes: dict[Path, vcs.Changes | None] = {}
        self._roots: dict[Path, Path | None] = {}

    def lines(self, path: Path) -> frozenset[int] | None:
        root = self._root(Path(path).resolve().parent)
        if root is None:
            return self.outside_git
        if root not in self._changes:
            try:
                self._changes[root] = vcs.changes_since(root, self.ref)
            except vcs.VcsError as error:
                if self.ref != "HEAD":
                    raise  # --diff-from REF: the user named a revision; tell them what is wrong
                log.info("%s; every line counts as new", error)  # e.g. a repository without a commit yet
                self._changes[root] = None
        changes = self._changes[root]
        return None if changes is None else changes.lines(path)

    def _root(self, folder: Path) -> Path | None:
        if folder not in self._roots:
            # git looks for `.git` upwards: a folder without one is in its parent's repository
            # (or in none), so git runs once per repository, not once per folder.
            parent = folder.parent
            if parent != folder and not (folder / ".git").exists():
                self._roots[folder] = self._root(parent)
            else:
                self._roots[folder] = vcs.repo_root(folder)
        return self._roots[folder]


# --- the editor ------------------------------------------------------------------------------
@dataclass
class _Exact:
    text: str  # the buffer when the answer was computed
    new: frozenset[int] | None
    at: float  # when (a commit moves HEAD without an edit: answers age)


class BufferLines:
    """New lines of editor buffers against ``HEAD``, cheap on every keystroke."""

    REPO_TTL = 30.0  # seconds a "is this folder in a repository?" answer is kept
    EXACT_TTL = 30.0  # seconds after which an unchanged buffer's answer is checked again

    def __init__(self, exact: Callable[[str, str], frozenset[int] | None] | None = None) -> None:
        self._exact = exact or _exact_of_text
        self._last: dict[str, _Exact] = {}
        self._roots: dict[Path, tuple[float, Path | None]] = {}
        self._lock = threading.Lock()

    def lines(self, path: str, text: str, outside_git_all_new: bool = True) -> tuple[frozenset[int] | None, bool]:
        """(the new lines of ``text``, whether an exact answer is due). A buffer outside any git
        repository (or with no path) is new in every line with ``outside_git_all_new``, else in none."""
        if not path or self._root(Path(path).parent) is None:
            return (None if outside_git_all_new else NOTHING), False
        with self._lock:
            last = self._last.get(path)
        if last is None:
            return self.refresh(path, text), False
        if last.text == text:
            return last.new, time.monotonic() - last.at > self.EXACT_TTL
        return _carried(last, text), True

    def refresh(self, path: str, text: str) -> frozenset[int] | None:
        """The exact answer for ``text`` (git), remembered for the next edits."""
        try:
            new = self._exact(path, text)
        except vcs.VcsError as error:
            log.info("new lines of %s: %s; every line counts as new", path, error)
            new = None
        with self._lock:
            self._last[path] = _Exact(text, new, time.monotonic())
        return new

    def forget(self, path: str) -> None:
        with self._lock:
            self._last.pop(path, None)

    def _root(self, folder: Path) -> Path | None:
        now = time.monotonic()
        known = self._roots.get(folder)
        if known is None or now - known[0] > self.REPO_TTL:
            known = self._roots[folder] = (now, vcs.repo_root(folder))
        return known[1]


def _exact_of_text(path: str, text: str) -> frozenset[int] | None:
    lines = vcs.changed_lines_of_text(path, text, "HEAD")
    return None if lines is None else frozenset(lines)


def _carried(last: _Exact, text: str) -> frozenset[int] | None:
    """The last exact answer moved over one edited region: the lines before it and after it
    keep their answer (moved by the lines the edit added or removed), the lines inside it are
    new. Found on the texts with C-speed slice comparisons: a line-by-line loop costs
    milliseconds per keystroke on a long file."""
    if last.new is None:
        return None
    old = last.text
    limit = min(len(old), len(text))
    prefix = _common(lambda k: old[:k] == text[:k], limit)
    suffix = _common(lambda k: old[len(old) - k:] == text[len(text) - k:], limit - prefix)
    before = old.count("\n", 0, prefix)  # lines wholly before the edit: the same in both texts
    old_end, new_end = _last_touched(old, len(old) - suffix), _last_touched(text, len(text) - suffix)
    new = {line for line in last.new if line <= before}
    new |= {line + new_end - old_end for line in last.new if line > old_end}  # wholly after it
    new |= set(range(before + 1, new_end + 1))
    return frozenset(new)


def _last_touched(text: str, end: int) -> int:
    """The last line that is not wholly after ``end`` (the end of the edited region)."""
    return text.count("\n", 0, end - 1) + 1 if end >= 1 else 0


def _common(same: Callable[[int], bool], limit: int) -> int:
    """The largest k <= limit with ``same(k)`` (true up to some k, false after): a binary search."""
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if same(middle):
            low = middle
        else:
            high = middle - 1
    return low
