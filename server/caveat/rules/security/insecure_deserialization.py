"""## What it does

Detects deserializers that can run code chosen by whoever wrote the bytes:
`pickle`/`cPickle`/`dill`/`cloudpickle`/`marshal` loads, `pickle.Unpickler`,
`joblib.load`, `pandas.read_pickle`, `shelve.open`, `jsonpickle.decode`,
`torch.load` without `weights_only=True`, `numpy.load(..., allow_pickle=True)`,
`yaml.load` without a safe loader (or with `yaml.Loader` / `UnsafeLoader` /
`FullLoader`), `yaml.unsafe_load` / `full_load` and their `_all` variants,
and ruamel's `YAML(typ="unsafe")`. Data from a request, the network, a
message queue or a cache is reported as an error; other data (a file) as a
warning.

## Why is this bad?
Unpickling calls any importable callable the byte stream names
(`os.system`, `subprocess.Popen`...): loading attacker-supplied bytes is remote
code execution, not a parsing bug. Unsafe YAML loaders construct arbitrary
Python objects the same way. A model file downloaded from the internet, a
session cookie, a Redis entry another service can write, or an uploaded file
are all attacker-supplied.

## Example
```python
@app.post("/import")
def import_data():
    return pickle.loads(request.data)

config = yaml.load(text, Loader=yaml.Loader)
model = torch.load(path)
```

## Use instead
```python
@app.post("/import")
def import_data():
    return json.loads(request.data)

config = yaml.safe_load(text)
model = torch.load(path, weights_only=True)
```

## What it does not flag
`json`, `yaml.safe_load`, `yaml.load(..., Loader=yaml.SafeLoader)`,
`torch.load(..., weights_only=True)`, `numpy.load` without `allow_pickle`,
serialization (`pickle.dumps`), restricted `Unpickler` subclasses that
override `find_class`, loads of bytes whose HMAC or signature the same
function verified first (`hmac.compare_digest`), files at fixed paths the
program ships or writes itself (`shelve.open("/var/lib/app/cache")`,
`joblib.load(MODEL_PATH)`), and `pickle.loads(pickle.dumps(obj))` copies.

## Fix safety
`yaml.load(...)`/`unsafe_load`/`full_load` -> `yaml.safe_load(...)` is safe for
plain data documents. `torch.load(..., weights_only=True)` and dropping
`allow_pickle=True` are unsafe fixes: files that contain whole pickled
objects stop loading. Pickle itself has no mechanical fix: switch the format.

## References
- https://cwe.mitre.org/data/definitions/502.html
- https://docs.python.org/3/library/pickle.html (the warning at the top)
- https://pytorch.org/docs/stable/generated/torch.load.html
"""
from __future__ import annotations

import ast

import libcst as cst

from caveat.analysis import taint
from caveat.analysis.dataflow import UNKNOWN
from caveat.analysis.flow import value_before
from caveat.engine.findings import Fix, Severity
from caveat.rules.base import Rule, RuleContext
from caveat.rules.fixkit import keyword, rewrite_expression, single_edit_fix, with_keyword, without_keyword

PICKLE_LIKE = {
    "pickle.loads": "", "pickle.load": "", "pickle.Unpickler": "",
    "_pickle.loads": "", "_pickle.load": "", "cPickle.loads": "", "cPickle.load": "",
    "six.moves.cPickle.loads": "", "six.moves.cPickle.load": "",
    "dill.loads": "", "dill.load": "", "dill.Unpickler": "",
    "cloudpickle.loads": "", "cloudpickle.load": "",
    "marshal.loads": "", "marshal.load": "",
    "joblib.load": " (it uses pickle)", "sklearn.externals.joblib.load": " (it uses pickle)",
    "pandas.read_pickle": " (it uses pickle)",
    "shelve.open": " (it uses pickle)", "shelve.DbfilenameShelf": " (it uses pickle)",
    "jsonpickle.decode": " (it rebuilds arbitrary objects)", "jsonpickle.unpickler.decode": " (it rebuilds arbitrary objects)",
    "jsonpickle.unpickler.Unpickler": " (it rebuilds arbitrary objects)",
}
YAML_UNSAFE_CALLS = {"yaml.unsafe_load": "yaml.safe_load", "yaml.unsafe_load_all": "yaml.safe_load_all",
                     "yaml.full_load": "yaml.safe_load", "yaml.full_load_all": "yaml.safe_load_all"}
YAML_LOAD = {"yaml.load": "safe_load", "yaml.load_all": "safe_load_all"}
SAFE_LOADERS = frozenset({"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"})
UNSAFE_LOADERS = frozenset({"Loader", "UnsafeLoader", "FullLoader", "CLoader", "CUnsafeLoader", "CFullLoader"})
TORCH_LOAD = frozenset({"torch.load", "torch.serialization.load"})
NETWORK_PREFIXES = ("requests.", "httpx.", "urllib.request.", "urllib3.", "aiohttp.", "socket.", "redis.",
                    "boto3.", "botocore.", "kafka.", "pika.", "aiokafka.", "aio_pika.", "websocket", "paramiko.",
                    "ftplib.", "smtplib.", "zmq.", "memcache", "pymemcache.", "celery.", "google.cloud.")
NETWORK_METHODS = frozenset({"recv", "recv_into", "recvfrom", "recv_bytes", "recv_multipart", "read_message",
                             "get_object", "download_fileobj", "blpop", "brpop", "lpop", "rpop", "hget", "mget",
                             "consume", "poll", "basic_get", "urlopen", "receive", "receive_bytes"})
NETWORK_NAMES = ("redis", "cache", "socket", "sock", "conn", "connection", "response", "resp", "r", "message", "msg",
                 "client", "s3", "queue", "channel", "consumer", "ws", "websocket", "session", "http")


class InsecureDeserialization(Rule):
    code = "CAV132"
    name = "insecure-deserialization"
    category = "insecure-deserialization"
    cwe = 502
    severity = Severity.ERROR
    fixable = True
    supersedes = ("B301", "B302", "B506", "B614")
    replaces = ("B301", "B302")

    def check(self, ctx: RuleContext) -> None:
        for call in ctx.nodes(ast.Call):
            name = ctx.qualified_name(call.func)
            if name is None:
                if isinstance(call.func, ast.Attribute) and call.func.attr == "load" and isinstance(call.func.value, ast.Call):
                    self._ruamel(ctx, call)
                continue
            if name in PICKLE_LIKE:
                self._pickle(ctx, call, name, PICKLE_LIKE[name])
            elif name in YAML_UNSAFE_CALLS:
                self._yaml(ctx, call, name, f"`{ctx.source(call.func)}` constructs arbitrary Python objects",
                           YAML_UNSAFE_CALLS[name])
            elif name in YAML_LOAD:
                self._yaml_load(ctx, call, name)
            elif name in TORCH_LOAD:
                self._torch(ctx, call)
            elif name == "numpy.load":
                allow = keyword(call, "allow_pickle")
                if allow is not None and isinstance(allow.value, ast.Constant) and allow.value.value is True:
                    self._report(ctx, call, call.args[0] if call.args else None,
                                 f"`{ctx.source(call.func)}(..., allow_pickle=True)` unpickles object arrays",
                                 "keep `allow_pickle=False` (the default) and store plain arrays",
                                 fix=single_edit_fix("Do not unpickle object arrays (drop allow_pickle=True)",
                                                     rewrite_expression(ctx, call, lambda e: without_keyword(e, "allow_pickle")),
                                                     safe=False))

    # --- sinks -----------------------------------------------------------------------
    def _pickle(self, ctx: RuleContext, call: ast.Call, name: str, what: str) -> None:
        data = call.args[0] if call.args else (call.keywords[0].value if call.keywords else None)
        if name.startswith("shelve."):
            verb = f"`{ctx.source(call.func)}` unpickles every value it reads"
            advice = "store plain data with `json` or `sqlite3` instead of a shelf"
        else:
            verb = f"`{ctx.source(call.func)}`{what} runs code chosen by whoever wrote the bytes"
            advice = ("use a data-only format (`json`, `safetensors` for tensors) or verify an HMAC of the bytes "
                      "with `hmac.compare_digest` before loading")
        self._report(ctx, call, data, verb, advice)

    def _yaml_load(self, ctx: RuleContext, call: ast.Call, name: str) -> None:
        loader = keyword(call, "Loader")
        loader_value = loader.value if loader is not None else (call.args[1] if len(call.args) >= 2 else None)
        if loader_value is not None:
            short = (ctx.qualified_name(loader_value) or ctx.dotted_name(loader_value) or "").rsplit(".", 1)[-1]
            if short in SAFE_LOADERS or short not in UNSAFE_LOADERS:
                return  # a safe loader, or a custom one (bandit's B506 still looks at it)
            verb = f"`{ctx.source(call.func)}` with `{short}` constructs arbitrary Python objects"
        else:
            verb = f"`{ctx.source(call.func)}` without a safe `Loader` constructs arbitrary Python objects"
        self._yaml(ctx, call, name, verb, "yaml." + YAML_LOAD[name])

    def _yaml(self, ctx: RuleContext, call: ast.Call, name: str, verb: str, safe: str) -> None:
        data = call.args[0] if call.args else (keyword(call, "stream").value if keyword(call, "stream") else None)
        self._report(ctx, call, data, verb, f"use `{safe}`", fix=_yaml_fix(ctx, call, safe))

    def _torch(self, ctx: RuleContext, call: ast.Call) -> None:
        weights = keyword(call, "weights_only")
        if weights is not None and not (isinstance(weights.value, ast.Constant) and weights.value.value is False):
            return  # True, or a variable the caller controls
        data = call.args[0] if call.args else (keyword(call, "f").value if keyword(call, "f") else None)
        fix = single_edit_fix("Load tensors only (weights_only=True)",
                              rewrite_expression(ctx, call, lambda e: with_keyword(e, "weights_only", "True")), safe=False)
        self._report(ctx, call, data, f"`{ctx.source(call.func)}` without `weights_only=True` unpickles the file",
                     "pass `weights_only=True` (or store weights with `safetensors`)", fix=fix)

    def _ruamel(self, ctx: RuleContext, call: ast.Call) -> None:
        maker = call.func.value
        if (ctx.qualified_name(maker.func) or "") not in ("ruamel.yaml.YAML", "ruamel.yaml.main.YAML"):
            return
        typ = keyword(maker, "typ")
        if typ is not None and isinstance(typ.value, ast.Constant) and typ.value.value == "unsafe":
            self._report(ctx, call, call.args[0] if call.args else None,
                         "ruamel `YAML(typ=\"unsafe\")` constructs arbitrary Python objects", "use `YAML(typ=\"safe\")`")

    # --- policy -----------------------------------------------------------------------
    def _report(self, ctx: RuleContext, call: ast.Call, data: ast.AST | None, verb: str, advice: str,
                fix: Fix | None = None) -> None:
        if self._integrity_checked(ctx, call) or _round_trip(ctx, data):
            return
        source, untrusted = _describe(ctx, data)
        if not untrusted and (_constant_file(ctx, data, 2) or (data is not None and taint.constant_value(ctx, data) is not UNKNOWN)):
            return  # a file at a fixed path, or data written in the program itself: its own artifact
        if untrusted:
            message = f"{verb}, and it loads {source}: that is remote code execution. Instead, {advice}."
            severity = Severity.ERROR
        else:
            where = f" {source}" if source else ""
            message = (f"{verb}; loading{where} is code execution for anyone who can write that data. "
                       f"Instead, {advice}.")
            severity = Severity.WARNING
        ctx.report(self, call, message, fix=fix, severity=severity)

    @staticmethod
    def _integrity_checked(ctx: RuleContext, call: ast.Call) -> bool:
        """An HMAC / signature verification above the load in the same function."""
        function = ctx.enclosing_function(call)
        if function is None:
            return False
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and getattr(node, "lineno", 0) <= call.lineno and node is not call:
                name = ctx.qualified_name(node.func) or ctx.dotted_name(node.func) or ""
                short = name.rsplit(".", 1)[-1].lower()
                if name in ("hmac.compare_digest", "secrets.compare_digest") or short in (
                        "compare_digest", "verify_signature", "check_signature", "verify_hmac", "check_hmac",
                        "unsign", "verify_digest"):
                    return True
        return False


def _describe(ctx: RuleContext, data: ast.AST | None) -> tuple[str, bool]:
    """A phrase for where ``data`` comes from, and whether it is untrusted."""
    if data is None:
        return "", False
    sources = taint.user_input_sources(ctx, data)
    if sources:
        return f"data from {sources[0]}", True
    network = _network_source(ctx, data, 3)
    if network:
        return f"data from {network}", True
    text = ctx.source(data)
    if len(text) > 40:
        text = text[:37] + "..."
    return (f"`{text}`" if text else ""), False


def _round_trip(ctx: RuleContext, data: ast.AST | None) -> bool:
    """``pickle.loads(pickle.dumps(obj))``: a deep copy of the program's own object."""
    return isinstance(data, ast.Call) and (ctx.qualified_name(data.func) or "").endswith(("dumps", "dump"))


FILE_OPENERS = frozenset({"open", "io.open", "gzip.open", "bz2.open", "lzma.open", "builtins.open"})


def _constant_file(ctx: RuleContext, data: ast.AST | None, depth: int) -> bool:
    """``"/var/lib/app/cache.db"``, ``open(MODEL_PATH, "rb")``, ``BASE / "model.pt"``,
    or a name bound to one of those (``with open(...) as f``)."""
    if data is None or depth < 0:
        return False
    if isinstance(data, ast.Name):
        value = value_before(ctx, data)
        if value is None:
            return _constant_path(ctx, data)  # a module constant, or not
        return _constant_file(ctx, value, depth - 1)
    if isinstance(data, ast.Call):
        name = ctx.qualified_name(data.func) or ""
        if name in FILE_OPENERS or (isinstance(data.func, ast.Attribute) and data.func.attr in ("open", "read_bytes")):
            target = data.args[0] if data.args and name in FILE_OPENERS else (
                data.func.value if isinstance(data.func, ast.Attribute) and not name else None)
            return target is not None and _constant_path(ctx, target)
        return False
    if isinstance(data, (ast.Constant, ast.JoinedStr, ast.BinOp, ast.Attribute)):
        return _constant_path(ctx, data)
    return False


def _constant_path(ctx: RuleContext, node: ast.AST) -> bool:
    """Built only from literals, module constants and configuration (``/`` included)."""
    return all(origin.kind == "env" for origin in taint.origins(ctx, node, kind="path"))


def _network_source(ctx: RuleContext, node: ast.AST, depth: int) -> str | None:
    """``requests.get(...).content``, ``redis_client.get(key)``, ``sock.recv(4096)``,
    ``base64.b64decode(request_cookie)``... followed through a few assignments."""
    if depth < 0:
        return None
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            name = ctx.qualified_name(sub.func) or ""
            if name.startswith(NETWORK_PREFIXES):
                return f"`{ctx.source(sub.func)}`"
            func = sub.func
            if isinstance(func, ast.Attribute):
                if func.attr in NETWORK_METHODS:
                    return f"`{ctx.source(func)}`"
                receiver = (ctx.dotted_name(func.value) or "").rsplit(".", 1)[-1].lower()
                if func.attr in ("get", "read", "json") and any(
                        receiver == n or receiver.endswith("_" + n) or receiver.startswith(n + "_") for n in NETWORK_NAMES
                        if n not in ("r", "conn", "connection", "session", "client", "http")):
                    return f"`{ctx.source(func)}`"
        elif isinstance(sub, ast.Attribute) and sub.attr in ("content", "body", "raw") and isinstance(sub.value, (ast.Name, ast.Attribute, ast.Call)):
            owner = (ctx.dotted_name(sub.value) or "").rsplit(".", 1)[-1].lower()
            if owner in ("response", "resp", "r", "res", "reply", "message", "msg", "event", "record") \
                    or owner.endswith(("_response", "_resp", "_message", "_msg")):
                return f"`{ctx.source(sub)}`"
        elif isinstance(sub, ast.Name) and depth > 0:
            value = value_before(ctx, sub)
            if value is not None and value is not node:
                found = _network_source(ctx, value, depth - 1)
                if found:
                    return found
    return None


def _yaml_fix(ctx: RuleContext, call: ast.Call, safe: str) -> Fix | None:
    if not isinstance(call.func, ast.Attribute):
        return None
    attr = safe.rsplit(".", 1)[-1]

    def transform(expr: cst.BaseExpression):
        if not isinstance(expr, cst.Call) or not isinstance(expr.func, cst.Attribute):
            return None
        expr = without_keyword(expr, "Loader") or expr
        if len(expr.args) >= 2 and expr.args[1].keyword is None:
            args = list(expr.args[:1]) + list(expr.args[2:])
            args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            expr = expr.with_changes(args=args)
        return expr.with_changes(func=expr.func.with_changes(attr=cst.Name(attr)))

    return single_edit_fix(f"Use `{safe}`", rewrite_expression(ctx, call, transform))
