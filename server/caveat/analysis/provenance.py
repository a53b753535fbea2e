"""Where a value comes from when it is not the client's request: the network, a file,
the program's own data. The taint model (``analysis/taint.py``) answers "does this come
from the client?"; the rules whose sinks are dangerous for *any* untrusted bytes (pickle,
``eval``) also ask these questions, so they live here once.

- :func:`network_source`: bytes read from another system (an HTTP response, a queue, a
  cache, a socket); the sources are the tables ``NETWORK_*`` below.
- :func:`constant_file` / :func:`file_content`: a file at a path the program fixes, or
  the content of a file that is read and run (a script's trust is the file's).
- :func:`data_attribute`: an attribute of a loaded object (a rule, a record) pasted into
  code.
- :func:`constant_data`: bytes the program builds from its own constants.
- :func:`round_trip`, :func:`integrity_checked`: ``loads(dumps(x))`` and an HMAC check
  before a load, which make a load safe.
- :func:`import_loader`: code compiled and run by an import-system loader, whose protocol
  that is (the trust is the module's, as for any import).
- :func:`cache_backend`: a cache backend's own methods, which load what the backend stored.
"""
from __future__ import annotations

import ast

from caveat.analysis import taint
from caveat.analysis.flow import value_before
from caveat.rules.base import RuleContext

# Network sources, by library: a call into one of these modules returns remote bytes.
NETWORK_PREFIXES = ("requests.", "httpx.", "urllib.request.", "urllib3.", "aiohttp.", "socket.", "redis.",
                    "boto3.", "botocore.", "kafka.", "pika.", "aiokafka.", "aio_pika.", "websocket", "paramiko.",
                    "ftplib.", "smtplib.", "zmq.", "memcache", "pymemcache.", "celery.", "google.cloud.")
# ... and these methods read from a connection (socket, redis, S3, Kafka/AMQP consumers, websockets).
NETWORK_METHODS = frozenset({"recv", "recv_into", "recvfrom", "recv_bytes", "recv_multipart", "read_message",
                             "get_object", "download_fileobj", "blpop", "brpop", "lpop", "rpop", "hget", "mget",
                             "consume", "poll", "basic_get", "urlopen", "receive", "receive_bytes"})
# Receivers whose ``.get``/``.read``/``.json`` reads remote data (``redis_cache.get(key)``).
NETWORK_RECEIVERS = ("redis", "cache", "socket", "sock", "response", "resp", "message", "msg", "s3", "queue",
                     "channel", "consumer", "ws", "websocket")
RESPONSE_OWNERS = ("response", "resp", "r", "res", "reply", "message", "msg", "event", "record")
FILE_OPENERS = frozenset({"open", "io.open", "gzip.open", "bz2.open", "lzma.open", "builtins.open"})
FILE_READS = frozenset({"read", "read_text", "read_bytes"})
COMPILERS = ("compile", "builtins.compile")
# Import-system loaders (PEP 451): ``exec_module`` & co. compile and run a module's source.
IMPORT_LOADERS = frozenset({f"importlib.{name}" for name in (
    "abc.Loader", "abc.InspectLoader", "abc.ExecutionLoader", "abc.FileLoader", "abc.SourceLoader",
    "abc.ResourceLoader", "machinery.SourceFileLoader", "machinery.SourcelessFileLoader", "machinery.FileLoader")})
LOADER_METHODS = frozenset({"exec_module", "load_module", "get_code", "source_to_code", "create_module"})
# Cache backends: a subclass stores values (pickled, as its base does) and loads them back.
CACHE_BACKENDS = frozenset({"cachelib.BaseCache", "cachelib.base.BaseCache", "cachelib.SimpleCache",
                            "flask_caching.backends.base.BaseCache", "flask_caching.backends.BaseCache",
                            "werkzeug.contrib.cache.BaseCache", "django.core.cache.backends.base.BaseCache"})
INTEGRITY_CALLS = frozenset({"hmac.compare_digest", "secrets.compare_digest"})
INTEGRITY_METHODS = frozenset({"compare_digest", "verify_signature", "check_signature", "verify_hmac", "check_hmac",
                               "unsign", "verify_digest"})


def network_source(ctx: RuleContext, node: ast.AST, depth: int = 3) -> str | None:
    """``requests.get(...).content``, ``redis_client.get(key)``, ``sock.recv(4096)``,
    ``base64.b64decode(request_cookie)``... followed through a few assignments: the
    source's text, or None."""
    if depth < 0:
        return None
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            if (ctx.qualified_name(sub.func) or "").startswith(NETWORK_PREFIXES):
                return f"`{ctx.source(sub.func)}`"
            func = sub.func
            if isinstance(func, ast.Attribute):
                if func.attr in NETWORK_METHODS:
                    return f"`{ctx.source(func)}`"
                receiver = (ctx.dotted_name(func.value) or "").rsplit(".", 1)[-1].lower()
                if func.attr in ("get", "read", "json") and any(
                        receiver == n or receiver.endswith("_" + n) or receiver.startswith(n + "_")
                        for n in NETWORK_RECEIVERS):
                    return f"`{ctx.source(func)}`"
        elif isinstance(sub, ast.Attribute) and sub.attr in ("content", "body", "raw") \
                and isinstance(sub.value, (ast.Name, ast.Attribute, ast.Call)):
            owner = (ctx.dotted_name(sub.value) or "").rsplit(".", 1)[-1].lower()
            if owner in RESPONSE_OWNERS or owner.endswith(("_response", "_resp", "_message", "_msg")):
                return f"`{ctx.source(sub)}`"
        elif isinstance(sub, ast.Name) and depth > 0:
            value = value_before(ctx, sub)
            if value is not None and value is not node:
                found = network_source(ctx, value, depth - 1)
                if found:
                    return found
    return None


def untrusted_source(ctx: RuleContext, data: ast.AST | None) -> tuple[str, bool]:
    """A phrase for where ``data`` comes from, and whether it is untrusted (the client
    or the network)."""
    if data is None:
        return "", False
    sources = taint.user_input_sources(ctx, data)
    if sources:
        return f"data from {sources[0]}", True
    network = network_source(ctx, data)
    if network:
        return f"data from {network}", True
    text = ctx.source(data)
    if len(text) > 40:
        text = text[:37] + "..."
    return (f"`{text}`" if text else ""), False


def untrusted_claim(ctx: RuleContext, data: ast.AST | None) -> str:
    """``taint.REQUEST`` when ``data`` is the client's own bytes (``taint.request_claim_of``) or read
    from the network; else "" (an unproven source: the application's own store, a file)."""
    if data is None:
        return ""
    if taint.request_claim_of(ctx, data, taint.user_input_sources(ctx, data)) or network_source(ctx, data):
        return taint.REQUEST
    return ""


def constant_path(ctx: RuleContext, node: ast.AST) -> bool:
    """Built only from literals, module constants and configuration (``/`` included)."""
    return all(origin.kind == "env" for origin in taint.origins(ctx, node, kind="path"))


def constant_file(ctx: RuleContext, data: ast.AST | None, depth: int = 2) -> bool:
    """``"/var/lib/app/cache.db"``, ``open(MODEL_PATH, "rb")``, ``BASE / "model.pt"``,
    or a name bound to one of those (``with open(...) as f``)."""
    if data is None or depth < 0:
        return False
    if isinstance(data, ast.Name):
        value = value_before(ctx, data)
        if value is None:
            return constant_path(ctx, data)  # a module constant, or not
        return constant_file(ctx, value, depth - 1)
    if isinstance(data, ast.Call):
        name = ctx.qualified_name(data.func) or ""
        if name in FILE_OPENERS or (isinstance(data.func, ast.Attribute) and data.func.attr in ("open", "read_bytes")):
            target = data.args[0] if data.args and name in FILE_OPENERS else (
                data.func.value if isinstance(data.func, ast.Attribute) and not name else None)
            return target is not None and constant_path(ctx, target)
        return False
    if isinstance(data, (ast.Constant, ast.JoinedStr, ast.BinOp, ast.Attribute)):
        return constant_path(ctx, data)
    return False


def constant_data(ctx: RuleContext, data: ast.AST) -> bool:
    """Bytes built only from the program's own constants (``b64decode(blobs["default"])``):
    the taint model proves ``data`` constant and no name in it is a file or connection a
    ``with`` opened (whose content the model does not follow)."""
    return taint.is_constant(ctx, data) and not _reads_opened(ctx, data)


def _reads_opened(ctx: RuleContext, node: ast.AST, depth: int = 4) -> bool:
    """Does ``node`` read a name bound by ``with`` (a file, a connection), directly or
    through the assignments that built it?"""
    for sub in ast.walk(node):
        if not isinstance(sub, ast.Name) or depth < 0:
            continue
        for binding in taint.bindings_before(ctx, sub):
            if binding.kind == "with" or (binding.value is not None and binding.value is not node
                                          and _reads_opened(ctx, binding.value, depth - 1)):
                return True
    return False


def file_content(ctx: RuleContext, node: ast.AST, depth: int = 3) -> bool:
    """``path.read_text()``, ``open(p).read()``, ``compile(fh.read(), p, "exec")``, or a
    name bound only to such a read: code that *is* a file's content."""
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Attribute) and node.func.attr in FILE_READS:
            return True
        if (ctx.qualified_name(node.func) or "") in COMPILERS and node.args:
            return file_content(ctx, node.args[0], depth)
        return False
    if isinstance(node, ast.Name) and depth > 0:
        bindings = taint.bindings_before(ctx, node)
        return bool(bindings) and all(b.kind in ("assign", "with") and b.value is not None
                                      and file_content(ctx, b.value, depth - 1) for b in bindings)
    return False


def compiled_constant(ctx: RuleContext, node: ast.AST) -> bool:
    """``compile(CONSTANT, ...)``."""
    return isinstance(node, ast.Call) and (ctx.qualified_name(node.func) or "") in COMPILERS and bool(node.args) \
        and taint.is_constant(ctx, node.args[0], kind="code")


def data_attribute(ctx: RuleContext, node: ast.AST, depth: int = 3) -> str | None:
    """``rule.condition`` / ``self.expression``: an attribute of an object (not a
    module constant, not a method) read into ``node``, directly or through local
    assignments; its text, or None."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Load) and not sub.attr.isupper():
            parent = ctx.parent(sub)
            if isinstance(parent, ast.Call) and parent.func is sub:
                continue
            base = sub.value
            if isinstance(base, ast.Name) and ctx.qualified_name(base) is None and base.id[:1].islower():
                return ctx.source(sub)
        elif isinstance(sub, ast.Name) and depth > 0 and isinstance(sub.ctx, ast.Load):
            for binding in taint.bindings_before(ctx, sub):
                if binding.value is not None and binding.kind in ("assign", "aug"):
                    found = data_attribute(ctx, binding.value, depth - 1)
                    if found:
                        return found
    return None


def import_loader(ctx: RuleContext, node: ast.AST) -> bool:
    """Is ``node`` in a loader method (``exec_module``...) of a class deriving from an
    import-system loader? Compiling and executing module source is that method's job."""
    function = ctx.enclosing_function(node)
    return function is not None and function.name in LOADER_METHODS and _derives(ctx, function, IMPORT_LOADERS)


def cache_backend(ctx: RuleContext, node: ast.AST) -> bool:
    """Is ``node`` in a method of a cache backend (a class deriving from ``cachelib.BaseCache``
    & co.)? What it loads is what it stored: the trust is the store's, by design."""
    function = ctx.enclosing_function(node)
    return function is not None and _derives(ctx, function, CACHE_BACKENDS)


def _derives(ctx: RuleContext, function: ast.AST, bases: frozenset[str]) -> bool:
    """Is ``function`` a method of a class with one of ``bases`` among its own bases?"""
    owner = ctx.enclosing(function, ast.ClassDef)
    return owner is not None and any((ctx.qualified_name(base) or "") in bases for base in owner.bases)


def round_trip(ctx: RuleContext, data: ast.AST | None) -> bool:
    """``pickle.loads(pickle.dumps(obj))``: a deep copy of the program's own object."""
    return isinstance(data, ast.Call) and (ctx.qualified_name(data.func) or "").endswith(("dumps", "dump"))


def integrity_checked(ctx: RuleContext, call: ast.Call) -> bool:
    """An HMAC / signature verification above ``call`` in the same function."""
    function = ctx.enclosing_function(call)
    if function is None:
        return False
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and getattr(node, "lineno", 0) <= call.lineno and node is not call:
            name = ctx.qualified_name(node.func) or ctx.dotted_name(node.func) or ""
            if name in INTEGRITY_CALLS or name.rsplit(".", 1)[-1].lower() in INTEGRITY_METHODS:
                return True
    return False
