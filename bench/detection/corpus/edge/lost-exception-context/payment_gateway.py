"""Client library for the Acme payment gateway."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import requests

log = logging.getLogger(__name__)


class GatewayError(Exception):
    """Base error of this client."""


class CardDeclined(GatewayError):
    pass


class ConfigError(GatewayError):
    pass


class RetryExhausted(GatewayError):
    pass


class GatewayClient:
    def __init__(self, config: dict[str, Any]) -> None:
        try:
            self.base_url = config["base_url"].rstrip("/")
            self.api_key = config["api_key"]
        # expect: lost-exception-context
        except KeyError as missing:
            raise ConfigError(f"missing gateway setting: {missing}")
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {self.api_key}"

    def _post(self, path: str, body: dict) -> dict:
        resp = self.session.post(f"{self.base_url}{path}", json=body, timeout=15)
        try:
            resp.raise_for_status()
        except requests.HTTPError as exc:
            if resp.status_code == 402:
                # expect: lost-exception-context
                raise CardDeclined(resp.json().get("decline_code", "declined"))
            # ok: lost-exception-context -- chained explicitly
            raise GatewayError(f"gateway returned {resp.status_code}") from exc
        try:
            return resp.json()
        # expect: lost-exception-context
        except json.JSONDecodeError:
            raise GatewayError("gateway sent a non-JSON response")

    def charge(self, token: str, amount_cents: int, currency: str) -> str:
        """Charge a card token; returns the charge id."""
        try:
            data = self._post("/charges", {"source": token, "amount": amount_cents,
                                           "currency": currency})
        except CardDeclined:
            log.info("card declined")
            # ok: lost-exception-context -- bare raise keeps the original
            raise
        return data["id"]

    def charge_with_retry(self, token: str, amount_cents: int, currency: str) -> str:
        """Retry transient failures three times."""
        last_error: Exception | None = None
        for attempt in range(3):
            try:
                return self.charge(token, amount_cents, currency)
            except (requests.ConnectionError, requests.Timeout) as exc:
                last_error = exc
                time.sleep(2**attempt)
        # expect: lost-exception-context -- the original error only survives as a string
        raise RetryExhausted(f"gave up after 3 attempts: {last_error}")

    def charge_with_retry_v2(self, token: str, amount_cents: int, currency: str) -> str:
        last_error: Exception | None = None
        for attempt in range(3):
            try:
                return self.charge(token, amount_cents, currency)
            except (requests.ConnectionError, requests.Timeout) as exc:
                last_error = exc
                time.sleep(2**attempt)
        # ok: lost-exception-context -- chained to the last error
        raise RetryExhausted("gave up after 3 attempts") from last_error

    def refund(self, charge_id: str) -> None:
        try:
            self._post(f"/charges/{charge_id}/refund", {})
        except GatewayError as err:
            log.error(f"refund of {charge_id} failed: {err}")
            # expect: lost-exception-context
            raise GatewayError("refund failed")

    def lookup(self, charge_id: str) -> dict:
        cache = getattr(self, "_cache", {})
        try:
            return cache[charge_id]
        # ok: lost-exception-context -- deliberate `from None`: the KeyError is an implementation detail
        except KeyError:
            raise LookupError(f"unknown charge {charge_id}") from None
