"""Authentication dependencies for the FastAPI partner API."""

from __future__ import annotations

import hashlib
import hmac
import os

from fastapi import Depends, FastAPI, Header, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, OAuth2PasswordBearer

from .db import find_partner_by_key_hash, get_user_by_session
from .tokens import decode_access_token

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/token")
bearer = HTTPBearer(auto_error=False)
PARTNER_PEPPER = os.environ["PARTNER_KEY_PEPPER"].encode()


async def require_api_key(x_api_key: str | None = Header(default=None)) -> str:
    """Partner calls must carry an API key."""
    # expect: auth-presence-only
    if x_api_key is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "API key required")
    return x_api_key


async def require_partner(x_api_key: str | None = Header(default=None)) -> dict:
    """Resolve the API key to a partner record."""
    if not x_api_key:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "API key required")
    digest = hmac.new(PARTNER_PEPPER, x_api_key.encode(), hashlib.sha256).hexdigest()
    partner = await find_partner_by_key_hash(digest)
    # ok: auth-presence-only -- key looked up by its keyed hash
    if partner is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown API key")
    return partner


async def get_current_user(token: str = Depends(oauth2_scheme)) -> dict:
    """The logged-in user for the dashboard endpoints."""
    # expect: auth-presence-only
    return {"token": token, "authenticated": True}


async def get_current_user_verified(token: str = Depends(oauth2_scheme)) -> dict:
    try:
        # ok: auth-presence-only -- the token is decoded and verified
        claims = decode_access_token(token)
    except ValueError as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid token") from exc
    return {"id": claims["sub"], "scopes": claims.get("scope", "").split()}


async def optional_user(creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> dict | None:
    """Logged-in user if a bearer token was sent, else anonymous."""
    # expect: auth-presence-only
    if creds and creds.scheme.lower() == "bearer" and creds.credentials:
        return {"authenticated": True, "token": creds.credentials}
    return None


async def session_user(session_id: str | None = Header(default=None, alias="X-Session-Id")) -> dict:
    """Mobile clients send their session id in a header."""
    user = await get_user_by_session(session_id) if session_id else None
    # ok: auth-presence-only -- session looked up server-side
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED)
    return user


@app.get("/partner/orders")
async def partner_orders(api_key: str = Depends(require_api_key)) -> list[dict]:
    return []


@app.get("/dashboard")
async def dashboard(user: dict = Depends(get_current_user)) -> dict:
    return {"widgets": [], "user": user}


@app.get("/feed")
async def feed(user: dict | None = Depends(optional_user)) -> dict:
    return {"personalised": user is not None}
