"""Outgoing webhook delivery worker.

Customers register a callback URL in their dashboard; we POST events to it.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
from dataclasses import dataclass
from urllib.parse import urlparse

import requests

log = logging.getLogger(__name__)

INTERNAL_EVENTS_URL = "https://events.internal.example.com/ingest"


@dataclass
class Subscription:
    id: int
    callback_url: str
    secret: str


class UnsafeDestination(Exception):
    pass


def _resolve_public(url: str) -> str:
    """Return the URL if its host resolves only to public addresses."""
    parsed = urlparse(url)
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        raise UnsafeDestination(url)
    for info in socket.getaddrinfo(parsed.hostname, parsed.port or 443):
        addr = ipaddress.ip_address(info[4][0])
        if addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_reserved:
            raise UnsafeDestination(url)
    return url


class Deliverer:
    """Sends one event to one subscription."""

    def __init__(self) -> None:
        self.session = requests.Session()

    def deliver(self, sub: Subscription, event: dict) -> int:
        """POST the event to the customer's callback URL."""
        body = json.dumps(event)
        # expect: ssrf
        resp = self.session.post(sub.callback_url, data=body, timeout=10,
                                 headers={"Content-Type": "application/json"})
        return resp.status_code

    def deliver_checked(self, sub: Subscription, event: dict) -> int:
        """Same, refusing private, loopback and link-local destinations."""
        url = _resolve_public(sub.callback_url)
        # ok: ssrf -- destination resolved and checked against private ranges
        resp = self.session.post(url, json=event, timeout=10, allow_redirects=False)
        return resp.status_code

    def mirror_internal(self, event: dict) -> None:
        # ok: ssrf -- fixed internal endpoint from configuration
        self.session.post(INTERNAL_EVENTS_URL, json=event, timeout=5)

    def test_endpoint(self, payload: dict) -> dict:
        """Dashboard "send test event" button: the URL is typed into the form."""
        target = payload.get("url") or payload["callback_url"]
        # expect: ssrf
        resp = requests.request(payload.get("method", "POST"), target, json={"test": True}, timeout=5)
        # expect: unbounded-materialization -- resp.text reads everything, then slices
        return {"status": resp.status_code, "body": resp.text[:500]}
