"""httpkit -- the small HTTP helper package shared by our internal services.

Retries with jittered backoff, JSON helpers, and a tiny async fan-out.  Keep it dependency
light: requests for sync, aiohttp for async.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any

import aiohttp
import requests

log = logging.getLogger("httpkit")

DEFAULT_HEADERS = MappingProxyType({"User-Agent": "httpkit/2.3", "Accept": "application/json"})
DEFAULT_TIMEOUT = (3.05, 20)


class HttpError(Exception):
    def __init__(self, status: int, url: str, body: str = "") -> None:
        super().__init__(f"{status} from {url}")
        self.status, self.url, self.body = status, url, body


# expect: mutable-default-arg -- params/headers dicts are shared between calls
def get_json(url: str, params: dict = {}, headers: dict = {}) -> Any:
    headers.setdefault("Accept", "application/json")
    resp = requests.get(url, params=params, headers=headers, timeout=DEFAULT_TIMEOUT)
    if resp.status_code >= 400:
        raise HttpError(resp.status_code, url, resp.text[:500])
    return resp.json()


# ok: mutable-default-arg -- read-only mapping proxy and None
def post_json(url: str, payload: Any, headers: Mapping[str, str] = DEFAULT_HEADERS, params: dict | None = None) -> Any:
    resp = requests.post(url, json=payload, headers=dict(headers), params=params or {}, timeout=DEFAULT_TIMEOUT)
    if resp.status_code >= 400:
        raise HttpError(resp.status_code, url, resp.text[:500])
    return resp.json()


@dataclass
class RetryPolicy:
    attempts: int = 4
    base_delay: float = 0.5
    # ok: mutable-default-arg -- frozenset is immutable
    retry_on: frozenset[int] = frozenset({429, 502, 503, 504})
    # ok: mutable-default-arg
    methods: list[str] = field(default_factory=lambda: ["GET", "HEAD", "PUT", "DELETE"])

    def delay(self, attempt: int) -> float:
        # ok: insecure-random -- backoff jitter
        return self.base_delay * 2 ** attempt * (0.5 + random.random())


class RetryingSession:
    # expect: mutable-default-arg -- every session shares (and extends) the same list
    def __init__(self, base_url: str, extra_statuses: list[int] = [], policy: RetryPolicy | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.policy = policy or RetryPolicy()
        self.statuses = extra_statuses
        self.statuses.extend(self.policy.retry_on)
        self.session = requests.Session()
        self.session.headers.update(DEFAULT_HEADERS)

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> RetryingSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ok: mutable-default-arg -- a tuple
    def request(self, method: str, path: str, ok_statuses: tuple[int, ...] = (200, 201, 204), **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", DEFAULT_TIMEOUT)
        url = f"{self.base_url}/{path.lstrip('/')}"
        for attempt in range(self.policy.attempts):
            resp = self.session.request(method, url, **kwargs)
            if resp.status_code in ok_statuses:
                return resp
            if resp.status_code not in self.statuses or method not in self.policy.methods:
                break
            time.sleep(self.policy.delay(attempt))
        raise HttpError(resp.status_code, url, resp.text[:500])


# expect: mutable-default-arg
def merge_query(base: dict, extra: dict = dict()) -> dict:
    extra.update(base)
    return extra


# expect: mutable-default-arg
def collect_links(page: dict, seen: set = set()) -> list[str]:
    new = [link["href"] for link in page.get("links", []) if link["href"] not in seen]
    seen.update(new)
    return new


# ok: mutable-default-arg -- deliberate per-process memo, documented as such
def resolve_service(name: str, _cache: dict[str, str] = {}) -> str:
    """Service discovery lookups are cached for the life of the process (by design)."""
    if name not in _cache:
        # expect: empty-input -- Consul answers [] for an unknown service
        _cache[name] = get_json(f"http://consul.service.consul:8500/v1/catalog/service/{name}")[0]["ServiceAddress"]
    return _cache[name]


# ok: mutable-default-arg -- evaluated once, but a datetime is immutable
def stamp(event: dict, now: datetime = datetime.now(timezone.utc)) -> dict:
    return {**event, "sent_at": now.isoformat()}


# expect: mutable-default-arg
async def fetch_all(urls: Iterable[str], results: dict[str, Any] = {}, concurrency: int = 10) -> dict[str, Any]:
    sem = asyncio.Semaphore(concurrency)
    timeout = aiohttp.ClientTimeout(total=30)

    async def one(session: aiohttp.ClientSession, url: str) -> None:
        async with sem, session.get(url) as resp:
            results[url] = await resp.json() if resp.status == 200 else None

    async with aiohttp.ClientSession(timeout=timeout, headers=dict(DEFAULT_HEADERS)) as session:
        await asyncio.gather(*(one(session, u) for u in urls))
    return results


# ok: mutable-default-arg -- fresh dict per call
async def fetch_all_v2(urls: Iterable[str], concurrency: int = 10) -> dict[str, Any]:
    return await fetch_all(urls, {}, concurrency)


def paginate(session: RetryingSession, path: str, page_size: int = 100, max_pages: int = 50) -> Iterable[dict]:
    cursor = None
    for _ in range(max_pages):
        params = {"limit": page_size, **({"cursor": cursor} if cursor else {})}
        data = session.request("GET", path, params=params).json()
        yield from data["items"]
        if not (cursor := data.get("next_cursor")):
            return


# expect: mutable-default-arg -- lambda defaults are evaluated once too
add_header = lambda name, value, headers=[]: headers.append((name, value)) or headers  # noqa: E731


def download(url: str, dest: str) -> int:
    size = 0
    # expect: missing-timeout
    with requests.get(url, stream=True) as resp, open(dest, "wb") as fh:
        for chunk in resp.iter_content(1 << 16):
            size += fh.write(chunk)
    return size


def ping(url: str) -> bool:
    try:
        # ok: missing-timeout
        return requests.head(url, timeout=2).ok
    except requests.RequestException:
        log.debug("ping %s failed", url, exc_info=True)
        return False
