"""File helpers for the report generator."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import IO, Iterator


def read_template(name: str) -> str:
    """Load an e-mail template from the templates directory."""
    # expect: resource-leak
    f = open(Path("templates") / name, encoding="utf-8")
    return f.read()


def read_template_safe(name: str) -> str:
    # ok: resource-leak -- read_text opens and closes the file
    return (Path("templates") / name).read_text(encoding="utf-8")


def load_settings(path: str) -> dict:
    # expect: resource-leak
    return json.load(open(path, encoding="utf-8"))


def load_settings_safe(path: str) -> dict:
    # ok: resource-leak -- context manager
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def count_rows(path: str) -> int:
    """Number of data rows in a CSV export."""
    # expect: resource-leak -- not closed if reading raises
    fh = open(path, newline="", encoding="utf-8")
    rows = sum(1 for _ in csv.reader(fh)) - 1
    fh.close()
    return rows


def first_line(path: str) -> str:
    # ok: resource-leak -- closed in the finally block
    fh = open(path, encoding="utf-8")
    try:
        return fh.readline().rstrip("\n")
    finally:
        fh.close()


def header_matches(path: str, expected: list[str]) -> bool:
    """Does the CSV start with the expected header row?"""
    # expect: resource-leak -- the early return skips close()
    fh = open(path, newline="", encoding="utf-8")
    header = next(csv.reader(fh), [])
    if header != expected:
        return False
    fh.close()
    return True


def open_report(path: str, mode: str = "w") -> IO[str]:
    """Open a report file for the caller (use it in a ``with`` block)."""
    # ok: resource-leak -- ownership passes to the caller, who closes the returned file
    return open(path, mode, encoding="utf-8", newline="")


def iter_lines(path: str) -> Iterator[str]:
    # ok: resource-leak -- with block inside the generator
    with open(path, encoding="utf-8") as fh:
        yield from fh


class ReportWriter:
    """Writes a report incrementally; closed by close() or the with statement."""

    def __init__(self, path: str) -> None:
        # ok: resource-leak -- owned by the object, closed in close()/__exit__
        self._fh = open(path, "w", encoding="utf-8")

    def write_row(self, *cells: object) -> None:
        self._fh.write(",".join(map(str, cells)) + "\n")

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> "ReportWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def append_audit(line: str) -> None:
    # expect: resource-leak
    open("/var/log/reports/audit.log", "a", encoding="utf-8").write(line + "\n")
