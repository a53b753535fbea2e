"""Data-access layer for orders, backed by PostgreSQL through psycopg2.

The repository hides SQL from the service layer.  Every public method takes plain Python
values and returns dictionaries, so callers never touch a cursor directly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Iterable, Sequence

import psycopg2
import psycopg2.extras
from psycopg2 import sql

logger = logging.getLogger(__name__)

ORDERS_TABLE = "orders"
SORTABLE_COLUMNS = {"created_at", "total_cents", "status", "customer_id"}
PAGE_SIZE = 50


@dataclass
class OrderFilter:
    """Optional filters for :meth:`OrderRepository.search`."""

    status: str | None = None
    customer_email: str | None = None
    sort_by: str = "created_at"
    descending: bool = True


class OrderRepository:
    """Thin wrapper around a psycopg2 connection for the ``orders`` table."""

    def __init__(self, dsn: str) -> None:
        self._conn = psycopg2.connect(dsn, cursor_factory=psycopg2.extras.RealDictCursor)

    def close(self) -> None:
        self._conn.close()

    def get(self, order_id: int) -> dict | None:
        """Return a single order by primary key."""
        with self._conn.cursor() as cur:
            # ok: sql-injection -- parameterized
            cur.execute("SELECT * FROM orders WHERE id = %s", (order_id,))
            return cur.fetchone()

    def find_by_reference(self, reference: str) -> dict | None:
        """Look up an order by the human-readable reference printed on invoices."""
        with self._conn.cursor() as cur:
            # expect: sql-injection
            cur.execute(f"SELECT * FROM orders WHERE reference = '{reference}'")
            return cur.fetchone()

    def search(self, flt: OrderFilter, page: int = 1) -> list[dict]:
        """Filter orders by status / customer and sort by a caller-chosen column."""
        clauses = []
        params: list[object] = []
        if flt.status:
            clauses.append("status = %s")
            params.append(flt.status)
        if flt.customer_email:
            clauses.append("customer_email = %s")
            params.append(flt.customer_email)
        where = " AND ".join(clauses) or "TRUE"
        direction = "DESC" if flt.descending else "ASC"
        offset = (max(page, 1) - 1) * PAGE_SIZE
        # The WHERE clause is parameterized, but the sort column comes straight from the
        # query string.
        # expect: sql-injection @sort
        query = (
            f"SELECT * FROM orders WHERE {where} "
            f"ORDER BY {flt.sort_by} {direction} LIMIT {PAGE_SIZE} OFFSET {offset}"
        )
        with self._conn.cursor() as cur:
            # expect: sql-injection @sort
            cur.execute(query, params)
            return cur.fetchall()

    def search_safe(self, flt: OrderFilter) -> list[dict]:
        """Same as :meth:`search` but with the sort column checked against an allowlist."""
        if flt.sort_by not in SORTABLE_COLUMNS:
            raise ValueError(f"cannot sort by {flt.sort_by!r}")
        direction = "DESC" if flt.descending else "ASC"
        # ok: sql-injection -- identifier checked against SORTABLE_COLUMNS above
        query = f"SELECT * FROM orders WHERE status = %s ORDER BY {flt.sort_by} {direction} LIMIT 50"
        with self._conn.cursor() as cur:
            cur.execute(query, (flt.status or "open",))
            return cur.fetchall()

    def count_for_customer(self, customer_id: int | str) -> int:
        """Number of orders a customer has placed."""
        customer_id = int(customer_id)
        with self._conn.cursor() as cur:
            # ok: sql-injection -- int() above leaves nothing to inject
            cur.execute(f"SELECT count(*) AS n FROM orders WHERE customer_id = {customer_id}")
            return cur.fetchone()["n"]

    def get_many(self, order_ids: Sequence[int]) -> list[dict]:
        """Fetch several orders at once (used by the CSV export)."""
        if not order_ids:
            return []
        placeholders = ", ".join(["%s"] * len(order_ids))
        # ok: sql-injection -- only placeholders are interpolated
        query = f"SELECT * FROM orders WHERE id IN ({placeholders})"
        with self._conn.cursor() as cur:
            cur.execute(query, tuple(order_ids))
            return cur.fetchall()

    def mark_shipped(self, references: Iterable[str], carrier: str) -> int:
        """Mark each order as shipped; returns how many rows were touched."""
        touched = 0
        with self._conn.cursor() as cur:
            for ref in references:
                # expect: sql-injection @ship
                stmt = "UPDATE orders SET status = 'shipped', carrier = '%s' WHERE reference = '%s'" % (
                    carrier,
                    ref,
                )
                # expect: sql-injection @ship
                cur.execute(stmt)
                touched += cur.rowcount
        self._conn.commit()
        return touched

    def archive_before(self, table_suffix: str, cutoff: str) -> None:
        """Move old rows into a per-year archive table, e.g. ``orders_2021``."""
        with self._conn.cursor() as cur:
            # ok: sql-injection -- psycopg2.sql composes identifiers safely
            stmt = sql.SQL("INSERT INTO {archive} SELECT * FROM {src} WHERE created_at < %s").format(
                archive=sql.Identifier(f"{ORDERS_TABLE}_{table_suffix}"),
                src=sql.Identifier(ORDERS_TABLE),
            )
            cur.execute(stmt, (cutoff,))
        self._conn.commit()

    def delete_by_status(self, status: str) -> None:
        """Hard-delete orders in a given status (admin tool)."""
        with self._conn.cursor() as cur:
            # expect: sql-injection
            cur.execute("DELETE FROM " + ORDERS_TABLE + " WHERE status = '" + status + "'")
        self._conn.commit()
        logger.info("deleted orders with status %s", status)
