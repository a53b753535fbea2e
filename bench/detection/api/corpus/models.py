"""Order models (pydantic v2) and persistence (SQLAlchemy 2)."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import String, create_engine, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class OrderRow(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer: Mapped[str] = mapped_column(String(120))


class Order(BaseModel):
    id: int
    customer: str = Field(min_length=1)
    created: datetime


engine = create_engine("sqlite:///orders.db", echo=False)


def to_payload(order: Order) -> dict:
    # ok: removed-api -- .dict() is deprecated in pydantic 2 but still works: not a removal
    return order.dict()


def to_payload_ok(order: Order) -> dict:
    # ok: removed-api
    return order.model_dump()


def parse(data: dict) -> Order:
    # ok: removed-api -- parse_obj is deprecated in pydantic 2 but still works: not a removal
    return Order.parse_obj(data)


def parse_ok(data: dict) -> Order:
    # ok: removed-api
    return Order.model_validate(data)


def count_orders() -> int:
    # expect: removed-api -- Engine.execute was removed in SQLAlchemy 2.0
    result = engine.execute("SELECT count(*) FROM orders")
    return result.scalar()


def count_orders_ok() -> int:
    with engine.connect() as connection:
        # ok: removed-api
        return connection.execute(text("SELECT count(*) FROM orders")).scalar_one()


def customers() -> list[str]:
    with Session(engine) as session:
        # ok: hallucinated-attribute
        rows = session.scalars(select(OrderRow)).all()
        # expect: hallucinated-attribute
        session.commit_all()
        return [row.customer for row in rows]


def make_engine(url: str):
    # ok: unknown-keyword-argument -- create_engine takes **kwargs
    return create_engine(url, pool_pre_ping=True)
