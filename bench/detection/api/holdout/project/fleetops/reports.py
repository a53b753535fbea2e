"""Daily delivery reports: load the exported CSVs, aggregate, write Excel/CSV summaries."""
from __future__ import annotations

import io
import logging
from pathlib import Path

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

COLUMNS = ["order_id", "driver_id", "depot", "delivered_at", "amount", "distance_km", "status"]


def load_deliveries(path: Path) -> pd.DataFrame:
    # ok: unknown-keyword-argument -- accepts pandas.read_csv on_bad_lines && accepts pandas.read_csv parse_dates
    df = pd.read_csv(path, usecols=COLUMNS, parse_dates=["delivered_at"], on_bad_lines="skip")
    # ok: hallucinated-attribute -- true: hasattr(pandas.DataFrame({"status": ["x"]}).status, "str") ## column access through DataFrame.__getattr__
    df["status"] = df.status.str.lower()
    return df


def load_legacy_export(path: Path) -> pd.DataFrame:
    # expect: removed-api -- raises TypeError: pandas.read_csv(io.StringIO("a\n1"), error_bad_lines=False) ## removed in pandas 2.0 (on_bad_lines)
    return pd.read_csv(path, sep=";", error_bad_lines=False)


def load_driver_names(path: Path) -> pd.Series:
    # expect: removed-api -- raises TypeError: pandas.read_csv(io.StringIO("a\n1"), squeeze=True) ## removed in pandas 2.0
    return pd.read_csv(path, index_col=0, squeeze=True)


def add_missing_orders(df: pd.DataFrame, rows: list[dict]) -> pd.DataFrame:
    for row in rows:
        # expect: removed-api -- lacks pandas.DataFrame append ## removed in pandas 2.0 (pd.concat)
        df = df.append(row, ignore_index=True)
    return df


def merge_sources(frames: list[pd.DataFrame]) -> pd.DataFrame:
    # ok: unknown-keyword-argument -- accepts pandas.concat ignore_index
    merged = pd.concat(frames, ignore_index=True)
    # ok: removed-api -- has pandas.DataFrame drop_duplicates
    return merged.drop_duplicates(subset=["order_id"], keep="last")


def daily_summary(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    # ok: hallucinated-attribute -- true: hasattr(pandas.Series(pandas.to_datetime(["2024-01-01"])).dt, "date")
    df["day"] = df["delivered_at"].dt.date
    # ok: unknown-keyword-argument -- runs: pandas.DataFrame({"k": [1], "v": [2]}).groupby("k").agg(orders=("v", "count"), revenue=("v", "sum")) ## named aggregation: agg(func=None, *args, engine=None, engine_kwargs=None, **kwargs), keyword names are output columns
    summary = df.groupby(["day", "depot"]).agg(orders=("order_id", "count"), revenue=("amount", "sum"),
                                               km=("distance_km", "sum"))
    # ok: hallucinated-attribute -- has pandas.DataFrame reset_index
    return summary.reset_index()


def driver_rankings(df: pd.DataFrame) -> pd.DataFrame:
    per_driver = df.groupby("driver_id")["amount"].sum()
    # expect: hallucinated-attribute -- lacks pandas.Series sort_by
    ranked = per_driver.sort_by(ascending=False)
    return ranked.to_frame("revenue")


def depot_list(df: pd.DataFrame) -> list[str]:
    # expect: hallucinated-attribute -- lacks pandas.DataFrame unique ## Series.unique exists, DataFrame.unique does not
    return list(df[["depot"]].unique())


def late_orders(df: pd.DataFrame, cutoff_hour: int = 18) -> pd.DataFrame:
    late = df[df["delivered_at"].dt.hour >= cutoff_hour]
    # expect: hallucinated-attribute -- lacks pandas.DataFrame filter_by
    return late.filter_by(status="delivered")


def status_breakdown(df: pd.DataFrame) -> dict[str, int]:
    counts = df["status"].value_counts()
    # ok: hallucinated-attribute -- has pandas.Series to_dict
    return counts.to_dict()


def iterate_rows(df: pd.DataFrame) -> list[str]:
    lines = []
    # expect: removed-api -- lacks pandas.DataFrame iteritems ## removed in pandas 2.0 (items)
    for name, column in df.iteritems():
        lines.append(f"{name}: {column.dtype}")
    return lines


def per_row_labels(df: pd.DataFrame) -> list[str]:
    out = []
    for row in df.itertuples(index=False):
        # ok: hallucinated-attribute -- true: next(pandas.DataFrame({"order_id": [1], "depot": ["a"]}).itertuples(index=False)).depot == "a" ## itertuples() yields namedtuples whose fields are the column names
        out.append(f"{row.order_id}-{row.depot}")
    return out


def normalise_amounts(df: pd.DataFrame) -> pd.DataFrame:
    # expect: removed-api -- lacks pandas.DataFrame applymap ## deprecated in 2.1, removed in pandas 3.0 (DataFrame.map)
    return df[["amount", "distance_km"]].applymap(lambda v: round(float(v), 2))


def fill_gaps(df: pd.DataFrame) -> pd.DataFrame:
    # expect: removed-api -- raises TypeError: pandas.DataFrame({"a": [1.0, None]}).fillna(method="ffill") ## fillna(method=) removed in pandas 3.0 (ffill())
    return df.sort_values("delivered_at").fillna(method="ffill")


def fill_gaps_v2(df: pd.DataFrame) -> pd.DataFrame:
    # ok: removed-api -- has pandas.DataFrame ffill
    return df.sort_values("delivered_at").ffill()


def export_csv(df: pd.DataFrame) -> str:
    buf = io.StringIO()
    # expect: removed-api -- raises TypeError: pandas.DataFrame({"a": [1]}).to_csv(io.StringIO(), line_terminator="\n") ## renamed lineterminator in pandas 1.5, removed in 2.0
    df.to_csv(buf, index=False, line_terminator="\n")
    return buf.getvalue()


def export_csv_v2(df: pd.DataFrame) -> str:
    buf = io.StringIO()
    # ok: unknown-keyword-argument -- accepts pandas.DataFrame.to_csv lineterminator
    df.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def revenue_matrix(df: pd.DataFrame) -> np.ndarray:
    pivot = df.pivot_table(index="depot", columns="status", values="amount", aggfunc="sum", fill_value=0)
    # ok: hallucinated-attribute -- has pandas.DataFrame to_numpy
    return pivot.to_numpy(dtype=float)


def parse_timestamps(values: list[str]) -> pd.Series:
    # expect: removed-api -- raises TypeError: pandas.to_datetime(["2024-01-01"], infer_datetime_format=True) ## removed in pandas 3.0
    return pd.Series(pd.to_datetime(values, infer_datetime_format=True))


def parse_timestamps_utc(values: list[str]) -> pd.Series:
    # ok: unknown-keyword-argument -- accepts pandas.to_datetime utc && accepts pandas.to_datetime format
    return pd.Series(pd.to_datetime(values, utc=True, format="ISO8601"))


def first_week(df: pd.DataFrame) -> pd.DataFrame:
    indexed = df.set_index("delivered_at").sort_index()
    # expect: removed-api -- lacks pandas.DataFrame first ## DataFrame.first(offset) deprecated in 2.1, removed in pandas 3.0
    return indexed.first("7D")


def localise(df: pd.DataFrame) -> pd.DataFrame:
    indexed = df.set_index(pd.DatetimeIndex(df["delivered_at"]))
    # ok: hallucinated-attribute -- has pandas.DatetimeIndex tz_localize ## DatetimeIndex only; set_index is declared to return DataFrame whose index is Index
    indexed.index = indexed.index.tz_localize("UTC")
    return indexed


def to_records(df: pd.DataFrame) -> list[dict]:
    # expect: hallucinated-attribute -- lacks pandas.DataFrame to_list
    return df.to_list()
