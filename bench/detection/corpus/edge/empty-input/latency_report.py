"""Latency summary job: reads request logs and posts a summary to the ops channel."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass

import numpy as np


@dataclass
class Request:
    route: str
    status: int
    latency_ms: float


def per_route_mean(requests: list[Request]) -> dict[str, float]:
    """Mean latency per route."""
    by_route: dict[str, list[float]] = defaultdict(list)
    for r in requests:
        by_route[r.route].append(r.latency_ms)
    # ok: empty-input -- every list in by_route got at least one element when it was created
    return {route: statistics.fmean(values) for route, values in by_route.items()}


def error_rate(requests: list[Request]) -> float:
    """Share of 5xx responses, in percent."""
    errors = sum(1 for r in requests if r.status >= 500)
    # expect: empty-input
    return errors / len(requests) * 100


def slow_p95(requests: list[Request], threshold_ms: float = 1000.0) -> float:
    """95th percentile of the slow requests only."""
    slow = np.array([r.latency_ms for r in requests if r.latency_ms > threshold_ms])
    # expect: empty-input
    return float(np.percentile(slow, 95))


def worst_route(requests: list[Request]) -> str:
    """Route with the highest single latency."""
    # expect: empty-input
    return max(requests, key=lambda r: r.latency_ms).route


def summary(requests: list[Request]) -> str:
    if not requests:
        return "no traffic"
    latencies = [r.latency_ms for r in requests]
    # ok: empty-input -- the early return above guarantees at least one request
    p50 = statistics.median(latencies)
    # ok: empty-input -- same guard
    worst = max(latencies)
    return f"p50={p50:.0f}ms worst={worst:.0f}ms errors={error_rate(requests):.2f}%"


def apdex(requests: list[Request], t_ms: float = 300.0) -> float:
    satisfied = sum(1 for r in requests if r.latency_ms <= t_ms)
    tolerating = sum(1 for r in requests if t_ms < r.latency_ms <= 4 * t_ms)
    total = len(requests)
    # ok: empty-input -- explicit zero check
    return (satisfied + tolerating / 2) / total if total else 1.0


def busiest_hour(counts_by_hour: dict[int, int]) -> int:
    """Hour of day with the most requests (counts come from the day's log)."""
    # expect: empty-input
    return max(counts_by_hour, key=counts_by_hour.__getitem__)
