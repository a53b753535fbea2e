"""``statuscheck`` -- CLI that polls our public endpoints and partner APIs.

    statuscheck --config endpoints.toml
"""

from __future__ import annotations

import argparse
import socket
import sys
import tomllib
import urllib.request
from typing import Any

import httpx
import requests
from requests.adapters import HTTPAdapter

REQUEST_DEFAULTS: dict[str, Any] = {"timeout": (3.05, 10), "allow_redirects": False}


class TimeoutSession(requests.Session):
    """Session that applies a default timeout to every request."""

    def __init__(self, timeout: float = 10.0) -> None:
        super().__init__()
        self.default_timeout = timeout
        self.mount("https://", HTTPAdapter(max_retries=2))

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, **kwargs)


def check_http(url: str) -> int:
    """Status code of a GET."""
    # expect: missing-timeout
    return requests.get(url).status_code


def check_http_bounded(url: str) -> int:
    # ok: missing-timeout -- (connect, read) timeout
    return requests.get(url, timeout=(3.05, 10)).status_code


def check_http_defaults(url: str) -> int:
    # ok: missing-timeout -- timeout supplied through REQUEST_DEFAULTS
    return requests.get(url, **REQUEST_DEFAULTS).status_code


def check_many(urls: list[str]) -> dict[str, int]:
    """Status of several URLs through one shared session."""
    session = requests.Session()
    results = {}
    for url in urls:
        # expect: missing-timeout
        results[url] = session.head(url, allow_redirects=True).status_code
    return results


def check_many_with_default(urls: list[str]) -> dict[str, int]:
    session = TimeoutSession(timeout=5)
    # ok: missing-timeout -- TimeoutSession sets a default timeout
    return {url: session.head(url).status_code for url in urls}


def check_login(url: str, user: str, password: str) -> bool:
    """Does the login form accept the monitoring account?"""
    # expect: missing-timeout
    resp = requests.post(url, data={"username": user, "password": password}, allow_redirects=False)
    return resp.status_code in (200, 302)


def check_tcp(host: str, port: int) -> bool:
    """Can we open a TCP connection?"""
    try:
        # expect: missing-timeout
        with socket.create_connection((host, port)):
            return True
    except OSError:
        return False


def check_tcp_bounded(host: str, port: int) -> bool:
    try:
        # ok: missing-timeout -- timeout argument
        with socket.create_connection((host, port), timeout=3):
            return True
    except OSError:
        return False


def check_legacy(url: str) -> int:
    """Some partners only answer to a plain urllib request (custom TLS quirks)."""
    req = urllib.request.Request(url, headers={"User-Agent": "statuscheck/1.0"})
    # expect: missing-timeout
    with urllib.request.urlopen(req) as resp:
        return resp.status


def check_httpx(url: str) -> int:
    # ok: missing-timeout -- httpx applies a 5 second default timeout
    return httpx.get(url).status_code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True)
    args = parser.parse_args()
    with open(args.config, "rb") as fh:
        config = tomllib.load(fh)
    failures = 0
    for url in config.get("http", []):
        failures += check_http_bounded(url) >= 400
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
