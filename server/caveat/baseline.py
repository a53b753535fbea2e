"""Fingerprints of findings, and the baseline: today's findings, recorded to be hidden.

A fingerprint (also SARIF's ``partialFingerprints["caveat/v2"]``) hashes what identifies a
finding without its position:

- its code, or rather the defect it names: a bandit test and the caveat rule that reports
  the same defect more precisely (``Rule.supersedes``, ``Rule.replaces``: bandit's B506 and
  caveat's CAV132 for ``yaml.load``) count as one, since which of them reports a line depends
  on the profile that line gets (the strict set on new code), and committing a line must not
  turn its baselined finding into a new one;
- the enclosing definitions (``OrderService.charge``), found from the text by
  indentation, outside strings and brackets;
- the normalised text of its line (whitespace collapsed; string literals redacted on the
  line of a ``hardcoded-secret`` finding, so no hash of a secret is ever written);
- the occurrence: 1 for the first finding with the same code, scope and line text in the
  file, 2 for the second...

So inserting or deleting lines elsewhere, re-indenting, or moving a function keeps the
fingerprint; editing the finding's own line (or renaming its function) makes a new one.

A baseline file (``caveat check --write-baseline FILE``) is JSON: the fingerprints of
today's findings by file, paths relative to the baseline's folder, with each finding's
line and message for the reader (matching ignores them). ``Baseline.split`` separates a
file's findings into new ones and those the baseline knows.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from caveat.engine.blocks import LineState, _scan_line
from caveat.engine.findings import Finding
from caveat.project import ConfigError

FINGERPRINT_KEY = "caveat/v2"
FORMAT_VERSION = 1
_DEFINITION = re.compile(r"[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+(\w+)")
_START = LineState()


@functools.lru_cache(maxsize=1)
def _same_defect() -> dict[str, str]:
    """Code -> the code that stands for its defect: the smallest code of each group of
    codes linked by ``supersedes`` / ``replaces`` (B608, CAV101 and CAV102 are one group)."""
    from caveat.rules import caveat_rules

    parent: dict[str, str] = {}

    def find(code: str) -> str:
        while parent.setdefault(code, code) != code:
            code = parent[code]
        return code

    for rule in caveat_rules():
        for other in (*rule.supersedes, *rule.replaces):
            a, b = find(rule.code), find(other)
            parent[max(a, b)] = min(a, b)
    return {code: find(code) for code in parent}


def defect_code(code: str) -> str:
    """The code a fingerprint and a baseline match by (see the module's docs)."""
    return _same_defect().get(code, code)


def scopes(lines: Sequence[str], upto: int) -> list[str]:
    """The dotted name of the definitions enclosing each of lines 1..``upto`` (index 0 = line 1)."""
    stack: list[tuple[int, str]] = []
    result: list[str] = []
    state = _START
    for line in lines[:upto]:
        if state == _START and line.strip() and not line.lstrip().startswith("#"):
            indent = len(line) - len(line.lstrip(" \t"))
            while stack and stack[-1][0] >= indent:
                stack.pop()
            result.append(".".join(name for _, name in stack))
            match = _DEFINITION.match(line)
            if match:
                stack.append((indent, match.group(1)))
        else:  # a blank line, a comment, or inside a string or brackets: the scope goes on
            result.append(".".join(name for _, name in stack))
        state = _scan_line(state, line)
    return result


def fingerprints(findings: Sequence[Finding], lines: Sequence[str]) -> list[str]:
    """One fingerprint per finding (see the module's docs); ``lines`` are the file's lines."""
    from caveat.report import display_line

    if not findings:
        return []
    upto = min(len(lines), max(f.line for f in findings))
    enclosing = scopes(lines, upto)
    seen: Counter = Counter()
    result = [""] * len(findings)
    # Occurrences are counted in position order, whatever order the findings come in.
    for position in sorted(range(len(findings)), key=lambda i: findings[i].sort_key()):
        finding = findings[position]
        index = finding.line - 1
        text = display_line(finding, lines[index]) if 0 <= index < len(lines) else ""
        scope = enclosing[index] if 0 <= index < len(enclosing) else ""
        key = (defect_code(finding.code), scope, " ".join(text.split()))
        seen[key] += 1
        digest = hashlib.sha256("\0".join((*key, str(seen[key]))).encode("utf-8", "surrogatepass"))
        result[position] = digest.hexdigest()[:32]
    return result


class BaselineError(ConfigError):
    """A baseline file that cannot be read; the message names the file."""


@dataclass(frozen=True)
class Entry:
    path: str  # relative to the baseline's folder, with /
    code: str
    fingerprint: str
    line: int = 0  # for the reader; matching ignores it
    category: str = ""
    message: str = ""

    def as_json(self) -> dict:
        return {"path": self.path, "line": self.line, "code": self.code, "category": self.category,
                "message": self.message, "fingerprint": self.fingerprint}


@dataclass
class Baseline:
    file: Path
    entries: list[Entry] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.file = Path(os.path.abspath(self.file))
        self._by_path: dict[str, dict[tuple[str, str], Entry]] = {}
        for entry in self.entries:
            self._by_path.setdefault(entry.path, {})[(defect_code(entry.code), entry.fingerprint)] = entry

    @property
    def root(self) -> Path:
        return self.file.parent

    @classmethod
    def load(cls, file: str | Path) -> "Baseline":
        file = Path(file)
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except OSError as error:
            raise BaselineError(f"{file}: cannot read the baseline: {error.strerror}; "
                                f"write one with `caveat check --write-baseline {file}`") from None
        except (ValueError, UnicodeDecodeError) as error:
            raise BaselineError(f"{file}: not a caveat baseline (invalid JSON: {error})") from None
        if not isinstance(data, dict) or data.get("caveat-baseline") != FORMAT_VERSION \
                or not isinstance(data.get("findings"), list):
            raise BaselineError(f"{file}: not a caveat baseline (expected {{\"caveat-baseline\": {FORMAT_VERSION}, "
                                f"\"findings\": [...]}})")
        if data.get("fingerprint") != FINGERPRINT_KEY:
            raise BaselineError(f"{file}: written with fingerprints `{data.get('fingerprint')}`, this caveat uses "
                                f"`{FINGERPRINT_KEY}`; write it again with --write-baseline")
        entries = []
        for number, item in enumerate(data["findings"], start=1):
            try:
                entries.append(Entry(str(item["path"]), str(item["code"]), str(item["fingerprint"]),
                                     int(item.get("line", 0)), str(item.get("category", "")),
                                     str(item.get("message", ""))))
            except (KeyError, TypeError, ValueError, AttributeError):
                raise BaselineError(f"{file}: finding {number} needs `path`, `code` and `fingerprint`") from None
        return cls(file, entries)

    def key(self, path: str | Path) -> str:
        """A checked file's name in the baseline: relative to the baseline's folder."""
        absolute = Path(os.path.abspath(path))
        try:
            return absolute.relative_to(self.root).as_posix()
        except ValueError:
            try:
                return absolute.resolve().relative_to(self.root.resolve()).as_posix()
            except ValueError:
                return absolute.as_posix()

    def knows(self, path: str | Path) -> bool:
        return self.key(path) in self._by_path

    def split(self, path: str | Path, findings: Sequence[Finding], lines: Sequence[str]
              ) -> tuple[list[Finding], list[Finding], set[Entry]]:
        """(new findings, findings in the baseline, the entries they matched)."""
        known = self._by_path.get(self.key(path))
        if not known or not findings:
            return list(findings), [], set()
        new, old, matched = [], [], set()
        for finding, fingerprint in zip(findings, fingerprints(findings, lines), strict=True):
            entry = known.get((defect_code(finding.code), fingerprint))
            if entry is None:
                new.append(finding)
            else:
                old.append(finding)
                matched.add(entry)
        return new, old, matched

    def entries_for(self, path: str | Path) -> list[Entry]:
        return list(self._by_path.get(self.key(path), {}).values())

    def exists_on_disk(self, entry: Entry) -> bool:
        return (self.root / entry.path).is_file()


def entries_of(baseline: Baseline, path: str | Path, findings: Sequence[Finding], lines: Sequence[str]) -> list[Entry]:
    """Baseline entries recording ``findings`` of the file at ``path``."""
    from caveat.report import display_message

    name = baseline.key(path)
    return [Entry(name, f.code, fingerprint, f.line, f.category, display_message(f))
            for f, fingerprint in zip(findings, fingerprints(findings, lines), strict=True)]


def write_baseline(file: str | Path, entries: Iterable[Entry]) -> int:
    """Write ``entries`` (sorted, so the file diffs well) atomically; returns how many."""
    file = Path(file)
    ordered = sorted(set(entries), key=lambda e: (e.path, e.line, e.code, e.fingerprint))
    document = {"caveat-baseline": FORMAT_VERSION, "fingerprint": FINGERPRINT_KEY,
                "findings": [entry.as_json() for entry in ordered]}
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    file.parent.mkdir(parents=True, exist_ok=True)
    temporary = file.with_name(f".{file.name}.caveat-tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, file)
    return len(ordered)


def configured_file(settings) -> Path | None:
    """``[tool.caveat] baseline`` (or the editor's ``baseline``), relative to the project root."""
    if not settings.baseline:
        return None
    path = Path(os.path.expanduser(settings.baseline))
    return path if path.is_absolute() else Path(settings.root or ".") / path


class BaselineCache:
    """Baselines by file, read again when the file changes (for the language server)."""

    def __init__(self) -> None:
        self._loaded: dict[Path, tuple[float, Baseline]] = {}

    def get(self, file: Path) -> Baseline:
        """The baseline in ``file``; ``BaselineError`` when it is missing or broken."""
        file = Path(os.path.abspath(file))
        try:
            mtime = file.stat().st_mtime_ns
        except OSError:
            return Baseline.load(file)  # raises, naming the file
        cached = self._loaded.get(file)
        if cached is None or cached[0] != mtime:
            cached = self._loaded[file] = (mtime, Baseline.load(file))
        return cached[1]
