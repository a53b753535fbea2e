"""Syntax newer than the interpreter caveat runs on.

caveat parses with the running interpreter's ``ast``, so a project written for Python
3.12 (PEP 701 f-strings, ``type`` aliases) does not parse when caveat runs on 3.11: every
such file would get its own "syntax error" note and no analysis. :func:`newer_syntax`
tells that case apart from a real syntax error, from the error's kind and the offending
line: each row of ``FEATURES`` is a syntax that a newer Python accepts and the running one
rejects with a recognisable error. The engine words its one CAV004 note of the file with
:func:`note`; the CLI says it once per run and the server once per session
(:func:`advice`), naming both versions and the fix: run caveat on a newer Python.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass

# Every note about newer syntax starts with this (the CLI and the server find them by it).
MARK = "newer Python syntax:"


@dataclass(frozen=True)
class Feature:
    version: tuple[int, int]   # the first Python that accepts it
    name: str
    messages: re.Pattern       # the running interpreter's error message for it
    line: re.Pattern           # ... and the offending line's shape


FEATURES = (
    # PEP 701 (3.12): quotes, backslashes and comments inside f-string replacement fields.
    # (Errors 3.12 still raises - an empty expression, a lone ``}`` - are not in the list.)
    Feature((3, 12), "PEP 701 f-strings",
            re.compile(r"^f-string(: expecting '\}'|: unmatched|: unterminated| expression part cannot include)"),
            re.compile(r"""[fF][rRbB]?["']""")),
    Feature((3, 12), "PEP 701 f-strings", re.compile(r"^unexpected character after line continuation"),
            re.compile(r"""[fF][rRbB]?["'].*\{[^}]*\\""")),
    # PEP 695 (3.12): ``type`` aliases and type parameters.
    Feature((3, 12), "PEP 695 type parameters",
            re.compile(r"^(invalid syntax|expected '\(')"),
            re.compile(r"^\s*(type\s+\w+\s*(\[.*\])?\s*=|(async\s+)?def\s+\w+\s*\[|class\s+\w+\s*\[)")),
    # PEP 654 (3.11): ``except*``.
    Feature((3, 11), "PEP 654 except*", re.compile(r"^invalid syntax"), re.compile(r"^\s*except\s*\*")),
    # PEP 634 (3.10): ``match`` statements.
    Feature((3, 10), "PEP 634 match statements", re.compile(r"^invalid syntax"),
            re.compile(r"^\s*match\s+.+:\s*(#.*)?$")),
    # PEP 758 (3.14): ``except A, B:`` without parentheses.
    Feature((3, 14), "PEP 758 except without parentheses",
            re.compile(r"^multiple exception types must be parenthesized"), re.compile(r"^\s*except\s+\w")),
    # PEP 750 (3.14): template strings.
    Feature((3, 14), "PEP 750 t-strings", re.compile(r"^invalid syntax"), re.compile(r"""(^|[^\w])[tT][rR]?["']""")),
)


def running() -> tuple[int, int]:
    return sys.version_info[:2]


def newer_syntax(error: SyntaxError | None, line: str | None = None,
                 current: tuple[int, int] | None = None) -> Feature | None:
    """The newer syntax ``error`` (raised by this interpreter) stands for, or None for a
    plain syntax error. ``line`` is the offending line (else ``error.text``)."""
    if error is None:
        return None
    current = current or running()
    message = error.msg or ""
    text = line if line is not None else (error.text or "")
    for feature in FEATURES:
        if feature.version > current and feature.messages.search(message) and feature.line.search(text):
            return feature
    return None


def version_text(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def note(feature: Feature, start: int, end: int) -> str:
    """The CAV004 message for lines ``start``-``end`` of a file."""
    return (f"{MARK} lines {start}-{end} use {feature.name} (Python {version_text(feature.version)}); caveat "
            f"runs on Python {version_text(running())} and skipped them; run caveat on Python "
            f"{version_text(feature.version)} or newer")


def required_version(message: str) -> tuple[int, int] | None:
    """The version a note from :func:`note` asks for, or None for another message."""
    if not message.startswith(MARK):
        return None
    found = re.search(r"run caveat on Python (\d+)\.(\d+)", message)
    return (int(found.group(1)), int(found.group(2))) if found else None


def advice(version: tuple[int, int], files: int) -> str:
    """One sentence for a run (``files`` counted) or a session (``files=0``): both versions
    and how to fix it."""
    where = "this project uses" if not files else "1 file uses" if files == 1 else f"{files} files use"
    need = version_text(version)
    return (f"{where[0].upper()}{where[1:]} Python {need} syntax, but caveat runs on Python {version_text(running())}: "
            f"the code that needs it was not analysed. Install caveat into a Python {need}+ "
            f"environment (`python{need} -m pip install caveat`); in VS Code, select a Python {need}+ interpreter "
            f"(or set `caveat.path`).")


def collapse(results: list) -> tuple[tuple[int, int], int] | None:
    """For a CLI run: keep the newer-syntax CAV004 note of the first file that has one,
    drop the others (the run says it once, with :func:`advice`), and return (the newest
    version asked for, the number of files), or None when no file needs a newer Python.
    ``results`` are ``caveat.report.FileResult``s; their finding lists are edited in place."""
    newest, files = None, 0
    for result in results:
        notes = [f for f in result.findings if f.code == "CAV004" and required_version(f.message)]
        if not notes:
            continue
        files += 1
        version = max(required_version(f.message) for f in notes)
        newest = version if newest is None else max(newest, version)
        if files > 1:
            result.findings[:] = [f for f in result.findings if f not in notes]
    return (newest, files) if newest is not None else None
