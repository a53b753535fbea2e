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


# --- suppressions written for other tools ---------------------------------------------------
# A comment that silences another tool's check for the same defect silences caveat's rules for
# that defect on that line: the person who wrote it already looked. One table, peer code (or
# pylint message name) -> what it vouches for: caveat codes, bandit test ids or categories.
# ruff's and flake8-bandit's `S###` are bandit's `B###` (same numbers) and are mapped through
# bandit's table below (the test and its category), so they need no line here. A bare `# noqa`
# (no code) names no defect and is not read; `respect-peer-suppressions = false` turns all of
# this off (caveat's own `# caveat: ignore` and bandit's `# nosec` for bandit's tests stay).
PEER_CODES: dict[str, tuple[str, ...]] = {
    # ruff / flake8 plugins
    "BLE001": ("swallowed-exception",),  # blind except
    "E722": ("swallowed-exception",),  # bare except
    "B904": ("lost-exception-context",),  # raise without from inside except (flake8-bugbear)
    "TRY200": ("lost-exception-context",),  # re-raise without cause (tryceratops)
    "B006": ("mutable-default-arg",),  # mutable argument default (flake8-bugbear)
    "SIM115": ("resource-leak",),  # open without a context manager
    "ASYNC210": ("blocking-in-async",), "ASYNC220": ("blocking-in-async",), "ASYNC221": ("blocking-in-async",),
    "ASYNC222": ("blocking-in-async",), "ASYNC230": ("blocking-in-async",), "ASYNC251": ("blocking-in-async",),
    # pylint: message names and ids
    "broad-except": ("swallowed-exception",), "W0703": ("swallowed-exception",),
    "broad-exception-caught": ("swallowed-exception",), "W0718": ("swallowed-exception",),
    "bare-except": ("swallowed-exception",), "W0702": ("swallowed-exception",),
    "raise-missing-from": ("lost-exception-context",), "W0707": ("lost-exception-context",),
    "consider-using-with": ("resource-leak",), "R1732": ("resource-leak",),
    "dangerous-default-value": ("mutable-default-arg",), "W0102": ("mutable-default-arg",),
    "missing-timeout": ("missing-timeout",), "W3101": ("missing-timeout",),
    "exec-used": ("code-injection",), "W0122": ("code-injection",),
    "eval-used": ("code-injection",), "W0123": ("code-injection",),
}
_RUFF_BANDIT = re.compile(r"^S(\d{3})$")
_BANDIT = re.compile(r"^B[1-7]\d{2}$")
_NOQA = re.compile(r"#\s*noqa\s*:\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)", re.I)
_PYLINT = re.compile(r"#\s*pylint\s*:\s*(?P<verb>disable|disable-next|enable)\s*=\s*(?P<names>[\w-]+(?:\s*,\s*[\w-]+)*)")


def peer_targets(code: str) -> frozenset[str]:
    """What a peer tool's code vouches for: caveat or bandit codes and categories."""
    from caveat.rules.bandit.catalog import CATEGORY

    found = set(PEER_CODES.get(code, PEER_CODES.get(code.upper(), ())))
    match = _RUFF_BANDIT.match(code.upper())
    bandit = f"B{match.group(1)}" if match else code.upper() if _BANDIT.match(code.upper()) else None
    if bandit is not None:
        found.add(bandit)
        if CATEGORY.get(bandit, "other") != "other":
            found.add(CATEGORY[bandit])
    return frozenset(found)


def parse_peer_suppressions(lines: list[str]) -> dict[int, frozenset[str]]:
    """line -> what the other tools' suppressions on it vouch for (``peer_targets``).

    ``# noqa: CODE[, CODE]`` and ``# nosec [B###]`` cover their line (a bare ``# nosec``
    every security category); ``# pylint: disable=NAME`` at the end of a line covers that
    line, on a line of its own the lines below it down to the end of its block (or a
    ``# pylint: enable=NAME``), and ``# pylint: disable-next=NAME`` the next line."""
    found: dict[int, set[str]] = {}
    for index in [i for i, line in enumerate(lines) if "noqa" in line or "nosec" in line or "pylint" in line
                  or "NOQA" in line]:
        line = lines[index]
        here = _noqa_and_nosec(line)
        for match in _PYLINT.finditer(line):
            if not _is_comment(line, match.start()):
                continue
            names = {n.strip() for n in match.group("names").split(",")}
            targets = {t for n in names for t in peer_targets(n)}
            verb = match.group("verb")
            if verb == "disable-next":
                found.setdefault(index + 2, set()).update(targets)
            elif verb == "disable" and line.lstrip().startswith("#"):
                for number in _block_below(lines, index, names):
                    found.setdefault(number, set()).update(targets)
            elif verb == "disable":
                here |= targets
        if here:
            found.setdefault(index + 1, set()).update(here)
    return {number: frozenset(targets) for number, targets in found.items() if targets}


def _noqa_and_nosec(line: str) -> set[str]:
    from caveat.engine.findings import CATEGORIES

    here: set[str] = set()
    for match in _NOQA.finditer(line):
        if _is_comment(line, match.start()):
            for code in re.split(r"[\s,]+", match.group("codes").strip()):
                here |= peer_targets(code)
    nosec = _NOSEC.search(line)
    if nosec and _is_comment(line, nosec.start()):
        ids = _TEST_ID.findall(nosec.group("tests"))
        here |= set(CATEGORIES["security"]) if not ids else {t for i in ids for t in peer_targets(i)}
    return here


def _block_below(lines: list[str], index: int, names: set[str]):
    """Line numbers an own-line ``# pylint: disable=`` at ``index`` covers: the lines below
    it indented at least as deep (blank lines included), until one enables any of ``names``."""
    indent = len(lines[index]) - len(lines[index].lstrip())
    for number in range(index + 2, len(lines) + 1):
        line = lines[number - 1]
        if line.strip():
            if len(line) - len(line.lstrip()) < indent:
                return
            enabled = _PYLINT.search(line)
            if enabled and enabled.group("verb") == "enable" and \
                    not names.isdisjoint(n.strip() for n in enabled.group("names").split(",")):
                return
        yield number


def peer_suppressed(finding, peers: dict[int, frozenset[str]], aliases=()) -> bool:
    """True when a peer suppression on the finding's first or last line vouches for its code,
    its category, or a bandit test its rule reports in place of (``aliases``)."""
    for line in {finding.line, finding.end_line}:
        targets = peers.get(line)
        if targets and (finding.code in targets or finding.category in targets
                        or not targets.isdisjoint(aliases)):
            return True
    return False
