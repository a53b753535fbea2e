"""Order status endpoints and background tasks (FastAPI)."""

from __future__ import annotations

import asyncio
import logging

import httpx
from fastapi import BackgroundTasks, FastAPI

from .db import Order, get_order, mark_notified

log = logging.getLogger(__name__)
app = FastAPI()
_pollers: set[asyncio.Task] = set()


async def notify_customer(order: Order) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        await client.post("https://notify.example.com/send", json={"order": order.id})


@app.post("/orders/{order_id}/notify")
async def notify(order_id: int, background: BackgroundTasks) -> dict:
    """Queue a notification; always answers 202."""
    order = await get_order(order_id)
    try:
        await notify_customer(order)
        await mark_notified(order_id)
    # expect: swallowed-exception
    except Exception:
        return {"status": "queued"}
    return {"status": "sent"}


@app.post("/orders/{order_id}/notify-v2")
async def notify_v2(order_id: int) -> dict:
    order = await get_order(order_id)
    try:
        await notify_customer(order)
    # ok: swallowed-exception -- logged with traceback, reported to the caller as failed
    except httpx.HTTPError:
        log.warning("notification failed for order %s", order_id, exc_info=True)
        return {"status": "failed"}
    return {"status": "sent"}


async def poll_carrier(order_id: int) -> None:
    while True:
        await asyncio.sleep(30)


@app.post("/orders/{order_id}/track")
async def start_tracking(order_id: int) -> dict:
    task = asyncio.create_task(poll_carrier(order_id))
    _pollers.add(task)
    task.add_done_callback(_pollers.discard)
    return {"tracking": True}


@app.on_event("shutdown")
async def stop_pollers() -> None:
    for task in list(_pollers):
        task.cancel()
        try:
            await task
        # ok: swallowed-exception -- we just cancelled it; CancelledError is the expected outcome
        except asyncio.CancelledError:
            pass


async def refresh_all(order_ids: list[int]) -> dict[int, str]:
    """Refresh several orders concurrently and report per-order errors."""
    results: dict[int, str] = {}
    for order_id in order_ids:
        try:
            order = await get_order(order_id)
            results[order_id] = order.status
        # ok: swallowed-exception -- the error is recorded in the result for the caller
        except LookupError as exc:
            results[order_id] = f"error: {exc}"
    return results


def shutdown_metrics(exporter) -> None:
    try:
        exporter.flush()
        exporter.close()
    # expect: swallowed-exception
    except BaseException:
        pass
