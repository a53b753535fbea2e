"""Weekly SLO report: pulls latency and error series from Prometheus and posts a summary.

    python -m reports.slo --week 2024-W23 --service checkout --service search

New services often have no traffic for some endpoints, and Prometheus returns an empty
``result`` list for series that did not exist in the window.
"""

from __future__ import annotations

import argparse
import functools
import logging
import operator
import os
import random
import re
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np
import requests

log = logging.getLogger("reports.slo")

PROM_URL = os.environ.get("PROM_URL", "http://prometheus.monitoring:9090")
# expect: none-dereference -- unset in local runs, so .rstrip blows up at import
REPORT_BUCKET = os.environ.get("SLO_REPORT_BUCKET").rstrip("/")
# ok: none-dereference -- a default keeps it a str
SERVICES = os.environ.get("SLO_SERVICES", "checkout,search").split(",")
QUERIERS = [u for u in os.environ.get("PROM_QUERIERS", PROM_URL).split(",") if u]
OBJECTIVE = re.compile(r"^slo_(?P<name>[a-z_]+)_p(?P<pct>\d{2})$")


@dataclass
class EndpointStats:
    endpoint: str
    requests: int
    errors: int
    latencies_ms: list[float]


def query_range(expr: str, start: datetime, end: datetime, step: str = "5m") -> list[dict]:
    # ok: insecure-random -- spreads load over query replicas; nothing secret
    base = random.choice(QUERIERS)
    resp = requests.get(
        f"{base}/api/v1/query_range",
        params={"query": expr, "start": start.timestamp(), "end": end.timestamp(), "step": step},
        timeout=30,
    )
    resp.raise_for_status()
    return resp.json()["data"]["result"]


def endpoint_stats(service: str, start: datetime, end: datetime) -> list[EndpointStats]:
    latency = query_range(f'histogram_quantile(0.5, sum by (le, endpoint) (rate(http_latency_bucket{{service="{service}"}}[5m])))', start, end)
    totals = {s["metric"]["endpoint"]: s for s in query_range(f'sum by (endpoint) (increase(http_requests_total{{service="{service}"}}[1w]))', start, end)}
    errors = {s["metric"]["endpoint"]: s for s in query_range(f'sum by (endpoint) (increase(http_requests_total{{service="{service}",code=~"5.."}}[1w]))', start, end)}
    out = []
    for series in latency:
        ep = series["metric"]["endpoint"]
        # expect: none-dereference -- endpoints with latency samples but no counter series
        n_requests = int(float(totals.get(ep)["values"][-1][1]))
        # ok: none-dereference -- explicit fallback when there were no errors
        n_errors = int(float((errors.get(ep) or {"values": [[0, "0"]]})["values"][-1][1]))
        values = [float(v) * 1000 for _, v in series["values"] if v != "NaN"]
        out.append(EndpointStats(ep, n_requests, n_errors, values))
    return out


def summarize(stats: EndpointStats) -> dict:
    lat = stats.latencies_ms
    # expect: empty-input -- all-NaN series leave no samples
    p50 = statistics.median(lat)
    # expect: empty-input -- numpy raises on an empty array too
    p95 = float(np.percentile(np.asarray(lat), 95))
    # ok: empty-input -- max() with a default
    worst = max(lat, default=0.0)
    # ok: empty-input -- denominator clamped to 1
    error_rate = stats.errors / max(stats.requests, 1)
    return {"endpoint": stats.endpoint, "p50": p50, "p95": p95, "worst": worst, "error_rate": error_rate}


def service_availability(stats: list[EndpointStats]) -> float:
    total = sum(s.requests for s in stats)
    failed = sum(s.errors for s in stats)
    # expect: empty-input -- a service with no traffic this week
    return 1 - failed / total


def service_availability_v2(stats: list[EndpointStats]) -> float | None:
    # ok: empty-input -- walrus guard before dividing
    if not (total := sum(s.requests for s in stats)):
        return None
    return 1 - sum(s.errors for s in stats) / total


def busiest(stats: list[EndpointStats]) -> EndpointStats:
    # expect: empty-input -- reduce() without an initial value
    return functools.reduce(lambda a, b: a if a.requests >= b.requests else b, stats)


def total_requests(stats: list[EndpointStats]) -> int:
    # ok: empty-input -- reduce with an initial value
    return functools.reduce(operator.add, (s.requests for s in stats), 0)


def objective_targets(rule_names: list[str]) -> dict[str, int]:
    targets = {}
    for name in rule_names:
        # ok: none-dereference
        m = OBJECTIVE.match(name)
        if m is None:
            continue
        targets[m["name"]] = int(m["pct"])
    return targets


def week_bounds(week: str) -> tuple[datetime, datetime]:
    # expect: none-dereference -- "2024-23" or "W23" give None
    year, num = re.fullmatch(r"(\d{4})-W(\d{2})", week).groups()
    start = datetime.fromisocalendar(int(year), int(num), 1).replace(tzinfo=timezone.utc)
    return start, start + timedelta(days=7)


def compare_weeks(this_week: list[float], last_week: list[float]) -> float:
    if not this_week or not last_week:
        return 0.0
    # ok: empty-input -- both lists checked just above
    return statistics.fmean(this_week) - statistics.fmean(last_week)


def query_step(window: timedelta, max_points: int = 11_000) -> str:
    # ok: empty-input -- min()/max() of two scalars, never an empty iterable
    seconds = max(15, min(3600, int(window.total_seconds()) // max_points))
    return f"{seconds}s"


def post_summary(service: str, rows: list[dict], availability: float) -> None:
    lines = [f"*{service}* availability {availability:.3%}"]
    lines += [f"- `{r['endpoint']}` p50 {r['p50']:.0f} ms, p95 {r['p95']:.0f} ms, errors {r['error_rate']:.2%}" for r in rows]
    requests.post(os.environ["SLO_SLACK_WEBHOOK"], json={"text": "\n".join(lines)}, timeout=10)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--week", required=True)
    ap.add_argument("--service", action="append", default=[])
    args = ap.parse_args()
    start, end = week_bounds(args.week)
    for service in args.service or SERVICES:
        stats = endpoint_stats(service, start, end)
        rows = [summarize(s) for s in stats]
        post_summary(service, rows, service_availability(stats))
        log.info("%s: busiest endpoint %s", service, busiest(stats).endpoint)


if __name__ == "__main__":
    main()
