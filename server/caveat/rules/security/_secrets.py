"""What a credential looks like: provider key formats, placeholders, entropy.

Kept apart from the rule so the rule module reads as policy (where a literal
is bound, what to say, what to fix) and this one as data.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Provider:
    label: str  # "a GitHub token"
    env: str  # the conventional environment variable
    pattern: re.Pattern[str]
    body_from: int = 0  # where the random part of the match starts (for fake checks)
    severity_info: bool = False  # test-mode keys: report at info level


def _p(label: str, env: str, regex: str, body_from: int = 0, info: bool = False) -> Provider:
    return Provider(label, env, re.compile(regex), body_from, info)


PROVIDERS: tuple[Provider, ...] = (
    _p("an AWS access key id", "AWS_ACCESS_KEY_ID",
       r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}(?![A-Za-z0-9])", 4),
    _p("a GitHub token", "GITHUB_TOKEN", r"(?<![A-Za-z0-9])gh[pousr]_[A-Za-z0-9]{36,255}(?![A-Za-z0-9])", 4),
    _p("a GitHub token", "GITHUB_TOKEN", r"(?<![A-Za-z0-9])github_pat_[A-Za-z0-9_]{40,255}", 11),
    _p("a GitLab token", "GITLAB_TOKEN", r"(?<![A-Za-z0-9])glpat-[A-Za-z0-9_\-]{20,}", 6),
    _p("a Slack token", "SLACK_TOKEN", r"(?<![A-Za-z0-9])xox[abposre]-[A-Za-z0-9\-]{10,}", 5),
    _p("a Slack webhook URL", "SLACK_WEBHOOK_URL",
       r"https://hooks\.slack\.com/services/T[A-Za-z0-9]{6,}/B[A-Za-z0-9]{6,}/[A-Za-z0-9]{16,}", 33),
    _p("a Stripe live key", "STRIPE_SECRET_KEY", r"(?<![A-Za-z0-9])(?:sk|rk)_live_[A-Za-z0-9]{16,}", 8),
    _p("a Stripe test key", "STRIPE_SECRET_KEY", r"(?<![A-Za-z0-9])(?:sk|rk)_test_[A-Za-z0-9]{16,}", 8, info=True),
    _p("an Anthropic API key", "ANTHROPIC_API_KEY", r"(?<![A-Za-z0-9])sk-ant-[A-Za-z0-9_\-]{20,}", 7),
    _p("an OpenAI API key", "OPENAI_API_KEY",
       r"(?<![A-Za-z0-9\-])sk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_\-]{20,}", 3),
    _p("a Google API key", "GOOGLE_API_KEY", r"(?<![A-Za-z0-9])AIza[0-9A-Za-z_\-]{35}", 4),
    _p("a SendGrid API key", "SENDGRID_API_KEY", r"(?<![A-Za-z0-9])SG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}", 3),
    _p("a Twilio API key", "TWILIO_API_KEY", r"(?<![A-Za-z0-9])SK[0-9a-fA-F]{32}(?![A-Za-z0-9])", 2),
    _p("a Hugging Face token", "HF_TOKEN", r"(?<![A-Za-z0-9])hf_[A-Za-z0-9]{30,}(?![A-Za-z0-9])", 3),
    _p("an npm token", "NPM_TOKEN", r"(?<![A-Za-z0-9])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])", 4),
    _p("a PyPI token", "PYPI_TOKEN", r"(?<![A-Za-z0-9])pypi-AgE[A-Za-z0-9_\-]{50,}", 8),
    _p("a Groq API key", "GROQ_API_KEY", r"(?<![A-Za-z0-9])gsk_[A-Za-z0-9]{40,}", 4),
    _p("an xAI API key", "XAI_API_KEY", r"(?<![A-Za-z0-9])xai-[A-Za-z0-9]{40,}", 4),
    _p("a Replicate token", "REPLICATE_API_TOKEN", r"(?<![A-Za-z0-9])r8_[A-Za-z0-9]{37}(?![A-Za-z0-9])", 3),
    _p("a Mailgun API key", "MAILGUN_API_KEY", r"(?<![A-Za-z0-9])key-[0-9a-f]{32}(?![A-Za-z0-9])", 4),
    _p("a DigitalOcean token", "DIGITALOCEAN_TOKEN", r"(?<![A-Za-z0-9])do[opr]_v1_[a-f0-9]{64}", 7),
    _p("a Shopify token", "SHOPIFY_ACCESS_TOKEN", r"(?<![A-Za-z0-9])shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}", 6),
    _p("a Square token", "SQUARE_ACCESS_TOKEN", r"(?<![A-Za-z0-9])sq0(?:atp|csp)-[A-Za-z0-9_\-]{22,}", 7),
    _p("a Telegram bot token", "TELEGRAM_BOT_TOKEN", r"(?<![A-Za-z0-9])\d{8,10}:AA[A-Za-z0-9_\-]{33}(?![A-Za-z0-9])", 0),
    _p("a private key", "PRIVATE_KEY",
       r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----\s*(?:[A-Za-z\-]+:[^\n]*\n\s*)*[A-Za-z0-9+/=\s]{40,}", 0),
    _p("a JSON Web Token", "JWT_TOKEN",
       r"(?<![A-Za-z0-9])eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{16,}", 0),
)

# A cheap gate before the regexes: every provider format contains one of these.
_GATE = re.compile(r"AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|gh[pousr]_|github_pat_|glpat-|xox|hooks\.slack|"
                   r"_live_|_test_|sk-|AIza|SG\.|SK[0-9a-fA-F]|hf_|npm_|pypi-|gsk_|xai-|r8_|key-|_v1_|shp|sq0|:AA|"
                   r"PRIVATE KEY|eyJ")

# libpq / ODBC / ADO connection strings: "host=db user=app password=...", "Server=...;Pwd=...;"
CONNECTION_PASSWORD = re.compile(r"(?:^|[\s;])(?:password|passwd|pwd)\s*=\s*['\"]?([^\s;'\"]+)", re.IGNORECASE)
CONNECTION_KEYS = re.compile(r"(?:^|[\s;])(?:host|hostname|server|user|username|uid|user id|dbname|database|port|"
                             r"data source|initial catalog|driver|sslmode)\s*=", re.IGNORECASE)
CREDENTIAL_URL = re.compile(r"(?<![A-Za-z0-9+.\-])[a-zA-Z][a-zA-Z0-9+.\-]*://([^\s:/@?#]*):([^\s/@]+)@[^\s/@]+")


def provider_match(text: str) -> tuple[Provider, str] | None:
    """The first provider-format key in ``text`` that does not look fake."""
    if len(text) < 20 or not _GATE.search(text):
        return None
    for provider in PROVIDERS:
        for match in provider.pattern.finditer(text):
            key = match.group(0)
            body = key[provider.body_from:]
            if provider.env == "PRIVATE_KEY":
                # Key material is base64 of DER: long runs of "A" are zero bytes, not a fake.
                fake = any(w in key.lower() for w in ("example", "placeholder", "redacted", "...", "your", "xxxx"))
            else:
                fake = looks_fake(body)
            if not fake and not looks_fake_in_context(text, match):
                return provider, key
    return None


def looks_fake_in_context(text: str, match: re.Match[str]) -> bool:
    around = text[max(0, match.start() - 12): match.end() + 12].lower()
    return any(word in around for word in ("example", "placeholder", "redacted", "your_", "your-", "<your"))


_FAKE_SUBSTRINGS = ("example", "placeholder", "redacted", "xxxx", "your", "dummy", "fake", "changeme",
                    "change_me", "replace", "insert", "sample", "0000000", "1234567", "abcdefg", "abc123",
                    "notreal", "invalid", "aaaaaa", "****", "....")


def looks_fake(body: str) -> bool:
    """Obviously invented key material: placeholder words, runs, repeats, low entropy."""
    lowered = body.lower()
    if any(word in lowered for word in _FAKE_SUBSTRINGS):
        return True
    core = re.sub(r"[^A-Za-z0-9]", "", body)
    if len(core) < 8:
        return True
    if len(set(core)) <= 3:
        return True
    return entropy(core) < 3.0


def entropy(text: str) -> float:
    if not text:
        return 0.0
    counts: dict[str, int] = {}
    for char in text:
        counts[char] = counts.get(char, 0) + 1
    total = len(text)
    return -sum(c / total * math.log2(c / total) for c in counts.values())


_PLACEHOLDER_WORDS = frozenset({
    "your", "yours", "here", "changeme", "change", "replace", "replaceme", "placeholder", "example",
    "examples", "sample", "dummy", "fake", "todo", "fixme", "tbd", "redacted", "insert", "enter",
    "mock", "mocked", "test", "testing", "tests", "foo", "bar", "baz", "none", "null", "nil",
    "undefined", "notset", "unset", "empty", "xxx", "xxxx", "xxxxx", "dev", "development", "local",
    "localdev", "fixture", "stub", "secretkey", "notsecret", "nosecret", "unused", "default",
})
_PLACEHOLDER_SUBSTRINGS = ("changeme", "change_me", "change-me", "placeholder", "example", "redacted",
                           "your_", "your-", "yourkey", "yoursecret", "yourtoken", "yourpassword", "xxxx",
                           "replace_with", "replace-with", "replace_me", "replace-me", "dummy", "not-a-real",
                           "not_a_real", "notarealkey", "fake")
_TEMPLATE = re.compile(r"\$\{|\$[A-Z_]{2,}|\{\{|\{[a-z_0-9]*\}|%\(|%s|^<.*>$|^\[.*\]$|^\*+$|^\.{3,}$|^env:|^vault:|^ssm:|^arn:")
_HASHED = re.compile(r"^\$(?:2[abxy]?|argon2(?:id|i|d)?|scrypt|pbkdf2[-_a-z0-9]*|[156])\$|^pbkdf2[_:]|^(?:sha256|sha512|md5|bcrypt|argon2)[$:]")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_IDENT = re.compile(r"^[a-z][a-z0-9]*(?:[_.\-][a-z0-9]+)*$|^[a-z]+(?:[A-Z][a-z0-9]+)+$")
_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+")


def is_placeholder(value: str) -> bool:
    """"changeme", "<token>", "${VAR}", "your-api-key-here", "xxx", all-same-char, masks."""
    stripped = value.strip()
    if len(stripped) < 4 or len(set(stripped)) <= 2:
        return True
    lowered = stripped.lower()
    if _TEMPLATE.search(stripped):
        return True
    if any(s in lowered for s in _PLACEHOLDER_SUBSTRINGS):
        return True
    parts = [p for p in _WORD_SPLIT.split(lowered) if p]
    return any(p in _PLACEHOLDER_WORDS for p in parts)


def not_a_secret_value(value: str, secret_words: frozenset[str]) -> bool:
    """Values that are something else than a credential even under a secret name:
    URLs without credentials, paths, password hashes, UUIDs, env var names,
    form-field names, prose."""
    stripped = value.strip()
    lowered = stripped.lower()
    if "://" in stripped:
        return CREDENTIAL_URL.search(stripped) is None
    if stripped.startswith(("/", "./", "../", "~/", "\\")) or re.match(r"^[A-Za-z]:\\", stripped):
        return True
    if re.match(r"^[\w\-]+(?:/[\w\-.]+)+\.[a-z]{2,4}$", stripped):
        return True
    if _HASHED.search(stripped):
        return True
    if _UUID.match(stripped):
        return False  # a UUID bound to a secret name is an API key
    if _ENV_NAME.match(stripped) or _ENV_WORD.match(stripped) and not any(c.isdigit() for c in stripped):
        return True  # an environment variable's name: "DB_PASSWORD", libpq's "PGPASSWORD"
    if _IDENT.match(stripped) and set(re.split(r"[_.\-]|(?<=[a-z])(?=[A-Z])", lowered)) & secret_words:
        return True  # "new_password", "api-key": a field or header name
    if " " in stripped:
        first, _, rest = stripped.partition(" ")
        if first.lower() in ("bearer", "basic", "token", "apikey") and " " not in rest.strip():
            return False
        return True
    if stripped.lower() in secret_words or lowered in ("password", "secret", "token", "apikey", "api_key", "passwd"):
        return True
    if re.match(r"^[\w.+\-]+@[\w\-]+\.[\w.\-]+$", stripped):
        return True  # an e-mail address
    return False


_STORE_SEGMENT = re.compile(r"^(?:[a-z][a-z_\-.]*|v?\d{1,3}|\{[a-z_]*\}|)$")
_ENV_WORD = re.compile(r"^[A-Z][A-Z0-9]*(?:PASSWORD|PASSWD|PWD|SECRET|TOKEN|KEY|PASS)[A-Z0-9]*$")


def is_store_key(value: str) -> bool:
    """``"portal:health:v2:cert-status"``, ``"billing:invoice:"``: a namespaced key (of a cache, Redis,
    a session) made of words, version numbers and placeholders between colons: where a value is
    stored, not key material."""
    segments = value.strip().split(":")
    return len(segments) >= 2 and bool(segments[0]) and all(_STORE_SEGMENT.match(s) for s in segments)


def is_identifier(value: str) -> bool:
    """``changed_on_delta_humanized``, ``softwareupdate_check_overlay``: a name made of words
    (a field, a dictionary or settings key), not generated key material."""
    return _IDENT.match(value.strip()) is not None and not any(c.isdigit() for c in value)


_LOCAL_HOST = re.compile(r"^(?:localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|\[?::1\]?|10(?:\.\d{1,3}){3}|"
                         r"192\.168(?:\.\d{1,3}){2}|172\.(?:1[6-9]|2\d|3[01])(?:\.\d{1,3}){2}|"
                         r"(?:[\w-]+\.)*example\.(?:com|org|net)|[\w-]+\.(?:local|localhost|test|example|invalid))$",
                         re.IGNORECASE)


def local_host_url(url: str) -> bool:
    """A credential URL for a server on this machine, a private network or an example domain
    (``taosws://root:taosdata@127.0.0.1:6041``): a documented default or a local example, not
    a credential for a deployed service."""
    match = CREDENTIAL_URL.search(url)
    if match is None:
        return False
    host = match.group(0).rsplit("@", 1)[1].split("/", 1)[0]
    host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host.split("]:", 1)[0].strip("[]")
    return _LOCAL_HOST.match(host) is not None


def credential_shaped(value: str) -> bool:
    """Random-looking enough to be a generated key or token."""
    core = re.sub(r"[^A-Za-z0-9]", "", value)
    if len(value) < 12 or len(core) < 10:
        return False
    has_digit = any(c.isdigit() for c in core)
    has_alpha = any(c.isalpha() for c in core)
    e = entropy(value)
    if has_digit and has_alpha and e >= 3.0:
        return True
    return len(value) >= 20 and e >= 3.5
