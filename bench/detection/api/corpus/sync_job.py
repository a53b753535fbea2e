"""Nightly job: pull partner orders, reconcile with the warehouse, publish a summary.

Written after the rules were frozen for this file: its results are reported as they came.
"""
from __future__ import annotations

import datetime as dt
import logging
import random
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import requests as rq
from rich.console import Console
from rich.progress import Progress
from sqlalchemy import create_engine, text

log = logging.getLogger("sync")
console = Console(stderr=True)


def pull(url: str) -> list[dict]:
    # expect: hallucinated-attribute
    payload = rq.get(url, timeout=30).jsn()
    # ok: hallucinated-attribute
    payload = rq.get(url, timeout=30).json()
    return payload


def pull_async_style(url: str) -> dict:
    # expect: unknown-keyword-argument
    response = httpx.get(url, follow_redirect=True, timeout=10)
    # ok: unknown-keyword-argument
    response = httpx.get(url, follow_redirects=True, timeout=10)
    # ok: hallucinated-attribute
    return response.json()


def sample(rows: list[dict]) -> list[dict]:
    # expect: unknown-keyword-argument
    picks = np.random.choice(len(rows), sizee=3, replace=False)
    # ok: unknown-keyword-argument
    picks = np.random.choice(len(rows), size=3, replace=False)
    # ok: hallucinated-attribute
    random.shuffle(rows)
    return [rows[i] for i in picks]


def reconcile(orders: pd.DataFrame, stock: pd.DataFrame) -> pd.DataFrame:
    # ok: hallucinated-attribute
    merged = orders.merge(stock, on="sku", how="left")
    # expect: hallucinated-attribute
    merged = merged.fillna_zero()
    # ok: hallucinated-attribute
    merged["missing"] = merged["quantity"] - merged["on_hand"].fillna(0)
    # expect: removed-api
    merged = merged.append({"sku": "TOTAL"}, ignore_index=True)
    return merged


def store(frame: pd.DataFrame, url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        # ok: hallucinated-attribute
        connection.execute(text("DELETE FROM summary"))
        # expect: unknown-keyword-argument
        frame.to_sql("summary", connection, if_exist="append", index=False)
        # ok: unknown-keyword-argument
        frame.to_sql("summary", connection, if_exists="append", index=False)


def report(frame: pd.DataFrame, out: Path) -> None:
    with Progress(console=console) as progress:
        task = progress.add_task("writing", total=len(frame))
        # expect: hallucinated-attribute
        progress.increment(task)
        # ok: hallucinated-attribute
        progress.advance(task)
    # expect: hallucinated-attribute
    stamp = dt.datetime.now().isoformatted()
    # ok: hallucinated-attribute
    stamp = dt.datetime.now(dt.timezone.utc).isoformat()
    # expect: hallucinated-attribute
    out.write_text_atomic(frame.to_csv(index=False))
    # ok: hallucinated-attribute
    out.write_text(frame.to_csv(index=False), encoding="utf-8")
    # expect: unknown-keyword-argument
    console.log(f"report written at {stamp}", style_name="green")
    log.info("done")
