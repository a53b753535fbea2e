"""## What it does

Detects network calls made without a timeout: `requests` (module functions and
`Session` methods), `urllib.request.urlopen`, `aiohttp.ClientSession()` / `aiohttp.request`,
`urllib3.PoolManager`, `socket.create_connection`, `smtplib`, `ftplib`, `poplib`, `imaplib`,
`telnetlib` and `http.client` connections, raw `socket.socket()` connections never given
`settimeout()`, websocket-client connections, `xmlrpc.client.ServerProxy`, paramiko's
`SSHClient.connect`, redis and pymongo clients without a socket timeout, httpx calls or
clients and `aiohttp.ClientTimeout`s whose limits were switched off (`timeout=None`,
`ClientTimeout(total=None)`), and - when enabled with the `boto3-timeouts` option -
boto3 clients/resources without a `botocore.config.Config` carrying
`connect_timeout`/`read_timeout`.

## Why is this bad?

Without a timeout, a server that accepts the connection and then stops answering keeps
the call waiting forever: the worker, thread or request handler is stuck, the pool fills
up, and the whole service stops responding (CWE-400, CWE-1088). `requests` and the
standard library have *no* default timeout; `timeout=None` spells the same thing out.

## Example
```python
response = requests.get(url)
session = requests.Session()
session.post(api_url, json=payload)
```

## Use instead
```python
response = requests.get(url, timeout=10)
session.post(api_url, json=payload, timeout=(3.05, 10))
```

## What it does not flag
- A timeout passed positionally where the API takes one
  (`urlopen(url, data, 10)`, `socket.create_connection(addr, 5)`).
- Calls with `**kwargs` (the timeout may be inside), and sessions or clients it cannot
  trace to their constructor - except a `session`/`self.session`/`http_session` called
  with a URL in a module that imports `requests` and no other HTTP client or ORM (then it
  is a requests session).
- A `requests.Session` on which the same function mounts an adapter (`session.mount(...)`,
  e.g. a `TimeoutHTTPAdapter`) or replaces `session.request`.
- httpx calls and clients without `timeout=` (httpx defaults to 5 seconds).
- An `aiohttp.ClientSession()` or `urllib3.PoolManager()` whose requests in the same
  function all pass `timeout=`.
- boto3 clients by default: botocore already applies 60-second connect and read
  timeouts, so the wait is bounded; set `boto3-timeouts = true` under
  `[tool.caveat.options.missing-timeout]` to require an explicit `Config` (clients given
  a `config=` the rule cannot see are never flagged).
- Code that calls `socket.setdefaulttimeout(...)` in the same function.
- A socket connected only as a probe ("is this port / UNIX socket in use?", "which local
  address routes there?"): never read, written, returned or handed on in the function, only
  closed (or tested for `None`).

This rule supersedes and replaces bandit's B113.

## Fix safety
The fix adds `timeout=10` (the `timeout` option below sets the value),
`timeout=aiohttp.ClientTimeout(total=10)` for aiohttp, or `connect_timeout`/`read_timeout`
on the botocore `Config`. It is unsafe: a call that legitimately takes longer than the
chosen value will now fail.

## References
- https://cwe.mitre.org/data/definitions/400.html
- https://cwe.mitre.org/data/definitions/1088.html
- https://requests.readthedocs.io/en/latest/user/advanced/#timeouts
- https://bandit.readthedocs.io/en/latest/plugins/b113_request_without_timeout.html
"""
from __future__ import annotations

import ast

from caveat.analysis.flow import walk_scope
from caveat.engine.findings import Severity
from caveat.rules import fixkit
from caveat.rules.base import Option, Rule, RuleContext
from caveat.rules.edge._common_a import (
    add_keyword,
    has_star_kwargs,
    is_none,
    keyword,
    local_name_for,
    requests_session_call,
    resolved_call_name,
    rewrite_expression,
    value_before,
)

_MODULES = ("requests", "httpx", "urllib", "aiohttp", "socket", "smtplib", "ftplib", "http",
            "xmlrpc", "boto3", "urllib3", "poplib", "imaplib", "telnetlib", "paramiko", "redis",
            "pymongo", "motor", "websocket")
_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
_REQUESTS = {f"requests.{verb}" for verb in _VERBS} | {f"requests.api.{verb}" for verb in _VERBS}
_SESSIONS = ("requests.Session", "requests.session", "requests.sessions.Session",
             "requests.sessions.session")
_SESSION_METHODS = {f"{session}.{verb}" for session in _SESSIONS for verb in _VERBS}

# Constructors / functions that take the timeout as keyword or at this positional index.
_STDLIB = {
    "urllib.request.urlopen": 2,
    "urllib.request.build_opener.open": 2,
    "urllib.request.OpenerDirector.open": 2,
    "socket.create_connection": 1,
    "smtplib.SMTP": 3,
    "smtplib.SMTP_SSL": 5,
    "smtplib.LMTP": 4,
    "ftplib.FTP": 4,
    "ftplib.FTP_TLS": 7,
    "http.client.HTTPConnection": 2,
    "http.client.HTTPSConnection": 4,
    "poplib.POP3": 2,
    "poplib.POP3_SSL": 4,
    "imaplib.IMAP4": 2,
    "imaplib.IMAP4_SSL": 5,
    "telnetlib.Telnet": 2,
    "paramiko.SSHClient.connect": 6,
    "paramiko.client.SSHClient.connect": 6,
    "aiohttp.request": None,
    "urllib3.request": None,
}
_HTTPX_CALLS = {f"httpx.{verb}" for verb in (*_VERBS, "stream")}
_HTTPX_CLIENTS = {"httpx.Client", "httpx.AsyncClient"}
_HTTPX_CLIENT_METHODS = {f"{client}.{verb}" for client in _HTTPX_CLIENTS for verb in (*_VERBS, "stream", "send")}
_POOLED = {  # constructor -> methods that may carry their own timeout
    "aiohttp.ClientSession": ("get", "post", "put", "patch", "delete", "head", "options", "request", "ws_connect"),
    "urllib3.PoolManager": ("request", "urlopen", "request_encode_url", "request_encode_body"),
    "urllib3.HTTPConnectionPool": ("request", "urlopen"),
    "urllib3.HTTPSConnectionPool": ("request", "urlopen"),
    "urllib3.connectionpool.HTTPConnectionPool": ("request", "urlopen"),
}
_BOTO3 = {"boto3.client", "boto3.resource", "boto3.Session.client", "boto3.Session.resource",
          "boto3.session.Session.client", "boto3.session.Session.resource"}
_SERVER_PROXY = {"xmlrpc.client.ServerProxy", "xmlrpclib.ServerProxy"}
# Clients whose socket timeout defaults to "wait forever": constructor -> keywords that set one
# (the first is the one to suggest), or hand over connections configured elsewhere (a pool).
_SOCKET_CLIENTS = {
    "redis.Redis": ("socket_timeout", "connection_pool"),
    "redis.StrictRedis": ("socket_timeout", "connection_pool"),
    "redis.client.Redis": ("socket_timeout", "connection_pool"),
    "redis.from_url": ("socket_timeout",),
    "redis.Redis.from_url": ("socket_timeout",),
    "redis.asyncio.Redis": ("socket_timeout", "connection_pool"),
    "redis.asyncio.from_url": ("socket_timeout",),
    "pymongo.MongoClient": ("socketTimeoutMS", "timeoutMS"),
    "motor.motor_asyncio.AsyncIOMotorClient": ("socketTimeoutMS", "timeoutMS"),
}


class MissingTimeout(Rule):
    code = "CAV203"
    name = "missing-timeout"
    category = "missing-timeout"
    cwe = 400
    severity = Severity.WARNING
    fixable = True
    supersedes = ("B113",)
    replaces = ("B113",)
    options = (
        Option("timeout", float, 10, "The seconds the messages and quick-fixes suggest (`timeout=10`, "
               "`ClientTimeout(total=10)`, `socket_timeout=10`, botocore's `read_timeout`).", above=0),
        Option("boto3-timeouts", bool, False, "Also report boto3 clients and resources created without a "
               "botocore `Config` carrying `connect_timeout`/`read_timeout`."),
    )

    def check(self, ctx: RuleContext) -> None:
        if not ctx.imports_any(*_MODULES):
            return
        seconds = self.option(ctx, "timeout")
        for call in ctx.nodes(ast.Call):
            name = ctx.qualified_name(call.func)
            if name is None:
                if not isinstance(call.func, ast.Attribute):
                    continue
                name = resolved_call_name(ctx, call)
                if name is None:
                    if not requests_session_call(ctx, call):
                        continue
                    name = f"requests.Session.{call.func.attr}"
            if has_star_kwargs(call):
                continue
            self._check_call(ctx, call, name, seconds)

    def _check_call(self, ctx: RuleContext, call: ast.Call, name: str, seconds) -> None:
        label = f"`{ctx.dotted_name(call.func) or name}()`"
        timeout = keyword(call, "timeout")
        if name in _REQUESTS or name in _SESSION_METHODS:
            if name in _SESSION_METHODS and _session_configured(ctx, call):
                return
            if timeout is None:
                self._missing(ctx, call, label, seconds,
                              "requests has no default timeout, so if the server stops answering "
                              "this call blocks forever and ties up the worker")
            elif is_none(timeout.value) or (isinstance(timeout.value, ast.Tuple)
                                            and any(is_none(e) for e in timeout.value.elts)):
                self._explicit_none(ctx, call, label, seconds, "requests")
            return
        if name in _HTTPX_CALLS or name in _HTTPX_CLIENTS or name in _HTTPX_CLIENT_METHODS:
            if timeout is not None and is_none(timeout.value):
                self._explicit_none(ctx, call, label, seconds, "httpx")
            return
        if name == "httpx.Timeout":
            if (call.args and is_none(call.args[0]) and not call.keywords) or (
                    timeout is not None and is_none(timeout.value) and len(call.keywords) == 1):
                ctx.report(self, call, f"{label} switches off every httpx timeout: a stalled server "
                           f"blocks the request forever; use `httpx.Timeout({seconds})`.")
            return
        if name in _STDLIB:
            if timeout is not None:
                if is_none(timeout.value):
                    self._explicit_none(ctx, call, label, seconds, "the socket")
                return
            index = _STDLIB[name]
            if index is not None and (len(call.args) > index or any(isinstance(a, ast.Starred) for a in call.args)):
                return
            if _sets_default_timeout(ctx, call):
                return
            self._missing(ctx, call, label, seconds,
                          "the socket has no timeout by default, so a server that stops answering "
                          "blocks this call forever")
            return
        if name in _POOLED:
            if timeout is None and not _requests_carry_timeout(ctx, call, _POOLED[name]):
                self._pooled(ctx, call, label, name, seconds)
            return
        if name in ("socket.socket.connect", "socket.socket.connect_ex"):
            if not _socket_timeout_set(ctx, call) and not _sets_default_timeout(ctx, call) \
                    and not _probe_only(ctx, call):
                receiver = ctx.dotted_name(call.func.value) or "the socket"
                ctx.report(self, call, f"{label} connects a socket that has no timeout: a peer that accepts "
                           f"and then stops answering blocks every later `recv()` forever; call "
                           f"`{receiver}.settimeout({seconds})` first (or use "
                           f"`socket.create_connection(address, timeout={seconds})`).")
            return
        if name == "websocket.create_connection":
            if timeout is None or is_none(timeout.value):
                self._missing(ctx, call, label, seconds, "websocket-client waits forever by default for a "
                              "server that stops answering")
            return
        if name in _SOCKET_CLIENTS:
            accepted = _SOCKET_CLIENTS[name]
            if not any(keyword(call, kw) is not None for kw in accepted):
                option = accepted[0]
                value = round(seconds * 1000) if option.endswith("MS") else seconds
                message = (f"{label} has no `{option}`: the client waits forever on a server that "
                           f"accepts the connection and stops answering, blocking every caller; pass "
                           f"`{option}={value}`.")
                fix = fixkit.single_edit_fix(f"Add `{option}={value}`", rewrite_expression(
                    ctx, call, lambda node: add_keyword(node, option, repr(value))), safe=False)
                ctx.report(self, call, message, fix=fix)
            return
        if name == "aiohttp.ClientTimeout":
            limits = [kw for kw in call.keywords if kw.arg in ("total", "connect", "sock_read", "sock_connect")]
            positional = [arg for arg in call.args[:4] if not is_none(arg)]
            if not positional and all(is_none(kw.value) for kw in limits):
                ctx.report(self, call, f"{label} sets no limit at all (`total=None` and no connect/read "
                           f"limits): requests made with it wait forever on a stalled server; use "
                           f"`ClientTimeout(total={seconds})`.")
            return
        if name in _BOTO3:
            if self.option(ctx, "boto3-timeouts"):
                self._check_boto3(ctx, call, label, seconds)
            return
        if name in _SERVER_PROXY:
            if keyword(call, "transport") is None and len(call.args) < 2:
                ctx.report(self, call, f"{label} has no timeout and takes none: a stalled XML-RPC server "
                           f"blocks every call forever; pass `transport=` a `Transport` subclass whose "
                           f"`make_connection` sets a timeout.")

    # --- reports --------------------------------------------------------------
    def _missing(self, ctx: RuleContext, call: ast.Call, label: str, seconds, why: str) -> None:
        message = f"{label} has no timeout: {why}; pass `timeout={seconds}` (seconds)."
        fix = fixkit.single_edit_fix(f"Add `timeout={seconds}`", rewrite_expression(
            ctx, call, lambda node: add_keyword(node, "timeout", repr(seconds))), safe=False)
        ctx.report(self, call, message, fix=fix)

    def _explicit_none(self, ctx: RuleContext, call: ast.Call, label: str, seconds, library: str) -> None:
        message = (f"{label} passes `timeout=None`, which disables {library}'s timeout: a server that "
                   f"stops answering blocks this call forever; pass `timeout={seconds}` (seconds).")
        fix = fixkit.single_edit_fix(f"Use `timeout={seconds}`", rewrite_expression(
            ctx, call, lambda node: add_keyword(node, "timeout", repr(seconds))), safe=False)
        ctx.report(self, call, message, fix=fix)

    def _pooled(self, ctx: RuleContext, call: ast.Call, label: str, name: str, seconds) -> None:
        if name == "aiohttp.ClientSession":
            timeout_cls = local_name_for(ctx, "aiohttp.ClientTimeout")
            value = f"{timeout_cls}(total={seconds})" if timeout_cls else None
            message = (f"{label} is created without `timeout=` and none of its requests here pass one: "
                       f"aiohttp then waits up to 5 minutes per request and has no per-read limit, so a "
                       f"stalled server holds the task; pass `timeout=aiohttp.ClientTimeout(total={seconds})`.")
        else:
            value = repr(seconds)
            message = (f"{label} is created without `timeout=` and none of its requests here pass one: "
                       f"urllib3 then waits forever on a server that stops answering; pass "
                       f"`timeout={seconds}` (or a `urllib3.Timeout`).")
        fix = None
        if value is not None:
            fix = fixkit.single_edit_fix("Add a timeout", rewrite_expression(
                ctx, call, lambda node: add_keyword(node, "timeout", value)), safe=False)
        ctx.report(self, call, message, fix=fix)

    def _check_boto3(self, ctx: RuleContext, call: ast.Call, label: str, seconds) -> None:
        config = keyword(call, "config")
        message = (f"{label} has no botocore `Config(connect_timeout=..., read_timeout=...)`: botocore "
                   f"waits 60 s per attempt and retries, so a stalled endpoint blocks the caller for "
                   f"minutes; pass `config=Config(connect_timeout={seconds}, read_timeout={seconds})`.")
        if config is None:
            config_cls = local_name_for(ctx, "botocore.config.Config")
            fix = None
            if config_cls:
                value = f"{config_cls}(connect_timeout={seconds}, read_timeout={seconds})"
                fix = fixkit.single_edit_fix("Add a botocore Config with timeouts", rewrite_expression(
                    ctx, call, lambda node: add_keyword(node, "config", value)), safe=False)
            ctx.report(self, call, message, fix=fix)
            return
        value = config.value
        if isinstance(value, ast.Name):
            value = value_before(ctx, value)
        if not isinstance(value, ast.Call) or ctx.qualified_name(value.func) not in (
                "botocore.config.Config", "botocore.client.Config"):
            return  # a config we cannot see
        if has_star_kwargs(value) or keyword(value, "connect_timeout") or keyword(value, "read_timeout"):
            return
        config_call = value

        def add_timeouts(node):
            node = add_keyword(node, "connect_timeout", repr(seconds))
            return add_keyword(node, "read_timeout", repr(seconds)) if node is not None else None

        fix = fixkit.single_edit_fix("Add connect/read timeouts to the Config",
                                     rewrite_expression(ctx, config_call, add_timeouts), safe=False)
        ctx.report(self, call, message, fix=fix)


def _receiver_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.value.id
    return None


def _scope(ctx: RuleContext, node: ast.AST) -> ast.AST:
    return ctx.enclosing(node, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda) or ctx.tree


def _session_configured(ctx: RuleContext, call: ast.Call) -> bool:
    """The function mounts an adapter on the session or replaces its ``request``."""
    receiver = _receiver_name(call)
    if receiver is None:
        return False
    for node in walk_scope(_scope(ctx, call)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "mount" \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == receiver:
            return True
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr in ("request", "send") \
                        and isinstance(target.value, ast.Name) and target.value.id == receiver:
                    return True
    return False


def _bound_name(ctx: RuleContext, call: ast.Call) -> str | None:
    parent = ctx.parent(call)
    if isinstance(parent, ast.Await):
        call, parent = parent, ctx.parent(parent)
    if isinstance(parent, ast.withitem) and isinstance(parent.optional_vars, ast.Name):
        return parent.optional_vars.id
    if isinstance(parent, (ast.Assign, ast.AnnAssign)):
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        if len(targets) == 1 and isinstance(targets[0], ast.Name):
            return targets[0].id
    return None


def _requests_carry_timeout(ctx: RuleContext, constructor: ast.Call, methods: tuple[str, ...]) -> bool:
    """Every request made on the pooled client in this function passes a timeout."""
    name = _bound_name(ctx, constructor)
    if name is None:
        return False
    seen = False
    for node in walk_scope(_scope(ctx, constructor)):
        if isinstance(node, ast.Call) and _receiver_name(node) == name and node.func.attr in methods:
            if keyword(node, "timeout") is None and not has_star_kwargs(node):
                return False
            seen = True
    return seen


def _socket_timeout_set(ctx: RuleContext, call: ast.Call) -> bool:
    """``sock.settimeout(...)`` / ``sock.setblocking(False)`` on the same socket in the function."""
    receiver = _receiver_name(call)
    if receiver is None:
        return True  # not a socket we can follow
    for node in walk_scope(_scope(ctx, call)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("settimeout", "setblocking") \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == receiver:
            return True
    return False


# What a connected socket is used for afterwards that can wait on the peer.
_EXCHANGES = frozenset({"recv", "recv_into", "recvfrom", "recvfrom_into", "recvmsg", "send", "sendall", "sendto",
                        "sendmsg", "sendfile", "makefile", "accept", "dup", "detach"})


def _probe_only(ctx: RuleContext, call: ast.Call) -> bool:
    """``sock.connect(path)`` only to learn whether something listens (a port or a UNIX socket in use):
    the socket is never read, written, returned or handed on in the function, only closed, so no
    later ``recv()`` can hang."""
    receiver = _receiver_name(call)
    if receiver is None:
        return False
    for node in walk_scope(_scope(ctx, call)):
        if not (isinstance(node, ast.Name) and node.id == receiver and isinstance(node.ctx, ast.Load)):
            continue
        parent = ctx.parent(node)
        if _only_tested(ctx, node, parent):
            continue  # ``if sock is not None:`` / ``if sock:`` hands nothing on
        if not (isinstance(parent, ast.Attribute) and isinstance(ctx.parent(parent), ast.Call)) \
                or parent.attr in _EXCHANGES:
            if not isinstance(parent, ast.withitem):
                return False  # talked to, returned, stored or passed on
    return True


def _only_tested(ctx: RuleContext, node: ast.Name, parent: ast.AST) -> bool:
    """The name is only compared with ``None`` or tested for truth (``if sock:``, ``not sock``)."""
    if isinstance(parent, ast.Compare):
        return all(isinstance(op, (ast.Is, ast.IsNot)) for op in parent.ops) \
            and all(isinstance(side, ast.Constant) and side.value is None
                    for side in (parent.left, *parent.comparators) if side is not node)
    if isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not):
        return True
    return isinstance(parent, (ast.If, ast.While, ast.IfExp, ast.Assert)) and parent.test is node


def _sets_default_timeout(ctx: RuleContext, call: ast.Call) -> bool:
    return any(ctx.qualified_name(node.func) == "socket.setdefaulttimeout"
               for node in walk_scope(_scope(ctx, call)) if isinstance(node, ast.Call))
