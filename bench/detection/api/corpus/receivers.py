"""Dispatch desk helpers: receivers whose type is not written at the call.

Development cases for issue 11 item 3, written by the author of the API rules (not
independent): values returned by library calls, annotated names, builtins, operator results,
`with` targets, project subclasses of library classes (pydantic), framework proxies, keywords
of constructors, removed APIs. Every `expect` was checked against the bench environment
(requests 2.34, httpx 0.29, numpy 2.4, pandas 3.1, pydantic 2.14, Flask 3.1, SQLAlchemy 2.1).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import requests
from flask import Flask, current_app, g, request, session
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

app = Flask(__name__)


# --- values returned by library calls ------------------------------------------------------
def ping(url: str) -> dict:
    resp = requests.get(url, timeout=10)
    # ok: hallucinated-attribute
    resp.raise_for_status()
    # expect: hallucinated-attribute
    return resp.get_json()


def post_event(client: httpx.Client, payload: dict) -> int:
    answer = client.post("/events", json=payload)
    # ok: hallucinated-attribute
    answer.raise_for_status()
    # expect: hallucinated-attribute
    return answer.status


def vector_payload(values: list[float]) -> list:
    arr = np.asarray(values)
    # ok: hallucinated-attribute
    arr.tolist()
    # expect: hallucinated-attribute
    return arr.to_list()


# --- annotated names ------------------------------------------------------------------------
def check_reply(reply: requests.Response) -> None:
    # ok: hallucinated-attribute
    if reply.ok:
        return
    # expect: hallucinated-attribute
    reply.raise_for_error()


def tidy(names: list[str]) -> list[str]:
    cleaned: list[str] = []
    for name in names:
        # expect: hallucinated-attribute
        cleaned.append(name.strip().lowercase())
        # ok: hallucinated-attribute
        cleaned.append(name.strip().lower())
    return cleaned


# --- builtins --------------------------------------------------------------------------------
def collect(codes) -> set:
    seen = set()
    for code in codes:
        # expect: hallucinated-attribute
        seen.push(code)
        # ok: hallucinated-attribute
        seen.add(code)
    return seen


def label(raw: bytes) -> str:
    # expect: hallucinated-attribute
    return raw.to_str()


def label_ok(raw: bytes) -> str:
    # ok: hallucinated-attribute
    return raw.decode("utf-8")


def queue_ids(ids) -> list:
    pending = []
    # expect: hallucinated-attribute
    pending.add(1)
    # ok: hallucinated-attribute
    pending.extend(ids)
    return pending


# --- operator results ------------------------------------------------------------------------
def hours_since(started: dt.datetime) -> float:
    elapsed = dt.datetime.now(dt.timezone.utc) - started
    # ok: hallucinated-attribute
    seconds = elapsed.total_seconds()
    # expect: hallucinated-attribute
    return elapsed.total_hours() + seconds * 0


def archive_path(root: Path, name: str) -> Path:
    target = root / "archive"
    # ok: hallucinated-attribute
    target = target.joinpath(name)
    # expect: hallucinated-attribute
    return target.join(name)


# --- with targets -----------------------------------------------------------------------------
def fetch_rows(url: str) -> list:
    engine = create_engine(url)
    with engine.connect() as conn:
        # ok: hallucinated-attribute
        conn.execute(text("select 1")).all()
        # expect: hallucinated-attribute
        return conn.fetch_all(text("select 1"))


def store(url: str, rows: list) -> None:
    engine = create_engine(url)
    with Session(engine) as db:
        # ok: hallucinated-attribute
        db.add_all(rows)
        # expect: hallucinated-attribute
        db.save_all(rows)


def read_manifest(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        # expect: hallucinated-attribute
        return handle.read_lines()


def read_manifest_ok(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        # ok: hallucinated-attribute
        return handle.readlines()


def download(url: str) -> bytes:
    with httpx.Client(timeout=10) as client:
        # expect: hallucinated-attribute
        return client.fetch(url).content


# --- pydantic models (v2 installed) ------------------------------------------------------------
class Parcel(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    parcel_id: str = Field(alias="id")
    weight_kg: float
    tags: list[str] = []


def parcel_json(data: dict) -> str:
    parcel = Parcel.model_validate(data)
    # ok: hallucinated-attribute
    parcel.model_dump_json()
    # expect: hallucinated-attribute
    return parcel.to_json()


def parcel_from(raw: str) -> Parcel:
    # expect: hallucinated-attribute
    return Parcel.from_json_string(raw)


def parcel_legacy(data: dict) -> dict:
    # ok: removed-api
    parcel = Parcel.parse_obj(data)
    # ok: removed-api
    return parcel.dict()


def new_parcel() -> Parcel:
    # ok: unknown-keyword-argument
    Parcel(parcel_id="p1", weight_kg=1.0)
    # ok: unknown-keyword-argument
    Parcel(id="p1", weight_kg=1.0)
    # expect: unknown-keyword-argument
    return Parcel(parcel_id="p2", weight=2.0)


# --- framework proxies -------------------------------------------------------------------------
@app.get("/parcels")
def list_parcels():
    # ok: hallucinated-attribute
    page = request.args.get("page", "1")
    # ok: hallucinated-attribute
    g.page = page
    # ok: hallucinated-attribute
    session.get("user")
    # expect: hallucinated-attribute
    limit = request.params.get("limit")
    # expect: hallucinated-attribute
    debug = current_app.settings.get("DEBUG")
    # ok: hallucinated-attribute
    debug = current_app.config.get("DEBUG") or debug
    return {"page": page, "limit": limit}


# --- constructor keywords -----------------------------------------------------------------------
@dataclass
class Slot:
    start: int
    end: int
    notes: list[str] = field(default_factory=list)


def slots() -> list[Slot]:
    # ok: unknown-keyword-argument
    first = Slot(start=1, end=2)
    # expect: unknown-keyword-argument
    second = Slot(start=2, stop=3)
    return [first, second]


def client_for(base: str) -> httpx.Client:
    # ok: unknown-keyword-argument
    httpx.Client(base_url=base, timeout=5, follow_redirects=True)
    # expect: unknown-keyword-argument
    return httpx.Client(base_url=base, retries=3)


def grace() -> dt.timedelta:
    # ok: unknown-keyword-argument
    dt.timedelta(days=1, hours=2)
    # expect: unknown-keyword-argument
    return dt.timedelta(days=1, months=1)


# --- removed APIs ---------------------------------------------------------------------------------
def volume(dims: list[float]) -> float:
    # expect: removed-api
    return float(np.product(dims))


def volume_ok(dims: list[float]) -> float:
    # ok: removed-api
    return float(np.prod(dims))


def extend_series(series: pd.Series, more: pd.Series) -> pd.Series:
    # expect: removed-api
    return series.append(more)


def extend_series_ok(series: pd.Series, more: pd.Series) -> pd.Series:
    # ok: removed-api
    return pd.concat([series, more])
