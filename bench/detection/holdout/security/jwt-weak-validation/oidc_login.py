"""Single sign-on for the admin console (Flask).

Employees log in through Microsoft Entra ID (multi-tenant app registration, because the
agency staff come from two other tenants); service accounts present client-credential
tokens; the support widget uses short-lived HS256 tokens we mint ourselves.
"""

from __future__ import annotations

import logging
import os
import secrets
import traceback
from functools import wraps

import jwt
import requests
from authlib.jose import JsonWebToken, JoseError
from flask import Flask, abort, g, redirect, render_template, request, session, url_for

log = logging.getLogger(__name__)
app = Flask(__name__)
app.secret_key = os.environ["ADMIN_SESSION_SECRET"]

CLIENT_ID = os.environ["ENTRA_CLIENT_ID"]
TENANT = os.environ["ENTRA_TENANT_ID"]
AUTHORITY = "https://login.microsoftonline.com/common/v2.0"
ALLOWED_TENANTS = set(os.environ.get("ENTRA_ALLOWED_TENANTS", TENANT).split(","))
jwks = jwt.PyJWKClient("https://login.microsoftonline.com/common/discovery/v2.0/keys")
WIDGET_SECRET = os.environ["SUPPORT_WIDGET_SECRET"]
authlib_jwt = JsonWebToken(["RS256"])


def _redirect_uri() -> str:
    return url_for("callback", _external=True)


@app.get("/login")
def login():
    session["oidc_state"] = secrets.token_urlsafe(24)
    session["oidc_nonce"] = secrets.token_urlsafe(24)
    params = {
        "client_id": CLIENT_ID,
        "response_type": "code",
        "redirect_uri": _redirect_uri(),
        "scope": "openid profile email",
        "state": session["oidc_state"],
        "nonce": session["oidc_nonce"],
    }
    return redirect(requests.Request("GET", f"{AUTHORITY}/authorize", params=params).prepare().url)


def verify_id_token(id_token: str) -> dict:
    key = jwks.get_signing_key_from_jwt(id_token).key
    # ok: jwt-weak-validation -- algorithm pinned, audience checked, required claims enforced
    claims = jwt.decode(id_token, key, algorithms=["RS256"], audience=CLIENT_ID, options={"require": ["exp", "iat", "iss", "tid"]})
    # ok: jwt-weak-validation -- multi-tenant: issuer bound to an allowlisted tenant id
    if claims["tid"] not in ALLOWED_TENANTS or claims["iss"] != f"https://login.microsoftonline.com/{claims['tid']}/v2.0":
        raise jwt.InvalidIssuerError("tenant not allowed")
    return claims


def verify_id_token_v1(id_token: str) -> dict:
    """The first version, still used by the reports sub-app."""
    key = jwks.get_signing_key_from_jwt(id_token).key
    # expect: jwt-weak-validation -- "common" keys sign tokens for every tenant; no issuer/tenant check
    return jwt.decode(id_token, key, algorithms=["RS256"], audience=CLIENT_ID)


@app.get("/callback")
def callback():
    if request.args.get("state") != session.pop("oidc_state", None):
        abort(400)
    try:
        token = requests.post(
            f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token",
            data={
                "grant_type": "authorization_code",
                "code": request.args["code"],
                "redirect_uri": _redirect_uri(),
                "client_id": CLIENT_ID,
                "client_secret": os.environ["ENTRA_CLIENT_SECRET"],
            },
            timeout=10,
        ).json()
        claims = verify_id_token(token["id_token"])
    except (jwt.PyJWTError, KeyError, requests.RequestException):
        # expect: stacktrace-disclosure -- the login error page prints the traceback
        return render_template("login_error.html", details=traceback.format_exc()), 400
    if claims.get("nonce") != session.pop("oidc_nonce", None):
        abort(400)
    session["admin"] = {"oid": claims["oid"], "name": claims.get("name"), "email": claims.get("preferred_username")}
    return redirect(url_for("dashboard"))


def service_token_claims(token: str) -> dict:
    """Client-credential tokens from our own tenant (daemons calling the admin API)."""
    # ok: jwt-weak-validation -- only the key id is read before verification
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwks.get_signing_key(kid).key
    # ok: jwt-weak-validation
    return jwt.decode(
        token, key, algorithms=["RS256"], audience=f"api://{CLIENT_ID}", issuer=f"https://sts.windows.net/{TENANT}/"
    )


def service_token_claims_authlib(token: str, jwk_set: dict) -> dict:
    # expect: jwt-weak-validation -- authlib's decode checks the signature only; exp/aud/iss need claims.validate()
    claims = authlib_jwt.decode(token, jwk_set)
    return dict(claims)


def service_token_claims_authlib_v2(token: str, jwk_set: dict) -> dict:
    claims = authlib_jwt.decode(
        token, jwk_set, claims_options={"iss": {"essential": True, "value": f"https://sts.windows.net/{TENANT}/"}, "aud": {"essential": True, "value": f"api://{CLIENT_ID}"}}
    )
    try:
        # ok: jwt-weak-validation -- validates exp/nbf and the essential iss/aud claims
        claims.validate(leeway=30)
    except JoseError as exc:
        raise PermissionError("invalid service token") from exc
    return dict(claims)


def widget_claims(token: str) -> dict:
    # ok: jwt-weak-validation -- HS256 pinned, audience checked, short leeway
    return jwt.decode(token, WIDGET_SECRET, algorithms=["HS256"], audience="support-widget", leeway=10)


def widget_claims_legacy(token: str) -> dict:
    # expect: jwt-weak-validation -- "none" in the allowed list accepts unsigned tokens
    return jwt.decode(token, WIDGET_SECRET, algorithms=["HS256", "none"], audience="support-widget")


def admin_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        # ok: auth-presence-only -- Flask's session cookie is signed; only /callback sets "admin"
        if "admin" not in session:
            return redirect(url_for("login"))
        g.admin = session["admin"]
        return view(*args, **kwargs)

    return wrapper


def service_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        auth = request.headers.get("Authorization", "")
        # ok: auth-presence-only -- format pre-check; the token is verified right below
        if not auth.startswith("Bearer "):
            abort(401)
        try:
            g.service = service_token_claims(auth.removeprefix("Bearer "))
        except jwt.PyJWTError:
            abort(401)
        # ok: jwt-weak-validation -- role list compared exactly
        if "Admin.Write" not in g.service.get("roles", []):
            abort(403)
        return view(*args, **kwargs)

    return wrapper


@app.get("/")
@admin_required
def dashboard():
    return render_template("dashboard.html", admin=g.admin)


@app.post("/api/flags/<name>")
@service_required
def set_flag(name: str):
    log.info("flag %s set by %s", name, g.service.get("appid"))
    return {"flag": name, "value": request.get_json(force=True).get("value")}
