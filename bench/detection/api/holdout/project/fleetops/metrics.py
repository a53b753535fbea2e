"""Numeric helpers for fleet KPIs: utilisation, fuel efficiency, anomaly scores."""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

try:
    # ok: removed-api -- has numpy trapezoid
    from numpy import trapezoid
except ImportError:  # numpy < 2.0
    # ok: removed-api -- manual: guarded fallback import for numpy < 2.0, only reached when the import above fails
    from numpy import trapz as trapezoid


def utilisation(hours_driven: Sequence[float], hours_available: Sequence[float]) -> np.ndarray:
    # ok: unknown-keyword-argument -- accepts numpy.asarray dtype
    driven = np.asarray(hours_driven, dtype=float)
    available = np.asarray(hours_available, dtype=float)
    # ok: unknown-keyword-argument -- runs: numpy.divide([1.0], [1.0], out=numpy.zeros(1), where=[True]) ## np.divide is a ufunc; out= and where= are ufunc keywords
    ratio = np.divide(driven, available, out=np.zeros_like(driven), where=available > 0)
    # ok: hallucinated-attribute -- has numpy clip
    return np.clip(ratio, 0.0, 1.0)


def fuel_efficiency(litres: Sequence[float], km: Sequence[float]) -> float:
    fuel = np.array(litres, dtype=np.float64)
    dist = np.array(km, dtype=np.float64)
    if dist.sum() == 0:
        # expect: removed-api -- lacks numpy NaN ## removed in NumPy 2.0 (np.nan)
        return np.NaN
    return float(fuel.sum() / dist.sum() * 100)


def to_float_array(values: Sequence[str]) -> np.ndarray:
    # expect: removed-api -- lacks numpy float ## the alias was removed in NumPy 1.24
    return np.array(values, dtype=np.float)


def flags_array(values: Sequence[int]) -> np.ndarray:
    # ok: removed-api -- has numpy bool ## np.bool was removed in 1.24 and came back in NumPy 2.0 as np.bool_
    return np.array(values, dtype=np.bool)


def p95_delay(delays_min: Sequence[float]) -> float:
    # expect: removed-api -- raises TypeError: numpy.percentile([1, 2], 50, interpolation="linear") ## deprecated in 1.22, removed in NumPy 2.4 (method=)
    return float(np.percentile(delays_min, 95, interpolation="nearest"))


def p95_delay_v2(delays_min: Sequence[float]) -> float:
    # ok: unknown-keyword-argument -- accepts numpy.percentile method
    return float(np.percentile(delays_min, 95, method="nearest"))


def mean_speed(speeds: Sequence[float]) -> float:
    # expect: unknown-keyword-argument -- raises TypeError: numpy.mean([1, 2], skipna=True)
    return float(np.mean(speeds, skipna=True))


def robust_mean(speeds: Sequence[float]) -> float:
    # ok: hallucinated-attribute -- has numpy nanmean
    return float(np.nanmean(np.asarray(speeds, dtype=float)))


def total_energy(power_kw: Sequence[float], step_h: float) -> float:
    # ok: unknown-keyword-argument -- accepts numpy.trapezoid dx
    return float(trapezoid(np.asarray(power_kw), dx=step_h))


def legacy_total_energy(power_kw: Sequence[float], step_h: float) -> float:
    # expect: removed-api -- lacks numpy trapz ## deprecated in 2.0, removed in NumPy 2.4 (np.trapezoid)
    return float(np.trapz(power_kw, dx=step_h))


def simulate_demand(days: int, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    # expect: hallucinated-attribute -- lacks numpy.random.default_rng() randint ## the legacy RandomState name; Generator has integers()
    base = rng.randint(80, 120, size=days)
    # ok: hallucinated-attribute -- has numpy.random.default_rng() normal
    noise = rng.normal(0.0, 5.0, size=days)
    return base + noise


def sample_routes(route_ids: Sequence[str], k: int, seed: int = 7) -> list[str]:
    rng = np.random.default_rng(seed)
    # ok: unknown-keyword-argument -- accepts numpy.random.default_rng().choice replace
    picked = rng.choice(np.asarray(route_ids), size=k, replace=False)
    # ok: hallucinated-attribute -- has numpy.zeros(1) tolist
    return picked.tolist()


def spread(values: Sequence[float]) -> float:
    arr = np.asarray(values, dtype=float)
    # expect: removed-api -- lacks numpy.zeros(1) ptp ## ndarray.ptp removed in NumPy 2.0 (np.ptp)
    return float(arr.ptp())


def spread_v2(values: Sequence[float]) -> float:
    # ok: removed-api -- has numpy ptp
    return float(np.ptp(np.asarray(values, dtype=float)))


def anomaly_scores(values: Sequence[float]) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    std = arr.std()
    if std == 0 or math.isnan(std):
        return np.zeros_like(arr)
    z = (arr - arr.mean()) / std
    # expect: hallucinated-attribute -- lacks numpy.zeros(1) to_list
    return np.abs(z).to_list()


def all_positive(values: Sequence[float]) -> bool:
    # expect: removed-api -- lacks numpy alltrue ## removed in NumPy 2.0 (np.all)
    return bool(np.alltrue(np.asarray(values) > 0))


def cumulative_cost(costs: Sequence[float]) -> np.ndarray:
    # expect: removed-api -- lacks numpy cumproduct ## removed in NumPy 2.0 (np.cumprod)
    growth = np.cumproduct(np.asarray(costs, dtype=float) / 100 + 1)
    return growth


def rounded(values: Sequence[float]) -> np.ndarray:
    # expect: removed-api -- lacks numpy round_ ## removed in NumPy 2.0 (np.round)
    return np.round_(np.asarray(values, dtype=float), 2)


def histogram(values: Sequence[float], bins: int = 10) -> tuple[list[int], list[float]]:
    # ok: unknown-keyword-argument -- accepts numpy.histogram bins && accepts numpy.histogram range
    counts, edges = np.histogram(np.asarray(values, dtype=float), bins=bins, range=(0, 120))
    return counts.tolist(), edges.tolist()


def linear_fit(x: Sequence[float], y: Sequence[float]) -> tuple[float, float]:
    # ok: hallucinated-attribute -- has numpy.polynomial.Polynomial fit
    poly = np.polynomial.Polynomial.fit(np.asarray(x), np.asarray(y), deg=1)
    intercept, slope = poly.convert().coef
    return float(slope), float(intercept)


def unique_depots(codes: Sequence[str]) -> list[str]:
    # ok: hallucinated-attribute -- has numpy unique_values ## new in NumPy 2.0 (array API)
    return np.unique_values(np.asarray(codes)).tolist()


def normalise_rows(matrix: Sequence[Sequence[float]]) -> np.ndarray:
    arr = np.asarray(matrix, dtype=float)
    # ok: unknown-keyword-argument -- accepts numpy.linalg.norm keepdims
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    # expect: hallucinated-attribute -- lacks numpy.linalg safe_divide
    return np.linalg.safe_divide(arr, norms)
