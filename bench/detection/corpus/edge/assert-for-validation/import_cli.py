"""``import-contacts`` -- bulk import contacts from a CSV into the CRM.

    import-contacts contacts.csv --batch-size 500 --list newsletter
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import sys
from typing import Iterator, Literal, assert_never

from .crm import CrmClient

Mode = Literal["create", "upsert"]


def batches(rows: Iterator[dict], size: int) -> Iterator[list[dict]]:
    while chunk := list(itertools.islice(rows, size)):
        # ok: assert-for-validation -- postcondition of islice, documents our own logic
        assert len(chunk) <= size
        yield chunk


def send(client: CrmClient, chunk: list[dict], mode: Mode) -> None:
    if mode == "create":
        client.create_many(chunk)
    elif mode == "upsert":
        client.upsert_many(chunk)
    else:
        # ok: assert-for-validation -- typing exhaustiveness helper, not an assert statement
        assert_never(mode)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--list", required=True)
    parser.add_argument("--mode", choices=["create", "upsert"], default="upsert")
    args = parser.parse_args(argv)

    # expect: assert-for-validation
    assert os.path.isfile(args.path), f"no such file: {args.path}"
    # expect: assert-for-validation
    assert 1 <= args.batch_size <= 5000, "--batch-size must be between 1 and 5000"
    if not args.list.isidentifier():
        # ok: assert-for-validation -- parser.error exits with status 2
        parser.error("--list must be a simple name")

    client = CrmClient.from_env()
    with open(args.path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        # expect: assert-for-validation
        assert {"email", "name"} <= set(reader.fieldnames or []), "CSV needs email and name columns"
        for chunk in batches(iter(reader), args.batch_size):
            send(client, chunk, args.mode)
    return 0


if __name__ == "__main__":
    sys.exit(main())
