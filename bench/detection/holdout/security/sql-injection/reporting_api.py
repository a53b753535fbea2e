"""Reporting endpoints for the merchant dashboard.

Routes stay thin; the SQL lives in ``ReportRepository`` so the nightly export job can reuse
it.  Everything is async (SQLAlchemy 2.0 + asyncpg).
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import func, select, text
from sqlalchemy.exc import NoResultFound
from sqlalchemy.ext.asyncio import AsyncSession

from .db import get_session
from .models import Order

log = logging.getLogger(__name__)
router = APIRouter(prefix="/reports", tags=["reports"])

ORDERS_TABLE = "orders"
SORTABLE = {
    "created": "o.created_at",
    "total": "o.total_cents",
    "customer": "c.last_name",
}
FILTERABLE = frozenset({"status", "channel", "currency"})


class RevenueRow(BaseModel):
    day: date
    orders: int
    # ok: float-money -- integer minor units; the client formats them
    revenue_cents: int


class RefundSummary(BaseModel):
    merchant_id: int
    currency: str = Field(min_length=3, max_length=3)
    # expect: float-money
    refunded_total: float
    # ok: float-money -- a ratio, not an amount
    refund_rate: float


def _where_from_filters(filters: dict[str, str]) -> tuple[str, dict[str, str]]:
    """Turn ``?status=paid&channel=web`` into a WHERE fragment plus bound values."""
    clauses: list[str] = []
    params: dict[str, str] = {}
    for i, (column, value) in enumerate(filters.items()):
        clauses.append(f"o.{column} = :v{i}")
        params[f"v{i}"] = value
    return " AND ".join(clauses) or "TRUE", params


class ReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def orders_page(self, merchant_id: int, sort: str, direction: str, limit: int, offset: int):
        order_col = SORTABLE.get(sort, "o.created_at")
        order_dir = "DESC" if direction.lower() == "desc" else "ASC"
        # ok: sql-injection -- both identifiers come from fixed choices
        stmt = text(
            f"SELECT o.id, o.reference, o.total_cents FROM {ORDERS_TABLE} o "
            "JOIN customers c ON c.id = o.customer_id "
            f"WHERE o.merchant_id = :mid ORDER BY {order_col} {order_dir} LIMIT :lim OFFSET :off"
        )
        result = await self.session.execute(stmt, {"mid": merchant_id, "lim": limit, "off": offset})
        # ok: unbounded-materialization -- LIMIT is bound above
        return result.mappings().all()

    async def search_customers(self, merchant_id: int, q: str, sort: str):
        # expect: sql-injection @cust -- WHERE is bound, ORDER BY is the raw query string
        sql = (
            "SELECT id, email, last_name FROM customers "
            "WHERE merchant_id = :mid AND last_name ILIKE :pattern "
            "ORDER BY " + sort + " LIMIT 50"
        )
        # expect: sql-injection @cust
        rows = await self.session.execute(text(sql), {"mid": merchant_id, "pattern": f"%{q}%"})
        return rows.mappings().all()

    async def daily_revenue(self, merchant_id: int, start: date, end: date, tz: str) -> list[RevenueRow]:
        # expect: sql-injection -- tz is a query parameter pasted between quotes
        stmt = text(
            "SELECT date_trunc('day', created_at AT TIME ZONE '%s') AS day, count(*) AS orders, "
            "sum(total_cents) AS revenue_cents FROM orders "
            "WHERE merchant_id = :mid AND created_at BETWEEN :start AND :end "
            "GROUP BY 1 ORDER BY 1" % tz
        )
        result = await self.session.execute(stmt, {"mid": merchant_id, "start": start, "end": end})
        return [RevenueRow(**row) for row in result.mappings()]

    async def orders_by_ids(self, ids: list[int]):
        placeholders = ", ".join(f":id{i}" for i in range(len(ids)))
        # ok: sql-injection -- only generated placeholder names are interpolated
        stmt = text(f"SELECT id, status FROM orders WHERE id IN ({placeholders})")
        result = await self.session.execute(stmt, {f"id{i}": v for i, v in enumerate(ids)})
        return result.mappings().all()

    async def filtered_count(self, merchant_id: int, filters: dict[str, str]) -> int:
        where, params = _where_from_filters(filters)
        # ok: sql-injection -- callers pass keys already intersected with FILTERABLE
        stmt = text(f"SELECT count(*) FROM orders o WHERE o.merchant_id = :mid AND {where}")
        return (await self.session.execute(stmt, {"mid": merchant_id, **params})).scalar_one()

    async def export_rows(self, merchant_id: int, raw_filters: dict[str, str]):
        # expect: sql-injection @export -- column names straight from the request
        where, params = _where_from_filters(raw_filters)
        # expect: sql-injection @export
        result = await self.session.execute(
            text("SELECT o.* FROM orders o WHERE o.merchant_id = :mid AND " + where),
            {"mid": merchant_id, **params},
        )
        # expect: unbounded-materialization -- every order a merchant ever had
        return result.mappings().all()

    async def order_status(self, order_id: int) -> str:
        order = await self.session.get(Order, order_id)
        # expect: none-dereference -- session.get returns None for an unknown id
        return order.status

    async def order_total(self, order_id: int) -> int:
        try:
            return (
                await self.session.execute(select(Order.total_cents).where(Order.id == order_id))
            ).scalar_one()
        # ok: lost-exception-context -- chained explicitly
        except NoResultFound as exc:
            raise HTTPException(status_code=404, detail="order not found") from exc

    async def refund_summary(self, merchant_id: int) -> RefundSummary:
        stmt = select(func.sum(Order.refunded_cents), func.count(Order.id)).where(
            Order.merchant_id == merchant_id
        )
        refunded_cents, n_orders = (await self.session.execute(stmt)).one()
        n_refunded = (
            await self.session.execute(
                select(func.count(Order.id)).where(
                    Order.merchant_id == merchant_id, Order.refunded_cents > 0
                )
            )
        ).scalar_one()
        # expect: float-money
        refunded_total = (refunded_cents or 0) / 100
        # expect: empty-input -- a merchant without orders divides by zero
        refund_rate = n_refunded / n_orders
        return RefundSummary(
            merchant_id=merchant_id,
            currency="EUR",
            refunded_total=refunded_total,
            refund_rate=refund_rate,
        )


def get_repo(session: Annotated[AsyncSession, Depends(get_session)]) -> ReportRepository:
    return ReportRepository(session)


@router.get("/orders")
async def list_orders(
    merchant_id: int,
    repo: Annotated[ReportRepository, Depends(get_repo)],
    sort: Annotated[str, Query()] = "created",
    direction: Literal["asc", "desc"] = "desc",
    page: Annotated[int, Query(ge=1)] = 1,
):
    return await repo.orders_page(merchant_id, sort, direction, limit=50, offset=(page - 1) * 50)


@router.get("/customers")
async def search_customers(
    merchant_id: int,
    q: Annotated[str, Query(min_length=2)],
    repo: Annotated[ReportRepository, Depends(get_repo)],
    sort: str = "last_name",
):
    return await repo.search_customers(merchant_id, q, sort)


@router.get("/revenue", response_model=list[RevenueRow])
async def revenue(
    merchant_id: int,
    start: date,
    end: date,
    repo: Annotated[ReportRepository, Depends(get_repo)],
    tz: str = "UTC",
):
    return await repo.daily_revenue(merchant_id, start, end, tz)


@router.get("/count")
async def count_orders(request: Request, merchant_id: int, repo: Annotated[ReportRepository, Depends(get_repo)]):
    filters = {k: v for k, v in request.query_params.items() if k in FILTERABLE}
    return {"count": await repo.filtered_count(merchant_id, filters)}


@router.get("/export")
async def export(request: Request, merchant_id: int, repo: Annotated[ReportRepository, Depends(get_repo)]):
    raw = dict(request.query_params)
    raw.pop("merchant_id", None)
    rows = await repo.export_rows(merchant_id, raw)
    log.info("exported %d rows for merchant %s", len(rows), merchant_id)
    return rows


@router.get("/refunds", response_model=RefundSummary)
async def refunds(merchant_id: int, repo: Annotated[ReportRepository, Depends(get_repo)]):
    return await repo.refund_summary(merchant_id)
