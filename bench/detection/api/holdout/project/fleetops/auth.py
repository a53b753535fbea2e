"""Token issuing and verification for drivers' mobile app and the back-office."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import jwt
# ok: undeclared-dependency -- declared jwt ## PyJWT is declared; its import name is jwt
from jwt import PyJWKClient
# expect: hallucinated-module -- nomod jwt.tokens
from jwt.tokens import TokenPair

ISSUER = "https://auth.fleetops.example"
AUDIENCE = "fleetops-api"
ACCESS_TTL = timedelta(minutes=15)


@dataclass(frozen=True)
class Principal:
    subject: str
    roles: tuple[str, ...] = ()
    scopes: frozenset[str] = field(default_factory=frozenset)


class TokenService:
    def __init__(self, secret: str, *, leeway_s: int = 30) -> None:
        self._secret = secret
        self._leeway = leeway_s

    def issue(self, principal: Principal) -> str:
        now = datetime.now(timezone.utc)
        claims = {"sub": principal.subject, "roles": list(principal.roles), "scope": " ".join(sorted(principal.scopes)),
                  "iat": now, "exp": now + ACCESS_TTL, "iss": ISSUER, "aud": AUDIENCE}
        # ok: unknown-keyword-argument -- accepts jwt.encode algorithm && accepts jwt.encode headers
        token = jwt.encode(claims, self._secret, algorithm="HS256", headers={"kid": "k1"})
        # expect: hallucinated-attribute -- lacks str() decode ## PyJWT 1.x returned bytes; 2.x returns str
        return token.decode("utf-8")

    def verify(self, token: str) -> Principal:
        # ok: unknown-keyword-argument -- accepts jwt.decode audience && accepts jwt.decode issuer && accepts jwt.decode leeway && accepts jwt.decode options
        claims = jwt.decode(token, self._secret, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER,
                            leeway=self._leeway, options={"require": ["exp", "sub"]})
        return Principal(subject=claims["sub"], roles=tuple(claims.get("roles", ())),
                         scopes=frozenset(claims.get("scope", "").split()))

    def try_verify(self, token: str) -> Principal | None:
        try:
            return self.verify(token)
        # ok: hallucinated-attribute -- has jwt ExpiredSignatureError
        except jwt.ExpiredSignatureError:
            return None
        # expect: hallucinated-attribute -- lacks jwt JWTError ## python-jose's name; PyJWT has PyJWTError / InvalidTokenError
        except jwt.JWTError:
            return None

    def peek(self, token: str) -> dict[str, Any]:
        # ok: hallucinated-attribute -- has jwt get_unverified_header
        header = jwt.get_unverified_header(token)
        # expect: hallucinated-attribute -- lacks jwt decode_unverified
        body = jwt.decode_unverified(token)
        return {"header": header, "body": body}

    def peek_v2(self, token: str) -> dict[str, Any]:
        # ok: unknown-keyword-argument -- accepts jwt.decode_complete options
        full = jwt.decode_complete(token, options={"verify_signature": False})
        return {"header": full["header"], "body": full["payload"]}

    def refresh(self, token: str) -> str:
        try:
            claims = jwt.decode(token, self._secret, algorithms=["HS256"], audience=AUDIENCE)
        # expect: removed-api -- lacks jwt ExpiredSignature ## the PyJWT 1.x alias of ExpiredSignatureError, gone in 2.x
        except jwt.ExpiredSignature:
            claims = jwt.decode(token, self._secret, algorithms=["HS256"], audience=AUDIENCE,
                                options={"verify_exp": False})
        return self.issue(Principal(subject=claims["sub"], roles=tuple(claims.get("roles", ()))))


class JwksVerifier:
    """Verifies tokens from the identity provider (RS256, keys from its JWKS endpoint)."""

    def __init__(self, jwks_url: str) -> None:
        # ok: unknown-keyword-argument -- accepts jwt.PyJWKClient cache_keys && accepts jwt.PyJWKClient lifespan
        self._client = PyJWKClient(jwks_url, cache_keys=True, lifespan=600)

    def verify(self, token: str) -> dict[str, Any]:
        signing_key = self._client.get_signing_key_from_jwt(token)
        # ok: hallucinated-attribute -- has jwt.PyJWK({"kty": "oct", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0", "alg": "HS256"}) key ## the .key property of the PyJWK returned above
        return jwt.decode(token, signing_key.key, algorithms=["RS256"], audience=AUDIENCE)

    def verify_with_cache(self, token: str) -> dict[str, Any]:
        # expect: unknown-keyword-argument -- rejects jwt.PyJWKClient.get_signing_key_from_jwt refresh
        signing_key = self._client.get_signing_key_from_jwt(token, refresh=True)
        return jwt.decode(token, signing_key.key, algorithms=["RS256"], audience=AUDIENCE)


def sign_webhook(secret: bytes, body: bytes) -> str:
    # ok: unknown-keyword-argument -- accepts hmac.new digestmod
    digest = hmac.new(secret, body, digestmod=hashlib.sha256).digest()
    # ok: hallucinated-attribute -- has base64 urlsafe_b64encode
    return base64.urlsafe_b64encode(digest).decode("ascii")


def check_webhook(secret: bytes, body: bytes, signature: str) -> bool:
    expected = sign_webhook(secret, body)
    # ok: hallucinated-attribute -- has hmac compare_digest
    return hmac.compare_digest(expected, signature)


def check_webhook_legacy(secret: bytes, body: bytes, signature: str) -> bool:
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    # expect: hallucinated-attribute -- lacks hmac secure_compare
    return hmac.secure_compare(expected, signature)


def new_api_key() -> str:
    # ok: hallucinated-attribute -- has secrets token_urlsafe
    return "fo_" + secrets.token_urlsafe(32)


def new_pin() -> str:
    # expect: hallucinated-attribute -- lacks secrets token_digits
    return secrets.token_digits(6)


def hash_api_key(key: str) -> str:
    # ok: unknown-keyword-argument -- accepts hashlib.sha256 usedforsecurity ## new in Python 3.9
    return hashlib.sha256(key.encode(), usedforsecurity=True).hexdigest()


def hash_password(password: str, salt: bytes) -> bytes:
    # ok: unknown-keyword-argument -- accepts hashlib.scrypt maxmem
    return hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, maxmem=64 * 1024 * 1024)


def hash_password_pbkdf2(password: str, salt: bytes) -> bytes:
    # expect: unknown-keyword-argument -- raises TypeError: hashlib.pbkdf2_hmac("sha256", b"x", b"s", iterations=10, length=32) ## the keyword is dklen
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations=600_000, length=32)


def token_age_seconds(issued_at: float) -> float:
    # ok: hallucinated-attribute -- has time monotonic
    return time.time() - issued_at if issued_at else time.monotonic()
