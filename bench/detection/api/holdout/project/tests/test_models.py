"""Tests for the order models, the text helpers and the scheduling arithmetic."""
from __future__ import annotations

import unittest
from contextlib import suppress
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from fleetops import schemas, textutil
from fleetops.scheduling import Window


@pytest.fixture
def order_payload() -> dict:
    return {
        "id": 7,
        "customerEmail": " Ops@Example.com ",
        "address": {"street": "Hafenstr. 1", "city": "Hamburg", "postcode": "20457"},
        "lines": [{"sku": "BOX-S", "quantity": 2, "unit_price": "4.50"}],
        "created_at": "2025-03-01T08:00:00Z",
    }


def test_order_total(order_payload: dict) -> None:
    order = schemas.parse_order(order_payload)
    assert order.total() == Decimal("9.00")
    assert order.customer_email == "ops@example.com"


def test_order_needs_lines(order_payload: dict) -> None:
    order_payload["lines"] = []
    # ok: unknown-keyword-argument -- runs: pytest.raises(ValueError, match="x") ## raises(expected_exception, func=None, *args, **kwargs) takes match=
    with pytest.raises(ValidationError, match="at least one line"):
        schemas.parse_order(order_payload)


def test_model_has_no_to_dict(order_payload: dict) -> None:
    order = schemas.parse_order(order_payload)
    with pytest.raises(AttributeError):
        # ok: hallucinated-attribute -- lacks pydantic.BaseModel to_dict ## missing on purpose: the test asserts the AttributeError
        order.to_dict()


def test_numpy_alias_gone() -> None:
    with pytest.raises(AttributeError):
        # ok: removed-api -- lacks numpy float ## removed on purpose: the test asserts the AttributeError
        np.float(1)


def test_dataframe_append_gone() -> None:
    frame = pd.DataFrame({"a": [1]})
    with suppress(AttributeError):
        # ok: removed-api -- lacks pandas.DataFrame append ## inside suppress(AttributeError): written for the version that lacks it
        frame = frame.append({"a": 2}, ignore_index=True)
    assert len(frame) == 1


def test_column_access() -> None:
    frame = pd.DataFrame({"depot": ["north"], "amount": [3.5]})
    # ok: hallucinated-attribute -- true: hasattr(pandas.DataFrame({"amount": [1.0]}), "amount") ## pandas column access through __getattr__
    assert frame.amount.sum() == 3.5
    # ok: hallucinated-attribute -- true: hasattr(pandas.DataFrame({"depot": ["a"]}), "depot")
    assert list(frame.depot) == ["north"]


def test_namespace_attributes() -> None:
    settings = SimpleNamespace(depot="north", capacity=12)
    # ok: hallucinated-attribute -- has types.SimpleNamespace(capacity=12) capacity
    assert settings.capacity == 12


def test_dynamic_attribute() -> None:
    window = Window(start=datetime(2025, 1, 1, 8), end=datetime(2025, 1, 1, 12), depot="north")
    setattr(window, "priority", 2)
    # ok: hallucinated-attribute -- manual: set by setattr() two lines above (dataclass instances take new attributes)
    assert window.priority == 2


def test_plate_normalisation() -> None:
    assert textutil.normalise_plate(" d-hh ab 123 ").startswith("HH")


def test_timedelta_arithmetic() -> None:
    gap = datetime(2025, 1, 2) - datetime(2025, 1, 1)
    # ok: hallucinated-attribute -- has datetime.timedelta days
    assert gap.days == 1
    # ok: hallucinated-attribute -- has datetime.timedelta total_seconds
    assert (gap + timedelta(hours=1)).total_seconds() == 90000


def test_rng_is_reproducible() -> None:
    first = np.random.default_rng(3).integers(0, 10, size=5)
    second = np.random.default_rng(3).integers(0, 10, size=5)
    # ok: hallucinated-attribute -- has numpy.testing assert_array_equal
    np.testing.assert_array_equal(first, second)


def test_frame_equality() -> None:
    frame = pd.DataFrame({"a": [1, 2]})
    # ok: unknown-keyword-argument -- accepts pandas.testing.assert_frame_equal check_dtype
    pd.testing.assert_frame_equal(frame, frame.copy(), check_dtype=True)


def test_approx_money() -> None:
    # ok: unknown-keyword-argument -- accepts pytest.approx rel
    assert 0.1 + 0.2 == pytest.approx(0.3, rel=1e-9)


def test_parametrised_ids() -> None:
    # expect: hallucinated-attribute -- lacks pytest approx_equal
    assert pytest.approx_equal(1.0, 1.0)


@pytest.mark.parametrize("raw,expected", [("HH-AB 12", True), ("nope", False)])
def test_plate_validation(raw: str, expected: bool) -> None:
    assert textutil.is_valid_plate(raw) is expected


# expect: unknown-keyword-argument -- rejects _pytest.python.Metafunc.parametrize names ## the mark keeps its keywords and hands them to Metafunc.parametrize at collection; the keyword is ids
@pytest.mark.parametrize("value", [1, 2], names=["one", "two"])
def test_positive(value: int) -> None:
    assert value > 0


class LegacyStyleTest(unittest.TestCase):
    def test_equal(self) -> None:
        # ok: hallucinated-attribute -- has unittest.TestCase assertEqual
        self.assertEqual(textutil.pad_id(5), "00000005")

    def test_raises(self) -> None:
        # ok: hallucinated-attribute -- has unittest.TestCase assertRaises
        with self.assertRaises(AttributeError):
            # ok: hallucinated-attribute -- lacks str trim ## missing on purpose: inside assertRaises(AttributeError)
            "x".trim()

    def test_old_alias(self) -> None:
        # expect: removed-api -- lacks unittest.TestCase assertItemsEqual ## Python 2's name (Python 3: assertCountEqual)
        self.assertItemsEqual(list(textutil.pad_id(1)), list("00000001"))
