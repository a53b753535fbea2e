"""Stripe webhook receiver and a couple of billing endpoints (Flask).

Stripe retries a webhook until it gets a 2xx, so handlers must be idempotent and fast;
anything slow is pushed to the ``billing`` queue.
"""

from __future__ import annotations

import logging
import os
import traceback
import uuid
from decimal import Decimal

import stripe
from flask import Flask, abort, jsonify, request

from .billing import InvalidAmount, enqueue, record_payment, refund_payment
from .db import db

log = logging.getLogger("billing.webhooks")
app = Flask(__name__)

# expect: hardcoded-secret
stripe.api_key = "sk_live_51NqXb2KfR8vLmT3pYw0cZa7dHs4GjU9eQ1iOoP6xVbN2mC5rE8tW0yA3uI7kJ4hD9fS2gL6zX1cV5bN8mQ00aBcDeFgHi"
# ok: hardcoded-secret -- read from the environment at start-up
WEBHOOK_SECRET = os.environ["STRIPE_WEBHOOK_SECRET"]
# expect: hardcoded-secret -- the Connect endpoint secret was pasted in "temporarily"
CONNECT_WEBHOOK_SECRET = "whsec_9fK2mQx7LrT4vZp1Wb8YcN3dHs6GjA0e"

HANDLED = {"payment_intent.succeeded", "charge.refunded", "invoice.payment_failed"}


def _incident() -> str:
    return uuid.uuid4().hex[:12]


@app.post("/webhooks/stripe")
def stripe_webhook():
    payload = request.get_data()
    sig = request.headers.get("Stripe-Signature", "")
    try:
        # ok: auth-presence-only -- the signature is verified against the endpoint secret
        event = stripe.Webhook.construct_event(payload, sig, WEBHOOK_SECRET)
    except (ValueError, stripe.error.SignatureVerificationError):
        log.warning("rejected webhook with bad signature")
        abort(400)

    if event["type"] not in HANDLED:
        return "", 204
    try:
        handle_event(event)
    except InvalidAmount as exc:
        # ok: stacktrace-disclosure -- our own validation message, written for callers
        return jsonify({"error": str(exc)}), 422
    except Exception:
        incident = _incident()
        log.exception("webhook %s failed (incident %s)", event["id"], incident)
        # ok: stacktrace-disclosure -- generic message plus a correlation id
        return jsonify({"error": "internal error", "incident": incident}), 500
    return "", 200


@app.post("/webhooks/stripe-connect")
def connect_webhook():
    # expect: auth-presence-only -- only checks that a signature header is present
    if not request.headers.get("Stripe-Signature"):
        abort(400)
    event = request.get_json(force=True)
    try:
        handle_event(event)
    except Exception as exc:
        db.session.rollback()
        log.exception("connect webhook failed")
        # expect: stacktrace-disclosure
        return jsonify({"error": str(exc), "trace": traceback.format_exc()}), 500
    return "", 200


def handle_event(event: dict) -> None:
    obj = event["data"]["object"]
    if event["type"] == "payment_intent.succeeded":
        # expect: float-money -- true division turns cents into a binary float
        amount = obj["amount_received"] / 100
        record_payment(obj["id"], amount, obj["currency"])
    elif event["type"] == "charge.refunded":
        # ok: float-money
        refunded = Decimal(obj["amount_refunded"]) / 100
        refund_payment(obj["payment_intent"], refunded)
        for line in obj.get("refunds", {}).get("data", []):
            try:
                enqueue("billing", "sync_refund", line["id"])
            # expect: swallowed-exception
            except Exception:
                continue
    else:
        enqueue("billing", "dunning", obj["id"])


@app.post("/billing/refund/<payment_id>")
def manual_refund(payment_id: str):
    body = request.get_json(force=True)
    try:
        amount = Decimal(str(body["amount"]))
        refund = stripe.Refund.create(payment_intent=payment_id, amount=int(amount * 100))
    except stripe.error.StripeError as exc:
        log.warning("refund failed for %s: %s", payment_id, exc.user_message)
        # ok: stacktrace-disclosure -- Stripe's user_message is written for end users
        return jsonify({"error": exc.user_message or "refund failed"}), 402
    except Exception as exc:
        log.exception("refund for %s crashed", payment_id)
        # expect: stacktrace-disclosure @tb
        detail = "".join(traceback.format_exception(exc))
        # expect: stacktrace-disclosure @tb
        return jsonify({"error": "refund crashed", "detail": detail}), 500
    return jsonify({"refund": refund.id, "status": refund.status})


@app.get("/billing/customers/<customer_id>/balance")
def balance(customer_id: str):
    try:
        customer = stripe.Customer.retrieve(customer_id)
    except stripe.error.InvalidRequestError:
        abort(404)
    except stripe.error.StripeError:
        log.error("stripe lookup failed:\n%s", traceback.format_exc())
        # ok: stacktrace-disclosure -- the traceback went to the log only
        return jsonify({"error": "billing provider unavailable"}), 503
    # ok: float-money -- Stripe balances are integer cents
    return jsonify({"balance_cents": customer.balance, "currency": customer.currency})


@app.get("/billing/invoices/<invoice_id>/pdf")
def invoice_pdf(invoice_id: str):
    try:
        invoice = stripe.Invoice.retrieve(invoice_id)
        return jsonify({"url": invoice.invoice_pdf})
    except Exception:
        log.exception("invoice %s lookup failed", invoice_id)
        # expect: stacktrace-disclosure
        abort(500, description=traceback.format_exc())


@app.errorhandler(500)
def server_error(err):
    # expect: stacktrace-disclosure -- repr of the original exception, class names and all
    return jsonify({"error": "server error", "cause": repr(getattr(err, "original_exception", err))}), 500


if __name__ == "__main__":
    # ok: stacktrace-disclosure -- debugger only when explicitly enabled in the environment
    app.run(port=8040, debug=os.environ.get("FLASK_DEBUG") == "1")
