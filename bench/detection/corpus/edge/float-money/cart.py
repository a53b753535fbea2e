"""Shopping cart pricing for the storefront (Flask)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask import Flask, jsonify, request

app = Flask(__name__)

VAT_RATE = 0.2
VAT_RATE_D = Decimal("0.20")
CENT = Decimal("0.01")


# expect: float-money @line
def line_total(unit_price: float, qty: int) -> float:
    """Price of one cart line."""
    # expect: float-money @line
    return unit_price * qty


def line_total_decimal(unit_price: Decimal, qty: int) -> Decimal:
    # ok: float-money -- Decimal arithmetic
    return unit_price * qty


@app.post("/cart/price")
def price_cart():
    """Price a cart sent by the browser: ``{"items": [{"price": "19.99", "qty": 2}]}``."""
    items = request.get_json(force=True)["items"]
    # expect: float-money @sub
    subtotal = 0.0
    for item in items:
        # expect: float-money @sub
        subtotal += float(item["price"]) * int(item["qty"])
    # expect: float-money
    total = round(subtotal * (1 + VAT_RATE), 2)
    return jsonify({"subtotal": subtotal, "total": total})


@app.post("/v2/cart/price")
def price_cart_v2():
    items = request.get_json(force=True)["items"]
    # ok: float-money -- Decimal built from the string, quantized with explicit rounding
    subtotal = sum((Decimal(item["price"]) * int(item["qty"]) for item in items), Decimal("0"))
    total = (subtotal * (1 + VAT_RATE_D)).quantize(CENT, rounding=ROUND_HALF_UP)
    return jsonify({"subtotal": str(subtotal), "total": str(total)})


# expect: float-money @cents
def to_cents(amount: float) -> int:
    """Convert a price in euros to integer cents for the payment provider."""
    # expect: float-money @cents
    return int(amount * 100)


def to_cents_decimal(amount: str) -> int:
    # ok: float-money -- parsed as Decimal from text, exact conversion
    return int((Decimal(amount) * 100).to_integral_value(rounding=ROUND_HALF_UP))


def apply_coupon(total_cents: int, percent_off: int) -> int:
    # ok: float-money -- integer cents, integer arithmetic
    return total_cents - (total_cents * percent_off) // 100


# ok: float-money -- the float parameter is a weight
def shipping_fee(weight_kg: float) -> Decimal:
    """Fee by weight band; the weight itself is naturally a float."""
    # ok: float-money -- weight, not money
    bands = 1 + int(weight_kg // 2.5)
    return Decimal("4.90") * bands


def gift_card_value() -> Decimal:
    # expect: float-money
    return Decimal(25.10)
