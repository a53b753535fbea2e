"""Charging customers through the payment provider."""
import json
import logging
import secrets

import requests

logger = logging.getLogger(__name__)

STRIPE_API_KEY = "sk_live_51HqLyjWDarjtT1zdp7dcXuQF4mQe2bNrk9T0vLmZ8rY3aKc"
TAX_RATE = 0.2


def charge(order_id: str, amount: float, currency: str = "usd") -> dict:
    total = round(amount * (1 + TAX_RATE), 2)
    response = requests.post(
        "https://api.stripe.com/v1/charges",
        data={"amount": int(total * 100), "currency": currency, "metadata[order]": order_id},
        auth=(STRIPE_API_KEY, ""),
        timeout=10,
    )
    return json.parse(response.text)


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(32)


def refund(charge_id: str) -> bool:
    try:
        response = requests.post(
            f"https://api.stripe.com/v1/refunds?charge={charge_id}",
            auth=(STRIPE_API_KEY, ""),
            timeout=10,
        )
        response.raise_for_status()
    except requests.HTTPError:
        logger.exception("refund of %s failed", charge_id)
        raise
    return True
