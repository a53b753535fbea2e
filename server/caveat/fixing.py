"""``caveat check --fix / --unsafe-fixes / --diff``: the editor's quick-fixes, applied to files.

There is no second fix engine: the fixes are the ones every finding carries (the edits
an editor's code action applies), chosen by what they declare (``Fix.safe``). For one
file:

1. the file is read as Python reads it (its BOM and ``# -*- coding -*-`` cookie); a file
   that does not parse, or cannot be decoded, is left alone;
2. each round applies every applicable fix whose edits do not overlap an earlier one's,
   then analyses the result again; rounds repeat until nothing applies (fixes whose
   edits moved or overlapped come back freshly computed in the next round);
3. a round is kept only when its result parses and each applied fix's finding is gone
   (the number of findings of its code dropped by at least the number of fixes applied
   for it, as in ruff: a fix that leaves its finding counts for nothing). Otherwise the
   round's fixes are tried one at a time, and a fix that fails is not tried again;
4. inserted text takes the file's line ending; the file is written back atomically
   (a temporary file in the same folder, then a rename), in its own encoding and with
   its BOM and permissions; nothing is written when the text did not change, nor when
   the file changed on disk since it was read (the user saved it meanwhile: their text wins).

Fixes that edit another file (declaring a dependency in pyproject.toml) are left to the
editor, where the user sees both files change.
"""
from __future__ import annotations

import difflib
import io
import os
import re
import stat
import tempfile
import tokenize
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from caveat.engine.analyzer import apply_edits, parses
from caveat.engine.blocks import split_lines
from caveat.engine.findings import Finding, Fix, TextEdit

MAX_ROUNDS = 12
Analyse = Callable[[str], list[Finding]]  # text -> the findings a fix may remove (already scoped)


def applicable(finding: Finding, unsafe: bool) -> bool:
    """Whether ``--fix`` (or ``--unsafe-fixes`` when ``unsafe``) applies this finding's fix."""
    fix = finding.fix
    return fix is not None and bool(fix.edits) and not fix.other_files and (fix.safe or unsafe)


class ChangedOnDisk(OSError):
    """The file is no longer what the fixes were computed on."""


@dataclass
class SourceFile:
    """A file's text as Python decodes it, and what writing it back must keep."""

    path: Path
    text: str
    encoding: str  # "utf-8-sig" when the file starts with a BOM
    newline: str
    data: bytes = b""  # the file as read

    @classmethod
    def read(cls, path: Path) -> "SourceFile":
        """Raises ``SyntaxError`` (a bad coding cookie), ``UnicodeDecodeError`` or ``OSError``."""
        data = path.read_bytes()
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
        return cls(path, text, encoding, _dominant_newline(text), data)

    def encode(self, text: str) -> bytes:
        return text.encode(self.encoding)

    def write(self, text: str) -> None:
        """Atomically replace the file (its real target when it is a symbolic link);
        ``ChangedOnDisk`` when it changed since it was read."""
        target = Path(os.path.realpath(self.path))
        data = self.encode(text)
        if target.read_bytes() != self.data:
            raise ChangedOnDisk("it changed on disk while caveat was fixing it; run again")
        mode = stat.S_IMODE(target.stat().st_mode)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".caveat-tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, mode)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _dominant_newline(text: str) -> str:
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    cr = text.count("\r") - crlf
    return max((("\n", lf), ("\r\n", crlf), ("\r", cr)), key=lambda pair: pair[1])[0] if crlf or cr else "\n"


_BARE_LF = re.compile(r"(?<!\r)\n")


def _with_newline(fix: Fix, newline: str) -> list[TextEdit]:
    if newline == "\n":
        return list(fix.edits)
    return [TextEdit(e.start, e.end, _BARE_LF.sub(newline, e.text)) for e in fix.edits]


@dataclass
class FileOutcome:
    path: Path
    original: str
    fixed: str
    applied: int = 0  # fixes whose finding is gone
    notes: list[str] = field(default_factory=list)
    source: SourceFile | None = None

    @property
    def changed(self) -> bool:
        return self.fixed != self.original

    def diff(self, display: str) -> str:
        """The change as a unified diff (``git apply`` reads it)."""
        lines = difflib.unified_diff(_diff_lines(self.original), _diff_lines(self.fixed), f"a/{display}", f"b/{display}")
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _diff_lines(text: str) -> list[str]:
    lines = split_lines(text)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


def fix_file(path: Path, analyse: Analyse, unsafe: bool = False, display: str | None = None) -> FileOutcome:
    """Apply the fixes ``analyse`` reports for ``path`` until stable; the file is not written."""
    display = display or str(path)
    try:
        source = SourceFile.read(path)
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError) as error:
        return FileOutcome(path, "", "", notes=[f"{display}: not fixed: cannot read it as Python source ({error})"])
    outcome = FileOutcome(path, source.text, source.text, source=source)
    if not parses(source.text):
        outcome.notes.append(f"{display}: not fixed: it does not parse")
        return outcome
    outcome.fixed, outcome.applied = fix_text(source.text, analyse, unsafe, source.newline)
    try:
        source.encode(outcome.fixed)
    except UnicodeEncodeError:
        outcome.notes.append(f"{display}: not fixed: the fixed text cannot be written in {source.encoding}")
        outcome.fixed, outcome.applied = outcome.original, 0
    return outcome


def fix_text(text: str, analyse: Analyse, unsafe: bool = False, newline: str = "\n") -> tuple[str, int]:
    """(the fixed text, how many findings the fixes removed)."""
    findings = analyse(text)
    applied = 0
    rejected: set[tuple] = set()
    for _ in range(MAX_ROUNDS):
        lines = split_lines(text)
        candidates = [f for f in findings if applicable(f, unsafe) and _identity(f, lines) not in rejected]
        if not candidates:
            break
        chosen = _non_overlapping(candidates)
        result = _attempt(text, chosen, findings, analyse, newline)
        if result is None and len(chosen) > 1:
            for one in chosen:  # find the fixes that work on their own
                result = _attempt(text, [one], findings, analyse, newline)
                if result is not None:
                    chosen = [one]
                    break
                rejected.add(_identity(one, lines))
        elif result is None:
            rejected.add(_identity(chosen[0], lines))
        if result is None:
            continue
        text, findings = result
        applied += len(chosen)
    return text, applied


def _attempt(text: str, chosen: list[Finding], before: list[Finding], analyse: Analyse,
             newline: str) -> tuple[str, list[Finding]] | None:
    """The text with ``chosen`` applied and its findings, or None when the result does not
    parse or a fix left its finding behind."""
    edits = [edit for finding in chosen for edit in _with_newline(finding.fix, newline)]
    new_text = apply_edits(text, edits)
    if new_text == text or not parses(new_text):
        return None
    after = analyse(new_text)
    needed = Counter(f.code for f in chosen)
    had, has = Counter(f.code for f in before), Counter(f.code for f in after)
    if any(had[code] - has[code] < count for code, count in needed.items()):
        return None
    return new_text, after


def _identity(finding: Finding, lines: list[str]) -> tuple:
    """What a rejected fix is remembered by across rounds (positions move; text does not)."""
    line = lines[finding.line - 1].strip() if 0 < finding.line <= len(lines) else ""
    return finding.code, line, finding.fix.title, tuple(e.text for e in finding.fix.edits)


def _non_overlapping(candidates: Iterable[Finding]) -> list[Finding]:
    """The fixes to apply together: in order, each one whose edits touch no edit taken before.
    Two insertions at the same point overlap too (their order would be arbitrary)."""
    taken: list[TextEdit] = []
    chosen: list[Finding] = []
    for finding in sorted(candidates, key=lambda f: (f.line, f.col, f.code)):
        edits = finding.fix.edits
        if any(_overlap(a, b) for a in edits for b in taken):
            continue
        chosen.append(finding)
        taken.extend(edits)
    return chosen


def _overlap(a: TextEdit, b: TextEdit) -> bool:
    a_start, a_end = (a.start.line, a.start.col), (a.end.line, a.end.col)
    b_start, b_end = (b.start.line, b.start.col), (b.end.line, b.end.col)
    return a_start == b_start or (a_start < b_end and b_start < a_end)
