"""Encryption helpers for exported reports and the legacy partner SFTP drop."""

from __future__ import annotations

import os
import ssl

from Crypto.Cipher import AES as PyAES
from Crypto.Cipher import DES3
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def encrypt_report(key: bytes, plaintext: bytes) -> bytes:
    """Encrypt an exported report with AES-256."""
    padder = padding.PKCS7(128).padder()
    data = padder.update(plaintext) + padder.finalize()
    # expect: weak-crypto
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def encrypt_report_gcm(key: bytes, plaintext: bytes, associated: bytes = b"") -> bytes:
    """Authenticated encryption with AES-GCM and a random 96-bit nonce."""
    nonce = os.urandom(12)
    # ok: weak-crypto -- AES-GCM
    return nonce + AESGCM(key).encrypt(nonce, plaintext, associated)


def encrypt_report_cbc(key: bytes, plaintext: bytes) -> bytes:
    """AES-CBC with a random IV (plus an HMAC added by the caller)."""
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    data = padder.update(plaintext) + padder.finalize()
    # ok: weak-crypto -- CBC with random IV
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return iv + encryptor.update(data) + encryptor.finalize()


def partner_encrypt(key: bytes, data: bytes) -> bytes:
    """The partner's mainframe only speaks Triple-DES."""
    # expect: weak-crypto
    cipher = DES3.new(key, DES3.MODE_CBC, iv=os.urandom(8))
    return cipher.iv + cipher.encrypt(data.ljust((len(data) + 7) // 8 * 8, b"\0"))


def partner_encrypt_aes(key: bytes, data: bytes) -> bytes:
    """PyCryptodome AES in EAX mode for the new partner endpoint."""
    # ok: weak-crypto -- AES-EAX
    cipher = PyAES.new(key, PyAES.MODE_EAX)
    ciphertext, tag = cipher.encrypt_and_digest(data)
    return cipher.nonce + tag + ciphertext


def obfuscate_token(key: bytes, token: bytes) -> bytes:
    """Quick stream cipher used to hide tokens in URLs."""
    # expect: weak-crypto
    encryptor = Cipher(algorithms.ARC4(key), mode=None).encryptor()
    return encryptor.update(token)


def generate_signing_key() -> rsa.RSAPrivateKey:
    """Key pair for signing exported files."""
    # expect: weak-crypto
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)


def generate_signing_key_strong() -> rsa.RSAPrivateKey:
    # ok: weak-crypto -- 3072-bit RSA
    return rsa.generate_private_key(public_exponent=65537, key_size=3072)


def file_digest(path: str) -> str:
    """SHA-256 of a file, printed in the export manifest."""
    h = hashes.Hash(hashes.SHA256())
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    # ok: weak-crypto -- SHA-256 integrity checksum
    return h.finalize().hex()


def legacy_sftp_context() -> ssl.SSLContext:
    """TLS context for the partner's old FTPS gateway."""
    # expect: weak-crypto
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLSv1)
    ctx.load_default_certs()
    return ctx


def modern_context() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    # ok: weak-crypto -- TLS 1.2 minimum on a default (verifying) context
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx
