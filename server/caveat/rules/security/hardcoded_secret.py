"""## What it does

Detects credentials written into the source: provider-format keys (AWS, GitHub,
GitLab, Slack, Stripe live keys, OpenAI, Anthropic, Google, SendGrid, Twilio,
Hugging Face and others), private key blocks, JSON Web Tokens, URLs with a
password in them, and real-looking literals bound to a secret-ish name
(`password`, `secret`, `token`, `api_key`, `SECRET_KEY`, `client_secret`...)
by an assignment, a keyword argument, a dict key, a parameter default, a
comparison or an environment lookup's fallback; literal keys passed to
`jwt.encode`/`decode`, `hmac.new`, `Fernet`, itsdangerous serializers and
Twilio/FTP clients; and passwords inside connection strings
(`"host=db user=app password=..."`, `"...;Pwd=...;"`).

## Why is this bad?
A secret in the source is in every clone, fork, backup, CI log and package of
the project, and in the history forever: rotating it is the only fix once it
has been pushed. AI assistants complete `SECRET_KEY = "..."` or
`api_key="sk-..."` with a plausible literal because that is what their
training data shows; a fallback such as `os.getenv("JWT_SECRET", "s3cr3t")`
silently runs production with the published value when the variable is unset.

## Example
```python
import os

app.config["SECRET_KEY"] = "9f8a7c6d5e4b3a2f1e0d"
client = OpenAI(api_key="sk-proj-4fG8...")
JWT_SECRET = os.getenv("JWT_SECRET", "dev-9f8a7c6d5e4b")
```

## Use instead
```python
import os

app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])
JWT_SECRET = os.environ["JWT_SECRET"]
```

## What it does not flag
Placeholders (`"changeme"`, `"your-api-key-here"`, `"<token>"`, `"${VAR}"`,
`"xxx"`, all-same-character strings, short strings), environment lookups
without a literal fallback, names that merely mention a secret
(`TOKEN_URL`, `PASSWORD_MIN_LENGTH`, `api_key_header = "X-API-Key"`),
password hashes, hashes, UUIDs and URLs without credentials under non-secret
names, publishable keys (`pk_live_`), and name-bound fixtures in test files.
Values that are names made of words under a `*_key` or `*_token` name (marshmallow's
`data_key="changed_on_delta_humanized"`, `OVERLAY_KEY = "update_check_overlay"`, a session or cache
key's name: `SITE_ROOT_PATHS_CACHE_KEY = "site_root_paths"`, a namespaced store key:
`_CERT_STATUS_KEY = "portal:health:v2:"`), an environment variable's name (`"password": "PGPASSWORD"`),
a password equal to the account name beside it (`User(name="tester",
password="tester")`: a seeded demo account), name-bound literals in demo code (a module's
`if __name__ == "__main__":` self-test, factory_boy factories building demo accounts),
and credential URLs for a server on
this machine, a private network or an example domain
(`"postgresql://root:taosdata@127.0.0.1:6041"` in a table of documented examples).
Stripe `sk_test_` keys are reported at info level. The secret's value never
appears in a message.

## Fix safety
The fix replaces the literal with `os.environ["NAME"]` (NAME derived from the
variable, keyword or provider), offered only when the module imports `os`.
It is unsafe: the program now fails when the variable is unset, and the secret
must be rotated anyway because it stays in the history.

## References
- https://cwe.mitre.org/data/definitions/798.html
- https://owasp.org/Top10/A07_2021-Identification_and_Authentication_Failures/
"""
from __future__ import annotations

import ast
import re

from caveat.analysis.flow import resolved_call_name
from caveat.engine.findings import Fix, Severity
from caveat.rules.base import Rule, RuleContext
from caveat.rules.security import _secrets as S
from caveat.rules.security._names import bound_name, is_test_path, words

PASSWORD_NOUNS = frozenset({"password", "passwd", "pwd", "passphrase", "pw", "pass", "passwort", "pword"})
SECRET_NOUNS = frozenset({"secret", "secretkey", "apisecret"})
TOKEN_NOUNS = frozenset({"token", "apikey", "credential", "credentials", "creds", "bearer", "authorization",
                         "accesstoken", "authtoken"})
KEY_MODIFIERS = frozenset({
    "api", "secret", "private", "priv", "access", "signing", "sign", "signature", "encryption", "encrypt",
    "decryption", "master", "hmac", "aes", "fernet", "crypto", "cipher", "auth", "client", "app", "jwt",
    "license", "webhook", "service", "account", "admin", "root", "shared", "symmetric", "consumer",
    "subscription", "integration", "developer", "server", "storage", "sas", "bot", "write", "x", "rsa",
    "ssh", "gpg", "pgp", "session", "cookie", "csrf", "django", "flask", "openai", "anthropic", "claude",
    "gemini", "google", "gcp", "aws", "azure", "stripe", "twilio", "sendgrid", "mailgun", "slack", "github",
    "gitlab", "discord", "telegram", "mapbox", "maps", "algolia", "pinecone", "cohere", "huggingface", "hf",
    "replicate", "groq", "mistral", "supabase", "firebase", "datadog", "newrelic", "pagerduty", "shopify",
    "paypal", "braintree", "square", "plaid", "segment", "mixpanel", "amplitude", "auth0", "okta", "heroku",
    "digitalocean", "cloudflare", "vercel", "netlify", "notion", "airtable", "hubspot", "salesforce",
    "zendesk", "intercom", "jira", "linear", "resend", "postmark", "mailchimp", "brevo", "elevenlabs",
    "deepgram", "openweather", "weather", "news", "serp", "serpapi", "tavily", "langchain", "langsmith",
    "together", "fireworks", "perplexity", "deepseek", "voyage", "qdrant", "weaviate", "redis", "db",
})
TOKEN_BENIGN_MODIFIERS = frozenset({
    "page", "next", "prev", "previous", "continuation", "pagination", "cursor", "sync", "resume", "bos", "eos",
    "pad", "unk", "sep", "cls", "mask", "special", "start", "end", "stop", "begin", "image", "audio", "vision",
    "split", "max", "min", "num", "total", "count", "lexer", "parser", "csrf", "cache", "sentinel",
})
# ``<word>_key`` names that are not credentials (dictionary keys, storage keys...).
KEY_BENIGN_MODIFIERS = frozenset({
    "cache", "sort", "primary", "foreign", "partition", "lookup", "dict", "object", "s3", "idempotency", "public",
    "publishable", "pk", "row", "group", "index", "hash", "unique", "composite", "natural", "surrogate", "map",
    "field", "column", "attr", "attribute", "config", "setting", "settings", "env", "header", "cookie", "query",
    "param", "i18n", "translation", "bucket", "file", "path", "prefix", "namespace", "lock", "rate", "limit",
    "dedup", "etag", "json", "yaml", "dict", "meta", "metadata", "label", "name", "id", "type", "kind", "order",
    "message", "event", "queue", "topic", "stream", "shard", "hotkey", "keyboard", "hot", "short", "cut", "shortcut",
    "sort", "group", "redis", "memcache", "state", "storage_path", "blob", "media", "asset", "static", "template",
    "context", "session_cache", "feature", "flag", "experiment", "translation", "locale", "lang", "language",
})
# Words after the noun that do not change what the value is (DB_PASSWORD_PROD).
TRAILING_NOISE = frozenset({"prod", "production", "staging", "live", "value", "raw", "plain", "plaintext",
                            "b64", "base64", "hex", "bytes", "str", "string", "default", "fallback", "1", "2",
                            "str", "literal"})
GENERIC_FIRST = frozenset({"api", "private", "access", "secret", "auth", "client", "bearer", "x", "my", "the",
                           "default", "personal", "bot", "app"})
SECRET_WORDS = PASSWORD_NOUNS | SECRET_NOUNS | TOKEN_NOUNS | {"key", "api", "auth"}


def secret_kind(name: str | None) -> str | None:
    """'password', 'secret', 'token' or 'key' when ``name`` names a credential."""
    parts = words(name)
    while len(parts) > 1 and parts[-1] in TRAILING_NOISE:
        parts.pop()
    if not parts:
        return None
    head, modifiers = parts[-1], parts[:-1]
    if head in PASSWORD_NOUNS and not (head == "pass" and not modifiers):
        return "password"
    if head in SECRET_NOUNS or (head == "secrets" and modifiers):
        return "secret"
    if head in TOKEN_NOUNS or head == "tokens":
        if head in ("token", "tokens") and (set(modifiers) & TOKEN_BENIGN_MODIFIERS):
            return None
        return "token"
    if head in ("key", "keys"):
        if set(modifiers) & KEY_MODIFIERS:
            return "secret" if {"secret", "private", "priv", "signing", "encryption", "master", "hmac"} & set(modifiers) else "key"
        if modifiers and not set(modifiers) & KEY_BENIGN_MODIFIERS:
            return "opaque-key"  # routing_key, integration_key: secret only if the value is random
        return None
    if head == "pem" and {"private", "key"} & set(modifiers):
        return "key"
    return None


class HardcodedSecret(Rule):
    code = "CAV130"
    name = "hardcoded-secret"
    category = "hardcoded-secret"
    cwe = 798
    severity = Severity.ERROR
    fixable = True
    supersedes = ("B105", "B106", "B107")
    replaces = ("B105", "B106", "B107")
    # A credential in use: a provider-format key, a private key, a password in a URL or connection
    # string, or a literal that reaches a call authenticating with it (``CREDENTIAL``). The rest of
    # the rule is a literal under a secret-sounding name.
    claims = ("credential",)

    def check(self, ctx: RuleContext) -> None:
        in_tests = is_test_path(ctx)
        for node in ctx.nodes(ast.Constant):
            value = node.value
            if isinstance(value, bytes):
                try:
                    value = value.decode("latin-1")
                except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes anything
                    continue
            if not isinstance(value, str) or len(value) < 4:
                continue
            self._check_literal(ctx, node, value, in_tests)

    def _check_literal(self, ctx: RuleContext, node: ast.Constant, value: str, in_tests: bool) -> None:
        name, how = bound_name(ctx, node)
        if how == "none":
            name, how = _secret_parameter(ctx, node)
        found = S.provider_match(value)
        if found is not None:
            provider, key = found
            where = f"`{name}` holds" if name and how in ("assign", "keyword", "dict", "default") else "this literal contains"
            severity = Severity.INFO if provider.severity_info else None
            env = provider.env
            if name and secret_kind(name) and len(words(name)) >= 2 and words(name)[0] not in GENERIC_FIRST:
                env = _env_name(name)
            whole = key.strip() == value.strip() or (
                provider.env == "PRIVATE_KEY" and value.strip().startswith(key.strip()[:30]))
            message = (f"{where} {provider.label} in the source; anyone who can read the code can use it. "
                       f"Rotate it and read it at run time from the environment variable {env}.")
            if provider.severity_info:
                message = (f"{where} {provider.label} (test mode, no real money at stake); still keep keys out "
                           f"of the source (read the environment variable {env}).")
            self._report(ctx, node, message, env if whole else None, how, severity,
                         claim="" if provider.severity_info else CREDENTIAL)
            return
        if _demo_code(ctx, node):
            return
        match = S.CREDENTIAL_URL.search(value)
        if match is not None:
            password = match.group(2)
            if not S.is_placeholder(password) and not S.is_placeholder(match.group(1) + ":" + password) \
                    and len(password) >= 6 and password.lower() not in PASSWORD_NOUNS and not S.local_host_url(value):
                label = f"`{name}` is a URL" if name and how in ("assign", "keyword", "dict", "default") else "this URL"
                env = _env_name(name) if name else "DATABASE_URL"
                self._report(ctx, node, f"{label} with a password written into it; keep the credentials out of the "
                                        f"source and read the whole URL from the environment variable {env}.",
                             env if value.strip().startswith(match.group(0)) and name else None, how, None,
                             claim=CREDENTIAL)
            return
        if not in_tests and self._connection_string(ctx, node, value, name, how):
            return
        if how == "none" or in_tests:
            return
        kind = secret_kind(name)
        if kind is None or not self._looks_real(value, kind):
            return
        if kind == "password" and _account_name(ctx, node, value):
            return
        env = _env_name(name)
        kind = "key" if kind == "opaque-key" else kind
        if how == "env":
            message = (f"the fallback of the `{name}` lookup is a hard-coded secret: when the variable is unset, "
                       f"production silently runs with the value published in the source. Require the variable "
                       f"(`os.environ[...]` without a default).")
        elif how == "compare":
            message = (f"`{name}` is compared with a hard-coded {kind}; anyone with the source can pass this check. "
                       f"Compare against a value loaded from the environment or a secret store, with "
                       f"`hmac.compare_digest`.")
        elif how == "fallback":
            message = (f"the default of the `{name}` lookup is a hard-coded {kind}; when the setting is missing the "
                       f"published value is used. Fail instead, and read it from the environment or a secret store.")
        elif how == "return":
            message = (f"`{name}()` returns a hard-coded {kind}; anyone with the source has it. "
                       f"Read it at run time from the environment variable {env}.")
        else:
            what = {"keyword": "argument", "dict": "key", "default": "parameter default"}.get(how, "variable")
            message = (f"{what} `{name}` is a hard-coded {kind}; anyone with the source has it, and it lives in the "
                       f"history after you change it. Read it at run time from the environment variable {env}.")
        self._report(ctx, node, message, env if how not in ("compare", "fallback") else None, how,
                     Severity.WARNING if kind in ("token", "key", "opaque-key") else None,
                     claim=CREDENTIAL if _authenticates(ctx, node, name, how) else "")

    def _connection_string(self, ctx: RuleContext, node: ast.Constant, value: str, name: str | None, how: str) -> bool:
        """``"host=db user=app password=S3cret"``, ``"Server=x;Uid=sa;Pwd=S3cret;"``."""
        if isinstance(ctx.parent(node), ast.Expr):
            return False  # a docstring or a bare string: prose about passwords
        match = S.CONNECTION_PASSWORD.search(value)
        if match is None or not S.CONNECTION_KEYS.search(value):
            return False
        password = match.group(1)
        if len(password) < 6 or S.is_placeholder(password) or password.lower() in PASSWORD_NOUNS \
                or password.startswith(("{", "%", "$", "<")):
            return False
        label = f"`{name}`" if name and how in ("assign", "keyword", "dict", "default") else "this connection string"
        ctx.report(self, node, f"{label} has a password written into it; keep credentials out of the source and read "
                               f"the connection string (or just the password) from the environment.", claim=CREDENTIAL)
        return True

    @staticmethod
    def _looks_real(value: str, kind: str) -> bool:
        if S.is_placeholder(value) or S.not_a_secret_value(value, SECRET_WORDS):
            return False
        if value.startswith(("pk_live_", "pk_test_")):
            return False  # Stripe publishable keys are meant to be public
        if kind == "password":
            return len(value.strip()) >= 6
        if kind == "secret":
            return len(value.strip()) >= 8
        if S.is_identifier(value) or S.is_store_key(value):
            return False  # a key's or token's *name* made of words ("passed_page_view_restrictions", "app:health:v1:")
        if kind == "opaque-key":
            return len(value) >= 20 and S.credential_shaped(value) and S.entropy(value) >= 3.3
        return S.credential_shaped(value)

    def _report(self, ctx: RuleContext, node: ast.Constant, message: str, env: str | None, how: str,
                severity: Severity | None, claim: str = "") -> None:
        ctx.report(self, node, message, fix=_fix(ctx, node, env, how), severity=severity, claim=claim)


# Secrets passed positionally: qualified name -> (argument index, keyword, name used in messages).
SECRET_ARGUMENTS = {
    "jwt.encode": (1, "key", "JWT_SECRET"), "jwt.decode": (1, "key", "JWT_SECRET"),
    "jose.jwt.encode": (1, "key", "JWT_SECRET"), "jose.jwt.decode": (1, "key", "JWT_SECRET"),
    "hmac.new": (0, "key", "HMAC_SECRET"), "hmac.digest": (0, "key", "HMAC_SECRET"),
    "cryptography.fernet.Fernet": (0, "key", "FERNET_KEY"),
    "itsdangerous.URLSafeTimedSerializer": (0, "secret_key", "SIGNING_SECRET"),
    "itsdangerous.URLSafeSerializer": (0, "secret_key", "SIGNING_SECRET"),
    "itsdangerous.TimestampSigner": (0, "secret_key", "SIGNING_SECRET"),
    "itsdangerous.Signer": (0, "secret_key", "SIGNING_SECRET"),
    "twilio.rest.Client": (1, "password", "TWILIO_AUTH_TOKEN"),
    "ftplib.FTP": (2, "passwd", "FTP_PASSWORD"), "ftplib.FTP_TLS": (2, "passwd", "FTP_PASSWORD"),
}


CREDENTIAL = "credential"
# Calls that authenticate with a keyword's value (data): qualified name -> the keywords carrying it.
CREDENTIAL_CALLS = {
    **dict.fromkeys(("psycopg2.connect", "psycopg.connect", "asyncpg.connect", "asyncpg.create_pool",
                     "sqlalchemy.engine.URL.create", "sqlalchemy.URL.create", "sqlalchemy.engine.url.URL.create",
                     "redis.Redis", "redis.StrictRedis", "redis.asyncio.Redis", "pymongo.MongoClient",
                     "motor.motor_asyncio.AsyncIOMotorClient", "ldap3.Connection", "smtplib.SMTP.login",
                     "smtplib.SMTP_SSL.login", "imaplib.IMAP4.login", "imaplib.IMAP4_SSL.login"), ("password",)),
    **dict.fromkeys(("pymysql.connect", "MySQLdb.connect", "mysql.connector.connect", "ftplib.FTP.login",
                     "ftplib.FTP_TLS.login"), ("password", "passwd")),
    "paramiko.SSHClient.connect": ("password", "passphrase"),
    **dict.fromkeys(("boto3.client", "boto3.resource", "boto3.Session", "boto3.session.Session"),
                    ("aws_secret_access_key", "aws_session_token")),
    **dict.fromkeys(("openai.OpenAI", "openai.AsyncOpenAI", "anthropic.Anthropic", "anthropic.AsyncAnthropic"),
                    ("api_key",)),
}
SIGNING_NAMES = frozenset(entry[2] for entry in SECRET_ARGUMENTS.values())


def _authenticates(ctx: RuleContext, node: ast.Constant, name: str | None, how: str) -> bool:
    """The name-bound literal reaches what authenticates or signs with it: a key argument of
    ``SECRET_ARGUMENTS`` (jwt, hmac, Fernet, itsdangerous...), the framework's ``SECRET_KEY``
    (``app.secret_key``, ``app.config["SECRET_KEY"]``), ``auth=(user, "...")``, an
    ``Authorization`` header, or a credential keyword of ``CREDENTIAL_CALLS``."""
    if how == "keyword" and name in SIGNING_NAMES:
        return True
    if how in ("assign", "dict", "keyword") and words(name) in (["secret", "key"], ["jwt", "secret", "key"]):
        return True
    if how == "dict" and (name or "").lower() == "authorization":
        return True
    parent = ctx.parent(node)
    if isinstance(parent, ast.Tuple):
        holder = ctx.parent(parent)
        return isinstance(holder, ast.keyword) and "auth" in (holder.arg or "").lower()
    call = ctx.parent(parent) if isinstance(parent, ast.keyword) else parent
    if not isinstance(call, ast.Call):
        return False
    keywords = CREDENTIAL_CALLS.get(ctx.qualified_name(call.func) or resolved_call_name(ctx, call) or "", ())
    if isinstance(parent, ast.keyword):
        return parent.arg in keywords
    return bool(keywords) and isinstance(call.func, ast.Attribute) and call.func.attr == "login" \
        and len(call.args) >= 2 and call.args[1] is node


def _demo_code(ctx: RuleContext, node: ast.Constant) -> bool:
    """Code that demonstrates or exercises the application rather than runs it: the block of a
    module's ``if __name__ == "__main__":`` (a self-test), or a module using factory_boy (factories
    building demo and fixture records)."""
    if any(qualified == "factory" or qualified.startswith("factory.") for qualified in ctx.imports.values()):
        return True
    return any(isinstance(ancestor, ast.If) and _is_main_guard(ancestor.test)
               and ctx.enclosing(ancestor, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef) is None
               for ancestor in ctx.ancestors(node))


def _is_main_guard(test: ast.expr) -> bool:
    return isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq) \
        and {ast.dump(test.left), ast.dump(test.comparators[0])} == {
            ast.dump(ast.Name("__name__", ast.Load())), ast.dump(ast.Constant("__main__"))}


def _account_name(ctx: RuleContext, node: ast.Constant, value: str) -> bool:
    """``User(name="tester", password="tester")``: a password equal to the account's name in the
    same call or dictionary is a seeded demo or fixture account, not a credential to protect."""
    holder = ctx.parent(node)
    if isinstance(holder, ast.keyword):
        holder = ctx.parent(holder)
    if isinstance(holder, ast.Call):
        others = [*holder.args, *(kw.value for kw in holder.keywords)]
    elif isinstance(holder, ast.Dict):
        others = [*holder.values, *(k for k in holder.keys if k is not None)]
    else:
        return False
    return any(other is not node and isinstance(other, ast.Constant) and other.value == value for other in others)


def _secret_parameter(ctx: RuleContext, node: ast.Constant) -> tuple[str | None, str]:
    """``jwt.encode(payload, "s3cr3t")``: a literal in a parameter that is a secret."""
    call = ctx.parent(node)
    if isinstance(call, ast.keyword):
        call = ctx.parent(call)
    if not isinstance(call, ast.Call):
        return None, "none"
    entry = SECRET_ARGUMENTS.get(ctx.qualified_name(call.func) or "")
    if entry is None:
        return None, "none"
    index, keyword_name, env = entry
    positional = len(call.args) > index and call.args[index] is node
    by_keyword = any(kw.arg == keyword_name and kw.value is node for kw in call.keywords)
    return (env, "keyword") if positional or by_keyword else (None, "none")


def _env_name(name: str | None) -> str:
    parts = words(name)
    while len(parts) > 1 and parts[0] in ("get", "load", "fetch", "read", "default", "my", "the", "self"):
        parts.pop(0)
    return "_".join(parts).upper() or "SECRET"


def _fix(ctx: RuleContext, node: ast.Constant, env: str | None, how: str) -> Fix | None:
    if env is None or ctx.imports.get("os") != "os" or not re.match(r"^[A-Z][A-Z0-9_]*$", env):
        return None
    parent = ctx.parent(node)
    if isinstance(parent, ast.JoinedStr):
        return None
    lookup = f'os.environ["{env}"]'
    if isinstance(node.value, bytes):
        lookup += ".encode()"
    if how == "env" and isinstance(parent, ast.Call):
        first = parent.args[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)) or len(parent.args) != 2 or parent.keywords:
            return None
        return Fix(f"Require the environment variable {first.value} (no hard-coded fallback)",
                   (ctx.replace(parent, f"os.environ[{ctx.source(first)}]"),), safe=False)
    return Fix(f"Read the secret from the environment ({env})", (ctx.replace(node, lookup),), safe=False)
