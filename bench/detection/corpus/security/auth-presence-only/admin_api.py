"""Admin API for the support console (Flask)."""

from __future__ import annotations

import hmac
import os
from functools import wraps

from flask import Flask, abort, g, jsonify, request, session

from .auth import load_user_from_token
from .models import Ticket

app = Flask(__name__)
app.secret_key = os.environ["FLASK_SECRET_KEY"]
ADMIN_API_KEY = os.environ["ADMIN_API_KEY"]


def token_required(view):
    """Reject requests without a bearer token."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        # expect: auth-presence-only
        if "Authorization" not in request.headers:
            abort(401)
        return view(*args, **kwargs)

    return wrapper


def token_verified(view):
    """Require a bearer token that maps to an active user."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user = load_user_from_token(token) if scheme.lower() == "bearer" and token else None
        # ok: auth-presence-only -- the token is resolved to a user first
        if user is None or not user.is_active:
            abort(401)
        g.user = user
        return view(*args, **kwargs)

    return wrapper


def api_key_required(view):
    """Machine-to-machine key for the billing exporter."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        supplied = request.headers.get("X-Api-Key", "")
        # ok: auth-presence-only -- constant-time comparison with the configured key
        if not hmac.compare_digest(supplied.encode(), ADMIN_API_KEY.encode()):
            abort(401)
        return view(*args, **kwargs)

    return wrapper


def cookie_login_required(view):
    """Pages of the old console authenticate with the ``console_auth`` cookie."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        auth_cookie = request.cookies.get("console_auth")
        # expect: auth-presence-only
        if not auth_cookie:
            return jsonify({"error": "please log in"}), 401
        g.console_user = auth_cookie
        return view(*args, **kwargs)

    return wrapper


def session_login_required(view):
    """Pages of the new console use Flask's signed session cookie."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        # ok: auth-presence-only -- Flask's session is signed with the app secret
        if session.get("user_id") is None:
            abort(401)
        return view(*args, **kwargs)

    return wrapper


@app.get("/admin/tickets")
@token_required
def list_tickets():
    return jsonify([t.as_dict() for t in Ticket.query.order_by(Ticket.id.desc()).limit(50)])


@app.post("/admin/tickets/<int:ticket_id>/close")
@token_verified
def close_ticket(ticket_id: int):
    Ticket.query.get_or_404(ticket_id).close(by=g.user)
    return "", 204


@app.get("/admin/export")
@api_key_required
def export():
    return jsonify({"status": "queued"})


@app.delete("/admin/tickets/<int:ticket_id>")
def delete_ticket(ticket_id: int):
    """Delete a ticket (support leads only)."""
    api_key = request.headers.get("X-Api-Key")
    # expect: auth-presence-only
    if api_key is None:
        abort(403)
    Ticket.query.get_or_404(ticket_id).delete()
    return "", 204


@app.get("/admin/legacy")
@cookie_login_required
def legacy_console():
    return jsonify({"user": g.console_user})


@app.get("/admin/me")
@session_login_required
def me():
    return jsonify({"user_id": session["user_id"]})
