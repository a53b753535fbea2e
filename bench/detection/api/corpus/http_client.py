"""Client for the fulfilment partner's REST API (written with an assistant)."""
from __future__ import annotations

import json
import logging

import httpx
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

log = logging.getLogger(__name__)
BASE_URL = "https://partner.example.com/api/v2"


def make_session() -> requests.Session:
    session = requests.Session()
    retry = Retry(total=3, backoff_factor=0.5, status_forcelist=(502, 503, 504))
    # ok: unknown-keyword-argument
    adapter = HTTPAdapter(max_retries=retry, pool_maxsize=20)
    session.mount("https://", adapter)
    # expect: hallucinated-attribute
    session.set_default_timeout(10)
    return session


def fetch_order(session: requests.Session, order_id: str) -> dict:
    # expect: unknown-keyword-argument
    response = session.get(f"{BASE_URL}/orders/{order_id}", timeout_seconds=10)
    # ok: hallucinated-attribute
    response.raise_for_status()
    # expect: hallucinated-attribute
    return response.json_body()


def list_orders(session: requests.Session, page: int) -> list[dict]:
    # ok: unknown-keyword-argument
    response = session.get(f"{BASE_URL}/orders", params={"page": page}, timeout=10)
    # ok: hallucinated-attribute
    if response.status_code == requests.codes.not_found:
        return []
    # ok: hallucinated-attribute
    payload = json.loads(response.text)
    # ok: hallucinated-attribute -- json.loads returns Any
    return payload.orders


def ship(order_id: str) -> None:
    # expect: unknown-keyword-argument
    response = requests.post(f"{BASE_URL}/orders/{order_id}/ship", json={}, verify_ssl=True, timeout=5)
    # expect: hallucinated-attribute
    if response.is_success:
        log.info("shipped %s", order_id)


async def fetch_async(order_id: str) -> dict:
    # expect: unknown-keyword-argument
    async with httpx.AsyncClient(base=BASE_URL, timeout=10) as client:
        response = await client.get(f"/orders/{order_id}")
        # ok: hallucinated-attribute
        response.raise_for_status()
        # ok: hallucinated-attribute
        return response.json()


def fetch_sync(order_id: str) -> dict:
    with httpx.Client(base_url=BASE_URL, timeout=10) as client:
        # expect: hallucinated-attribute
        response = client.fetch(f"/orders/{order_id}")
        # ok: hallucinated-attribute
        return response.json()


def retry_policy() -> Retry:
    # expect: removed-api -- method_whitelist was removed in urllib3 2.0
    return Retry(total=5, method_whitelist=["GET"])
