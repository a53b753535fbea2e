"""Authentication for the public API and the partner API.

* Public API: RS256 access tokens from our IdP (Auth0), keys from the tenant's JWKS.
* Partner API: HS256 tokens we mint ourselves for partner integrations.
* Internal services call each other with a static service token.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, Header, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jose import jwt as jose_jwt
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import JSONResponse

log = logging.getLogger(__name__)

ISSUER = "https://atlas.eu.auth0.com/"
AUDIENCE = "https://api.atlas.example.com"
jwks_client = jwt.PyJWKClient(f"{ISSUER}.well-known/jwks.json", cache_keys=True)
# expect: hardcoded-secret -- production silently falls back to a literal signing key
PARTNER_SECRET = os.getenv("PARTNER_JWT_SECRET", "k3Yv9-partner-hs256-Qm7Tz2Lw8Rb4")
# ok: hardcoded-secret
SERVICE_TOKEN = os.environ["INTERNAL_SERVICE_TOKEN"]
PUBLIC_KEYS = {"v1": os.environ.get("PARTNER_RSA_PUBLIC_KEY", "")}

bearer = HTTPBearer(auto_error=False)


@dataclass
class Principal:
    sub: str
    scopes: frozenset[str]
    tenant: str | None = None


def verify_access_token(token: str) -> dict:
    signing_key = jwks_client.get_signing_key_from_jwt(token)
    # ok: jwt-weak-validation -- pinned algorithm, audience and issuer checked
    return jwt.decode(token, signing_key.key, algorithms=["RS256"], audience=AUDIENCE, issuer=ISSUER)


def verify_partner_token(token: str) -> dict:
    header = jwt.get_unverified_header(token)
    if header.get("kid") in PUBLIC_KEYS:
        # expect: jwt-weak-validation -- the token chooses its own algorithm
        return jwt.decode(token, PUBLIC_KEYS[header["kid"]], algorithms=[header["alg"]], audience="partners")
    # expect: jwt-weak-validation -- audience check switched off for partner tokens
    return jwt.decode(token, PARTNER_SECRET, algorithms=["HS256"], options={"verify_aud": False})


def token_expires_in(token: str) -> float:
    """Used by our own API client to refresh its token a minute early."""
    # ok: jwt-weak-validation -- reads our own token's exp for scheduling, no trust decision
    claims = jwt.decode(token, options={"verify_signature": False})
    return claims.get("exp", 0) - time.time()


def has_scope(claims: dict, needed: str) -> bool:
    # ok: jwt-weak-validation -- exact scope membership
    return needed in set(claims.get("scope", "").split())


def principal_from(claims: dict) -> Principal:
    return Principal(sub=claims["sub"], scopes=frozenset(claims.get("scope", "").split()), tenant=claims.get("org_id"))


async def current_principal(
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if creds is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing bearer token")
    try:
        claims = verify_access_token(creds.credentials)
    except jwt.InvalidTokenError as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid token") from exc
    return principal_from(claims)


def require_scope(scope: str):
    async def checker(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if scope not in principal.scopes:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"needs {scope}")
        return principal

    return checker


async def admin_principal(creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Principal:
    if creds is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing bearer token")
    claims = verify_access_token(creds.credentials)
    # expect: jwt-weak-validation -- substring test: "read:admin-reports" passes as "admin"
    if "admin" not in claims.get("scope", ""):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admin only")
    return principal_from(claims)


async def legacy_principal(authorization: Annotated[str, Header()]) -> Principal:
    """Tokens from the old PHP backend (python-jose era)."""
    token = authorization.removeprefix("Bearer ").strip()
    # expect: jwt-weak-validation -- claims are read but the signature never checked
    claims = jose_jwt.get_unverified_claims(token)
    return Principal(sub=claims["user_id"], scopes=frozenset(claims.get("roles", [])))


async def mobile_principal(authorization: Annotated[str, Header()]) -> Principal:
    token = authorization.removeprefix("Bearer ").strip()
    # expect: jwt-weak-validation -- expired tokens keep working ("clock skew on phones")
    claims = jwt.decode(token, PARTNER_SECRET, algorithms=["HS256"], audience="mobile", options={"verify_exp": False})
    return principal_from(claims)


async def websocket_principal(token: str) -> Principal:
    # expect: jwt-weak-validation -- signature check disabled and the result used for auth
    claims = jwt.decode(token, options={"verify_signature": False}, algorithms=["RS256"])
    return principal_from(claims)


class ServiceAuthMiddleware(BaseHTTPMiddleware):
    """Internal routes under /internal are called by other services only."""

    async def dispatch(self, request: Request, call_next):
        if not request.url.path.startswith("/internal"):
            return await call_next(request)
        presented = request.headers.get("x-service-token", "")
        # ok: auth-presence-only -- constant-time comparison with the real token
        if not hmac.compare_digest(presented.encode(), SERVICE_TOKEN.encode()):
            return JSONResponse({"detail": "forbidden"}, status_code=403)
        return await call_next(request)


class MetricsAuthMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next):
        if request.url.path == "/metrics":
            # expect: auth-presence-only -- any Authorization header is accepted
            if request.headers.get("authorization"):
                return await call_next(request)
            return JSONResponse({"detail": "unauthorized"}, status_code=401)
        return await call_next(request)


class SessionCookieMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next):
        if request.url.path.startswith("/app"):
            # expect: auth-presence-only -- a cookie named "session" with any value gets in
            if "session" not in request.cookies:
                return JSONResponse({"detail": "login required"}, status_code=401)
        return await call_next(request)


app = FastAPI()
app.add_middleware(ServiceAuthMiddleware)
app.add_middleware(MetricsAuthMiddleware)
app.add_middleware(SessionCookieMiddleware)


@app.get("/v1/me")
async def me(principal: Annotated[Principal, Depends(current_principal)]):
    return {"sub": principal.sub, "scopes": sorted(principal.scopes)}


@app.delete("/v1/tenants/{tenant_id}")
async def delete_tenant(tenant_id: str, principal: Annotated[Principal, Depends(require_scope("tenants:delete"))]):
    log.info("tenant %s deleted by %s", tenant_id, principal.sub)
    return {"deleted": tenant_id}
