"""Bearer-token authentication for the API gateway (FastAPI + PyJWT).

Tokens are issued by our identity provider (RS256, keys published at the JWKS URL) and,
for service-to-service calls, by the internal token service (HS256, shared secret).
"""

from __future__ import annotations

import os
import time
from typing import Any

import jwt
from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jwt import PyJWKClient

ISSUER = "https://id.example.com/"
AUDIENCE = "api://gateway"
JWKS_URL = "https://id.example.com/.well-known/jwks.json"
SERVICE_SECRET = os.environ["SERVICE_TOKEN_SECRET"]

bearer = HTTPBearer()
jwks_client = PyJWKClient(JWKS_URL, cache_keys=True, timeout=5)


def decode_user_token(token: str) -> dict[str, Any]:
    """Validate an end-user access token from the identity provider."""
    signing_key = jwks_client.get_signing_key_from_jwt(token)
    # ok: jwt-weak-validation -- pinned algorithm, audience and issuer checked
    return jwt.decode(
        token,
        signing_key.key,
        algorithms=["RS256"],
        audience=AUDIENCE,
        issuer=ISSUER,
        options={"require": ["exp", "iat", "sub"]},
    )


def decode_service_token(token: str) -> dict[str, Any]:
    """Validate a service-to-service token."""
    # expect: jwt-weak-validation
    return jwt.decode(token, SERVICE_SECRET, algorithms=["HS256"], options={"verify_aud": False})


def peek_claims(token: str) -> dict[str, Any]:
    """Read the claims without a network round-trip (used by the rate limiter)."""
    # expect: jwt-weak-validation
    return jwt.decode(token, options={"verify_signature": False})


async def current_user(creds: HTTPAuthorizationCredentials = Depends(bearer)) -> dict[str, Any]:
    """FastAPI dependency returning the caller's claims."""
    try:
        return decode_user_token(creds.credentials)
    except jwt.PyJWTError as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid token") from exc


async def current_tenant(creds: HTTPAuthorizationCredentials = Depends(bearer)) -> str:
    """Tenant id of the caller, used to scope every query."""
    claims = peek_claims(creds.credentials)
    return claims["tenant_id"]


def decode_legacy(token: str, key: str) -> dict[str, Any]:
    """Tokens minted by the old monolith; it used whatever algorithm the header named."""
    header = jwt.get_unverified_header(token)
    # expect: jwt-weak-validation
    return jwt.decode(token, key, algorithms=[header["alg"]], audience=AUDIENCE)


def decode_partner(token: str, public_key: str) -> dict[str, Any]:
    """Partner tokens are RS256, but some partners still send HS256 during migration."""
    # expect: jwt-weak-validation
    return jwt.decode(token, public_key, algorithms=["RS256", "HS256"], audience=AUDIENCE)


def decode_with_kid(token: str, keys: dict[str, str]) -> dict[str, Any]:
    """Pick the verification key by ``kid`` (key rotation), then verify properly."""
    # ok: jwt-weak-validation -- unverified header only used to select the key
    kid = jwt.get_unverified_header(token).get("kid")
    if kid not in keys:
        raise jwt.InvalidTokenError("unknown key id")
    return jwt.decode(token, keys[kid], algorithms=["RS256"], audience=AUDIENCE, issuer=ISSUER)


def seconds_until_refresh(own_token: str) -> float:
    """Client side: when should *we* refresh the token we were issued?"""
    # ok: jwt-weak-validation -- client reading the expiry of its own token, not authorising anything
    claims = jwt.decode(own_token, options={"verify_signature": False})
    return max(0.0, claims["exp"] - time.time() - 60)


def require_scope(claims: dict[str, Any], scope: str) -> None:
    """Raise 403 unless ``scope`` was granted."""
    # expect: jwt-weak-validation
    if scope not in claims.get("scope", ""):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "missing scope")


def require_scope_exact(claims: dict[str, Any], scope: str) -> None:
    """Raise 403 unless ``scope`` is one of the space-separated granted scopes."""
    # ok: jwt-weak-validation -- exact membership in the split scope list
    if scope not in claims.get("scope", "").split():
        raise HTTPException(status.HTTP_403_FORBIDDEN, "missing scope")


def issue_service_token(service: str) -> str:
    """Mint a short-lived token for a downstream call."""
    now = int(time.time())
    payload = {"sub": service, "aud": AUDIENCE, "iat": now, "exp": now + 300}
    # ok: jwt-weak-validation -- encoding with a pinned algorithm
    return jwt.encode(payload, SERVICE_SECRET, algorithm="HS256")
