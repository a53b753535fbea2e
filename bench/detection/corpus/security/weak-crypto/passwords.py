"""Password hashing and token signing helpers for the accounts service."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

import bcrypt
from argon2 import PasswordHasher

_argon = PasswordHasher()


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    # expect: weak-crypto
    return hashlib.md5(password.encode("utf-8")).hexdigest()


def hash_password_salted(password: str, salt: bytes | None = None) -> str:
    """Salted SHA-256 -- better than MD5, still a fast hash for passwords."""
    salt = salt or os.urandom(16)
    # expect: weak-crypto
    digest = hashlib.sha256(salt + password.encode("utf-8")).hexdigest()
    return f"{salt.hex()}${digest}"


def hash_password_pbkdf2(password: str) -> str:
    """PBKDF2-HMAC-SHA256 with a per-user salt and OWASP's iteration count."""
    salt = os.urandom(16)
    # ok: weak-crypto -- slow KDF with 600k iterations
    key = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000)
    return base64.b64encode(salt + key).decode()


def hash_password_bcrypt(password: str) -> bytes:
    # ok: weak-crypto -- bcrypt
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=12))


def hash_password_argon2(password: str) -> str:
    # ok: weak-crypto -- argon2id
    return _argon.hash(password)


def legacy_check(password: str, stored: str) -> bool:
    """Accounts migrated from the PHP site store unsalted SHA-1 hashes."""
    # expect: weak-crypto
    candidate = hashlib.sha1(password.encode()).hexdigest()
    return hmac.compare_digest(candidate, stored)


def sign_reset_link(user_id: int, secret: bytes) -> str:
    """Signature appended to password-reset links."""
    msg = str(user_id).encode()
    # expect: weak-crypto
    return hmac.new(secret, msg, hashlib.md5).hexdigest()


def sign_reset_link_v2(user_id: int, secret: bytes) -> str:
    msg = str(user_id).encode()
    # ok: weak-crypto -- HMAC-SHA256
    return hmac.new(secret, msg, hashlib.sha256).hexdigest()


def gravatar_url(email: str) -> str:
    """Gravatar identifies avatars by the MD5 of the lower-cased e-mail address."""
    # ok: weak-crypto -- MD5 required by the Gravatar API, no security property needed
    digest = hashlib.md5(email.strip().lower().encode(), usedforsecurity=False).hexdigest()
    return f"https://www.gravatar.com/avatar/{digest}?d=identicon"


def etag_for(body: bytes) -> str:
    """Weak ETag for HTTP caching of rendered pages."""
    # ok: weak-crypto -- cache validator, not a security control
    return 'W/"' + hashlib.sha1(body).hexdigest() + '"'


def signed_download_path(path: str, expires: int, secret: str) -> str:
    """Signature query parameter for time-limited download links (nginx secure_link style)."""
    # expect: weak-crypto @dl
    algo = "md5"
    # expect: weak-crypto @dl
    token = hashlib.new(algo, f"{expires}{path} {secret}".encode()).hexdigest()
    return f"{path}?md5={token}&expires={expires}"
