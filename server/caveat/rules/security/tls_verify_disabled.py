"""## What it does

Detects TLS connections whose certificate or host name is not verified:
`verify=False` on requests/httpx calls, sessions and clients (and on other
clients: boto3, hvac, Elasticsearch...), `session.verify = False`,
`ssl._create_unverified_context` (called, or installed as the default),
`ctx.check_hostname = False`, `ctx.verify_mode = ssl.CERT_NONE`, any other
`ssl.CERT_NONE` handed to a socket or client, aiohttp `ssl=False` /
`verify_ssl=False` / `TCPConnector(ssl=False)`, `verify_certs=False`,
`tlsAllowInvalidCertificates=True`, `disable_ssl_certificate_validation=True`,
and `REQUESTS_CA_BUNDLE` / `CURL_CA_BUNDLE` cleared or `PYTHONHTTPSVERIFY=0`.
(`urllib3.disable_warnings(InsecureRequestWarning)` is not reported on its own:
it is the symptom of one of the above, which is.)

## Why is this bad?
Without certificate verification anyone on the network path (public Wi-Fi, a
compromised router, a cloud neighbour doing ARP spoofing) can present their
own certificate and read or change the traffic, credentials and tokens
included. Assistants add `verify=False` to make a certificate error go away;
the error was the protection. Silencing `InsecureRequestWarning` hides that
this happened.

## Example
```python
resp = requests.get(url, verify=False)
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
```

## Use instead
```python
resp = requests.get(url, verify="/etc/ssl/certs/internal-ca.pem")  # or just the default
ctx = ssl.create_default_context(cafile="/etc/ssl/certs/internal-ca.pem")
```

## What it does not flag
`verify=True`, `verify=` a CA bundle path or a variable, `ssl=` an
`SSLContext`, comparisons with `ssl.CERT_NONE`, verification turned off only when the
operator asks for it, the other branch keeping it on: the branch an option named for an
insecure connection selects (`if options.ssl_insecure: ctx.verify_mode = CERT_NONE` / `else:
... = CERT_REQUIRED`), or the "off" side of an option whose visible default is on
(`CERT_REQUIRED if getattr(config, "LDAP_CERT_VALIDATE", True) else CERT_NONE`); an option
that defaults to off is still reported, and a function that connects only to
read the server's certificate (`getpeercert()`, no data sent or received: a certificate-expiry
probe must accept the expired certificate it reports on), `check_hostname = True`, and
`verify=False` on calls that are not about TLS (a JWT library's
`super().__init__(token, verify=False)` in a token class, `jwt.decode`, signature and
form helpers), and `urllib3.disable_warnings` by itself.

## Fix safety
Removing `verify=False` / aiohttp `ssl=False` and replacing
`ssl._create_unverified_context()` with `ssl.create_default_context()` are
safe fixes: correct servers keep working; only servers with invalid
certificates start failing, which is the point. Turning `check_hostname`,
`verify_mode` or `session.verify` back on is offered as unsafe.

## References
- https://cwe.mitre.org/data/definitions/295.html
- https://requests.readthedocs.io/en/latest/user/advanced/#ssl-cert-verification
- https://docs.python.org/3/library/ssl.html#security-considerations
"""
from __future__ import annotations

import ast

from caveat.analysis.flow import choice, default_of, resolved_call_name, value_before
from caveat.engine.findings import Fix, Severity
from caveat.rules.base import Rule, RuleContext
from caveat.rules.security._names import imports_any, words
from caveat.rules.fixkit import rewrite_expression, single_edit_fix, without_keyword

FALSE_KEYWORDS = {
    "verify": "`verify=False`", "verify_ssl": "`verify_ssl=False`", "ssl_verify": "`ssl_verify=False`",
    "verify_certs": "`verify_certs=False`", "check_hostname": "`check_hostname=False`",
    "assert_hostname": "`assert_hostname=False`", "ssl_check_hostname": "`ssl_check_hostname=False`",
    "validate_certs": "`validate_certs=False`", "verify_cert": "`verify_cert=False`",
    "ssl_verify_cert": "`ssl_verify_cert=False`", "verify_tls": "`verify_tls=False`",
}
TRUE_KEYWORDS = {
    "tlsAllowInvalidCertificates": "`tlsAllowInvalidCertificates=True`",
    "tlsAllowInvalidHostnames": "`tlsAllowInvalidHostnames=True`", "tlsInsecure": "`tlsInsecure=True`",
    "disable_ssl_certificate_validation": "`disable_ssl_certificate_validation=True`",
    "ssl_cert_insecure": "`ssl_cert_insecure=True`", "insecure_skip_verify": "`insecure_skip_verify=True`",
}
CERT_REQS_KEYWORDS = frozenset({"cert_reqs", "ssl_cert_reqs", "verify_mode"})
# ``verify=False`` on these is about something else than TLS.
NOT_TLS = ("jwt", "jose", "jws", "decode", "signature", "sign", "token", "validate", "serializer", "form",
           "schema", "checksum", "hash", "gpg", "pgp", "signer", "email", "otp", "totp", "captcha", "recaptcha")
INTERESTING_KEYWORDS = frozenset(FALSE_KEYWORDS) | frozenset(TRUE_KEYWORDS) | CERT_REQS_KEYWORDS | {"ssl"}
CA_ENV = frozenset({"REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"})


class TlsVerifyDisabled(Rule):
    code = "CAV135"
    name = "tls-verify-disabled"
    category = "tls-verify-disabled"
    cwe = 295
    severity = Severity.ERROR
    fixable = True
    supersedes = ("B501", "B323")

    def check(self, ctx: RuleContext) -> None:
        reported: set[int] = set()
        for call in ctx.nodes(ast.Call):
            if self._call(ctx, call):
                reported.add(id(call))
        for node in ctx.nodes(ast.Assign):
            self._assign(ctx, node)
        for attribute in ctx.nodes(ast.Attribute):
            if attribute.attr == "CERT_NONE":
                self._cert_none(ctx, attribute, reported)
            elif attribute.attr == "_create_unverified_context" and not isinstance(ctx.parent(attribute), ast.Call):
                if (ctx.qualified_name(attribute) or "") == "ssl._create_unverified_context":
                    self._say(ctx, attribute, "`ssl._create_unverified_context` installed as the default turns off "
                                                "certificate checks for every HTTPS request in the process; remove it "
                                                "and configure the CA bundle instead.")

    def _say(self, ctx: RuleContext, node: ast.AST, message: str, **kwargs) -> None:
        if not _certificate_probe(ctx, node):
            ctx.report(self, node, message, **kwargs)

    # --- calls ---------------------------------------------------------------------------
    def _call(self, ctx: RuleContext, call: ast.Call) -> bool:
        func = call.func
        short = func.attr if isinstance(func, ast.Attribute) else (func.id if isinstance(func, ast.Name) else "")
        if not short.startswith("_create_") and not any(kw.arg in INTERESTING_KEYWORDS for kw in call.keywords):
            return False  # cheap exit: most calls have none of the keywords below
        name = ctx.qualified_name(call.func) or ""
        name = name or resolved_call_name(ctx, call) or ""
        if name in ("ssl._create_unverified_context", "ssl._create_stdlib_context"):
            fix = None
            if ctx.imports.get("ssl") == "ssl" and not call.args and not call.keywords:
                fix = Fix("Use ssl.create_default_context() (verifies certificates)",
                          (ctx.replace(call, "ssl.create_default_context()"),), safe=True)
            self._say(ctx, call, f"`{ctx.source(call.func)}()` makes a context that accepts any certificate for any "
                                   f"host; use `ssl.create_default_context()` (with `cafile=` for a private CA).", fix=fix)
            return True
        label = ctx.source(call.func) or "this call"
        lowered = (_super_call_name(ctx, call) or name or ctx.dotted_name(call.func) or "").lower()
        for kw in call.keywords:
            if kw.arg is None:
                continue
            value = kw.value
            if isinstance(value, ast.Name):  # verify_tls = False; requests.get(url, verify=verify_tls)
                bound = value_before(ctx, value)
                if isinstance(bound, ast.Constant):
                    value = bound
            if kw.arg in FALSE_KEYWORDS and _is_const(value, False):
                if kw.arg == "verify" and any(word in lowered for word in NOT_TLS):
                    continue
                self._report_keyword(ctx, call, kw, label, FALSE_KEYWORDS[kw.arg])
                return True
            if kw.arg in TRUE_KEYWORDS and _is_const(value, True):
                self._report_keyword(ctx, call, kw, label, TRUE_KEYWORDS[kw.arg], removable=False)
                return True
            if kw.arg == "ssl" and _is_const(value, False) and self._is_aiohttp(ctx, call, name):
                self._report_keyword(ctx, call, kw, label, "`ssl=False`")
                return True
            if kw.arg in CERT_REQS_KEYWORDS and _is_cert_none(ctx, value):
                self._report_keyword(ctx, call, kw, label, f"`{kw.arg}=CERT_NONE`", removable=False)
                return True
        return False

    def _report_keyword(self, ctx: RuleContext, call: ast.Call, kw: ast.keyword, label: str, what: str,
                        removable: bool = True) -> None:
        fix = None
        if removable:
            fix = single_edit_fix(f"Remove {what} (verify certificates)",
                                  rewrite_expression(ctx, call, lambda expr: without_keyword(expr, kw.arg)), safe=True)
        # Reported on the keyword: that is what to remove, and where bandit's B501 points.
        self._say(ctx, kw, f"`{label}` is called with {what}: certificates are not verified, so anyone on the "
                               f"network path can impersonate the server and read or alter the traffic. Remove it; "
                               f"for a private CA pass its bundle (`verify=\"/path/ca.pem\"`).", fix=fix)

    @staticmethod
    def _is_aiohttp(ctx: RuleContext, call: ast.Call, name: str) -> bool:
        if name.startswith("aiohttp."):
            return True
        if not imports_any(ctx, "aiohttp"):
            return False
        func = call.func
        return isinstance(func, ast.Attribute) and func.attr in (
            "get", "post", "put", "patch", "delete", "head", "options", "request", "ws_connect", "TCPConnector")

    # --- assignments -----------------------------------------------------------------------
    def _assign(self, ctx: RuleContext, node: ast.Assign) -> None:
        if _setting_chooses(ctx, node.value):
            return
        for target in node.targets:
            if isinstance(target, ast.Attribute):
                if target.attr == "check_hostname" and _is_const(node.value, False):
                    self._say(ctx, node, f"`{ctx.source(target)} = False` turns off host-name checking: any valid "
                                           f"certificate, for any site, is accepted. Leave it on.",
                               fix=Fix("Keep host-name checking on", (ctx.replace(node.value, "True"),), safe=False))
                elif target.attr == "verify_mode" and _is_cert_none(ctx, node.value):
                    fix = None
                    if ctx.imports.get("ssl") == "ssl":
                        fix = Fix("Require a valid certificate (ssl.CERT_REQUIRED)",
                                  (ctx.replace(node.value, "ssl.CERT_REQUIRED"),), safe=False)
                    self._say(ctx, node, f"`{ctx.source(target)} = CERT_NONE` accepts any certificate, so anyone on "
                                           f"the path can impersonate the server; keep `ssl.CERT_REQUIRED`.", fix=fix)
                elif target.attr == "verify" and _is_const(node.value, False):
                    self._say(ctx, node, f"`{ctx.source(target)} = False` turns off certificate verification for "
                                           f"every request of this session; remove it (or set a CA bundle path).",
                               fix=Fix("Verify certificates", (ctx.replace(node.value, "True"),), safe=False))
                elif target.attr == "_create_default_https_context":
                    pass  # reported where ssl._create_unverified_context is read
            elif isinstance(target, ast.Subscript) and (ctx.qualified_name(target.value) or "") == "os.environ":
                key = target.slice
                if isinstance(key, ast.Constant) and isinstance(node.value, ast.Constant):
                    if key.value in CA_ENV and node.value.value == "":
                        self._say(ctx, node, f"clearing `{key.value}` makes requests/curl skip certificate "
                                               f"verification; point it at a CA bundle or leave it unset.")
                    elif key.value == "PYTHONHTTPSVERIFY" and str(node.value.value) == "0":
                        self._say(ctx, node, "`PYTHONHTTPSVERIFY=0` turns off certificate verification for urllib; "
                                               "remove it.")

    def _cert_none(self, ctx: RuleContext, attribute: ast.Attribute, reported: set[int]) -> None:
        if (ctx.qualified_name(attribute) or "").rsplit(".", 1)[0] not in ("ssl", "ssl.VerifyMode"):
            return
        if _setting_chooses(ctx, attribute):
            return
        for ancestor in ctx.ancestors(attribute):
            if isinstance(ancestor, ast.Compare):
                return
            if isinstance(ancestor, ast.Call):
                if id(ancestor) in reported:
                    return
                reported.add(id(ancestor))
                self._say(ctx, ancestor, f"`{ctx.source(ancestor.func)}` is given `ssl.CERT_NONE`: any certificate is "
                                           f"accepted, so anyone on the path can impersonate the server. Use "
                                           f"`ssl.CERT_REQUIRED`.")
                return
            if isinstance(ancestor, ast.stmt):
                if isinstance(ancestor, ast.Assign) and any(
                        isinstance(t, ast.Attribute) and t.attr == "verify_mode" for t in ancestor.targets):
                    return  # reported by _assign
                self._say(ctx, attribute, "`ssl.CERT_NONE` disables certificate verification wherever this value is "
                                            "used; use `ssl.CERT_REQUIRED`.")
                return


def _super_call_name(ctx: RuleContext, call: ast.Call) -> str:
    """``super().__init__(...)`` is named after the class and its bases
    (``TruncatedToken RefreshToken.__init__``): a token's ``verify=False`` is not about TLS."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call)
            and isinstance(func.value.func, ast.Name) and func.value.func.id == "super"):
        return ""
    owner = ctx.enclosing(call, ast.ClassDef)
    if owner is None:
        return ""
    bases = [ctx.qualified_name(base) or ctx.dotted_name(base) or "" for base in owner.bases]
    return " ".join([owner.name, *bases]) + f".{func.attr}"


# Reading the peer's certificate; and what exchanges data over a connection (or opens one that does).
PEER_CERTIFICATE = frozenset({"getpeercert", "get_peer_certificate", "get_peer_cert_chain", "get_server_certificate",
                              "peer_certificate"})
EXCHANGES = frozenset({"send", "sendall", "sendto", "sendfile", "recv", "recv_into", "recvfrom", "read", "write",
                       "makefile", "request", "urlopen", "get", "post", "put", "patch", "delete", "head", "login",
                       "bind", "search", "execute", "sendmail", "send_message", "starttls", "getresponse",
                       "putrequest", "ehlo", "helo"})


def _certificate_probe(ctx: RuleContext, node: ast.AST) -> bool:
    """The function connects only to read the server's certificate (to report its expiry or issuer):
    it reads the peer certificate and exchanges no data, so accepting any certificate is its job
    (an expired or self-signed one is what it reports on) and there is no traffic to intercept."""
    function = ctx.enclosing_function(node)
    if function is None:
        return False
    called = {n.func.attr for n in ast.walk(function) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
    called |= {n.func.id for n in ast.walk(function) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    return bool(called & PEER_CERTIFICATE) and not called & EXCHANGES


# Words that name an option asking for an unverified connection (``ssl_insecure``, ``skip_tls_check``).
INSECURE_WORDS = frozenset({"insecure", "unverified", "unsafe", "noverify", "skip", "disable", "disabled", "ignore",
                            "no", "allow"})


def _setting_chooses(ctx: RuleContext, value: ast.expr) -> bool:
    """Verification is off only because the operator asked for it: the code keeps it on in the other
    branch, and the branch taken here is either selected by an option named for an insecure
    connection (``if options.ssl_insecure:``) or the "off" side of an option whose visible default is
    on (``CERT_REQUIRED if getattr(config, "LDAP_CERT_VALIDATE", True) else CERT_NONE``). An option
    that defaults to off, or whose name and default say nothing, leaves connections unverified
    unless someone acts: still reported."""
    picked = choice(ctx, value)
    if picked is None or not _verifies(ctx, picked.other):
        return False
    test, when_true = picked.test, picked.when_true
    while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test, when_true = test.operand, not when_true
    if when_true:
        return bool(set(words(ctx.dotted_name(test) or _setting_key(test))) & INSECURE_WORDS)
    return _is_const(default_of(ctx, test), True)


def _setting_key(test: ast.expr) -> str:
    """``getattr(config, "SKIP_TLS_VERIFY", False)`` / ``config.get("insecure")``: the setting's name."""
    if isinstance(test, ast.Call):
        keys = [a.value for a in test.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        return keys[0] if keys else ""
    return ""


def _verifies(ctx: RuleContext, value: ast.expr) -> bool:
    name = ctx.qualified_name(value) or ctx.dotted_name(value) or ""
    return _is_const(value, True) or name.endswith("CERT_REQUIRED")


def _is_const(node: ast.AST, value: bool) -> bool:
    return isinstance(node, ast.Constant) and node.value is value


def _is_cert_none(ctx: RuleContext, node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.upper() in ("CERT_NONE", "NONE")
    name = ctx.qualified_name(node) or ctx.dotted_name(node) or ""
    return name.endswith("CERT_NONE")
