"""Tests for the pricing helpers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.pricing import apply_discount, parse_price


def test_parse_price_plain():
    # ok: assert-for-validation -- pytest assertion in a test
    assert parse_price("19.99") == Decimal("19.99")


def test_parse_price_rejects_garbage():
    with pytest.raises(ValueError):
        parse_price("nineteen")


@pytest.mark.parametrize("total, pct, expected", [("100", 10, "90.00"), ("19.99", 0, "19.99")])
def test_apply_discount(total, pct, expected):
    result = apply_discount(Decimal(total), pct)
    # ok: assert-for-validation -- pytest assertion in a test
    assert result == Decimal(expected), f"{total} - {pct}%"


class TestRounding:
    def test_half_up(self):
        # ok: assert-for-validation -- pytest assertion in a test
        assert apply_discount(Decimal("0.05"), 50) == Decimal("0.03")
