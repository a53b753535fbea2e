"""Report download endpoints (FastAPI)."""

from __future__ import annotations

from pathlib import Path

import aiofiles
from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse

app = FastAPI()
REPORTS = Path("/srv/reports")
KNOWN_REPORTS = {"daily": "daily.csv", "weekly": "weekly.csv", "monthly": "monthly.csv"}


@app.get("/reports/{name}")
async def get_report(name: str) -> FileResponse:
    """Download a generated report."""
    # expect: path-traversal
    return FileResponse(f"/srv/reports/{name}", media_type="text/csv")


@app.get("/v2/reports/{kind}")
async def get_report_v2(kind: str) -> FileResponse:
    filename = KNOWN_REPORTS.get(kind)
    if filename is None:
        raise HTTPException(status_code=404)
    # ok: path-traversal -- file name from a fixed mapping
    return FileResponse(REPORTS / filename, media_type="text/csv")


@app.get("/reports/{team}/{name}/raw")
async def raw_report(team: str, name: str) -> str:
    """Raw CSV text of a team report."""
    # expect: path-traversal @raw
    path = REPORTS / team / name
    # expect: path-traversal @raw
    async with aiofiles.open(path) as fh:
        return await fh.read(256_000)


@app.get("/reports/archive/{year}/{month}")
async def archived(year: int, month: int) -> FileResponse:
    # ok: path-traversal -- both components are ints
    return FileResponse(REPORTS / "archive" / f"{year:04d}-{month:02d}.csv", media_type="text/csv")
