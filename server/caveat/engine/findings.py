"""The data every provider produces and every output consumes.

Positions: lines are 1-based, columns are 0-based and counted in code points
(Python ``str`` indices). The LSP layer converts to UTF-16; reports print
1-based columns.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace

CATEGORIES = {
    "security": (
        "sql-injection", "command-injection", "code-injection", "xss",
        "stacktrace-disclosure", "hardcoded-secret", "jwt-weak-validation",
        "insecure-deserialization", "weak-crypto", "insecure-random",
        "tls-verify-disabled", "path-traversal", "ssrf", "auth-presence-only",
        "input-length-only", "open-redirect", "ldap-injection", "xpath-injection", "trust-boundary",
        "xxe", "insecure-cookie",
    ),
    "edge": (
        "swallowed-exception", "lost-exception-context", "missing-timeout",
        "unbounded-materialization", "float-money", "empty-input", "none-dereference",
        "mutable-default-arg", "assert-for-validation", "resource-leak", "race-toctou",
        "blocking-in-async",
    ),
    "api": (
        "hallucinated-attribute", "hallucinated-module", "unknown-keyword-argument",
        "removed-api", "undeclared-dependency", "version-mismatch",
    ),
    "other": ("other",),
}
ALL_CATEGORIES = frozenset(c for group in CATEGORIES.values() for c in group)


class Severity(enum.IntEnum):
    """Ordered so that a larger value is more severe."""

    HINT = 1
    INFO = 2
    WARNING = 3
    ERROR = 4

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper().replace("INFORMATION", "INFO")]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (use error, warning, info or hint)") from None

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Position:
    line: int
    col: int


@dataclass(frozen=True)
class TextEdit:
    """Replace the text between ``start`` and ``end`` (end exclusive) with ``text``."""

    start: Position
    end: Position
    text: str

    def shifted(self, delta: int) -> "TextEdit":
        return TextEdit(Position(self.start.line + delta, self.start.col),
                        Position(self.end.line + delta, self.end.col), self.text)


@dataclass(frozen=True)
class Fix:
    """A quick-fix. ``safe`` fixes keep behaviour for correct programs (LSP isPreferred)."""

    title: str
    edits: tuple[TextEdit, ...]
    safe: bool = True
    # Edits outside the document (e.g. pyproject.toml), as (path, edits) pairs.
    other_files: tuple[tuple[str, tuple[TextEdit, ...]], ...] = ()

    def shifted(self, delta: int) -> "Fix":
        return replace(self, edits=tuple(e.shifted(delta) for e in self.edits))


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    category: str
    cwe: int | None
    severity: Severity
    message: str
    line: int
    col: int
    end_line: int
    end_col: int
    fix: Fix | None = None
    source: str = "caveat"  # which provider: caveat, bandit, jedi
    # What the finding claims when that is narrower than its rule (``analysis.taint.REQUEST``: data
    # of the remote HTTP request reaches the sink); "" for the rule's own claim. The precision
    # policy can put a rule's narrower claim in the default set (``rules.default_claims``).
    claim: str = ""
    extra: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def shifted(self, delta: int) -> "Finding":
        if delta == 0:
            return self
        return replace(
            self,
            line=self.line + delta,
            end_line=self.end_line + delta,
            fix=self.fix.shifted(delta) if self.fix else None,
        )

    @property
    def fixable(self) -> bool:
        return self.fix is not None

    def sort_key(self) -> tuple:
        return (self.line, self.col, self.code, self.message)
