"""Image proxy and metrics scraping endpoints for the admin UI (FastAPI + httpx)."""

from __future__ import annotations

from urllib.parse import quote

import httpx
from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import Response

app = FastAPI()
CDN_BASE = "https://cdn.example.com/images"
MAX_IMAGE = 5 * 1024 * 1024
client = httpx.AsyncClient(timeout=10, follow_redirects=False)


@app.get("/img")
async def proxy_image(src: str = Query(...)) -> Response:
    """Proxy remote images so user avatars load over our domain."""
    # expect: ssrf, unbounded-materialization -- whole body read before the size check
    upstream = await client.get(src)
    if len(upstream.content) > MAX_IMAGE:
        raise HTTPException(status_code=413)
    return Response(upstream.content, media_type=upstream.headers.get("content-type", "image/png"))


@app.get("/cdn/{name}")
async def cdn_image(name: str) -> Response:
    # ok: ssrf -- fixed CDN host, name quoted as a single path segment
    upstream = await client.get(f"{CDN_BASE}/{quote(name, safe='')}")
    return Response(upstream.content, media_type=upstream.headers.get("content-type", "image/png"))


@app.get("/admin/scrape")
async def scrape_metrics(host: str, port: int = 9100) -> Response:
    """Pull Prometheus metrics from a node for the ad-hoc debugging page."""
    url = f"http://{host}:{port}/metrics"
    # expect: ssrf
    upstream = await client.get(url)
    return Response(upstream.text, media_type="text/plain")


@app.get("/admin/scrape-known")
async def scrape_known(node: int) -> Response:
    # ok: ssrf -- node index into our own inventory, int-typed
    url = f"http://node-{node:03d}.internal.example.com:9100/metrics"
    upstream = await client.get(url)
    return Response(upstream.text, media_type="text/plain")
