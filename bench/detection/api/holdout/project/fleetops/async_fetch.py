"""Concurrent polling of vehicle telematics endpoints with httpx."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

import httpx

log = logging.getLogger(__name__)

TELEMATICS_URL = "https://telematics.example.net/v2/"


def build_client(token: str) -> httpx.AsyncClient:
    # ok: unknown-keyword-argument -- accepts httpx.Timeout connect
    timeout = httpx.Timeout(10.0, connect=5.0)
    # ok: unknown-keyword-argument -- accepts httpx.Limits max_keepalive_connections
    limits = httpx.Limits(max_connections=20, max_keepalive_connections=5)
    # ok: unknown-keyword-argument -- accepts httpx.AsyncHTTPTransport retries
    transport = httpx.AsyncHTTPTransport(retries=2)
    # ok: unknown-keyword-argument -- accepts httpx.AsyncClient follow_redirects && accepts httpx.AsyncClient base_url && accepts httpx.AsyncClient transport
    return httpx.AsyncClient(base_url=TELEMATICS_URL, timeout=timeout, limits=limits, transport=transport,
                             headers={"Authorization": f"Token {token}"}, follow_redirects=True)


def build_debug_client() -> httpx.AsyncClient:
    # expect: unknown-keyword-argument -- raises TypeError: httpx.AsyncClient(retries=3)
    return httpx.AsyncClient(base_url=TELEMATICS_URL, retries=3, timeout=5.0)


def build_proxied_client(proxy_url: str) -> httpx.Client:
    # expect: removed-api -- raises TypeError: httpx.Client(proxies="http://127.0.0.1:9") ## removed in httpx 0.28 (use proxy=)
    return httpx.Client(proxies=proxy_url, timeout=10.0)


def build_test_client(app: Any) -> httpx.AsyncClient:
    # expect: removed-api -- raises TypeError: httpx.AsyncClient(app=None) ## removed in httpx 0.28 (use transport=httpx.ASGITransport(app))
    return httpx.AsyncClient(app=app, base_url="http://testserver")


async def fetch_position(client: httpx.AsyncClient, vehicle_id: str) -> dict[str, Any] | None:
    try:
        # ok: unknown-keyword-argument -- accepts httpx.AsyncClient.get params && accepts httpx.AsyncClient.get timeout
        resp = await client.get(f"vehicles/{vehicle_id}/position", params={"fields": "lat,lon"}, timeout=3.0)
        resp.raise_for_status()
    # ok: hallucinated-attribute -- has httpx HTTPStatusError
    except httpx.HTTPStatusError as exc:
        # ok: hallucinated-attribute -- has httpx.Response reason_phrase
        log.warning("position %s: %s %s", vehicle_id, exc.response.status_code, exc.response.reason_phrase)
        return None
    # ok: hallucinated-attribute -- has httpx TimeoutException
    except httpx.TimeoutException:
        return None
    return resp.json()


async def fetch_odometer(client: httpx.AsyncClient, vehicle_id: str) -> float:
    resp = await client.get(f"vehicles/{vehicle_id}/odometer")
    # expect: hallucinated-attribute -- lacks httpx.Response ok ## requests has .ok; httpx has .is_success
    if not resp.ok:
        return 0.0
    return float(resp.json()["km"])


async def fetch_diagnostics(client: httpx.AsyncClient, vehicle_id: str) -> dict[str, Any]:
    # expect: unknown-keyword-argument -- raises TypeError: httpx.Client().get("http://127.0.0.1:9", allow_redirects=True)
    resp = await client.get(f"vehicles/{vehicle_id}/diagnostics", allow_redirects=True)
    # ok: hallucinated-attribute -- has httpx.Response is_success
    if resp.is_success:
        return resp.json()
    # expect: hallucinated-attribute -- lacks httpx.Response reason
    log.error("diagnostics failed: %s", resp.reason)
    return {}


async def search_trips(client: httpx.AsyncClient, query: dict[str, Any]) -> list[dict[str, Any]]:
    # expect: unknown-keyword-argument -- rejects httpx.AsyncClient.get json ## httpx's get() takes no body
    resp = await client.get("trips/search", json=query)
    resp.raise_for_status()
    return resp.json()["trips"]


async def post_command(client: httpx.AsyncClient, vehicle_id: str, command: str) -> int:
    # ok: unknown-keyword-argument -- accepts httpx.AsyncClient.post json
    resp = await client.post(f"vehicles/{vehicle_id}/commands", json={"command": command})
    # ok: hallucinated-attribute -- has httpx.codes ACCEPTED
    if resp.status_code != httpx.codes.ACCEPTED:
        # ok: hallucinated-attribute -- has httpx.Response raise_for_status
        resp.raise_for_status()
    return resp.status_code


async def poll_fleet(token: str, vehicle_ids: Iterable[str]) -> dict[str, dict[str, Any] | None]:
    async with build_client(token) as client:
        tasks = [fetch_position(client, vid) for vid in vehicle_ids]
        # expect: unknown-keyword-argument -- raises TypeError: asyncio.gather(return_exceptions=True, timeout=3)
        results = await asyncio.gather(*tasks, return_exceptions=False, timeout=30)
    return dict(zip(vehicle_ids, results))


async def poll_with_deadline(token: str, vehicle_ids: list[str]) -> list[Any]:
    async with build_client(token) as client:
        # ok: hallucinated-attribute -- has asyncio timeout ## new in Python 3.11
        async with asyncio.timeout(20):
            # ok: unknown-keyword-argument -- accepts asyncio.gather return_exceptions
            return await asyncio.gather(*(fetch_position(client, v) for v in vehicle_ids), return_exceptions=True)


async def stream_positions(client: httpx.AsyncClient, vehicle_id: str) -> list[str]:
    lines: list[str] = []
    async with client.stream("GET", f"vehicles/{vehicle_id}/stream") as resp:
        # ok: hallucinated-attribute -- has httpx.Response aiter_lines
        async for line in resp.aiter_lines():
            lines.append(line)
    return lines


async def download_report(client: httpx.AsyncClient, report_id: str) -> bytes:
    async with client.stream("GET", f"reports/{report_id}") as resp:
        # expect: hallucinated-attribute -- lacks httpx.Response iter_content ## the requests name; httpx has aiter_bytes
        chunks = [chunk async for chunk in resp.iter_content(8192)]
    return b"".join(chunks)


def run_poll(token: str, vehicle_ids: list[str]) -> dict[str, dict[str, Any] | None]:
    # expect: removed-api -- lacks asyncio coroutine ## asyncio.coroutine was removed in Python 3.11
    legacy = asyncio.coroutine(poll_fleet)
    return asyncio.run(legacy(token, vehicle_ids))
