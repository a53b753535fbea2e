"""Monthly revenue report, e-mailed to finance as plain text."""

from __future__ import annotations

import csv
import itertools
from collections import defaultdict
from decimal import Decimal
from pathlib import Path


def load_sales(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(itertools.islice(csv.DictReader(fh), 100_000))


def revenue_by_region(rows: list[dict[str, str]]) -> dict[str, float]:
    # expect: float-money @region
    totals: dict[str, float] = defaultdict(float)
    for row in rows:
        # expect: float-money @region
        totals[row["region"]] += float(row["net_amount"])
    return dict(totals)


def revenue_by_region_exact(rows: list[dict[str, str]]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        # ok: float-money -- Decimal from the CSV text
        totals[row["region"]] += Decimal(row["net_amount"])
    return dict(totals)


def growth_percent(current: Decimal, previous: Decimal) -> float:
    """Month-over-month growth for the headline (display only)."""
    if not previous:
        return 0.0
    # ok: float-money -- a percentage for display, not an amount
    return float((current - previous) / previous * 100)


def commission(total: Decimal, rate: Decimal = Decimal("0.035")) -> Decimal:
    # ok: float-money -- Decimal * Decimal
    return (total * rate).quantize(Decimal("0.01"))


# expect: float-money @bonus
def split_bonus_pool(pool: float, people: int) -> list[float]:
    """Split the sales bonus pool evenly (finance pays out exactly these amounts)."""
    # expect: float-money @bonus
    share = round(pool / people, 2)
    return [share] * people


def render(totals: dict[str, Decimal]) -> str:
    lines = ["Region      Revenue"]
    for region, amount in sorted(totals.items()):
        # ok: float-money -- formatting a Decimal
        lines.append(f"{region:<10} {amount:>12,.2f}")
    return "\n".join(lines)
