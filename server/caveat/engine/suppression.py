"""``# caveat: ignore[CODE, ...]`` comments: parsing, matching, and problems.

A bare ``# caveat: ignore`` suppresses every finding on its line. A comment
that cannot be read is reported (CAV001) and suppresses nothing; it is never
treated as a blanket ignore. Bandit's ``# nosec`` is honoured by bandit itself.
"""
from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

_MARKER = re.compile(r"#\s*caveat\s*:", re.I)
_DIRECTIVE = re.compile(r"#\s*caveat\s*:\s*ignore(?P<codes>\[[^\]]*\])?(?P<rest>.*)$")
_CODE = re.compile(r"^(CAV\d{3}|B\d{3})$")


@dataclass(frozen=True)
class Suppression:
    line: int
    col: int
    end_col: int
    codes: frozenset[str] | None  # None: all codes on the line


@dataclass(frozen=True)
class SuppressionProblem:
    line: int
    col: int
    end_col: int
    message: str


def parse_suppressions(lines: list[str], known_codes) -> tuple[list[Suppression], list[SuppressionProblem]]:
    found: list[Suppression] = []
    problems: list[SuppressionProblem] = []
    for index in [i for i, line in enumerate(lines) if "caveat" in line]:
        number, line = index + 1, lines[index]
        marker = _MARKER.search(line)
        if marker is None or not _is_comment(line, marker.start()):
            continue
        comment = line[marker.start():].rstrip("\r\n")
        col, end = marker.start(), marker.start() + len(comment)
        match = _DIRECTIVE.match(comment)
        if match is None:
            problems.append(SuppressionProblem(number, col, end, f"Cannot read this caveat comment: `{comment}` (expected `# caveat: ignore[CODE]`)"))
            continue
        rest = match.group("rest").strip()
        if rest and not rest.startswith("#"):
            problems.append(SuppressionProblem(number, col, end, f"Unexpected text after the suppression: `{rest}`"))
            continue
        raw = match.group("codes")
        if raw is None:
            if "[" in comment[match.end(0) - len(match.group("rest")):]:
                problems.append(SuppressionProblem(number, col, end, "Unclosed `[` in caveat suppression"))
                continue
            found.append(Suppression(number, col, end, None))
            continue
        items = [item.strip() for item in raw[1:-1].split(",")]
        if not any(items):
            problems.append(SuppressionProblem(number, col, end, "Empty code list in caveat suppression; write `# caveat: ignore` to suppress every code"))
            continue
        codes = set()
        for item in items:
            if not _CODE.match(item) or item not in known_codes:
                problems.append(SuppressionProblem(number, col, end, f"Unknown rule code `{item}` in caveat suppression"))
            else:
                codes.add(item)
        if codes:
            found.append(Suppression(number, col, end, frozenset(codes)))
    return found, problems


def _is_comment(line: str, index: int) -> bool:
    """True when the ``#`` at ``index`` starts a comment rather than sitting in a string."""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(line).readline):
            if tok.type == tokenize.COMMENT:
                return tok.start[1] == index
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    # Inside a multi-line construct: fall back to counting quotes before it.
    before = line[:index]
    return before.count('"') % 2 == 0 and before.count("'") % 2 == 0


_NOSEC = re.compile(r"#\s*nosec\b:?(?P<tests>[^#]*)")
_TEST_ID = re.compile(r"\bB\d{3}\b")


def parse_nosec(lines: list[str]) -> dict[int, frozenset[str] | None]:
    """bandit's ``# nosec`` comments: line -> the test ids it names (None: all)."""
    found: dict[int, frozenset[str] | None] = {}
    for number, line in enumerate(lines, start=1):
        if "nosec" not in line:
            continue
        match = _NOSEC.search(line)
        if match is None or not _is_comment(line, match.start()):
            continue
        ids = frozenset(_TEST_ID.findall(match.group("tests")))
        found[number] = ids or None
    return found
