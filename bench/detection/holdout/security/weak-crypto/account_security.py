"""Account security helpers: password storage, API keys, reset codes, data-at-rest encryption.

Shared by the web app and the ``accounts`` worker.  The legacy functions are still called
for users who have not logged in since the 2019 migration.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import random
import secrets
import ssl
import string
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import bcrypt
from Crypto.Cipher import AES
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

API_KEY_ALPHABET = string.ascii_letters + string.digits
RESET_TTL = timedelta(minutes=30)
# ok: hardcoded-secret -- the key comes from the KMS-backed environment
DATA_KEY = bytes.fromhex(os.environ["ACCOUNT_DATA_KEY_HEX"])
# expect: hardcoded-secret -- key for the legacy export format, committed with the code
LEGACY_EXPORT_KEY = b"f3a9c21e7b4d8065"


@dataclass
class ResetCode:
    user_id: int
    code: str
    expires_at: datetime


# --------------------------------------------------------------------------- passwords
def hash_password(password: str) -> bytes:
    # ok: weak-crypto -- bcrypt with an explicit cost
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=12))


def check_password(password: str, stored: bytes) -> bool:
    if stored.startswith(b"$2"):
        return bcrypt.checkpw(password.encode(), stored)
    return check_legacy_password(password, stored.decode())


def check_legacy_password(password: str, stored: str) -> bool:
    """2016-2019 accounts: ``md5$<hex>`` or ``sha1$<salt>$<hex>``."""
    scheme, _, rest = stored.partition("$")
    if scheme == "md5":
        # expect: weak-crypto -- unsalted MD5 password hash
        candidate = hashlib.md5(password.encode()).hexdigest()
        return hmac.compare_digest(candidate, rest)
    salt, _, digest = rest.partition("$")
    # expect: weak-crypto
    candidate = hashlib.sha1((salt + password).encode()).hexdigest()
    return hmac.compare_digest(candidate, digest)


def derive_export_key(passphrase: str, salt: bytes) -> bytes:
    # expect: weak-crypto -- 1,000 PBKDF2 iterations is far below any current guidance
    return hashlib.pbkdf2_hmac("sha256", passphrase.encode(), salt, 1000)


def derive_backup_key(passphrase: str, salt: bytes) -> bytes:
    # ok: weak-crypto
    return hashlib.pbkdf2_hmac("sha256", passphrase.encode(), salt, 600_000)


# --------------------------------------------------------------------------- tokens & codes
def new_api_key() -> str:
    # expect: insecure-random -- Mersenne Twister output is predictable
    body = "".join(random.choice(API_KEY_ALPHABET) for _ in range(40))
    return f"atl_{body}"


def new_api_key_v2() -> str:
    # ok: insecure-random
    return "atl2_" + secrets.token_urlsafe(30)


def api_key_fingerprint(api_key: str) -> str:
    # ok: weak-crypto -- SHA-256 of a high-entropy key, used as the lookup id
    return hashlib.sha256(api_key.encode()).hexdigest()[:16]


def new_reset_code(user_id: int) -> ResetCode:
    # expect: insecure-random
    code = "".join(random.choices(string.digits, k=6))
    return ResetCode(user_id, code, datetime.now(timezone.utc) + RESET_TTL)


def new_email_verification_code(user_id: int) -> ResetCode:
    # ok: insecure-random
    code = f"{secrets.randbelow(1_000_000):06d}"
    return ResetCode(user_id, code, datetime.now(timezone.utc) + RESET_TTL)


def avatar_url(email: str) -> str:
    # ok: weak-crypto -- Gravatar addresses images by MD5 of the e-mail; nothing secret
    digest = hashlib.md5(email.strip().lower().encode(), usedforsecurity=False).hexdigest()
    return f"https://www.gravatar.com/avatar/{digest}?d=identicon"


def sign_unsubscribe_link(user_id: int) -> str:
    secret = os.environ["UNSUBSCRIBE_SECRET"].encode()
    # ok: weak-crypto
    mac = hmac.new(secret, str(user_id).encode(), hashlib.sha256).hexdigest()
    return f"/unsubscribe/{user_id}/{mac}"


# --------------------------------------------------------------------------- data at rest
def encrypt_field(plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(12)
    # ok: weak-crypto -- AES-GCM with a random nonce
    return nonce + AESGCM(DATA_KEY).encrypt(nonce, plaintext, aad)


def decrypt_field(blob: bytes, aad: bytes) -> bytes:
    return AESGCM(DATA_KEY).decrypt(blob[:12], blob[12:], aad)


def encrypt_legacy_export(data: bytes) -> bytes:
    pad = 16 - len(data) % 16
    # expect: weak-crypto -- ECB leaks patterns across blocks
    cipher = AES.new(LEGACY_EXPORT_KEY, AES.MODE_ECB)
    return cipher.encrypt(data + bytes([pad]) * pad)


def new_signing_keypair(legacy_partner: bool = False):
    if legacy_partner:
        # expect: weak-crypto
        return rsa.generate_private_key(public_exponent=65537, key_size=1024)
    # ok: weak-crypto
    return rsa.generate_private_key(public_exponent=65537, key_size=3072)


def partner_tls_context(legacy: bool) -> ssl.SSLContext:
    if legacy:
        # expect: weak-crypto -- TLS 1.0 only
        return ssl.SSLContext(ssl.PROTOCOL_TLSv1)
    ctx = ssl.create_default_context()
    # ok: weak-crypto
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def session_id() -> str:
    # expect: insecure-random -- session ids from random.getrandbits
    return "%032x" % random.getrandbits(128)


def retry_delay(attempt: int) -> float:
    # ok: insecure-random -- jitter for retries, not a secret
    return min(30.0, 2 ** attempt) + random.uniform(0, 0.5)
