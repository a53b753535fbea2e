"""Nightly ETL: orders + events from Postgres and Mongo into the warehouse (Parquet on S3).

Run by cron at 02:10 UTC:  python -m etl.nightly --day 2024-06-01
The orders table has ~180M rows, events ~2B; a single day is 1-3M orders.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import psycopg2
import sqlalchemy as sa
from pymongo import MongoClient

log = logging.getLogger("etl.nightly")

ENGINE = sa.create_engine("postgresql+psycopg2:///shop", pool_pre_ping=True)
MONGO = MongoClient("mongodb://events.internal.example.com:27017", serverSelectionTimeoutMS=5000, socketTimeoutMS=120_000)
OUT = Path("/mnt/warehouse/staging")
CONFIG = Path(__file__).with_name("etl_config.json")


def load_config() -> dict:
    # expect: resource-leak -- the handle is left to the garbage collector
    return json.load(open(CONFIG, encoding="utf-8"))


def load_countries() -> pd.DataFrame:
    # ok: unbounded-materialization -- a 250-row reference table
    return pd.read_csv(Path(__file__).with_name("countries.csv"), usecols=["iso2", "region"])


def extract_orders(day: date) -> pd.DataFrame:
    query = sa.text(
        "SELECT id, customer_id, country, total_cents, currency, created_at FROM orders "
        "WHERE created_at >= :start AND created_at < :end"
    )
    frames = []
    with ENGINE.connect() as conn:
        # ok: unbounded-materialization -- one day, streamed in chunks
        for chunk in pd.read_sql(query, conn, params={"start": day, "end": day + timedelta(days=1)}, chunksize=100_000):
            frames.append(chunk)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def extract_customers() -> pd.DataFrame:
    with ENGINE.connect() as conn:
        # expect: unbounded-materialization -- every customer ever, to join one day of orders
        return pd.read_sql("SELECT * FROM customers", conn)


def extract_refunds(day: date) -> list[tuple]:
    conn = psycopg2.connect(dbname="shop")
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT order_id, amount_cents, reason FROM refunds")
            # expect: unbounded-materialization -- the day filter was forgotten; all refunds ever
            rows = cur.fetchall()
    finally:
        conn.close()
    return [r for r in rows if r[0] is not None]


def extract_refunds_v2(day: date):
    conn = psycopg2.connect(dbname="shop")
    try:
        with conn.cursor(name="refunds_day") as cur:
            cur.itersize = 10_000
            cur.execute(
                "SELECT order_id, amount_cents, reason FROM refunds WHERE created_at::date = %s", (day,)
            )
            # ok: unbounded-materialization -- server-side cursor, fetched in batches
            while batch := cur.fetchmany(10_000):
                yield from batch
    finally:
        conn.close()


def extract_customer_events(customer_ids: list[int]) -> list[dict]:
    coll = MONGO["tracking"]["events"]
    # expect: unbounded-materialization -- every event these customers ever produced
    return list(coll.find({"customer_id": {"$in": customer_ids}}))


def count_events(day: date) -> int:
    start = datetime.combine(day, datetime.min.time())
    # ok: unbounded-materialization -- counted server-side
    return MONGO["tracking"]["events"].count_documents({"ts": {"$gte": start, "$lt": start + timedelta(days=1)}})


def sample_events(day: date, n: int = 1000) -> list[dict]:
    start = datetime.combine(day, datetime.min.time())
    cursor = MONGO["tracking"]["events"].find({"ts": {"$gte": start}}).limit(n)
    # ok: unbounded-materialization -- limited cursor
    return list(cursor)


def parse_access_log(path: Path) -> dict[str, int]:
    hits: dict[str, int] = {}
    with path.open(encoding="utf-8", errors="replace") as fh:
        # expect: unbounded-materialization -- a day of CDN logs is several GB
        lines = fh.readlines()
    for line in lines:
        parts = line.split(" ", 7)
        if len(parts) > 6:
            hits[parts[6]] = hits.get(parts[6], 0) + 1
    return hits


def count_status_codes(path: Path) -> dict[str, int]:
    codes: dict[str, int] = {}
    with path.open(encoding="utf-8", errors="replace") as fh:
        # ok: unbounded-materialization -- iterates line by line
        for line in fh:
            code = line.split(" ", 9)[8] if line.count(" ") >= 9 else "-"
            codes[code] = codes.get(code, 0) + 1
    return codes


def transform(orders: pd.DataFrame, countries: pd.DataFrame) -> pd.DataFrame:
    df = orders.merge(countries, left_on="country", right_on="iso2", how="left")
    # expect: float-money -- euros as float64 from here on
    df["total"] = df["total_cents"] / 100
    # ok: float-money -- integer cents summed per region
    df["region_total_cents"] = df.groupby("region")["total_cents"].transform("sum")
    return df


def daily_summary(df: pd.DataFrame, refunds: list[tuple]) -> dict:
    refund_sizes = [r[1] for r in refunds if r[2] != "chargeback"]
    # ok: float-money -- Decimal for the reported amount
    revenue = Decimal(int(df["total_cents"].sum())) / 100
    summary = {"orders": int(len(df)), "revenue": str(revenue)}
    # ok: empty-input -- default for days without refunds
    summary["largest_refund_cents"] = max(refund_sizes, default=0)
    # expect: empty-input -- a day with only chargebacks leaves the list empty
    summary["median_refund_cents"] = statistics.median(refund_sizes)
    # expect: empty-input -- min() of an empty frame column on a day with no orders
    summary["first_order_at"] = min(df["created_at"]).isoformat()
    return summary


def load(df: pd.DataFrame, day: date) -> Path:
    target = OUT / f"orders_{day:%Y%m%d}.parquet"
    df.to_parquet(target, index=False)
    return target


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--day", type=date.fromisoformat, default=date.today() - timedelta(days=1))
    args = ap.parse_args()
    config = load_config()
    logging.basicConfig(level=config.get("log_level", "INFO"))
    orders = extract_orders(args.day)
    customers = extract_customers()
    df = transform(orders.merge(customers, left_on="customer_id", right_on="id", suffixes=("", "_c")), load_countries())
    refunds = extract_refunds(args.day)
    summary = daily_summary(df, refunds)
    path = load(df, args.day)
    log.info("wrote %s (%s)", path, json.dumps(summary))
    log.info("events that day: %d", count_events(args.day))


if __name__ == "__main__":
    main()
