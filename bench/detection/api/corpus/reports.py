"""Monthly sales reports with pandas and numpy."""
from __future__ import annotations

import numpy as np
import pandas as pd


def load_sales(path: str) -> pd.DataFrame:
    # expect: removed-api -- error_bad_lines was removed in pandas 2.0
    frame = pd.read_csv(path, error_bad_lines=False)
    # ok: unknown-keyword-argument
    frame = pd.read_csv(path, on_bad_lines="skip", parse_dates=["day"])
    return frame


def add_row(frame: pd.DataFrame, row: dict) -> pd.DataFrame:
    # expect: removed-api -- DataFrame.append was removed in pandas 2.0
    return frame.append(row, ignore_index=True)


def add_row_ok(frame: pd.DataFrame, row: dict) -> pd.DataFrame:
    # ok: removed-api
    return pd.concat([frame, pd.DataFrame([row])], ignore_index=True)


def totals(frame: pd.DataFrame) -> pd.DataFrame:
    # ok: hallucinated-attribute
    grouped = frame.groupby("region")["amount"].sum()
    # ok: hallucinated-attribute
    return grouped.reset_index().sort_values("amount", ascending=False)


def columns(frame: pd.DataFrame) -> list[str]:
    names = []
    # expect: removed-api -- iteritems was removed in pandas 2.0
    for name, _ in frame.iteritems():
        names.append(name)
    return names


def export(frame: pd.DataFrame, path: str) -> None:
    # expect: hallucinated-attribute
    frame.to_parquett(path)


def export_ok(frame: pd.DataFrame, path: str) -> None:
    # ok: hallucinated-attribute
    frame.to_csv(path, index=False)


def normalise(values: list[float]) -> np.ndarray:
    # expect: removed-api -- np.float was removed in NumPy 1.24
    array = np.array(values, dtype=np.float)
    # ok: removed-api
    array = np.asarray(values, dtype=np.float64)
    # expect: removed-api -- np.NaN was removed in NumPy 2.0
    array[array < 0] = np.NaN
    # ok: hallucinated-attribute
    return (array - np.nanmean(array)) / np.nanstd(array)


def bucket(values: list[float]) -> np.ndarray:
    # expect: hallucinated-attribute
    return np.histogram_bins(values, 10)


def bucket_ok(values: list[float]) -> np.ndarray:
    # ok: hallucinated-attribute
    counts, _ = np.histogram(values, bins=10)
    return counts
