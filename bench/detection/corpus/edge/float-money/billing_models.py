"""Persistence models and API schemas for billing (SQLAlchemy + Pydantic)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import BigInteger, DateTime, Float, Integer, Numeric, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer, index=True)
    # expect: float-money
    amount: Mapped[float] = mapped_column(Float, nullable=False)
    # ok: float-money -- fixed-point NUMERIC
    tax: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    # ok: float-money -- integer minor units
    discount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Wallet(Base):
    __tablename__ = "wallets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # expect: float-money
    balance = mapped_column(Float, default=0.0)
    # ok: float-money -- a ratio, not an amount of money
    cashback_rate = mapped_column(Float, default=0.01)

    # expect: float-money @withdraw
    def withdraw(self, amount: float) -> None:
        if amount > self.balance:
            raise ValueError("insufficient funds")
        # expect: float-money @withdraw
        self.balance -= amount


class PaymentRequest(BaseModel):
    order_id: int
    # expect: float-money
    amount: float = Field(gt=0)
    currency: str = Field(min_length=3, max_length=3)


class RefundRequest(BaseModel):
    payment_id: str
    # ok: float-money -- Decimal
    amount: Decimal = Field(gt=0, decimal_places=2)


class ExchangeQuote(BaseModel):
    base: str
    quote: str
    # ok: float-money -- an exchange *rate* (dimensionless), used with Decimal amounts
    rate: float
