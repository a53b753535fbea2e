"""## What it does

Detects cryptography that does not protect what it is used for: passwords
hashed with a fast hash (`hashlib.sha256(password)`, MD5, SHA-1...), MD5/SHA-1
used for tokens, signatures or key derivation, MD5 HMACs, ECB mode
(`AES.MODE_ECB`, `modes.ECB()`), broken ciphers (DES, 3DES, RC4, Blowfish, RC2,
IDEA, CAST5), RSA/DSA keys shorter than 2048 bits and EC curves under 224
bits, PBKDF2 with too few iterations, bcrypt with too few rounds,
hard-coded salts and IVs, and SSL 3 / TLS 1.0 / TLS 1.1 protocol versions.

## Why is this bad?
A fast hash lets whoever steals the user table test billions of password
guesses per second per GPU; salted SHA-256 does not change that. MD5 and SHA-1
collisions are practical, so signatures and tokens built on them can be
forged. ECB encrypts equal blocks to equal ciphertext (the "ECB penguin"),
DES/3DES/RC4/Blowfish are broken or have 64-bit blocks, 1024-bit RSA is within
reach of well-funded attackers, and a constant salt or IV turns a per-record
secret into a shared one.

## Example
```python
hashed = hashlib.sha256(password.encode()).hexdigest()
cipher = AES.new(key, AES.MODE_ECB)
key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
```

## Use instead
```python
hashed = argon2.PasswordHasher().hash(password)   # or bcrypt, or hashlib.scrypt
cipher = AES.new(key, AES.MODE_GCM)
key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
```

## What it does not flag
MD5/SHA-1 for cache keys, ETags, checksums, file fingerprints, Gravatar URLs,
deduplication or anything else that is not a security decision (and any hash
with `usedforsecurity=False`); SHA-256 of non-password data (API-key lookup
hashes, content addressing); `hashlib.scrypt`, `pbkdf2_hmac` with enough
iterations, bcrypt/argon2; HMAC-SHA1 (still sound as a MAC).

## Default set
`caveat check` with no flag reports the weak hashes whose digest is proven, by where it flows, to
be stored as a secret (set as a cookie, put in the session, written to a credential file); the
rest of the rule is in the strict profile, with new code and `--select CAV133`.

## Fix safety
Raising an RSA/DSA key size to 3072 and PBKDF2 iterations to 600,000 are
offered; the iteration fix is unsafe because hashes stored with the old count
no longer verify. Switching a token's MD5 to SHA-256 is unsafe (values
change). Password hashing and ECB have no mechanical fix: they need a new
storage format or an IV/nonce.

## References
- https://cwe.mitre.org/data/definitions/327.html
- https://cwe.mitre.org/data/definitions/328.html
- https://cwe.mitre.org/data/definitions/916.html
- https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html
"""
from __future__ import annotations

import ast

from caveat.analysis import taint
from caveat.analysis.flow import value_before
from caveat.engine.findings import Fix, Severity
from caveat.rules.base import Rule, RuleContext
from caveat.rules.fixkit import keyword
from caveat.rules.security._names import (bound_name, expr_name, is_password_name, names_in,
                                          security_destination, words, wrapping_expression)

FAST_HASHES = frozenset({"md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_224", "sha3_256",
                         "sha3_384", "sha3_512", "blake2b", "blake2s", "md4", "sha", "ripemd160"})
BROKEN_HASHES = frozenset({"md5", "sha1", "md4", "sha", "md2"})
CRYPTO_HASH_MODULES = ("Crypto.Hash.", "Cryptodome.Hash.")
WEAK_CIPHERS = {
    "DES": "DES", "DES3": "3DES", "ARC4": "RC4", "Blowfish": "Blowfish", "ARC2": "RC2", "CAST": "CAST5",
    "XOR": "XOR", "TripleDES": "3DES", "IDEA": "IDEA", "CAST5": "CAST5", "SEED": "SEED", "RC4": "RC4",
}
CIPHER_PREFIXES = ("Crypto.Cipher.", "Cryptodome.Cipher.", "cryptography.hazmat.primitives.ciphers.algorithms.",
                   "cryptography.hazmat.decrepit.ciphers.algorithms.")
SECURITY_WORDS = frozenset({
    "token", "tokens", "signature", "sig", "sign", "signed", "signing", "nonce", "otp", "session", "sid", "csrf",
    "xsrf", "auth", "authenticate", "authentication", "authorize", "apikey", "secret", "reset", "verification",
    "verify", "hmac", "mac", "password", "passwd", "pwd", "credential", "credentials", "encrypt", "encryption",
    "decrypt", "cipher", "aes", "derive", "kdf", "login", "invite", "activation", "magic", "unsubscribe",
    "webhook", "salt", "pin",
})
NON_SECURITY_WORDS = frozenset({
    "cache", "cached", "etag", "checksum", "checksums", "fingerprint", "dedup", "dedupe", "duplicate", "content",
    "file", "filename", "path", "chunk", "partition", "shard", "bucket", "gravatar", "avatar", "color", "colour",
    "md5sum", "integrity", "hash_file", "digest_file", "cachekey", "lock", "lockfile", "seed", "sample", "sampling",
    "ab", "experiment", "variant", "dataset", "row", "record", "memo", "memoize", "identicon", "s3", "upload",
    "download", "object", "blob",
})
OLD_PROTOCOLS = {
    "PROTOCOL_SSLv2": "SSL 2", "PROTOCOL_SSLv3": "SSL 3", "PROTOCOL_TLSv1": "TLS 1.0", "PROTOCOL_TLSv1_1": "TLS 1.1",
    "SSLv2_METHOD": "SSL 2", "SSLv3_METHOD": "SSL 3", "TLSv1_METHOD": "TLS 1.0", "TLSv1_1_METHOD": "TLS 1.1",
    "SSLv3": "SSL 3", "TLSv1": "TLS 1.0", "TLSv1_1": "TLS 1.1",
}
MIN_PBKDF2_ITERATIONS = 100_000
RECOMMENDED_ITERATIONS = "600_000"


def _hash_name(ctx: RuleContext, call: ast.Call) -> str | None:
    """'md5' for ``hashlib.md5(...)``, ``hashlib.new("md5", ...)``, ``MD5.new(...)``."""
    name = ctx.qualified_name(call.func) or ""
    if name.startswith("hashlib."):
        short = name[len("hashlib."):]
        if short == "new":
            first = call.args[0] if call.args else (keyword(call, "name").value if keyword(call, "name") else None)
            if isinstance(first, ast.Name):
                first = value_before(ctx, first) or first
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                return first.value.lower().replace("-", "")
            return None
        return short if short in FAST_HASHES else None
    if name.startswith(CRYPTO_HASH_MODULES) and name.endswith(".new"):
        short = name.split(".")[-2].lower()
        return {"sha": "sha1", "sha256": "sha256", "sha512": "sha512"}.get(short, short)
    return None


class WeakCrypto(Rule):
    code = "CAV133"
    name = "weak-crypto"
    category = "weak-crypto"
    cwe = 327
    severity = Severity.ERROR
    fixable = True
    supersedes = ("B303", "B304", "B305", "B324", "B505", "B502", "B503", "B504")
    # B504 flags every ssl.wrap_socket without an explicit version: the default negotiates
    # the best version, so it is noise; the old versions themselves are reported here.
    replaces = ("B303", "B324", "B504")
    claims = (taint.SECURITY_USE,)

    def check(self, ctx: RuleContext) -> None:
        for call in ctx.nodes(ast.Call):
            name = ctx.qualified_name(call.func)
            if name is None:
                if isinstance(call.func, ast.Attribute) and call.func.attr == "generate_key" and len(call.args) >= 2:
                    self._openssl_key(ctx, call)
                continue
            digest = _hash_name(ctx, call)
            if digest is not None:
                self._hash(ctx, call, digest)
                continue
            short = name.rsplit(".", 1)[-1]
            if name.startswith(CIPHER_PREFIXES):
                parts = name.split(".")
                cipher = parts[-2] if parts[-1] == "new" else parts[-1]
                if cipher in WEAK_CIPHERS:
                    self._weak_cipher(ctx, call, WEAK_CIPHERS[cipher])
                    continue
                if name.endswith(".new"):
                    self._pycryptodome_mode(ctx, call)
                continue
            if name in ("pyDes.des", "pyDes.triple_des"):
                self._weak_cipher(ctx, call, "DES" if short == "des" else "3DES")
            elif name in ("cryptography.hazmat.primitives.ciphers.modes.ECB",):
                self._ecb(ctx, call)
            elif name.startswith("cryptography.hazmat.primitives.ciphers.modes.") and short in ("CBC", "CFB", "OFB", "CTR", "GCM"):
                self._static_iv(ctx, call, call.args[0] if call.args else None)
            elif name in ("cryptography.hazmat.primitives.hashes.MD5", "cryptography.hazmat.primitives.hashes.SHA1"):
                self._cryptography_hash(ctx, call, short)
            elif name in ("hmac.new", "hmac.digest"):
                self._hmac(ctx, call)
            elif name == "hashlib.pbkdf2_hmac":
                self._pbkdf2(ctx, call, call.args[3] if len(call.args) >= 4 else _kw(call, "iterations"),
                             call.args[2] if len(call.args) >= 3 else _kw(call, "salt"))
            elif name.endswith("PBKDF2HMAC") and name.startswith("cryptography."):
                self._pbkdf2(ctx, call, _kw(call, "iterations") or (call.args[3] if len(call.args) >= 4 else None),
                             _kw(call, "salt") or (call.args[2] if len(call.args) >= 3 else None))
            elif name in ("Crypto.Protocol.KDF.PBKDF2", "Cryptodome.Protocol.KDF.PBKDF2"):
                count = _kw(call, "count") or (call.args[3] if len(call.args) >= 4 else None)
                self._pbkdf2(ctx, call, count if count is not None else ast.Constant(1000),
                             call.args[1] if len(call.args) >= 2 else _kw(call, "salt"))
            elif name == "hashlib.scrypt":
                self._static_salt(ctx, call, _kw(call, "salt"))
            elif name == "bcrypt.gensalt":
                rounds = _kw(call, "rounds") or (call.args[0] if call.args else None)
                if isinstance(rounds, ast.Constant) and isinstance(rounds.value, int) and rounds.value < 10:
                    ctx.report(self, call, f"`bcrypt.gensalt` with {rounds.value} rounds makes password hashes cheap "
                                           f"to brute-force; use the default (12) or more.", severity=Severity.WARNING)
            elif name == "bcrypt.hashpw" and len(call.args) >= 2 and isinstance(call.args[1], ast.Constant):
                ctx.report(self, call, "`bcrypt.hashpw` is given a hard-coded salt, so equal passwords get equal "
                                       "hashes; pass `bcrypt.gensalt()`.", severity=Severity.WARNING)
            else:
                self._key_size(ctx, call, name)
        for attribute in ctx.nodes(ast.Attribute):
            if attribute.attr in OLD_PROTOCOLS:
                self._old_protocol(ctx, attribute)
            elif attribute.attr == "MODE_ECB" and not isinstance(ctx.parent(attribute), ast.Compare):
                holder = ctx.parent(attribute)
                if isinstance(holder, ast.keyword):
                    holder = ctx.parent(holder)
                self._ecb(ctx, holder if isinstance(holder, ast.Call) else attribute)

    # --- hashes -----------------------------------------------------------------------
    def _hash(self, ctx: RuleContext, call: ast.Call, digest: str) -> None:
        used = keyword(call, "usedforsecurity")
        if used is not None and isinstance(used.value, ast.Constant) and used.value.value is False:
            return
        inputs = list(call.args[1:] if ctx.qualified_name(call.func) == "hashlib.new" else call.args)
        inputs.extend(self._updates(ctx, call))
        func = ctx.source(call.func)
        password = next((n for n in (expr_name(ctx, a) for a in inputs) if is_password_name(n)), None) \
            or next((n for a in inputs for n in names_in(ctx, a) if is_password_name(n)), None)
        outer = wrapping_expression(ctx, call)
        target, _how = bound_name(ctx, outer)
        function = ctx.enclosing_function(call)
        function_words = set(words(function.name)) if function else set()
        target_words = set(words(target))
        if password is None and ({"password", "passwd", "pwd"} & (target_words | function_words)) \
                and (target_words | function_words) & {"hash", "hashed", "digest", "set", "check", "verify", "encrypt",
                                                       "make", "create", "store", "save", "register", "signup"}:
            password = next((n for a in inputs for n in names_in(ctx, a)), None) or "the password"
        if password is not None:
            ctx.report(self, call, f"`{func}` hashes the password (`{password}`) with a fast hash: a stolen table can be "
                                   f"brute-forced at billions of guesses per second, salted or not. Use a slow, salted "
                                   f"password hash: argon2 (`argon2-cffi`), `bcrypt`, or `hashlib.scrypt`.",
                       claim=_stored_claim(ctx, call))
            return
        if digest not in BROKEN_HASHES:
            return
        input_words: set[str] = set()
        for arg in inputs:
            for n in names_in(ctx, arg):
                input_words.update(words(n))
        # The name the digest is bound to says most; then the function; then the inputs.
        context: set[str] = set()
        for candidate in (target_words, function_words, input_words):
            if candidate & NON_SECURITY_WORDS:
                return
            if candidate & SECURITY_WORDS:
                context = candidate
                break
        why = f"`{sorted(context & SECURITY_WORDS)[0]}`" if context else None
        if why is None:  # where the digest goes (``h.update(x); f.write(h.digest())``): a credential file...
            why = security_destination(ctx, call)
        if why is None:
            return
        ctx.report(self, call, f"`{func}` ({digest.upper()}) is used for a security value here ({why}): "
                               f"{digest.upper()} collisions are practical, so it cannot protect tokens or "
                               f"signatures. Use `hmac` with `hashlib.sha256`, or `secrets` for random tokens.",
                   severity=Severity.WARNING, claim=_stored_claim(ctx, call))

    @staticmethod
    def _updates(ctx: RuleContext, call: ast.Call) -> list[ast.AST]:
        """``h = hashlib.sha256(); h.update(password)``: the update arguments."""
        statement = ctx.parent(call)
        if not (isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name)):
            return []
        name = statement.targets[0].id
        function = ctx.enclosing_function(call) or ctx.tree
        found: list[ast.AST] = []
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update" \
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == name:
                found.extend(node.args)
        return found

    def _cryptography_hash(self, ctx: RuleContext, call: ast.Call, short: str) -> None:
        if short == "MD5":
            ctx.report(self, call, "`hashes.MD5()` is broken (practical collisions); use `hashes.SHA256()`.",
                       severity=Severity.WARNING)
            return
        for ancestor in ctx.ancestors(call):
            if isinstance(ancestor, ast.Call) and isinstance(ancestor.func, ast.Attribute) and ancestor.func.attr in ("sign", "verify"):
                ctx.report(self, call, f"signing with `hashes.SHA1()` ({ctx.source(ancestor.func)}): SHA-1 collisions "
                                       f"are practical, so signatures can be forged; use `hashes.SHA256()`.",
                           severity=Severity.WARNING)
                return
            if isinstance(ancestor, ast.stmt):
                return

    def _hmac(self, ctx: RuleContext, call: ast.Call) -> None:
        digestmod = _kw(call, "digestmod") or _kw(call, "digest") or (call.args[2] if len(call.args) >= 3 else None)
        if digestmod is None:
            return
        name = (ctx.qualified_name(digestmod) or "").rsplit(".", 1)[-1].lower()
        if isinstance(digestmod, ast.Constant) and isinstance(digestmod.value, str):
            name = digestmod.value.lower()
        if name in ("md5", "md4"):
            ctx.report(self, call, "this HMAC uses MD5; use `hashlib.sha256` as the digest.", severity=Severity.WARNING)

    # --- ciphers ------------------------------------------------------------------------
    def _weak_cipher(self, ctx: RuleContext, call: ast.Call, cipher: str) -> None:
        ctx.report(self, call, f"`{ctx.source(call.func)}` uses {cipher}, which is broken or has a 64-bit block "
                               f"(Sweet32); use AES-GCM (`cryptography`'s `AESGCM`) or ChaCha20-Poly1305.")

    def _pycryptodome_mode(self, ctx: RuleContext, call: ast.Call) -> None:
        mode = _kw(call, "mode") or (call.args[1] if len(call.args) >= 2 else None)
        if isinstance(mode, ast.Attribute) and mode.attr == "MODE_ECB":
            return  # reported where MODE_ECB is read
        iv = _kw(call, "iv") or _kw(call, "nonce") or (call.args[2] if len(call.args) >= 3 else None)
        self._static_iv(ctx, call, iv)

    def _ecb(self, ctx: RuleContext, node: ast.AST) -> None:
        ctx.report(self, node, "ECB mode encrypts equal blocks to equal ciphertext, so patterns in the data show "
                               "through and blocks can be swapped; use an authenticated mode (AES-GCM) with a random "
                               "nonce.")

    def _static_iv(self, ctx: RuleContext, call: ast.Call, iv: ast.AST | None) -> None:
        if isinstance(iv, ast.Name):
            iv = value_before(ctx, iv) or iv
        if _constant_bytes(iv):
            ctx.report(self, call, "the IV/nonce is a constant: the same plaintext always encrypts the same way (and a "
                                   "reused GCM/CTR nonce leaks the key stream); generate one per message with "
                                   "`os.urandom(16)` and store it with the ciphertext.", severity=Severity.WARNING)

    def _old_protocol(self, ctx: RuleContext, attribute: ast.Attribute) -> None:
        name = ctx.qualified_name(attribute) or ""
        if not name.startswith(("ssl.", "OpenSSL.SSL.")):
            return
        holder: ast.AST | None = None
        for ancestor in ctx.ancestors(attribute):
            if isinstance(ancestor, (ast.Compare, ast.Dict, ast.Set, ast.List, ast.Tuple)):
                return  # comparisons and version tables (compatibility shims) use the constant, not the protocol
            if isinstance(ancestor, ast.Call):
                holder = ancestor
                break
            if isinstance(ancestor, (ast.Assign, ast.AnnAssign)):
                targets = ancestor.targets if isinstance(ancestor, ast.Assign) else [ancestor.target]
                if any(word in (ctx.dotted_name(t) or "").lower() for t in targets
                       for word in ("version", "protocol", "method")):
                    holder = ancestor
                break
            if isinstance(ancestor, ast.stmt):
                break
        if holder is None:
            return
        ctx.report(self, holder, f"`{ctx.source(attribute)}` is {OLD_PROTOCOLS[attribute.attr]}, which has known "
                                 f"attacks (POODLE, BEAST) and is refused by current servers; use "
                                 f"`ssl.create_default_context()` (TLS 1.2+) or `ssl.PROTOCOL_TLS_CLIENT`.")

    # --- key derivation -----------------------------------------------------------------
    def _pbkdf2(self, ctx: RuleContext, call: ast.Call, iterations: ast.AST | None, salt: ast.AST | None) -> None:
        if isinstance(iterations, ast.Name):
            iterations = value_before(ctx, iterations) or iterations
        if isinstance(iterations, ast.Constant) and isinstance(iterations.value, int) \
                and iterations.value < MIN_PBKDF2_ITERATIONS:
            fix = None
            if getattr(iterations, "lineno", None) is not None and ctx.parent(iterations) is not None:
                fix = Fix(f"Use {RECOMMENDED_ITERATIONS} iterations (OWASP)",
                          (ctx.replace(iterations, RECOMMENDED_ITERATIONS),), safe=False)
            ctx.report(self, call, f"PBKDF2 with {iterations.value:,} iterations is cheap to brute-force on a GPU; "
                                   f"OWASP recommends 600,000 for PBKDF2-HMAC-SHA256 (or use argon2/scrypt).",
                       fix=fix, severity=Severity.WARNING)
            return
        self._static_salt(ctx, call, salt)

    def _static_salt(self, ctx: RuleContext, call: ast.Call, salt: ast.AST | None) -> None:
        if isinstance(salt, ast.Name):
            salt = value_before(ctx, salt) or salt
        if _constant_bytes(salt):
            ctx.report(self, call, "the salt is a constant, so equal passwords hash alike and one precomputed table "
                                   "cracks every account; generate a random salt per password (`os.urandom(16)`) "
                                   "and store it next to the hash.", severity=Severity.WARNING)

    # --- key sizes -----------------------------------------------------------------------
    def _key_size(self, ctx: RuleContext, call: ast.Call, name: str) -> None:
        size: ast.AST | None = None
        if name in ("cryptography.hazmat.primitives.asymmetric.rsa.generate_private_key",):
            size = _kw(call, "key_size") or (call.args[1] if len(call.args) >= 2 else None)
        elif name in ("cryptography.hazmat.primitives.asymmetric.dsa.generate_private_key",):
            size = _kw(call, "key_size") or (call.args[0] if call.args else None)
        elif name in ("Crypto.PublicKey.RSA.generate", "Cryptodome.PublicKey.RSA.generate",
                      "Crypto.PublicKey.DSA.generate", "Cryptodome.PublicKey.DSA.generate", "rsa.newkeys",
                      "paramiko.RSAKey.generate", "paramiko.DSSKey.generate", "paramiko.rsakey.RSAKey.generate"):
            size = _kw(call, "bits") or _kw(call, "nbits") or (call.args[0] if call.args else None)
        elif name.startswith("cryptography.hazmat.primitives.asymmetric.ec.") and name.rsplit(".", 1)[-1] in (
                "SECP192R1", "SECT163K1", "SECT163R2"):
            ctx.report(self, call, f"`{ctx.source(call.func)}` is a curve under 224 bits; use `ec.SECP256R1()` or "
                                   f"Ed25519.")
            return
        self._report_size(ctx, call, size)

    def _openssl_key(self, ctx: RuleContext, call: ast.Call) -> None:
        kind = ctx.qualified_name(call.args[0]) or ""
        if kind.endswith(("TYPE_RSA", "TYPE_DSA")):
            self._report_size(ctx, call, call.args[1])

    def _report_size(self, ctx: RuleContext, call: ast.Call, size: ast.AST | None) -> None:
        if not (isinstance(size, ast.Constant) and isinstance(size.value, int) and 0 < size.value < 2048):
            return
        ctx.report(self, call, f"a {size.value}-bit key is too short (factoring/discrete logs of this size are within "
                               f"reach); use at least 2048 bits, 3072 for keys that must last.",
                   fix=Fix("Use a 3072-bit key", (ctx.replace(size, "3072"),), safe=True))


def _stored_claim(ctx: RuleContext, call: ast.Call) -> str:
    """``taint.SECURITY_USE`` when the digest is proven, by where it flows, to be kept as a secret
    (a cookie, the session, a credential file), not only named like one."""
    return taint.SECURITY_USE if security_destination(ctx, call, named=False) else ""


def _kw(call: ast.Call, name: str) -> ast.AST | None:
    found = keyword(call, name)
    return found.value if found is not None else None


def _constant_bytes(node: ast.AST | None) -> bool:
    """A literal (``b"0000"``, ``"static"``) or a literal repeated (``b"\\x00" * 16``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (bytes, str)) and node.value:
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return any(isinstance(side, ast.Constant) and isinstance(side.value, (bytes, str)) for side in (node.left, node.right))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "encode" \
            and isinstance(node.func.value, ast.Constant):
        return True
    return False
