"""Nightly job: copy filtered rows from the OLTP database into the warehouse.

Run as ``python -m jobs.warehouse_sync --table invoices --where-status paid``.
Filters come from the job configuration (editable by support staff in the admin UI).
"""

from __future__ import annotations

import argparse
import logging
from typing import Any, Mapping

import pandas as pd
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

log = logging.getLogger("warehouse_sync")

SELECT_TEMPLATE = "SELECT * FROM {table} WHERE {conditions} LIMIT {limit}"
SYNCABLE_TABLES = frozenset({"invoices", "payments", "refunds"})


def build_conditions(filters: Mapping[str, Any]) -> str:
    """Turn ``{"status": "paid", "region": "eu"}`` into a SQL boolean expression."""
    parts = []
    for column, value in filters.items():
        # expect: sql-injection @cond
        parts.append(f"{column} = '{value}'")
    return " AND ".join(parts) or "1 = 1"


def build_conditions_bound(filters: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Bound-parameter version: returns the expression and its parameters."""
    parts, params = [], {}
    for i, (column, value) in enumerate(sorted(filters.items())):
        if not column.isidentifier():
            raise ValueError(f"bad column {column!r}")
        # ok: sql-injection -- value bound as :p{i}, column checked with isidentifier()
        parts.append(f"{column} = :p{i}")
        params[f"p{i}"] = value
    return " AND ".join(parts) or "1 = 1", params


class WarehouseSync:
    """Copies rows table by table; one instance per run."""

    def __init__(self, source_url: str, target_url: str, batch: int = 10_000) -> None:
        self.source = create_engine(source_url)
        self.target = create_engine(target_url)
        self.batch = batch

    def extract(self, table: str, filters: Mapping[str, Any]) -> pd.DataFrame:
        """Read one batch of rows matching the configured filters."""
        conditions = build_conditions(filters)
        # expect: sql-injection @cond
        query = SELECT_TEMPLATE.format(table=table, conditions=conditions, limit=self.batch)
        log.info("extracting %s", table)
        # expect: sql-injection @cond
        return pd.read_sql(query, self.source)

    def extract_bound(self, table: str, filters: Mapping[str, Any]) -> pd.DataFrame:
        """Same extraction with the table allowlisted and values bound."""
        if table not in SYNCABLE_TABLES:
            raise ValueError(f"table {table!r} is not syncable")
        conditions, params = build_conditions_bound(filters)
        # ok: sql-injection -- table allowlisted, values bound
        query = text(SELECT_TEMPLATE.format(table=table, conditions=conditions, limit=self.batch))
        return pd.read_sql(query, self.source, params=params)

    def purge_target(self, table: str, before: str) -> None:
        """Remove rows older than ``before`` from the warehouse copy."""
        with Session(self.target) as session:
            # expect: sql-injection @purge
            clause = "created_at < '" + before + "'"
            # expect: sql-injection @purge
            session.execute(text("DELETE FROM wh_" + table + " WHERE " + clause))
            session.commit()

    def row_count(self, table: str) -> int:
        """How many rows the warehouse currently holds for ``table``."""
        with self.target.connect() as conn:
            # ok: sql-injection -- constant prefix + allowlisted table
            sql = "SELECT count(*) FROM wh_%s" % (table if table in SYNCABLE_TABLES else "invoices")
            return conn.execute(text(sql)).scalar_one()

    def lookup_customer(self, email: str) -> dict | None:
        """Resolve a customer for the support-ticket enrichment step."""
        with self.source.connect() as conn:
            stmt = text("SELECT id, name FROM customers WHERE email = :email")
            # ok: sql-injection -- bound parameter
            row = conn.execute(stmt, {"email": email}).mappings().first()
            return dict(row) if row else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--table", required=True)
    parser.add_argument("--where-status")
    parser.add_argument("--source", required=True)
    parser.add_argument("--target", required=True)
    args = parser.parse_args()
    sync = WarehouseSync(args.source, args.target)
    filters = {"status": args.where_status} if args.where_status else {}
    frame = sync.extract(args.table, filters)
    frame.to_sql(f"wh_{args.table}", sync.target, if_exists="append", index=False)


if __name__ == "__main__":
    main()
