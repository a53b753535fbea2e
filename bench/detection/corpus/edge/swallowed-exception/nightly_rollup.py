"""Nightly rollup of per-store sales CSV files into the reporting database."""

from __future__ import annotations

import csv
import logging
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

log = logging.getLogger("rollup")


def read_store_file(path: Path) -> list[dict[str, str]]:
    """Rows of one store's CSV export."""
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    # expect: swallowed-exception
    except (OSError, UnicodeDecodeError, csv.Error):
        return []


def parse_amount(raw: str) -> Decimal | None:
    """Amount column; blank cells are allowed and mean "no sale"."""
    if not raw.strip():
        return None
    try:
        return Decimal(raw)
    # ok: swallowed-exception -- logged, and None is this function's documented "bad cell" value
    except InvalidOperation:
        log.warning("unparseable amount %r", raw)
        return None


def store_total(rows: list[dict[str, str]]) -> Decimal:
    total = Decimal("0")
    for row in rows:
        try:
            total += Decimal(row["amount"])
        # expect: swallowed-exception
        except Exception:
            ...
    return total


def rollup_store(path: Path) -> Decimal:
    """Total of one store; a broken file must not stop the whole night's run."""
    total = Decimal("0")
    # expect: swallowed-exception -- `return` inside `finally` discards any exception
    try:
        total = store_total(read_store_file(path))
    finally:
        return total


def rollup(paths: list[Path]) -> dict[str, Decimal]:
    return {path.stem: rollup_store(path) for path in paths}


def main(argv: list[str]) -> int:
    try:
        totals = rollup([Path(p) for p in argv])
    # ok: swallowed-exception -- logged with traceback and turned into an exit status
    except Exception:
        log.exception("rollup failed")
        return 1
    for store, total in sorted(totals.items()):
        print(f"{store}\t{total}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
