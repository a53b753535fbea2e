"""Transactional e-mail: rendering, preview pages for support staff, and sending.

Templates live in ``templates/email``.  Support agents can preview any message in the
browser before it is re-sent to a customer, so everything rendered here also ends up in an
HTML page on our own origin.
"""

from __future__ import annotations

import html
import logging
import os
import smtplib
from email.message import EmailMessage
from pathlib import Path
from string import Template

from flask import Blueprint, abort, jsonify, make_response, render_template_string, request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from .models import Customer, Order

log = logging.getLogger(__name__)
bp = Blueprint("mail_preview", __name__, url_prefix="/support/mail")

TEMPLATE_DIR = Path(__file__).parent / "templates" / "email"
SMTP_HOST = os.environ.get("SMTP_HOST", "smtp.sendgrid.net")
SMTP_USER = "apikey"

# expect: xss -- autoescape off, and the templates interpolate customer-supplied names
legacy_env = Environment(loader=FileSystemLoader(TEMPLATE_DIR / "legacy"), autoescape=False)
# ok: xss
env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=select_autoescape(["html", "xml"]))

PLAIN_RECEIPT = Template("Hi $name,\n\nThanks for order $reference. Total: $total\n")


def greeting(customer: Customer) -> Markup:
    # expect: xss -- Markup() marks the interpolated display name as trusted
    return Markup(f"Hello <strong>{customer.display_name}</strong>,")


def greeting_safe(customer: Customer) -> Markup:
    # ok: xss -- Markup.format escapes its arguments
    return Markup("Hello <strong>{}</strong>,").format(customer.display_name)


def address_block(lines: list[str]) -> Markup:
    # ok: xss -- each line escaped before joining with a trusted separator
    return Markup("<br>").join(escape(line) for line in lines)


def items_table(order: Order) -> Markup:
    rows = ""
    for item in order.items:
        # expect: xss @rows -- product names come from marketplace sellers
        rows += f"<tr><td>{item.name}</td><td>{item.quantity}</td><td>{item.price_display}</td></tr>"
    # expect: xss @rows
    return Markup(f"<table class='items'>{rows}</table>")


def render_receipt(order: Order) -> tuple[str, str]:
    context = {
        "order": order,
        "greeting": greeting_safe(order.customer),
        "items": items_table(order),
        "address": address_block(order.shipping_address_lines),
    }
    html_body = env.get_template("receipt.html").render(**context)
    # ok: xss -- text/plain part, never rendered as HTML
    text_body = PLAIN_RECEIPT.substitute(
        name=order.customer.display_name, reference=order.reference, total=order.total_display
    )
    return html_body, text_body


def render_legacy(name: str, **context) -> str:
    return legacy_env.get_template(name).render(**context)


@bp.get("/preview/<int:order_id>")
def preview(order_id: int):
    order = Order.query.get_or_404(order_id)
    html_body, _ = render_receipt(order)
    note = request.args.get("note", "")
    # expect: xss -- the |safe filter switches escaping off for a query-string value
    banner = render_template_string("<div class='note'>{{ note|safe }}</div>", note=note)
    return banner + html_body


@bp.get("/preview-raw")
def preview_raw():
    to = request.args.get("to", "")
    # expect: xss
    resp = make_response("<h1>Preview for %s</h1><p>No template selected.</p>" % to)
    resp.headers["Content-Type"] = "text/html; charset=utf-8"
    return resp


@bp.get("/unsubscribed")
def unsubscribed():
    email = request.args.get("email", "")
    if not email:
        abort(400)
    # ok: xss
    return f"<p>{html.escape(email)} will no longer receive marketing e-mail.</p>"


@bp.get("/bounced")
def bounced():
    address = request.args["address"]
    # expect: xss
    return f"<p>Messages to <code>{address}</code> bounced; please ask the customer for a new address.</p>"


@bp.get("/status/<int:order_id>")
def status(order_id: int):
    order = Order.query.get_or_404(order_id)
    # ok: xss -- JSON response, the browser does not render it as HTML
    return jsonify({"order": order.reference, "customer": order.customer.display_name, "sent": order.receipt_sent})


def build_message(order: Order, attachments: list[Path]) -> EmailMessage:
    html_body, text_body = render_receipt(order)
    msg = EmailMessage()
    msg["Subject"] = f"Your receipt {order.reference}"
    msg["From"] = "Shop <receipts@shop.example.com>"
    msg["To"] = order.customer.email
    msg.set_content(text_body)
    msg.add_alternative(html_body, subtype="html")
    for path in attachments:
        # expect: resource-leak -- the file object is never closed
        data = open(path, "rb").read()
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=path.name)
    return msg


def send(msg: EmailMessage) -> None:
    # ok: missing-timeout, resource-leak
    with smtplib.SMTP_SSL(SMTP_HOST, 465, timeout=30) as smtp:
        # ok: hardcoded-secret -- read from the environment
        smtp.login(SMTP_USER, os.environ["SENDGRID_API_KEY"])
        smtp.send_message(msg)


def send_via_relay(msg: EmailMessage) -> None:
    """Fallback relay used when SendGrid is down."""
    # expect: missing-timeout -- smtplib has no timeout unless given one
    with smtplib.SMTP("relay.internal.example.com", 587) as smtp:
        smtp.starttls()
        # expect: hardcoded-secret
        smtp.login("receipts", password="SG.kT3vQm9XrLp2Wz8YbN1cDa.Hf6Jq0sVx4Ue7Rt2Ky9Lm5Pn3Bw8Ca1Zd6Gi0Oj4Xs")
        smtp.send_message(msg)
