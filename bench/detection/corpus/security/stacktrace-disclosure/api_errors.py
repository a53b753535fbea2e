"""Error handling for the FastAPI inventory service."""

from __future__ import annotations

import logging
import sys
import traceback

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy.exc import SQLAlchemyError

from .db import get_item, reserve_stock

log = logging.getLogger("inventory")
app = FastAPI()


@app.exception_handler(Exception)
async def unhandled(request: Request, exc: Exception) -> JSONResponse:
    """Turn any unhandled exception into a JSON 500."""
    log.error("unhandled error on %s", request.url.path, exc_info=exc)
    # expect: stacktrace-disclosure
    return JSONResponse(
        status_code=500,
        content={
            "error": type(exc).__name__,
            "traceback": traceback.format_exception(type(exc), exc, exc.__traceback__),
        },
    )


@app.exception_handler(RequestValidationError)
async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """Report which fields were invalid."""
    # ok: stacktrace-disclosure -- validation details describe the client's own input
    return JSONResponse(status_code=422, content={"errors": exc.errors()})


@app.get("/items/{item_id}")
async def read_item(item_id: int) -> dict:
    try:
        return await get_item(item_id)
    except SQLAlchemyError as e:
        log.exception("database error")
        # expect: stacktrace-disclosure
        raise HTTPException(status_code=500, detail=f"Database error: {e}") from e


@app.post("/items/{item_id}/reserve")
async def reserve(item_id: int, qty: int) -> dict:
    try:
        return await reserve_stock(item_id, qty)
    except SQLAlchemyError as e:
        log.exception("reserve failed for item %s", item_id)
        # ok: stacktrace-disclosure -- generic detail; exception only logged
        raise HTTPException(status_code=503, detail="Inventory temporarily unavailable") from e


@app.get("/debug/last-error", response_class=PlainTextResponse)
async def last_error() -> str:
    """Shows the last error seen by this worker (handy while debugging in staging)."""
    exc = getattr(sys, "last_value", None)
    if exc is None:
        return "no error recorded"
    # expect: stacktrace-disclosure
    return "".join(traceback.format_exception(exc))


def main() -> None:
    """CLI entry point for the stock reconciliation script."""
    try:
        import asyncio

        asyncio.run(reserve_stock(0, 0))
    # ok: swallowed-exception -- prints the traceback and exits non-zero
    except Exception:
        # ok: stacktrace-disclosure -- printed to the operator's terminal, not a client
        traceback.print_exc()
        sys.exit(1)
