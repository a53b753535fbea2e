"""Course statistics for the teacher dashboard (FastAPI)."""

from __future__ import annotations

import statistics
from typing import Iterable

from fastapi import FastAPI

from .db import Submission, submissions_for

app = FastAPI()


def average(values: list[float]) -> float:
    """Arithmetic mean of a list of scores."""
    # expect: empty-input
    return sum(values) / len(values)


def average_or_none(values: list[float]) -> float | None:
    if not values:
        return None
    # ok: empty-input -- guarded by the early return above
    return sum(values) / len(values)


@app.get("/courses/{course_id}/stats")
async def course_stats(course_id: int) -> dict:
    """Mean, best and worst score of the graded submissions."""
    subs: list[Submission] = await submissions_for(course_id)
    graded = [s.score for s in subs if s.score is not None]
    # expect: empty-input
    mean = statistics.mean(graded)
    # ok: empty-input -- default= covers the empty case
    best = max(graded, default=None)
    return {"mean": mean, "best": best, "count": len(graded)}


@app.get("/courses/{course_id}/extremes")
async def extremes(course_id: int) -> dict:
    subs = await submissions_for(course_id)
    late = [s.score for s in subs if s.late and s.score is not None]
    # expect: empty-input
    worst_late = min(late)
    # ok: empty-input -- default= covers the empty case
    best_late = max(late, default=0)
    return {"worst_late": worst_late, "best_late": best_late}


@app.get("/courses/{course_id}/pass-rate")
async def pass_rate(course_id: int) -> dict:
    subs = await submissions_for(course_id)
    passed = sum(1 for s in subs if (s.score or 0) >= 50)
    # ok: empty-input -- max(1, ...) keeps the denominator positive
    return {"pass_rate": passed / max(1, len(subs))}


@app.get("/courses/{course_id}/median")
async def median_score(course_id: int) -> dict:
    subs = await submissions_for(course_id)
    scores = [s.score for s in subs if s.score is not None]
    # ok: empty-input -- conditional expression handles the empty list
    median = statistics.median(scores) if scores else None
    return {"median": median}


def curve(scores: Iterable[float], target_top: float = 100.0) -> list[float]:
    """Scale scores so that the best one becomes ``target_top``."""
    scores = list(scores)
    # expect: empty-input
    top = max(scores)
    return [s * target_top / top for s in scores]


def clamp(score: float) -> float:
    # ok: empty-input -- two explicit arguments, never empty
    return min(100.0, max(0.0, score))
