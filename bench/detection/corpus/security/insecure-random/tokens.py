"""Token and code generation for sign-up, password reset and 2FA."""

from __future__ import annotations

import random
import secrets
import string
import uuid
from datetime import datetime, timedelta, timezone

ALPHABET = string.ascii_letters + string.digits


def generate_reset_token(length: int = 32) -> str:
    """Token embedded in password-reset e-mails."""
    # expect: insecure-random
    return "".join(random.choice(ALPHABET) for _ in range(length))


def generate_reset_token_secure(length: int = 32) -> str:
    # ok: insecure-random -- secrets module
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def generate_otp() -> str:
    """Six-digit one-time code sent by SMS."""
    # expect: insecure-random
    return f"{random.randint(0, 999_999):06d}"


def generate_otp_secure() -> str:
    # ok: insecure-random -- secrets.randbelow
    return f"{secrets.randbelow(1_000_000):06d}"


def generate_api_key(prefix: str = "key") -> str:
    """Long-lived API key shown once to the user."""
    # expect: insecure-random
    body = "".join(random.choices(ALPHABET, k=40))
    return f"{prefix}_{body}"


def generate_session_id() -> str:
    """Opaque session identifier stored in the cookie."""
    # expect: insecure-random
    return uuid.uuid1().hex


def generate_invite_code() -> str:
    # ok: insecure-random -- uuid4 is drawn from os.urandom
    return uuid.uuid4().hex[:12]


class ReferralCodes:
    """Referral codes double as one-time sign-up bonuses, so they must not be guessable."""

    def __init__(self, seed: int | None = None) -> None:
        # expect: insecure-random
        self._rng = random.Random(seed)

    def new_code(self) -> str:
        return "".join(self._rng.choice(string.ascii_uppercase) for _ in range(8))


class CsrfTokens:
    """CSRF tokens for the legacy form pages."""

    def __init__(self) -> None:
        # ok: insecure-random -- SystemRandom uses os.urandom
        self._rng = random.SystemRandom()

    def new(self) -> str:
        return "".join(self._rng.choice(ALPHABET) for _ in range(32))


def email_verification_expiry() -> datetime:
    """Verification links expire after 24h, with up to 10 minutes of jitter to spread load."""
    # ok: insecure-random -- jitter, not a secret
    jitter = timedelta(seconds=random.uniform(0, 600))
    return datetime.now(timezone.utc) + timedelta(hours=24) + jitter


def temporary_password() -> str:
    """Temporary password for accounts created by support staff."""
    chars = list(ALPHABET + "!@#$%")
    # expect: insecure-random
    random.shuffle(chars)
    return "".join(chars[:14])
