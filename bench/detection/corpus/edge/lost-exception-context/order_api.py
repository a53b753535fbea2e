"""Order endpoints (FastAPI)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError, NoResultFound

from .db import create_order, load_order, update_order

log = logging.getLogger(__name__)
app = FastAPI()


class OrderIn(BaseModel):
    sku: str
    qty: int


@app.get("/orders/{order_id}")
async def get_order(order_id: int) -> dict:
    try:
        return await load_order(order_id)
    # ok: lost-exception-context -- "not found" becomes a 404; the lookup error carries nothing useful
    except NoResultFound:
        raise HTTPException(status_code=404, detail="order not found")


@app.post("/orders")
async def post_order(body: dict) -> dict:
    try:
        order = OrderIn.model_validate(body)
    except ValidationError as exc:
        # ok: lost-exception-context -- explicit chaining
        raise HTTPException(status_code=422, detail=exc.errors()) from exc
    try:
        return await create_order(order.sku, order.qty)
    # expect: lost-exception-context
    except IntegrityError:
        raise HTTPException(status_code=409, detail="duplicate order")
    # ok: swallowed-exception -- logged with traceback and turned into a 500
    except Exception:
        log.exception("order creation failed")
        # ok: lost-exception-context -- logged with the traceback just above
        raise HTTPException(status_code=500, detail="internal error")


@app.put("/orders/{order_id}")
async def put_order(order_id: int, body: OrderIn) -> dict:
    try:
        return await update_order(order_id, body.sku, body.qty)
    # expect: lost-exception-context
    # ok: swallowed-exception -- it is re-raised (as another exception)
    except Exception as e:
        # expect: stacktrace-disclosure -- the exception text goes to the client
        raise HTTPException(status_code=500, detail=f"update failed: {e}")


def parse_quantity(raw: str) -> int:
    """Quantities arrive as strings from the CSV importer."""
    try:
        qty = int(raw)
    # expect: lost-exception-context
    except ValueError:
        raise ValueError(f"quantity must be a whole number, got {raw!r}")
    if qty <= 0:
        raise ValueError("quantity must be positive")
    return qty


class OrderCache:
    """Small read-through cache used by the price calculator."""

    def __init__(self) -> None:
        self._data: dict[int, dict] = {}

    def get(self, order_id: int) -> dict:
        try:
            return self._data[order_id]
        except KeyError as exc:
            # ok: lost-exception-context -- chained
            raise LookupError(order_id) from exc
