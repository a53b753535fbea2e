"""JWT session handling for the Flask customer portal (python-jose)."""

from __future__ import annotations

import os
from functools import wraps

from flask import Flask, g, jsonify, request
from jose import JWTError, jwt

app = Flask(__name__)
PORTAL_SECRET = os.environ["PORTAL_JWT_SECRET"]
PORTAL_AUDIENCE = "customer-portal"


def _token_from_request() -> str | None:
    header = request.headers.get("Authorization", "")
    return header.removeprefix("Bearer ").strip() or None


def login_required(view):
    """Decorator that loads the user id from the session token."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        token = _token_from_request()
        if token is None:
            return jsonify({"error": "login required"}), 401
        try:
            # expect: jwt-weak-validation
            claims = jwt.get_unverified_claims(token)
        except JWTError:
            return jsonify({"error": "bad token"}), 401
        g.user_id = claims["sub"]
        return view(*args, **kwargs)

    return wrapper


def admin_required(view):
    """Decorator for the admin pages."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        token = _token_from_request() or ""
        try:
            # ok: jwt-weak-validation -- signature, algorithm and audience verified
            claims = jwt.decode(token, PORTAL_SECRET, algorithms=["HS256"], audience=PORTAL_AUDIENCE)
        except JWTError:
            return jsonify({"error": "bad token"}), 401
        if "admin" not in claims.get("roles", []):
            return jsonify({"error": "forbidden"}), 403
        g.user_id = claims["sub"]
        return view(*args, **kwargs)

    return wrapper


def decode_remember_me(token: str) -> dict:
    """Long-lived "remember me" cookie; expiry is enforced by the cookie itself."""
    # expect: jwt-weak-validation
    return jwt.decode(token, PORTAL_SECRET, algorithms=["HS256"], options={"verify_exp": False,
                                                                          "verify_aud": False})


def decode_email_link(token: str) -> str:
    """E-mail verification links carry a short JWT with the address to confirm."""
    # expect: jwt-weak-validation @email
    options = {"verify_signature": False}
    # expect: jwt-weak-validation @email
    claims = jwt.decode(token, PORTAL_SECRET, algorithms=["HS256"], options=options)
    return claims["email"]


@app.get("/me")
@login_required
def me():
    return jsonify({"user_id": g.user_id})


@app.get("/admin/users")
@admin_required
def admin_users():
    return jsonify({"users": []})
