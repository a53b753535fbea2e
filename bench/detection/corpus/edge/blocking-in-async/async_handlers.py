"""Async endpoints of the thumbnail service (FastAPI)."""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import aiofiles
import httpx
import requests
from fastapi import FastAPI

app = FastAPI()
STORE = Path("/srv/thumbs")
ORIGIN = "https://uploads.example.com/originals"
client = httpx.AsyncClient(timeout=10)


@app.get("/health")
async def health() -> dict:
    # ok: blocking-in-async -- awaited asyncio sleep
    await asyncio.sleep(0)
    return {"ok": True}


@app.post("/thumbs/{name}")
async def make_thumb(name: str) -> dict:
    """Fetch an uploaded original from the origin bucket and create its thumbnail."""
    # expect: blocking-in-async
    resp = requests.get(f"{ORIGIN}/{quote(name, safe='')}", timeout=10)
    # expect: path-traversal -- the {name} route capture becomes a file name (backslash separators escape STORE on Windows)
    src = STORE / f"{name}.orig"
    # expect: blocking-in-async
    src.write_bytes(resp.content)
    # expect: blocking-in-async
    subprocess.run(["convert", str(src), "-thumbnail", "256x256", str(STORE / f"{name}.jpg")],
                   check=True, timeout=60)
    return {"thumb": f"/thumbs/{name}.jpg"}


@app.post("/v2/thumbs/{name}")
async def make_thumb_v2(name: str) -> dict:
    # ok: blocking-in-async -- async HTTP client
    resp = await client.get(f"{ORIGIN}/{quote(name, safe='')}")
    # expect: path-traversal -- the {name} route capture becomes a file name (backslash separators escape STORE on Windows)
    src = STORE / f"{name}.orig"
    # ok: blocking-in-async -- aiofiles
    async with aiofiles.open(src, "wb") as fh:
        await fh.write(resp.content)
    # ok: blocking-in-async -- asyncio subprocess
    proc = await asyncio.create_subprocess_exec(
        "convert", str(src), "-thumbnail", "256x256", str(STORE / f"{name}.jpg")
    )
    await asyncio.wait_for(proc.wait(), timeout=60)
    return {"thumb": f"/thumbs/{name}.jpg"}


@app.post("/thumbs/{name}/retry")
async def retry_upload(name: str) -> dict:
    for attempt in range(3):
        try:
            r = await client.post("https://cdn.example.com/upload", params={"name": name})
            r.raise_for_status()
            return {"uploaded": True}
        except httpx.HTTPError:
            # expect: blocking-in-async
            time.sleep(2**attempt)
    return {"uploaded": False}


@app.get("/thumbs/{name}/meta")
async def meta(name: str) -> dict:
    # expect: blocking-in-async, path-traversal -- blocking open(); the {name} route capture becomes a file name (backslash separators escape STORE on Windows)
    with open(STORE / f"{name}.json", encoding="utf-8") as fh:
        return {"meta": fh.read(64 * 1024)}


@app.get("/thumbs/{name}/exif")
async def exif(name: str) -> dict:
    # ok: blocking-in-async -- blocking work moved to a thread
    out = await asyncio.to_thread(
        subprocess.run, ["exiftool", "-json", str(STORE / f"{name}.orig")],
        capture_output=True, text=True, timeout=30,
    )
    return {"exif": out.stdout}


@app.get("/legacy/thumbs/{name}")
def legacy_thumb(name: str) -> dict:
    """Sync route: FastAPI runs plain ``def`` endpoints in its threadpool."""
    # ok: blocking-in-async -- not an async function
    resp = requests.get(f"https://legacy.example.com/thumbs/{name}", timeout=10)
    return {"status": resp.status_code}


async def warm_cache(names: list[str]) -> None:
    loop = asyncio.get_running_loop()
    for name in names:
        # ok: blocking-in-async -- run_in_executor keeps the loop free
        await loop.run_in_executor(None, (STORE / f"{name}.jpg").read_bytes)
