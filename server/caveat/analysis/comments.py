"""What the author wrote next to the code: the comments of a block, by line.

A rule that flags a *decision* (an error ignored on purpose, a best effort) asks whether the
author explained that decision where it is made: a prose comment inside the construct
(``except Exception:`` followed by ``# the cache is optional: carry on without it``) is the
reviewer's note already written, and repeating the question is noise. Tool directives
(``# noqa``, ``# type: ignore``, ``# pragma: no cover``, ``# pylint: ...``) and reminders
(``# TODO``, ``# FIXME``, ``# XXX``) are not explanations: a reminder says the decision is
still open.
"""
from __future__ import annotations

import io
import re
import tokenize

_NOT_PROSE = re.compile(
    r"^#+\s*(?:noqa|nosec|type:|pragma|pylint|caveat|fmt:|pyright|mypy|isort|ruff|flake8|coverage|"
    r"todo|fixme|xxx|hack)\b", re.I)
_WORD = re.compile(r"[^\W\d_]{2,}")


def comments_by_line(ctx) -> dict[int, str]:
    """``{line: comment text}`` for the block (lines as the block's nodes count them)."""
    return ctx.memo("comments_by_line", lambda: _comments(ctx.text))


def _comments(text: str) -> dict[int, str]:
    found: dict[int, str] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                found[token.start[0]] = token.string
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass  # the comments met before the error are kept; the block parsed, so this is rare
    return found


def is_prose(comment: str) -> bool:
    """A comment with words in it that is not a tool directive or a reminder."""
    return not _NOT_PROSE.match(comment) and _WORD.search(comment) is not None


def explained(ctx, first_line: int, last_line: int) -> bool:
    """Does a prose comment sit on the lines ``first_line..last_line`` (inclusive)?"""
    return any(first_line <= line <= last_line and is_prose(text) for line, text in comments_by_line(ctx).items())
