"""Client library for supplier inventory APIs.

Most suppliers expose a JSON API behind a public certificate.  Two of them (Nordgros and the
old Lagerhaus EDI gateway) use certificates from their own CA, which is why some of the
connection setup below is unusual.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
import time
import urllib.request
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import AsyncIterator

import aiohttp
import httpx
import requests
import urllib3
from urllib3.exceptions import InsecureRequestWarning

log = logging.getLogger(__name__)

CA_BUNDLE = os.environ.get("SUPPLIER_CA_BUNDLE", "/etc/ssl/certs/suppliers-ca.pem")
DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=30, connect=5)


@dataclass(frozen=True)
class Supplier:
    code: str
    base_url: str
    api_key: str
    private_ca: bool = False


@dataclass
class StockLevel:
    sku: str
    available: int
    warehouse: str


def _private_ca_context() -> ssl.SSLContext:
    # ok: tls-verify-disabled -- verification against the supplier's CA
    return ssl.create_default_context(cafile=CA_BUNDLE)


def _lagerhaus_context() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    # expect: tls-verify-disabled @lh -- "their cert CN never matches"
    ctx.check_hostname = False
    # expect: tls-verify-disabled @lh
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class SupplierClient:
    """Async client; one instance per supplier, used as an async context manager."""

    def __init__(self, supplier: Supplier) -> None:
        self.supplier = supplier
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> SupplierClient:
        if self.supplier.private_ca:
            # ok: tls-verify-disabled
            connector = aiohttp.TCPConnector(ssl=_private_ca_context(), limit=20)
        else:
            connector = aiohttp.TCPConnector(limit=20)
        self._session = aiohttp.ClientSession(
            base_url=self.supplier.base_url,
            connector=connector,
            timeout=DEFAULT_TIMEOUT,
            headers={"X-Api-Key": self.supplier.api_key},
        )
        return self

    async def __aexit__(self, *exc) -> None:
        if self._session is not None:
            await self._session.close()

    async def stock(self, sku: str) -> StockLevel:
        # ok: assert-for-validation -- internal invariant for the type checker, not input validation
        assert self._session is not None, "use 'async with SupplierClient(...)'"
        async with self._session.get(f"/v2/stock/{sku}") as resp:
            resp.raise_for_status()
            data = await resp.json()
        return StockLevel(sku=sku, available=int(data["available"]), warehouse=data["warehouse"])

    async def stock_many(self, skus: list[str]) -> list[StockLevel]:
        return await asyncio.gather(*(self.stock(s) for s in skus))

    async def reserve(self, sku: str, qty: int, attempts: int = 4) -> bool:
        for attempt in range(attempts):
            async with self._session.post("/v2/reservations", json={"sku": sku, "qty": qty}) as resp:
                if resp.status != 429:
                    return resp.status == 201
            # expect: blocking-in-async -- stalls every other reservation on this loop
            time.sleep(2 ** attempt)
        return False

    async def cancel(self, reservation_id: str) -> None:
        # expect: blocking-in-async -- synchronous HTTP inside a coroutine
        resp = requests.delete(
            f"{self.supplier.base_url}/v2/reservations/{reservation_id}",
            headers={"X-Api-Key": self.supplier.api_key},
            timeout=10,
        )
        resp.raise_for_status()

    async def cancel_later(self, reservation_id: str, delay: float) -> None:
        # ok: blocking-in-async
        await asyncio.sleep(delay)
        await self.cancel_v2(reservation_id)

    async def cancel_v2(self, reservation_id: str) -> None:
        async with self._session.delete(f"/v2/reservations/{reservation_id}") as resp:
            resp.raise_for_status()


@asynccontextmanager
async def nordgros_session(api_key: str) -> AsyncIterator[aiohttp.ClientSession]:
    # expect: tls-verify-disabled
    connector = aiohttp.TCPConnector(ssl=False)
    async with aiohttp.ClientSession(connector=connector, timeout=DEFAULT_TIMEOUT, headers={"Authorization": f"Token {api_key}"}) as session:
        yield session


def lagerhaus_edi_fetch(path: str) -> bytes:
    url = f"https://edi.lagerhaus.example.de/{path.lstrip('/')}"
    with urllib.request.urlopen(url, context=_lagerhaus_context(), timeout=20) as resp:
        return resp.read()


def legacy_catalog(supplier: Supplier) -> list[dict]:
    # ok: tls-verify-disabled -- only silences the warning; verification is still on
    urllib3.disable_warnings(InsecureRequestWarning)
    with requests.Session() as session:
        session.headers["X-Api-Key"] = supplier.api_key
        # expect: tls-verify-disabled
        session.verify = False
        # expect: missing-timeout -- Session has no default timeout
        resp = session.get(f"{supplier.base_url}/catalog.json")
        resp.raise_for_status()
        return resp.json()["items"]


def catalog(supplier: Supplier) -> list[dict]:
    # ok: tls-verify-disabled, missing-timeout -- CA pinned; httpx defaults to a 5 s timeout
    resp = httpx.get(f"{supplier.base_url}/catalog.json", verify=CA_BUNDLE, headers={"X-Api-Key": supplier.api_key})
    resp.raise_for_status()
    return resp.json()["items"]


def price_list(supplier: Supplier) -> bytes:
    # expect: tls-verify-disabled
    with httpx.Client(verify=False, timeout=30) as client:
        return client.get(f"{supplier.base_url}/prices.csv").content


def healthcheck(supplier: Supplier) -> bool:
    # expect: tls-verify-disabled
    pool = urllib3.PoolManager(cert_reqs="CERT_NONE", timeout=urllib3.Timeout(connect=2, read=5))
    return pool.request("GET", f"{supplier.base_url}/health").status == 200


def healthcheck_strict(supplier: Supplier) -> bool:
    # ok: tls-verify-disabled
    pool = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=CA_BUNDLE, timeout=urllib3.Timeout(connect=2, read=5))
    return pool.request("GET", f"{supplier.base_url}/health").status == 200


def download_feed(url: str) -> bytes:
    # expect: tls-verify-disabled
    ctx = ssl._create_unverified_context()
    with urllib.request.urlopen(url, context=ctx, timeout=60) as resp:
        return resp.read()


def upload_orders(supplier: Supplier, csv_bytes: bytes) -> None:
    # ok: tls-verify-disabled, missing-timeout
    resp = requests.post(
        f"{supplier.base_url}/orders/import",
        data=csv_bytes,
        headers={"X-Api-Key": supplier.api_key, "Content-Type": "text/csv"},
        verify=CA_BUNDLE,
        timeout=(5, 120),
    )
    resp.raise_for_status()
