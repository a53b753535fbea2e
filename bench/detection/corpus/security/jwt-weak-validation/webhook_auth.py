"""Verifies the signed JWTs that partner systems attach to their webhooks.

Each partner has its own key and algorithm, configured in ``PARTNERS``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import jwt
from authlib.jose import JsonWebToken

log = logging.getLogger(__name__)

ALLOWED_ALGORITHMS = ["ES256"]


@dataclass(frozen=True)
class Partner:
    name: str
    key: str
    algorithm: str
    audience: str


class WebhookVerifier:
    """Checks the ``X-Partner-Token`` header of incoming webhooks."""

    def __init__(self, partners: dict[str, Partner]) -> None:
        self.partners = partners

    def verify(self, partner_name: str, token: str) -> dict:
        """Verify a partner token with that partner's configured algorithm."""
        partner = self.partners[partner_name]
        # ok: jwt-weak-validation -- algorithm comes from our configuration, audience checked
        return jwt.decode(token, partner.key, algorithms=[partner.algorithm], audience=partner.audience,
                          leeway=30)

    def verify_any(self, token: str) -> dict:
        """Try every partner key until one verifies (for partners that forget the header)."""
        for partner in self.partners.values():
            try:
                # expect: jwt-weak-validation
                return jwt.decode(token, partner.key, algorithms=[partner.algorithm, "none"],
                                  audience=partner.audience)
            except jwt.InvalidTokenError:
                log.debug("token did not verify for %s", partner.name)
        raise jwt.InvalidTokenError("no partner key verified the token")

    def verify_es256(self, token: str, key: str, audience: str) -> dict:
        # ok: jwt-weak-validation -- algorithms from a constant allowlist
        return jwt.decode(token, key, algorithms=ALLOWED_ALGORITHMS, audience=audience)

    def sender(self, token: str) -> str:
        """Which partner sent this? Used to attribute (and bill) the webhook."""
        # expect: jwt-weak-validation @sender
        unverified = jwt.decode(token, options={"verify_signature": False})
        # expect: jwt-weak-validation @sender
        return self.partners[unverified["iss"]].name if unverified["iss"] in self.partners else "unknown"


def verify_legacy(token: str, secret: str) -> dict:
    """Legacy partners (PyJWT 1.x era) -- kept for the old billing bridge."""
    # expect: jwt-weak-validation
    return jwt.decode(token, secret, verify=False)


def verify_authlib(token: str, public_key: bytes, audience: str) -> dict:
    """authlib variant used by the SSO bridge."""
    jwt_rs = JsonWebToken(["RS256"])
    claims = jwt_rs.decode(
        token,
        public_key,
        claims_options={"aud": {"essential": True, "value": audience}, "exp": {"essential": True}},
    )
    # ok: jwt-weak-validation -- authlib verifies on decode; validate() checks the claims
    claims.validate()
    return dict(claims)


def verify_authlib_lax(token: str, public_key: bytes) -> dict:
    """authlib variant for the reporting bridge."""
    jwt_any = JsonWebToken(["RS256"])
    # expect: jwt-weak-validation
    claims = jwt_any.decode(token, public_key)
    return dict(claims)
