"""Payment endpoints for the checkout (Flask)."""

from __future__ import annotations

import logging
import os
import traceback
import uuid

import stripe
from flask import Flask, jsonify, request

from .checkout import CheckoutError, create_payment_intent, refund_charge

app = Flask(__name__)
logger = logging.getLogger(__name__)


@app.post("/api/payments")
def create_payment():
    """Create a Stripe PaymentIntent for the current cart."""
    data = request.get_json(force=True)
    try:
        intent = create_payment_intent(data["cart_id"], data["currency"])
    except CheckoutError as exc:
        # ok: stacktrace-disclosure -- CheckoutError messages are written for customers
        return jsonify({"error": exc.user_message}), 400
    except Exception as e:
        logger.exception("payment creation failed")
        # expect: stacktrace-disclosure
        return jsonify({"error": str(e)}), 500
    return jsonify({"client_secret": intent.client_secret}), 201


@app.post("/api/refunds")
def create_refund():
    """Refund a charge (support staff only)."""
    data = request.get_json(force=True)
    try:
        refund = refund_charge(data["charge_id"], int(data["amount_cents"]))
    except stripe.error.StripeError:
        logger.exception("refund failed")
        # expect: stacktrace-disclosure
        return jsonify({"error": "refund failed", "trace": traceback.format_exc()}), 502
    return jsonify({"refund_id": refund.id})


@app.post("/api/payments/<payment_id>/capture")
def capture(payment_id: str):
    """Capture an authorised payment."""
    try:
        stripe.PaymentIntent.capture(payment_id)
    except stripe.error.StripeError:
        error_id = uuid.uuid4().hex[:12]
        logger.exception("capture failed (error id %s)", error_id)
        # ok: stacktrace-disclosure -- generic message + correlation id, details only in logs
        return jsonify({"error": "capture failed", "error_id": error_id}), 502
    return jsonify({"captured": payment_id})


@app.post("/api/webhooks/stripe")
def stripe_webhook():
    """Receive Stripe events."""
    payload = request.get_data()
    signature = request.headers.get("Stripe-Signature", "")
    try:
        event = stripe.Webhook.construct_event(payload, signature, os.environ["STRIPE_WEBHOOK_SECRET"])
    except (ValueError, stripe.error.SignatureVerificationError) as err:
        logger.warning("rejected webhook", exc_info=True)
        # expect: stacktrace-disclosure
        return jsonify({"error": f"invalid webhook: {err!r}"}), 400
    logger.info("stripe event %s", event["type"])
    return "", 204


@app.errorhandler(500)
def internal_error(err):
    """Last-resort handler for unhandled errors."""
    original = getattr(err, "original_exception", err)
    logger.error("unhandled error", exc_info=original)
    # expect: stacktrace-disclosure @tb
    tb = "".join(traceback.format_exception(original))
    # expect: stacktrace-disclosure @tb
    return jsonify({"error": "internal error", "details": tb}), 500


if __name__ == "__main__":
    # expect: stacktrace-disclosure
    app.run(host="127.0.0.1", port=5000, debug=True)
