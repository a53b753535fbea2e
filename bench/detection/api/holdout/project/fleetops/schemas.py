"""Request/response models for the order service (pydantic v2)."""
from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
# ok: removed-api -- has pydantic validator ## the v1 decorator is deprecated in v2, not removed
from pydantic import validator
# expect: removed-api -- lacks pydantic BaseSettings ## moved to the pydantic-settings package in v2
from pydantic import BaseSettings
# ok: removed-api -- has pydantic.error_wrappers ValidationError ## moved in v2; the v1 path still resolves (with a warning)
from pydantic.error_wrappers import ValidationError as V1ValidationError
# expect: removed-api -- lacks pydantic.error_wrappers ErrorWrapper ## removed in v2
from pydantic.error_wrappers import ErrorWrapper


class OrderStatus(str, Enum):
    PENDING = "pending"
    DISPATCHED = "dispatched"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class Address(BaseModel):
    street: str
    city: str
    postcode: str = Field(min_length=3, max_length=10)
    country: str = "DE"


class OrderLine(BaseModel):
    sku: str
    quantity: int = Field(gt=0)
    unit_price: Decimal = Field(ge=0, decimal_places=2)


class Order(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    id: int
    customer_email: str = Field(alias="customerEmail")
    address: Address
    lines: list[OrderLine]
    status: OrderStatus = OrderStatus.PENDING
    created_at: datetime
    notes: str | None = None

    @field_validator("customer_email")
    @classmethod
    def email_lowercase(cls, value: str) -> str:
        return value.strip().lower()

    @model_validator(mode="after")
    def must_have_lines(self) -> "Order":
        if not self.lines:
            raise ValueError("an order needs at least one line")
        return self

    def total(self) -> Decimal:
        return sum((line.unit_price * line.quantity for line in self.lines), Decimal("0"))


class OrderPatch(BaseModel):
    status: OrderStatus | None = None
    notes: str | None = None

    # expect: unknown-keyword-argument -- raises TypeError: pydantic.field_validator("x", pre=True) ## v1's validator(pre=True); v2 uses mode="before"
    @field_validator("notes", pre=True)
    @classmethod
    def strip_notes(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value


class DriverIn(BaseModel):
    name: str
    # expect: removed-api -- raises PydanticUserError: pydantic.Field(regex="x") ## v1 keyword, removed in v2 (pattern=)
    phone: str = Field(regex=r"^\+?[0-9 ]{6,20}$")
    licence_class: str = Field(default="B", description="EU driving licence class")

    # ok: removed-api -- has pydantic validator
    @validator("name")
    def name_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name must not be blank")
        return value


class Vehicle(BaseModel):
    plate: str
    # ok: removed-api -- runs: pydantic.Field(min_items=1) ## deprecated v1 keyword, still accepted by pydantic 2.14
    tags: list[str] = Field(default_factory=list, min_items=0)
    capacity_kg: float = Field(gt=0)


def parse_order(payload: dict[str, Any]) -> Order:
    # ok: hallucinated-attribute -- has pydantic.BaseModel model_validate
    return Order.model_validate(payload)


def parse_order_json(raw: str) -> Order:
    # expect: hallucinated-attribute -- lacks pydantic.BaseModel from_json
    return Order.from_json(raw)


def parse_order_legacy(payload: dict[str, Any]) -> Order:
    # ok: removed-api -- has pydantic.BaseModel parse_obj ## deprecated in v2, still there
    return Order.parse_obj(payload)


def order_to_dict(order: Order) -> dict[str, Any]:
    # ok: unknown-keyword-argument -- accepts pydantic.BaseModel.model_dump by_alias && accepts pydantic.BaseModel.model_dump exclude_none && accepts pydantic.BaseModel.model_dump mode
    return order.model_dump(by_alias=True, exclude_none=True, mode="json")


def order_to_json(order: Order) -> str:
    # expect: hallucinated-attribute -- lacks pydantic.BaseModel to_json
    return order.to_json()


def order_summary(order: Order) -> dict[str, Any]:
    # expect: removed-api -- rejects pydantic.BaseModel.dict skip_defaults ## v1's dict(skip_defaults=); v2's deprecated dict() no longer takes it
    return order.dict(skip_defaults=True)


def patch_order(order: Order, patch: OrderPatch) -> Order:
    # ok: unknown-keyword-argument -- accepts pydantic.BaseModel.model_dump exclude_unset
    changes = patch.model_dump(exclude_unset=True)
    # ok: unknown-keyword-argument -- accepts pydantic.BaseModel.model_copy update
    return order.model_copy(update=changes)


def order_schema() -> str:
    # ok: hallucinated-attribute -- has pydantic.BaseModel model_json_schema
    return json.dumps(Order.model_json_schema(), indent=2)


def list_fields() -> list[str]:
    # ok: hallucinated-attribute -- has pydantic.BaseModel model_fields
    return list(Order.model_fields)


def changed_fields(patch: OrderPatch) -> set[str]:
    # expect: hallucinated-attribute -- lacks pydantic.BaseModel fields_set ## v2 names it model_fields_set (v1: __fields_set__)
    return set(patch.fields_set)


def new_address(street: str, city: str, postcode: str) -> Address:
    # expect: unknown-keyword-argument -- nofield Address zip_code ## pydantic's default extra='ignore' silently drops it, then postcode is missing
    return Address(street=street, city=city, zip_code=postcode)


def new_line(sku: str, qty: int, price: Decimal) -> OrderLine:
    # ok: unknown-keyword-argument -- field OrderLine unit_price
    return OrderLine(sku=sku, quantity=qty, unit_price=price)


def new_order_from_alias(data: dict[str, Any]) -> Order:
    # ok: unknown-keyword-argument -- field Order customer_email ## populate_by_name=True: the field name and the alias both work
    return Order(id=data["id"], customer_email=data["email"], address=Address(**data["address"]), lines=[],
                 created_at=datetime.now())


def validation_messages(payload: dict[str, Any]) -> list[str]:
    try:
        Order.model_validate(payload)
    except ValidationError as exc:
        # ok: hallucinated-attribute -- has pydantic.ValidationError errors
        return [err["msg"] for err in exc.errors()]
    return []


def validation_messages_v1(payload: dict[str, Any]) -> list[str]:
    try:
        Order.model_validate(payload)
    except V1ValidationError as exc:
        # expect: hallucinated-attribute -- lacks pydantic.ValidationError raw_errors ## a v1 internal
        return [str(e) for e in exc.raw_errors]
    return []


def vehicle_copy(vehicle: Vehicle) -> Vehicle:
    # ok: removed-api -- has pydantic.BaseModel copy ## deprecated in v2, still there
    return vehicle.copy(deep=True)


def load_vehicles(raw: str) -> list[Vehicle]:
    # expect: hallucinated-attribute -- lacks pydantic.BaseModel model_validate_list
    return Vehicle.model_validate_list(json.loads(raw))
