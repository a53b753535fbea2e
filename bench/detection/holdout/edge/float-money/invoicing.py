"""Invoice model and calculations for the B2B portal.

``Invoice``/``LineItem`` are built from the order service's JSON and rendered to PDF by
``render_invoice``.  The new ``DraftInvoice`` types are being migrated to Decimal.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from enum import Enum
from typing import assert_never

from jinja2 import Environment, PackageLoader, select_autoescape
from prometheus_client import Gauge

log = logging.getLogger(__name__)
env = Environment(loader=PackageLoader("portal", "templates"), autoescape=select_autoescape())
CENT = Decimal("0.01")
open_receivables = Gauge("portal_open_receivables_eur", "Open receivables in EUR")


class Status(Enum):
    DRAFT = "draft"
    SENT = "sent"
    PAID = "paid"
    VOID = "void"


@dataclass
class LineItem:
    sku: str
    description: str
    quantity: int
    # expect: float-money
    unit_price: float
    # ok: float-money -- a physical quantity
    weight_kg: float = 0.0


@dataclass
class Invoice:
    number: str
    customer: str
    currency: str
    issued: date
    status: Status = Status.DRAFT
    # ok: mutable-default-arg -- each invoice gets its own list
    lines: list[LineItem] = field(default_factory=list)

    # expect: float-money @sub -- a float sum of prices drifts by cents
    def subtotal(self) -> float:
        # expect: float-money @sub
        return sum(line.unit_price * line.quantity for line in self.lines)

    def tax(self, rate: float = 0.19) -> float:
        # expect: float-money -- rounding a binary float to cents
        return round(self.subtotal() * rate, 2)

    def total_cents(self) -> int:
        # expect: float-money -- 19.99 * 100 truncates to 1998
        return int((self.subtotal() + self.tax()) * 100)


@dataclass
class DraftLine:
    sku: str
    quantity: int
    # ok: float-money
    unit_price: Decimal


@dataclass
class DraftInvoice:
    number: str
    currency: str
    # ok: float-money -- rate kept as Decimal as well
    vat_rate: Decimal = Decimal("0.19")
    lines: list[DraftLine] = field(default_factory=list)

    def subtotal(self) -> Decimal:
        return sum((line.unit_price * line.quantity for line in self.lines), Decimal("0"))

    def total(self) -> Decimal:
        sub = self.subtotal()
        # ok: float-money
        return (sub + sub * self.vat_rate).quantize(CENT, rounding=ROUND_HALF_EVEN)


def invoice_from_json(raw: str) -> Invoice:
    data = json.loads(raw)
    lines = [
        LineItem(
            sku=item["sku"],
            description=item["description"],
            quantity=int(item["quantity"]),
            unit_price=item["unit_price"],
        )
        for item in data["lines"]
    ]
    return Invoice(data["number"], data["customer"], data["currency"], date.fromisoformat(data["issued"]), lines=lines)


def draft_from_json(raw: str) -> DraftInvoice:
    # ok: float-money -- JSON numbers parsed straight into Decimal
    data = json.loads(raw, parse_float=Decimal)
    lines = [DraftLine(item["sku"], int(item["quantity"]), Decimal(str(item["unit_price"]))) for item in data["lines"]]
    return DraftInvoice(data["number"], data["currency"], lines=lines)


def apply_credit(draft: DraftInvoice, amount: str) -> DraftInvoice:
    # expect: float-money -- the credit note amount goes through float on its way to Decimal
    credit = Decimal(float(amount))
    draft.lines.append(DraftLine("CREDIT", 1, -credit))
    return draft


def late_fee(invoice: DraftInvoice, days_late: int) -> Decimal:
    # expect: float-money -- Decimal(0.015) is 0.01499999999999999944...
    return (invoice.total() * Decimal(0.015) * days_late).quantize(CENT)


def update_status(invoice: Invoice, new: Status) -> None:
    # expect: assert-for-validation -- the API relies on this to reject edits to sent invoices
    assert invoice.status == Status.DRAFT, "only draft invoices can change"
    invoice.status = new


def describe(status: Status) -> str:
    match status:
        case Status.DRAFT:
            return "Draft"
        case Status.SENT:
            return "Awaiting payment"
        case Status.PAID:
            return "Paid"
        case Status.VOID:
            return "Cancelled"
        case _:
            # ok: assert-for-validation -- static exhaustiveness check, not a runtime guard
            assert_never(status)


# expect: mutable-default-arg
def render_invoice(invoice: Invoice, context: dict = {}) -> str:
    context.update(invoice=invoice, due=invoice.issued + timedelta(days=30))
    return env.get_template("invoice.html").render(**context)


# ok: mutable-default-arg
def render_reminder(invoice: Invoice, context: dict | None = None) -> str:
    ctx = {**(context or {}), "invoice": invoice}
    return env.get_template("reminder.html").render(**ctx)


def average_invoice(invoices: list[DraftInvoice]) -> Decimal:
    total = sum((inv.total() for inv in invoices), Decimal("0"))
    # expect: empty-input
    return (total / len(invoices)).quantize(CENT)


def average_invoice_safe(invoices: list[DraftInvoice]) -> Decimal:
    if not invoices:
        return Decimal("0.00")
    total = sum((inv.total() for inv in invoices), Decimal("0"))
    # ok: empty-input -- early return above
    return (total / len(invoices)).quantize(CENT)


def oldest_unpaid(invoices: list[Invoice]) -> date:
    unpaid = [inv for inv in invoices if inv.status is Status.SENT]
    # expect: empty-input -- raises when everything is paid
    return min(inv.issued for inv in unpaid)


def statement_currency(invoices: list[Invoice]) -> str:
    # expect: empty-input -- a customer without invoices raises IndexError
    return invoices[0].currency


def report_receivables(drafts: list[DraftInvoice]) -> None:
    total = sum((d.total() for d in drafts), Decimal("0"))
    # ok: float-money -- float only for the monitoring gauge
    open_receivables.set(float(total))
    log.info("open receivables: %s EUR", total)
