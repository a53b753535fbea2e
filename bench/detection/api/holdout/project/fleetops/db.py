"""Persistence for orders and drivers (SQLAlchemy 2.x, typed ORM)."""
from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import (ForeignKey, MetaData, Numeric, String, create_engine, func, inspect, select, text,
                        update)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, selectinload, sessionmaker
# expect: removed-api -- lacks sqlalchemy.orm relation ## the old synonym of relationship(), removed in SQLAlchemy 2.0
from sqlalchemy.orm import relation
# ok: removed-api -- has sqlalchemy.ext.declarative declarative_base ## legacy, still importable in 2.1
from sqlalchemy.ext.declarative import declarative_base
# expect: hallucinated-module -- nomod sqlalchemy.ext.asyncio_pool
from sqlalchemy.ext.asyncio_pool import AsyncPool

log = logging.getLogger(__name__)

LegacyBase = declarative_base()


class Base(DeclarativeBase):
    pass


class Driver(Base):
    __tablename__ = "drivers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # ok: unknown-keyword-argument -- accepts sqlalchemy.orm.mapped_column unique && accepts sqlalchemy.orm.mapped_column index
    licence_no: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    # expect: unknown-keyword-argument -- raises TypeError: sqlalchemy.orm.mapped_column(sqlalchemy.String(5), required=True) ## mapped_column(**kw) only takes <dialect>_<arg> extras
    depot: Mapped[str] = mapped_column(String(16), required=True)
    orders: Mapped[list["OrderRow"]] = relationship(back_populates="driver")


class OrderRow(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("drivers.id"))
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # ok: unknown-keyword-argument -- accepts sqlalchemy.orm.mapped_column server_default
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # ok: unknown-keyword-argument -- accepts sqlalchemy.orm.relationship back_populates && accepts sqlalchemy.orm.relationship lazy
    driver: Mapped[Driver | None] = relationship(back_populates="orders", lazy="joined")


def make_engine(url: str) -> Engine:
    # ok: unknown-keyword-argument -- runs: sqlalchemy.create_engine("sqlite://", pool_pre_ping=True, pool_recycle=300, echo=False) ## create_engine(url, **kwargs) validates its keywords against the dialect and pool
    return create_engine(url, pool_pre_ping=True, pool_recycle=300, echo=False)


def make_engine_with_timeout(url: str) -> Engine:
    # expect: unknown-keyword-argument -- raises TypeError: sqlalchemy.create_engine("sqlite://", connect_timeout=5) ## belongs in connect_args
    return create_engine(url, pool_pre_ping=True, connect_timeout=5)


def make_legacy_engine(url: str) -> Engine:
    # expect: removed-api -- raises TypeError: sqlalchemy.create_engine("sqlite://", convert_unicode=True) ## removed in SQLAlchemy 2.0
    return create_engine(url, convert_unicode=True)


engine = make_engine("sqlite:///fleet.db")
# ok: removed-api -- runs: sqlalchemy.orm.sessionmaker(autocommit=False)() ## autocommit=False is still accepted (only True was removed)
SessionLocal = sessionmaker(bind=engine, autocommit=False, expire_on_commit=False)


# ok: removed-api -- has contextlib contextmanager
@contextmanager
def session_scope() -> Iterator[Session]:
    session = SessionLocal()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


def get_driver(session: Session, driver_id: int) -> Driver | None:
    # ok: hallucinated-attribute -- has sqlalchemy.orm.Session get
    return session.get(Driver, driver_id)


def get_driver_legacy(session: Session, driver_id: int) -> Driver | None:
    # ok: removed-api -- has sqlalchemy.orm.Query get ## legacy Query.get is deprecated, not removed
    return session.query(Driver).get(driver_id)


def drivers_in_depot(session: Session, depot: str) -> Sequence[Driver]:
    stmt = select(Driver).where(Driver.depot == depot).order_by(Driver.name)
    # ok: hallucinated-attribute -- has sqlalchemy.engine.ScalarResult all
    return session.scalars(stmt).all()


def first_pending(session: Session) -> OrderRow | None:
    stmt = select(OrderRow).where(OrderRow.status == "pending").order_by(OrderRow.created_at)
    # expect: hallucinated-attribute -- lacks sqlalchemy.sql.Select first ## first() is on the Result, not the statement
    return session.execute(stmt.first()).scalar_one_or_none()


def orders_for_driver(session: Session, driver_id: int) -> list[OrderRow]:
    stmt = select(OrderRow).filter_by(driver_id=driver_id).options(selectinload(OrderRow.driver))
    # expect: hallucinated-attribute -- lacks sqlalchemy.engine.ScalarResult to_list
    return session.scalars(stmt).to_list()


def count_orders(session: Session) -> int:
    # expect: hallucinated-attribute -- lacks sqlalchemy.orm.Session exec ## SQLModel's Session has exec(); SQLAlchemy's has execute()
    return session.exec(select(func.count(OrderRow.id))).one()


def revenue_by_status(session: Session) -> dict[str, Decimal]:
    stmt = select(OrderRow.status, func.sum(OrderRow.amount)).group_by(OrderRow.status)
    rows = session.execute(stmt).all()
    # ok: hallucinated-attribute -- has sqlalchemy.engine.Row _mapping ## public despite the underscore
    return {row._mapping["status"]: row[1] for row in rows}


def order_rows_as_dicts(session: Session) -> list[dict]:
    result = session.execute(text("SELECT id, status, amount FROM orders"))
    # expect: removed-api -- lacks sqlalchemy.engine.Row keys ## Row.keys() was the 1.x API, removed in 2.0 (row._mapping.keys())
    return [dict(zip(row.keys(), row)) for row in result]


def mark_delivered(session: Session, order_ids: list[int]) -> int:
    stmt = update(OrderRow).where(OrderRow.id.in_(order_ids)).values(status="delivered")
    result = session.execute(stmt)
    # ok: hallucinated-attribute -- has sqlalchemy.engine.CursorResult rowcount
    return result.rowcount


def add_driver(session: Session, name: str, licence_no: str, depot: str) -> Driver | None:
    # ok: unknown-keyword-argument -- manual: the declarative constructor accepts every mapped attribute as a keyword (Driver has name, licence_no, depot)
    driver = Driver(name=name, licence_no=licence_no, depot=depot)
    session.add(driver)
    try:
        session.flush()
    # ok: hallucinated-attribute -- has sqlalchemy.exc IntegrityError
    except IntegrityError:
        session.rollback()
        return None
    return driver


def raw_count(eng: Engine) -> int:
    # expect: removed-api -- lacks sqlalchemy.engine.Engine execute ## Engine.execute() removed in SQLAlchemy 2.0
    return eng.execute("SELECT count(*) FROM orders").scalar()


def raw_count_v2(eng: Engine) -> int:
    with eng.connect() as conn:
        # ok: hallucinated-attribute -- has sqlalchemy.engine.Connection execute
        return conn.execute(text("SELECT count(*) FROM orders")).scalar_one()


def list_tables(eng: Engine) -> list[str]:
    # expect: removed-api -- lacks sqlalchemy.engine.Engine table_names ## removed in SQLAlchemy 2.0 (inspect(engine).get_table_names())
    return eng.table_names()


def list_tables_v2(eng: Engine) -> list[str]:
    # ok: hallucinated-attribute -- has sqlalchemy.engine.reflection.Inspector get_table_names
    return inspect(eng).get_table_names()


def reflect(eng: Engine) -> MetaData:
    # expect: removed-api -- raises TypeError: sqlalchemy.MetaData(bind=None) ## bound metadata was removed in SQLAlchemy 2.0
    return MetaData(bind=eng)


def reflect_v2(eng: Engine) -> MetaData:
    meta = MetaData()
    # ok: unknown-keyword-argument -- accepts sqlalchemy.MetaData.reflect bind && accepts sqlalchemy.MetaData.reflect only
    meta.reflect(bind=eng, only=["orders", "drivers"])
    return meta


def touch_driver(session: Session, driver: Driver) -> None:
    # ok: hallucinated-attribute -- has sqlalchemy.orm.Session refresh
    session.refresh(driver)
    log.info("driver %s refreshed at %s", driver.id, datetime.now(timezone.utc))
