"""HTTP client for the partner dispatch API (synchronous, requests-based)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
# ok: removed-api -- has typing Iterator ## a deprecated alias of collections.abc.Iterator, not removed
from typing import Any, Iterator

import requests
from requests.adapters import HTTPAdapter
# expect: undeclared-dependency -- undeclared urllib3
from urllib3.util.retry import Retry

# expect: hallucinated-module -- nomod requests.retry
from requests.retry import RetryConfig

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10


@dataclass
class DispatchConfig:
    base_url: str
    api_key: str
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = 3


class DispatchError(RuntimeError):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"dispatch API returned {status}: {detail}")
        self.status = status
        self.detail = detail


class DispatchClient:
    """Thin wrapper around the partner's REST API."""

    def __init__(self, config: DispatchConfig) -> None:
        self.config = config
        self.session = requests.Session()
        retry = Retry(total=config.max_retries, backoff_factor=0.5, status_forcelist=(502, 503, 504))
        # ok: unknown-keyword-argument -- accepts requests.adapters.HTTPAdapter max_retries && accepts requests.adapters.HTTPAdapter pool_maxsize
        adapter = HTTPAdapter(max_retries=retry, pool_maxsize=20)
        self.session.mount("https://", adapter)
        self.session.headers.update({"Authorization": f"Bearer {config.api_key}", "Accept": "application/json"})
        # ok: unknown-keyword-argument -- accepts requests.Session.mount adapter
        self.session.mount(prefix="http://", adapter=adapter)

    def _url(self, path: str) -> str:
        # ok: hallucinated-attribute -- has requests.compat urljoin
        return requests.compat.urljoin(self.config.base_url, path)

    def get_route(self, route_id: str) -> dict[str, Any]:
        # ok: unknown-keyword-argument -- runs-until ConnectionError: requests.Session().get("http://127.0.0.1:9/", timeout=0.2, params={"a": 1}, stream=False, allow_redirects=True)
        resp = self.session.get(self._url(f"routes/{route_id}"), timeout=self.config.timeout,
                                params={"expand": "stops"}, stream=False, allow_redirects=True)
        # expect: hallucinated-attribute -- lacks requests.Response is_success
        if not resp.is_success:
            raise DispatchError(resp.status_code, resp.text[:200])
        return resp.json()

    def create_route(self, payload: dict[str, Any]) -> str:
        resp = self.session.post(self._url("routes"), json=payload, timeout=self.config.timeout)
        # ok: hallucinated-attribute -- has requests.Response ok
        if not resp.ok:
            raise DispatchError(resp.status_code, resp.text[:200])
        # expect: hallucinated-attribute -- lacks requests.structures.CaseInsensitiveDict() get_all
        locations = resp.headers.get_all("Location")
        return locations[0]

    def list_drivers(self, depot: str) -> list[dict[str, Any]]:
        # expect: unknown-keyword-argument -- raises TypeError: requests.Session().get("http://127.0.0.1:9/", retries=3)
        resp = self.session.get(self._url("drivers"), params={"depot": depot}, retries=3)
        resp.raise_for_status()
        return resp.json()["items"]

    def stream_events(self, since: str) -> Iterator[dict[str, Any]]:
        resp = self.session.get(self._url("events"), params={"since": since}, stream=True,
                                timeout=self.config.timeout)
        resp.raise_for_status()
        # ok: hallucinated-attribute -- has requests.Response iter_lines
        for line in resp.iter_lines(decode_unicode=True):
            if line:
                yield {"raw": line}

    def ping(self) -> bool:
        try:
            # ok: unknown-keyword-argument -- runs-until ConnectionError: requests.head("http://127.0.0.1:9/", timeout=0.2, allow_redirects=False)
            resp = requests.head(self._url("health"), timeout=2, allow_redirects=False)
        # expect: hallucinated-attribute -- lacks requests.exceptions TimeoutError
        except requests.exceptions.TimeoutError:
            return False
        # ok: hallucinated-attribute -- has requests.codes ok ## requests.codes is a LookupDict: its members come from __getattr__
        return resp.status_code == requests.codes.ok

    def upload_manifest(self, route_id: str, manifest: bytes) -> None:
        resp = self.session.put(self._url(f"routes/{route_id}/manifest"), data=manifest,
                                headers={"Content-Type": "application/pdf"}, timeout=self.config.timeout)
        # expect: hallucinated-attribute -- lacks requests.Response() status
        if resp.status >= 400:
            raise DispatchError(resp.status_code, resp.reason)
        # ok: hallucinated-attribute -- has requests.Response() elapsed
        logger.info("manifest uploaded in %s", resp.elapsed)


def fetch_public_holidays(country: str) -> list[dict[str, Any]]:
    """One-off call without the session (used by the scheduler)."""
    url = f"https://date.example.org/api/v3/PublicHolidays/2025/{country}"
    # ok: unknown-keyword-argument -- runs-until ConnectionError: requests.get("http://127.0.0.1:9/", timeout=0.2, headers={"Accept": "application/json"}) ## requests.get(url, params=None, **kwargs) forwards to Session.request
    resp = requests.get(url, timeout=5, headers={"Accept": "application/json"})
    try:
        resp.raise_for_status()
    # ok: hallucinated-attribute -- has requests HTTPError
    except requests.HTTPError as exc:
        # ok: hallucinated-attribute -- has requests.RequestException() response ## set in RequestException.__init__
        logger.warning("holiday API failed: %s", exc.response)
        return []
    try:
        return resp.json()
    # ok: hallucinated-attribute -- has requests JSONDecodeError
    except requests.JSONDecodeError:
        return []


def new_session(timeout: float) -> requests.Session:
    # expect: unknown-keyword-argument -- raises TypeError: requests.Session(timeout=3)
    session = requests.Session(timeout=timeout)
    # ok: hallucinated-attribute -- has requests.packages urllib3 ## requests keeps the requests.packages shim
    requests.packages.urllib3.disable_warnings()
    return session


def post_webhook(url: str, body: dict[str, Any]) -> int:
    # expect: unknown-keyword-argument -- raises TypeError: requests.post("http://127.0.0.1:9/", json={}, timeout=1, verify_ssl=True)
    resp = requests.post(url, json=body, timeout=5, verify_ssl=True)
    return resp.status_code


def parse_retry_after(resp: requests.Response) -> float:
    # expect: hallucinated-attribute -- lacks requests.Response() retry_after
    if resp.retry_after is not None:
        return float(resp.retry_after)
    return float(resp.headers.get("Retry-After", "1"))
