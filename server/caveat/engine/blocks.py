"""Split a buffer into independently analysable blocks, from the text alone.

A block is a top-level statement (with its decorators), or - for a top-level
class - the class header and each statement of the class body. Blocks are
found by scanning for logical-line starts, so a syntax error in one block
never changes where the other blocks begin (except an unterminated
triple-quoted string, which swallows what follows, as it does for Python).

The scan keeps per-line state (open brackets, open string) and memoizes the
per-line step on (state, line text): after an edit only changed lines are
rescanned, which keeps splitting a 5,000-line buffer in the low milliseconds.
"""
from __future__ import annotations

import re
import threading
from bisect import bisect_left
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Callable, NamedTuple

# Lines at the block's indentation that continue the previous compound statement.
_CONTINUATION = re.compile(r"(else|elif|except|finally)\b")
# Statement starts so unambiguous that an unclosed bracket before them is
# treated as a typing accident, not as a continuation (keeps errors local).
_HARD_START = re.compile(r"(async\s+def|def|class)\s|(import|from)\s+[\w.]+|@\w")
_TOKEN = re.compile(r"""[rRbBuUfF]{0,2}('''|\"\"\"|'|")|[#\\()\[\]{}]""")


class LineState(NamedTuple):
    depth: int = 0
    string: str = ""  # the open quote, if the line ends inside a string
    backslash: bool = False


_START = LineState()


@lru_cache(maxsize=200_000)
def _scan_line(state: LineState, line: str) -> LineState:
    depth, string = state.depth, state.string
    pos = 0
    if string:
        end = _find_string_end(line, 0, string)
        if end < 0:
            if len(string) == 1 and not line.rstrip("\r\n").endswith("\\"):
                string = ""  # unterminated single-quoted string: Python stops here too
            return LineState(depth, string, False)
        pos, string = end, ""
    n = len(line)
    while pos < n:
        match = _TOKEN.search(line, pos)
        if match is None:
            break
        token = match.group(0)
        quote = match.group(1)
        if quote:
            end = _find_string_end(line, match.end(), quote)
            if end < 0:
                if len(quote) == 3 or line.rstrip("\r\n").endswith("\\"):
                    return LineState(depth, quote, False)
                return LineState(depth, "", False)
            pos = end
            continue
        if token == "#":
            break
        if token == "\\":
            if match.end() >= len(line.rstrip("\r\n")):
                return LineState(depth, "", True)
            pos = match.end()
            continue
        depth = depth + 1 if token in "([{" else max(0, depth - 1)
        pos = match.end()
    return LineState(depth, "", False) if depth else _START


def _find_string_end(line: str, pos: int, quote: str) -> int:
    """Index just past the closing ``quote`` at or after ``pos``, or -1."""
    n = len(line)
    while pos < n:
        i = line.find(quote[0], pos)
        j = line.find("\\", pos)
        if j >= 0 and (i < 0 or j < i):
            pos = j + 2
            continue
        if i < 0:
            return -1
        if line.startswith(quote, i):
            return i + len(quote)
        pos = i + 1
    return -1


class LineInfo(NamedTuple):
    starts_statement: bool  # first physical line of a logical line
    indent: int
    blank: bool  # empty or comment-only


@lru_cache(maxsize=200_000)
def _step(state: LineState, line: str) -> tuple[LineInfo, LineState]:
    """The line's info and the state after it, from the state before it."""
    stripped = line.lstrip(" \t")
    indent = len(line) - len(stripped)
    blank = not stripped.strip() or stripped.startswith("#")
    inside = bool(state.depth or state.string or state.backslash)
    if inside and not state.string and state.depth and _HARD_START.match(stripped):
        # An unclosed bracket followed by a def/class/import line: recover here.
        state, inside = _START, False
    return LineInfo(starts_statement=not inside and not blank, indent=indent, blank=blank), _scan_line(state, line)


def scan_lines(lines: list[str]) -> list[LineInfo]:
    return _scan(lines, _START, 0)[0]


def _scan(lines: list[str], state: LineState, lo: int, hi: int | None = None,
          stop: Callable[[int, LineState], bool] | None = None
          ) -> tuple[list[LineInfo], list[LineState], int, LineState]:
    """Infos of lines[lo:...], the state before each, where the scan ended and the
    state there; at or after ``hi`` it stops early when ``stop(index, state)`` says
    the rest is known."""
    infos: list[LineInfo] = []
    states: list[LineState] = []
    hi = len(lines) if hi is None else hi
    step = _step
    i = lo
    n = len(lines)
    while i < n:
        if i >= hi and stop is not None and stop(i, state):
            break
        states.append(state)
        info, state = step(state, lines[i])
        infos.append(info)
        i += 1
    return infos, states, i, state


_ODD_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def split_lines(text: str) -> list[str]:
    """Lines as Python and LSP count them: only \\n, \\r\\n and \\r end a line
    (``str.splitlines`` also breaks at form feeds and other separators)."""
    if text.isascii():
        odd = "\x0b" in text or "\x0c" in text or "\x1c" in text or "\x1d" in text or "\x1e" in text
    else:
        odd = _ODD_BREAKS.search(text) is not None
    return _LINES.findall(text) if odd else text.splitlines(keepends=True)


@dataclass(frozen=True)
class Block:
    """Lines ``start``..``end`` (1-based, inclusive) of the document.

    ``parse_text`` is what gets parsed: for a class member the class header is
    prepended so indentation and enclosing-class facts stay right, for a class
    header a body is appended. A node at line L of ``parse_text`` is at line
    ``L + line_offset`` of the document.
    """

    kind: str  # "statement", "class-header" or "member"
    start: int
    end: int
    parse_text: str
    line_offset: int
    class_name: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.parse_text)


    def shifted(self, delta: int) -> Block:
        if not delta:
            return self
        moved = object.__new__(Block)  # a frozen dataclass's __init__ is slow; this is a hot path
        fields = moved.__dict__
        fields.update(self.__dict__)
        fields["start"] += delta
        fields["end"] += delta
        fields["line_offset"] += delta
        return moved


def split_blocks(text: str) -> list[Block]:
    """The blocks of ``text``, from scratch (``Splitter`` gives the same, incrementally).

    The last few texts split (by either) are remembered, so a later stage that
    splits the same version again (the API stage after the local one) gets
    the result for free."""
    hit = _recent_get(text)
    if hit is not None:
        return list(hit)
    blocks = split_from_scratch(text)
    _recent_put(text, blocks)
    return list(blocks)


def split_from_scratch(text: str) -> list[Block]:
    """``split_blocks`` without the memory of recent texts (the reference the tests compare with)."""
    lines = split_lines(text)
    infos = scan_lines(lines)
    blocks: list[Block] = []
    for start, end in _group(lines, infos, 0, 0, len(lines)):
        blocks.extend(_split_class(lines, infos, start, end))
    return blocks


_RECENT: "OrderedDict[str, list[Block]]" = OrderedDict()
_RECENT_SIZE = 8
_RECENT_LOCK = threading.Lock()


def forget_recent() -> None:
    """Drop the remembered splits (tests use it to force a from-scratch split)."""
    with _RECENT_LOCK:
        _RECENT.clear()


def _recent_get(text: str) -> list[Block] | None:
    with _RECENT_LOCK:
        return _RECENT.get(text)


def _recent_put(text: str, blocks: list[Block]) -> None:
    with _RECENT_LOCK:
        _RECENT[text] = blocks
        _RECENT.move_to_end(text)
        while len(_RECENT) > _RECENT_SIZE:
            _RECENT.popitem(last=False)


class Splitter:
    """``split_blocks`` for successive versions of one document, incrementally.

    Keeps the previous version's lines, per-line scan states and top-level
    ranges; a new version is diffed by common prefix and suffix lines, only
    the changed lines are rescanned (until the scan state matches the old one
    again), and only the top-level ranges around the change are regrouped and
    re-split; blocks after the change are reused, shifted. ``split(text)``
    always equals ``split_blocks(text)``.
    """

    def __init__(self) -> None:
        self.text = ""
        self.lines: list[str] = []
        self.infos: list[LineInfo] = []
        self.states: list[LineState] = [_START]  # the state before each line, and at the end
        self.starts: list[int] = []  # 0-based first line of each top-level range
        self.groups: list[list[Block]] = []  # the blocks of each top-level range
        self.blocks: list[Block] = []

    def split(self, text: str) -> list[Block]:
        old_text = self.text
        if text == old_text:
            return self.blocks
        old = self.lines
        n_old = len(old)
        new, p, s = relines(old_text, old, text)
        self.text = text
        n_new = len(new)
        delta = n_new - n_old
        old_states = self.states

        def converged(i: int, state: LineState) -> bool:
            return old_states[i - delta] == state

        infos, states, conv, end_state = _scan(new, old_states[p], p, n_new - s, converged)
        if conv < n_new:  # the rest is the old version's, shifted
            self.infos = self.infos[:p] + infos + self.infos[conv - delta:]
            self.states = old_states[:p] + states + old_states[conv - delta:]
        else:
            self.infos = self.infos[:p] + infos
            self.states = old_states[:p] + states + [end_state]
        self.lines = new
        infos_all = self.infos

        # Regroup the top-level ranges from the last one starting before the change.
        r0 = bisect_left(self.starts, p) - 1
        lo = self.starts[r0] if r0 > 0 else 0
        keep = max(r0, 0)
        old_starts = self.starts
        new_starts: list[int] = []
        resume = None
        for start in _top_starts(new, infos_all, lo, n_new, keep > 0):
            if start >= conv:  # an old range start after the change: the rest is known
                k = bisect_left(old_starts, start - delta)
                if k < len(old_starts) and old_starts[k] == start - delta and k >= keep:
                    resume = k
                    break
            new_starts.append(start)
        tail_starts = [x + delta for x in old_starts[resume:]] if resume is not None else []
        hi = tail_starts[0] if tail_starts else n_new
        groups = []
        for n, start in enumerate(new_starts):
            end = new_starts[n + 1] if n + 1 < len(new_starts) else hi
            groups.append(_split_class(new, infos_all, start, _trim(new, infos_all, start, end)))
        tail_groups = self.groups[resume:] if resume is not None else []
        if delta:
            tail_groups = [[block.shifted(delta) for block in group] for group in tail_groups]
        self.starts = old_starts[:keep] + new_starts + tail_starts
        self.groups = self.groups[:keep] + groups + tail_groups
        self.blocks = list(chain.from_iterable(self.groups))
        _recent_put(text, self.blocks)
        return self.blocks


def relines(old_text: str, old: list[str], text: str) -> tuple[list[str], int, int]:
    """``split_lines(text)``, reusing the lines shared with the previous version
    (``old_text`` split into ``old``), and how many lines the two share at the
    start (p) and at the end (s): new[:p] == old[:p], new[-s:] == old[-s:]."""
    n_old = len(old)
    # The shared text is found at C speed; counting one line less on each side
    # than it suggests keeps a changed line break (\r -> \r\n) from being shared.
    limit = min(len(old_text), len(text))
    pc = _common_prefix(old_text, text, limit)
    sc = _common_suffix(old_text, text, limit - pc)
    p = max(0, _breaks(text, 0, pc) - 1)
    s = max(0, _breaks(text, len(text) - sc, len(text)) - 1)
    s = min(s, n_old - p)
    off_p = sum(map(len, old[:p]))
    off_s = sum(map(len, old[n_old - s:])) if s else 0
    middle = split_lines(text[off_p:len(text) - off_s])
    # Exact counts: the middle may still start or end with shared lines.
    n_mid = len(middle)
    a = 0
    while a < n_mid and p + a < n_old - s and middle[a] == old[p + a]:
        a += 1
    b = 0
    while b < n_mid - a and n_old - s - 1 - b >= p + a and middle[n_mid - 1 - b] == old[n_old - s - 1 - b]:
        b += 1
    new = old[:p] + middle + old[n_old - s:] if s else old[:p] + middle
    return new, p + a, s + b


def _common_prefix(a: str, b: str, limit: int) -> int:
    """Length of the common prefix of ``a`` and ``b`` (at most ``limit``), by bisection."""
    lo, hi = 0, limit
    while hi - lo > 32:
        mid = (lo + hi) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid
    while lo < hi and a[lo] == b[lo]:
        lo += 1
    return lo


def _common_suffix(a: str, b: str, limit: int) -> int:
    """Length of the common suffix of ``a`` and ``b`` (at most ``limit``)."""
    la, lb = len(a), len(b)
    lo, hi = 0, limit
    while hi - lo > 32:
        mid = (lo + hi) // 2
        if a[la - mid:la - lo] == b[lb - mid:lb - lo]:
            lo = mid
        else:
            hi = mid
    while lo < hi and a[la - lo - 1] == b[lb - lo - 1]:
        lo += 1
    return lo


def _breaks(text: str, start: int, end: int) -> int:
    """Line breaks (\\n, \\r\\n, \\r) in text[start:end]."""
    return text.count("\n", start, end) + text.count("\r", start, end) - text.count("\r\n", start, end)


def _top_starts(lines: list[str], infos: list[LineInfo], lo: int, hi: int, after_ranges: bool):
    """First lines of the top-level statements in lines[lo:hi] (as ``_group`` at indent 0)."""
    have = after_ranges
    only_decorators = False
    for i in range(lo, hi):
        info = infos[i]
        if not info.starts_statement or info.indent:
            continue
        line = lines[i]
        if have and (only_decorators or _CONTINUATION.match(line)):
            only_decorators = only_decorators and line.startswith("@")
            continue
        have = True
        only_decorators = line.startswith("@")
        yield i


def _trim(lines: list[str], infos: list[LineInfo], s: int, e: int) -> int:
    while e > s + 1 and infos[e - 1].blank and not _inside_string(infos, lines, e - 1):
        e -= 1
    return e


def _group(lines: list[str], infos: list[LineInfo], indent: int, lo: int, hi: int) -> list[tuple[int, int]]:
    """0-based half-open ranges of the statements at ``indent`` within lines[lo:hi]."""
    ranges: list[list[int]] = []
    only_decorators = False
    for i in range(lo, hi):
        info = infos[i]
        if not info.starts_statement or info.indent != indent:
            if ranges and not info.blank and info.indent < indent and info.starts_statement:
                break  # dedent past the body we are splitting
            continue
        stripped = lines[i].lstrip(" \t")
        if ranges and (only_decorators or _CONTINUATION.match(stripped)):
            only_decorators = only_decorators and stripped.startswith("@")
            continue
        ranges.append([i, i])
        only_decorators = stripped.startswith("@")
    result = []
    for n, (s, _) in enumerate(ranges):
        e = ranges[n + 1][0] if n + 1 < len(ranges) else hi
        result.append((s, _trim(lines, infos, s, e)))
    return result


def _inside_string(infos: list[LineInfo], lines: list[str], i: int) -> bool:
    # Blank-looking lines can belong to a multi-line string; they never start a
    # statement, and trailing ones are only trimmed when truly blank.
    return bool(lines[i].strip()) and not lines[i].lstrip().startswith("#")


_CLASS_LINE = re.compile(r"class\s+(\w+)")


def _split_class(lines: list[str], infos: list[LineInfo], s: int, e: int) -> list[Block]:
    whole = Block("statement", s + 1, e, "".join(lines[s:e]), s)
    header_line = s
    while header_line < e and lines[header_line].lstrip().startswith("@"):
        header_line = _next_statement(infos, header_line, e)
    if header_line >= e:
        return [whole]
    match = _CLASS_LINE.match(lines[header_line])
    if not match:
        return [whole]
    body_start = _next_statement(infos, header_line, e)
    if body_start >= e or infos[body_start].indent == 0:
        return [whole]
    header_end = body_start
    while header_end > header_line + 1 and infos[header_end - 1].blank:
        header_end -= 1
    if not lines[header_end - 1].split("#")[0].rstrip().endswith(":"):
        return [whole]  # e.g. `class A: pass` with more body lines: keep it simple
    indent = infos[body_start].indent
    header_text = "".join(lines[header_line:header_end])
    header_text = header_text if header_text.endswith("\n") else header_text + "\n"
    header_lines = header_end - header_line
    blocks = [Block("class-header", s + 1, header_end, "".join(lines[s:header_end]).rstrip("\n") + "\n" + " " * indent + "...\n", s, match.group(1))]
    for ms, me in _group(lines, infos, indent, body_start, e):
        member = "".join(lines[ms:me])
        blocks.append(Block("member", ms + 1, me, header_text + member, ms - header_lines, match.group(1)))
    return blocks


def _next_statement(infos: list[LineInfo], i: int, e: int) -> int:
    i += 1
    while i < e and not infos[i].starts_statement:
        i += 1
    return i
