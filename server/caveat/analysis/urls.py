"""URLs and hosts: which calls fetch one, which part of a URL names the server, and which
checks keep the server on an allowlist. The analysis behind the SSRF rule (CAV139).

The calls are rows of ``sinks.SINKS["url"]`` (``requests.get``, ``urlopen``,
``httpx.Client(base_url=...)``, ``session.post(url)``...). What matters is the scheme and
host: :func:`host_origins` follows a URL through assignments, ``urljoin`` and string
building (f-strings, ``+``, ``%``, ``.format``) and returns the origins (``taint.Origin``) of
only the parts before the end of the host - input in the path or query of a constant
server is not forgery. :func:`allowlisted` finds a host check above the fetch (an allowlist
comparison, ``is_private``, a validator named for the job that looks at the host, a
suffix test with its leading dot); :func:`destination_name` recognises stored URLs whose
names say an outsider supplied them (``hook.url``, ``payload["callback"]``).
"""
from __future__ import annotations

import ast
import re
from functools import lru_cache

from caveat.analysis import taint
from caveat.analysis.flow import resolved_call_name, walk_scope
from caveat.analysis.names import words
from caveat.analysis.sinks import HTTP_CLIENTS, SINKS, Sink
from caveat.rules.base import RuleContext

CLIENT_PREFIXES = tuple(f"{library}." for library in HTTP_CLIENTS)
URL_JOINS = frozenset({"urllib.parse.urljoin", "requests.compat.urljoin"})
CHECK_CALLS = re.compile(r"(^|\.)_?(is_safe_url|is_allowed\w*|allowed_host\w*|validate_url|validate_\w*url\w*|"
                         r"check_url|check_\w*host\w*|verify_url|safe_url|ensure_\w*(url|host|allowed|public)\w*|"
                         r"url_has_allowed_host_and_scheme|is_valid_url|is_public\w*|is_internal\w*|"
                         r"is_private\w*|assert_\w*(url|host)\w*|reject_\w*|is_trusted\w*|in_allowlist)$")
HOST_WORDS = ("hostname", "netloc", "host", "domain")
HELPER_CHECK = re.compile(r"(public|private|safe|allow|whitelist|valid|verify|check|trusted|permitted|sanitiz)", re.I)
# Names that say a URL was supplied from outside (registered or submitted), even
# when the value comes from storage rather than straight from the request.
DESTINATION_WORDS = frozenset({"callback", "webhook", "hook", "notify", "notification", "destination", "remote",
                               "external", "customer", "subscriber", "partner", "feed", "avatar", "submitted",
                               "user", "preview", "unfurl", "origin_url", "subscription", "integration"})
# Attribute names that hold an address: with an owner named for a registered destination
# (``hook.url``, ``integration.endpoint``) they are that destination.
URL_WORDS = frozenset({"url", "uri", "endpoint", "target", "href", "link", "host", "hostname", "address"})
PAYLOAD_NAMES = frozenset({"payload", "data", "body", "form", "params", "event", "message", "msg", "job", "task",
                           "request_data", "json_data", "args", "kwargs", "options"})
ADDRESS_CHECKS = frozenset({"is_private", "is_loopback", "is_link_local", "is_global", "is_reserved", "is_multicast"})
CLIENT_RECEIVERS = frozenset({"session", "client", "http", "http_client", "sess", "s", "async_client", "httpx_client",
                              "http_session", "pool", "pm", "conn"})


@lru_cache(maxsize=None)
def _index() -> tuple[dict[str, Sink], dict[str, Sink]]:
    rows = SINKS["url"]
    return ({s.callee: s for s in rows if not s.callee.startswith(".")},
            {s.callee[1:]: s for s in rows if s.callee.startswith(".")})


@lru_cache(maxsize=None)
def _client_imports() -> tuple[str, ...]:
    return tuple(sorted({m for s in SINKS["url"] if s.role == "verb" for m in s.imports}))


# Transports that answer in the same process (the application itself, a test double): a client built
# with one sends nothing over the network, whatever URL it is given.
IN_PROCESS_TRANSPORTS = frozenset({"ASGITransport", "WSGITransport", "MockTransport"})


def in_process_client(ctx: RuleContext, call: ast.Call) -> bool:
    """``client.get(url)`` where ``client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))``
    (also bound by ``async with``)."""
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    if not isinstance(receiver, ast.Name):
        return False
    for binding in taint.bindings_before(ctx, receiver):
        value = binding.value
        transport = next((k.value for k in value.keywords if k.arg == "transport"), None) \
            if isinstance(value, ast.Call) else None
        if isinstance(transport, ast.Call) and \
                (ctx.dotted_name(transport.func) or "").rsplit(".", 1)[-1] in IN_PROCESS_TRANSPORTS:
            return True
    return False


def url_argument(ctx: RuleContext, call: ast.Call, resolve: bool = True) -> ast.AST | None:
    """The URL (or host) ``call`` fetches or connects to, if it is one of ``SINKS["url"]``:
    by keyword ``url=`` (``base_url=`` for a bound client) or the row's position.
    ``resolve``: also follow the receiver's assignment (``s = requests.Session(); s.get``)."""
    named, verbs = _index()
    name = ctx.qualified_name(call.func) or ""
    sink = named.get(name)
    if sink is not None and sink.role == "base_url":
        found = next((k for k in call.keywords if k.arg in sink.keywords), None)
        return found.value if found is not None else None
    attr = call.func.attr if isinstance(call.func, ast.Attribute) else name.rsplit(".", 1)[-1]
    if sink is None and attr not in verbs:
        return None  # cheap exit before resolving receivers
    if not name and not http_client_receiver(ctx, call) and resolve:
        name = resolved_call_name(ctx, call) or ""
        if not name.startswith(CLIENT_PREFIXES):
            return None
        sink = named.get(name) if name in named and named[name].role == "url" else None
    if sink is None:
        sink = verbs.get(attr)
        if sink is None or not (name.startswith(CLIENT_PREFIXES) or http_client_receiver(ctx, call)):
            return None
        if attr == "stream" and name.startswith("requests."):
            return None
    if in_process_client(ctx, call):
        return None
    position = sink.args[0] if not name.endswith("Request") else 0
    found = next((k for k in call.keywords if k.arg == "url"), None)
    if found is not None:
        return found.value
    if len(call.args) > position:
        return call.args[position]
    return None


def host_origins(ctx: RuleContext, url: ast.AST, depth: int = 0) -> list[taint.Origin]:
    """Origins of whatever can reach the scheme/host part of ``url``."""
    if depth > 4:
        return []
    if isinstance(url, ast.Name):
        found: list[taint.Origin] = []
        if taint.is_validated(ctx, url) and not _only_scheme_validated(ctx, url):
            return []
        bindings = taint.bindings_before(ctx, url)
        for binding in bindings:
            if binding.kind == "param" or binding.value is None:
                found.extend(taint.origins(ctx, url, kind="url"))
                break
            found.extend(host_origins(ctx, binding.value, depth + 1))
        if not bindings:
            found.extend(taint.origins(ctx, url, kind="url"))
        return found
    if isinstance(url, ast.Call):
        name = ctx.qualified_name(url.func) or ""
        row = _index()[0].get(name)
        if row is not None and row.role == "url":
            # A request object (``urllib.request.Request``, tornado's ``HTTPRequest``) fetched
            # later: its server is its URL argument's; the body and headers go to that server.
            inner = url_argument(ctx, url, resolve=False)
            return [] if inner is None or isinstance(inner, ast.Starred) else host_origins(ctx, inner, depth + 1)
        if name in URL_JOINS and len(url.args) >= 2:
            # An absolute or scheme-relative second argument replaces the host.
            return list(taint.origins(ctx, url.args[1], kind="url"))
        if isinstance(url.func, ast.Name) and url.func.id in ctx.module_functions \
                and HELPER_CHECK.search(url.func.id):
            return []  # url = _resolve_public(url): a same-module validator
        if _helper_with_fixed_server(ctx, url):
            return []
    parts = _url_parts(url)
    if parts is None:
        return list(taint.origins(ctx, url, kind="url"))
    return [o for part in _host_part(parts) for o in taint.origins(ctx, part, kind="url")]


def _helper_with_fixed_server(ctx: RuleContext, call: ast.Call) -> bool:
    """``store_url()`` where the same-module helper returns one URL built with a constant
    scheme and host (``return STORE_API + "/" + path``): input can only fill its path."""
    helper = ctx.module_functions.get(call.func.id) if isinstance(call.func, ast.Name) else None
    if not isinstance(helper, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    returns = [n.value for n in ast.walk(helper) if isinstance(n, ast.Return)]
    if len(returns) != 1 or returns[0] is None:
        return False
    taint.read_helper(ctx, helper)
    parts = _url_parts(returns[0])
    return parts is not None and not any(taint.origins(ctx, part, kind="url") for part in _host_part(parts))


def helper_fetches(ctx: RuleContext, helper: ast.AST) -> list[tuple[ast.AST, list[taint.Origin]]]:
    """The fetches of a same-module helper with no host check, and the origins of their
    hosts (a ``taint.helper_sinks`` finder, run while the helper's parameters are markers)."""
    found = []
    for call in ast.walk(helper):
        if not isinstance(call, ast.Call):
            continue
        url = url_argument(ctx, call, resolve=False)
        if url is None or isinstance(url, ast.Starred) or allowlisted(ctx, call, helper):
            continue
        found.append((call, host_origins(ctx, url)))
    return found


def _url_parts(node: ast.AST) -> list[str | ast.expr] | None:
    """Literal text and interpolated expressions of a URL built with an f-string,
    ``+``, ``%`` or ``str.format``; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        parts: list[str | ast.expr] = []
        for value in node.values:
            parts.append(str(value.value) if isinstance(value, ast.Constant) else value.value)
        return parts
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _url_parts(node.left), _url_parts(node.right)
        return (left if left is not None else [node.left]) + (right if right is not None else [node.right])
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) \
            and isinstance(node.left.value, str):
        values = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
        return _interleave(re.split(r"%[-#0 +]*\d*(?:\.\d+)?[sdifrx]", node.left.value), values)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format" \
            and isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str) and not node.keywords:
        pieces = re.split(r"\{\d*\}", node.func.value.value)
        if "{" in "".join(pieces):
            return None
        return _interleave(pieces, list(node.args))
    return None


def _interleave(texts: list[str], values: list[ast.expr]) -> list[str | ast.expr] | None:
    if len(texts) != len(values) + 1:
        return None
    parts: list[str | ast.expr] = []
    for text, value in zip(texts, values):
        parts.extend([text, value])
    parts.append(texts[-1])
    return parts


def _host_part(parts: list[str | ast.expr]) -> list[ast.expr]:
    """The interpolated expressions that come before the end of the host: the first
    ``/``, ``?`` or ``#`` after ``scheme://`` plus a host, or after a leading
    expression (a base URL)."""
    if parts and isinstance(parts[0], str) and parts[0].startswith("/") and not parts[0].startswith("//"):
        return []  # a path relative to the client's base URL (``client.get(f"/users/{name}")``)
    text = ""
    before: list[ast.expr] = []
    for part in parts:
        if not isinstance(part, str):
            before.append(part)
            text += "\0"
            continue
        for char in part:
            if char in "/?#":
                scheme_end = text.find("://")
                if scheme_end >= 0 and len(text) > scheme_end + 3:
                    return before
                if scheme_end < 0 and "\0" in text and ":" not in text.replace("\0", ""):
                    return before  # BASE_URL + "/path"
            text += char
    return before


def destination_name(ctx: RuleContext, url: ast.AST) -> str | None:
    """``sub.callback_url``, ``hook.target``, ``payload.get("url")``: the text of a URL
    expression whose names say it came from outside, following local assignments."""
    candidates: list[ast.AST] = [url]
    if isinstance(url, ast.Name):
        candidates.extend(b.value for b in taint.bindings_before(ctx, url) if b.value is not None)
    for candidate in candidates:
        if isinstance(candidate, ast.Name) and set(words(candidate.id)) & DESTINATION_WORDS:
            return candidate.id  # the whole URL is ``webhook_url`` / ``callback`` (a parameter, a stored value)
        for sub in ast.walk(candidate):
            name = None
            if isinstance(sub, ast.Attribute):
                name = sub.attr
                owner = sub.value.attr if isinstance(sub.value, ast.Attribute) else getattr(sub.value, "id", "")
                if set(words(name)) & URL_WORDS and set(words(owner)) & DESTINATION_WORDS:
                    return ctx.source(candidate)  # ``hook.url``, ``subscription.endpoint``
            elif isinstance(sub, ast.Subscript) and isinstance(sub.slice, ast.Constant):
                name = str(sub.slice.value)
            elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr == "get" \
                    and sub.args and isinstance(sub.args[0], ast.Constant):
                name = str(sub.args[0].value)
                owner = sub.func.value
                if isinstance(owner, ast.Name) and owner.id in PAYLOAD_NAMES:
                    return ctx.source(candidate)
            if name and set(words(name)) & DESTINATION_WORDS:
                return ctx.source(candidate)
            if isinstance(sub, ast.Subscript) and isinstance(sub.value, ast.Name) and sub.value.id in PAYLOAD_NAMES:
                return ctx.source(candidate)
    return None


def _only_scheme_validated(ctx: RuleContext, name: ast.Name) -> bool:
    """Every check of ``name`` above this use is a call of a same-module validator that
    does not look at the host (``validate_url(url)`` testing only ``startswith("https://")``):
    the shared model counts it as validation, but it does not stop forgery."""
    function = ctx.enclosing_function(name)
    if function is None:
        return False
    weak = False
    for stmt in walk_scope(function):
        if getattr(stmt, "lineno", 0) >= name.lineno or not isinstance(stmt, (ast.If, ast.Assert, ast.Expr)):
            continue
        probe = stmt.value if isinstance(stmt, ast.Expr) else stmt.test
        if not any(isinstance(n, ast.Name) and n.id == name.id for n in ast.walk(probe)):
            continue
        for call in ast.walk(probe):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and any(
                    isinstance(a, ast.Name) and a.id == name.id for a in call.args):
                helper = ctx.module_functions.get(call.func.id)
                if isinstance(helper, (ast.FunctionDef, ast.AsyncFunctionDef)) and not allowlisted(ctx, None, helper, 1):
                    weak = True
                    break
        else:
            return False  # some other check (an allowlist of whole URLs, a regex)
    return weak


def private_helper_parameter(ctx: RuleContext, call: ast.Call, url: ast.AST) -> bool:
    """``def _fetch_feed(feed_url): requests.get(feed_url)``: a private helper's parameter
    is whatever its callers pass, and the calls that pass input are reported there."""
    function = ctx.enclosing_function(call)
    return isinstance(url, ast.Name) and function is not None and function.name.startswith("_") \
        and not function.name.startswith("__") and url.id in {a.arg for a in function.args.args + function.args.kwonlyargs}


def http_client_receiver(ctx: RuleContext, call: ast.Call) -> bool:
    """``session.get(url)`` / ``client.post(url)`` / ``self.http.get(url)`` in a module using an HTTP client."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return False
    if not ctx.imports_any(*_client_imports()):
        return False
    receiver = (ctx.dotted_name(func.value) or "").rsplit(".", 1)[-1].lower()
    return receiver in CLIENT_RECEIVERS or receiver.endswith(("_session", "_client"))


def allowlisted(ctx: RuleContext, call: ast.Call | None, function: ast.AST | None = None, depth: int = 0) -> bool:
    """A host allowlist / validation above the fetch in the same function (anywhere in
    ``function`` when ``call`` is None). A validator named for the job that we can read
    (a same-module ``validate_url``) must check the host itself: one that only looks at
    the scheme lets ``http://169.254.169.254/`` through."""
    function = function or (ctx.enclosing_function(call) if call is not None else None)
    if function is None:
        return False
    for node in ast.walk(function):
        if call is not None and getattr(node, "lineno", 0) > call.lineno:
            continue
        if isinstance(node, ast.Call):
            name = ctx.qualified_name(node.func) or ctx.dotted_name(node.func) or (
                node.func.attr if isinstance(node.func, ast.Attribute) else "")
            if CHECK_CALLS.search(name):
                helper = ctx.module_functions.get(node.func.id) if isinstance(node.func, ast.Name) else None
                if not isinstance(helper, (ast.FunctionDef, ast.AsyncFunctionDef)) or \
                        (helper is not function and depth < 3 and allowlisted(ctx, None, helper, depth + 1)):
                    return True
                continue
            if isinstance(node.func, ast.Attribute) and node.func.attr in ("endswith", "startswith") \
                    and _effective_affix(node):
                return True
        elif isinstance(node, ast.Attribute) and node.attr in ADDRESS_CHECKS:
            return True
        elif isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn, ast.Eq, ast.NotEq)) for op in node.ops):
            left = ast.unparse(node.left).lower()  # (also inside helpers: no block source)
            if any(word in left for word in HOST_WORDS) and not _is_none_check(node):
                return True
    return False


def _effective_affix(call: ast.Call) -> bool:
    """``host.endswith(".example.com")`` works; ``host.endswith("example.com")`` also
    accepts ``evil-example.com``, and ``url.startswith("https://example.com")``
    accepts ``https://example.com.evil.net``."""
    literals: list[str] = []
    for arg in call.args[:1]:
        elements = arg.elts if isinstance(arg, ast.Tuple) else [arg]
        for element in elements:
            if not (isinstance(element, ast.Constant) and isinstance(element.value, str)):
                return True  # a configured allowlist we cannot see
            literals.append(element.value)
    if not literals:
        return False
    if call.func.attr == "endswith":
        return all(text.startswith(".") for text in literals)
    return all(re.match(r"^[a-z][a-z0-9+.\-]*://[^/]+/", text) for text in literals)


def _is_none_check(node: ast.Compare) -> bool:
    return all(isinstance(c, ast.Constant) and c.value in (None, "") for c in node.comparators)
