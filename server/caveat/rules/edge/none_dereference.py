"""## What it does

Detects the result of a call that returns None on a miss - `re.match()`, `dict.get()`,
`os.environ.get()`, `shutil.which()`, BeautifulSoup/ElementTree `find()`, ORM
`.first()`, `cursor.fetchone()`, `mimetypes.guess_type()[0]`, `urlparse().hostname`,
`getattr(..., None)`, `next(..., None)`, or a function of the same module that returns
None on some paths - being used (attribute, method, subscript, iteration,
`int()`/`len()`, a subprocess argument) without a check for None.

## Why is this bad?

These APIs signal "nothing found" by returning None instead of raising. Code written
for the happy path - the regex matches, the header is present, the element exists,
the row is there - then fails far from the cause with
`AttributeError: 'NoneType' object has no attribute 'group'` or
`TypeError: 'NoneType' object is not subscriptable`, usually on the first unusual
input in production (CWE-476).

## Example
```python
def parse_version(text):
    return re.match(r"v(\\d+)\\.(\\d+)", text).group(1)

def bearer_token(request):
    return request.headers.get("Authorization").split(" ")[1]
```

## Use instead
```python
def parse_version(text):
    match = re.match(r"v(\\d+)\\.(\\d+)", text)
    if match is None:
        raise ValueError(f"not a version: {text!r}")
    return match.group(1)

def bearer_token(request):
    header = request.headers.get("Authorization", "")
    ...
```

## What it does not flag
- Uses behind a check: `if m:`, `if m is not None`, `if not m: return/raise/continue`,
  `assert m`, walrus `if (m := ...)`, `m.group() if m else None`, `m and m.group()`,
  a comprehension filter, `isinstance`, a repair (`if v is None: v = {}`), `if key in d`,
  or a surrounding `try/except AttributeError/TypeError/Exception`.
- `.get(key, default)` with a non-None default; `.get()` on HTTP clients and sessions
  (`requests.get`, `client.get(url)`); `.get()` of a key the same function put in a dict
  literal; `.get()` on the result of an arbitrary call (`obj.method().get(k)`) - only
  mapping-producing calls (`.json()`, `json.loads()`, `dict()`, `.groupdict()`) count.
- `.get()` on the application's configuration (`config`, `app.config`, `self._settings`,
  `site_config`...): its keys are declared with their defaults, so a missing key is a
  deployment error, not a None met on some input (a `conf` bound to `json.loads(...)` or a
  dict is data and still counts); `.get([...])` with a list key (not hashable: not
  `dict.get`); `Model.get(pk)` on a class (its own query or factory).
- Methods of the same class that may return None (they live in other blocks); module
  helpers whose None-returning path sits behind a flag parameter the call leaves at
  its default (`def find(x, can_fail=False): ... if can_fail: return None`).
- `re.match()` with a literal pattern that matches the empty string (it always matches).
- `cursor.fetchone()` after an aggregate query (`SELECT COUNT(*) ...`) or a query
  without `FROM` (both always return a row); when the query is not visible, nothing
  is reported.
- `str.find()` (an int): `find()` counts as an element lookup only when the result is
  used like an element (`.text`, `.get()`, `["href"]`, `.find()`...).
- Compiled patterns are recognised when bound by `re.compile` in the same function or
  named like a pattern (`EMAIL_RE`, `DATE_PATTERN`, `self._regex`) in a module that
  imports `re`; module-level values are not visible to the per-block analysis.

## Fix safety
For a chained call the fix binds the result with a walrus and returns None on a miss
(`(m.group(1) if (m := re.match(p, s)) else None)`); for a name it wraps the use
(`(v.lower() if v is not None else None)`); for iteration it iterates `(v or ())`.
This moves the None to the caller instead of raising here, so it is offered as an
unsafe fix: often the better remedy is a default or an explicit error.

## References
- https://cwe.mitre.org/data/definitions/476.html
- https://docs.python.org/3/library/re.html#re.match
- https://docs.python.org/3/library/stdtypes.html#dict.get
"""
from __future__ import annotations

import ast
import re

from caveat.analysis.flow import scope_of
from caveat.analysis.guards import Keys, expr_key, is_guarded, loads_of, reaching_value, stmt_terminates
from caveat.engine.findings import Fix
from caveat.rules.base import Rule, RuleContext
from caveat.rules.edge._common_b import (
    fresh_name, in_comprehension, last_name, postfix_chain, segment, string_value)

_REGEX_FUNCS = {f"{m}.{f}" for m in ("re", "regex") for f in ("match", "search", "fullmatch")}
_PATTERN_NAME = re.compile(r"(?:^|_)(?:re|rx|regex|regexp|pattern|pat|matcher)$|^_?(?:re|rx|regex|pattern|pat)_", re.I)
_CLIENT_NAME = re.compile(r"client|session|^sess$|http|api|requests|httpx|browser|driver|page|router|app$|queue|"
                          r"^q$|future|widget|entry|^super$|^self$|^cls$|^s$|^filter$|finder|loader|manager|"
                          r"registry_client|pool", re.I)
# A configuration object (`config`, `app.config`, `self._settings`, `site_cfg`): the application
# declares its keys and their defaults, so a missing key is a deployment error met at start-up,
# not a None on some input.
_CONFIG_NAME = re.compile(r"^_*(?:config|conf|cfg|settings|configuration)$|_(?:config|conf|cfg|settings)$", re.I)
_QUERY_ATTRS = {"objects", "query", "filter", "filter_by", "where", "order_by", "scalars", "execute",
                "exclude", "select_related", "prefetch_related", "annotate", "values_list", "join",
                "options", "limit", "offset", "select_from", "outerjoin", "distinct"}
_ELEMENT_ATTRS = {"text", "string", "get_text", "get", "attrs", "find", "find_all", "findAll", "select",
                  "select_one", "tail", "attrib", "findtext", "findall", "iter", "children", "contents",
                  "parent", "strings", "stripped_strings", "has_attr", "decompose", "extract",
                  "next_sibling", "previous_sibling", "find_next", "find_parent", "tag", "items", "keys",
                  "getText", "findChildren", "findChild", "name", "iterfind", "itertext", "xpath"}
_FUNCTION_SOURCES = {
    "os.getenv": "os.getenv()", "os.environ.get": "os.environ.get()", "shutil.which": "shutil.which()",
    "inspect.getmodule": "inspect.getmodule()", "inspect.getsourcefile": "inspect.getsourcefile()",
    "inspect.getdoc": "inspect.getdoc()", "ast.get_docstring": "ast.get_docstring()",
    "importlib.util.find_spec": "importlib.util.find_spec()",
    "mimetypes.guess_extension": "mimetypes.guess_extension()",
}
_ARG_DEREFS = {"int", "float", "len", "open", "os.path.join", "os.path.exists", "pathlib.Path", "Path",
               "json.loads", "os.listdir", "shlex.split", "bytes.fromhex", "base64.b64decode",
               "datetime.fromisoformat", "datetime.datetime.fromisoformat", "urllib.parse.urlparse",
               "decimal.Decimal", "Decimal", "uuid.UUID"}
_MAPPING_CALLS = {"json", "get_json", "loads", "load", "dict", "to_dict", "as_dict", "groupdict", "model_dump",
                  "dump", "safe_load", "vars", "asdict", "get", "copy", "items_dict", "environ"}
_HTTP_MODULES = {"requests", "httpx", "aiohttp", "urllib3", "grequests", "treq", "niquests", "pycurl"}
_AGGREGATE = re.compile(r"^\s*select\s+(?:count|sum|max|min|avg|total|exists|coalesce|group_concat)\s*\(", re.I)
_FROM = re.compile(r"\bfrom\b", re.I)


class NoneDereference(Rule):
    code = "CAV231"
    name = "none-dereference"
    category = "none-dereference"
    cwe = 476
    fixable = True

    def check(self, ctx: RuleContext) -> None:
        reported: set[int] = set()
        for node in ctx.nodes(ast.Call):
            found = _source(ctx, node)
            if found is None:
                continue
            value, what, tag = found
            use = _unguarded_use(ctx, value, tag)
            if use is None:
                continue
            if tag == "helper" and not _returns_optional(ctx.module_functions[node.func.id], node):
                continue
            use_node, deref, name = use
            if id(use_node) in reported:
                continue
            reported.add(id(use_node))
            subject = f"`{name}`" if name else "the result"
            error = "AttributeError" if deref.startswith("`.") else "TypeError"
            message = (f"`{what}` returns None {_WHEN[tag]}; {subject} is used ({deref}) without a check, "
                       f"which raises {error} on that input; {_ADVICE[tag].format(name=name or 'result')}.")
            ctx.report(self, use_node, message, fix=_fix(ctx, value, use_node, name, tag))


_WHEN = {
    "regex": "when the text does not match",
    "get": "when the key is missing",
    "env": "when the variable is not set",
    "which": "when the program is not on PATH",
    "element": "when no element matches",
    "row": "when there is no matching row",
    "helper": "on some paths",
    "other": "when nothing is found",
}


_ADVICE = {
    "regex": "check the match first (`if {name} is None: ...` or `if ({name} := ...)`)",
    "get": "give `.get()` a default, or check `{name}` for None first",
    "env": "give it a default, or fail with a clear message when it is unset",
    "which": "check `{name}` for None and report the missing program",
    "element": "check that the element was found (`if {name} is None: ...`)",
    "row": "check for None (no row) before using it",
    "helper": "check `{name}` for None before using it",
    "other": "check `{name}` for None before using it",
}


# --------------------------------------------------------------------------- sources
def _source(ctx: RuleContext, call: ast.Call) -> tuple[ast.expr, str, str] | None:
    """(value node, description, tag) when ``call`` (or the value it starts) can be None."""
    func = call.func
    if isinstance(func, ast.Attribute):
        attr = func.attr
        if attr in ("match", "search", "fullmatch"):
            return _regex_source(ctx, call)
        if attr == "get":
            return _get_source(ctx, call)
        if attr in ("find", "select_one"):
            if attr == "find" and not call.args and not call.keywords:
                return None
            return call, f"{_short(ctx, func)}()", "element"
        if attr == "find_one":
            return call, f"{_short(ctx, func)}()", "row"
        if attr in ("first", "last", "one_or_none", "scalar_one_or_none") and not call.args:
            if attr in ("one_or_none", "scalar_one_or_none") or _query_chain(func.value):
                return call, f"{_short(ctx, func)}()", "row"
            return None
        if attr == "fetchone" and not call.args:
            return _fetchone_source(ctx, call)
        if attr == "pop" and len(call.args) == 2 and _is_none(call.args[1]):
            return call, f"{_short(ctx, func)}(..., None)", "get"
    qualified = ctx.qualified_name(func)
    if qualified is None:
        if isinstance(func, ast.Name):
            return _builtin_or_helper_source(ctx, call, func.id)
        return None
    if qualified in _REGEX_FUNCS:
        return _regex_source(ctx, call)
    if qualified in ("os.getenv", "os.environ.get"):
        return _source_env(ctx, call)
    if qualified == "shutil.which":
        return call, "shutil.which()", "which"
    if qualified == "mimetypes.guess_type":
        parent = ctx.parent(call)
        if isinstance(parent, ast.Subscript) and parent.value is call and _int(parent.slice) == 0:
            return parent, "mimetypes.guess_type()[0]", "other"
        return None
    if qualified in _FUNCTION_SOURCES:
        return call, _FUNCTION_SOURCES[qualified], "other"
    if qualified in ("urllib.parse.urlparse", "urllib.parse.urlsplit"):
        parent = ctx.parent(call)
        if isinstance(parent, ast.Attribute) and parent.value is call and parent.attr == "hostname":
            return parent, f"{qualified.rsplit('.', 1)[1]}(...).hostname", "other"
        return None
    if qualified in ("getattr", "next") and len(call.args) == (3 if qualified == "getattr" else 2) and _is_none(call.args[-1]):
        return call, f"{qualified}(..., None)", "other"
    return None


def _short(ctx: RuleContext, node: ast.AST) -> str:
    text = segment(ctx, node)
    if len(text) > 40 or "\n" in text:
        name = last_name(node)
        return f"...{name}" if name else "call"
    return text


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _int(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        value = node.operand.value
        return -value if type(value) is int else None
    return None


def _regex_source(ctx: RuleContext, call: ast.Call):
    func = call.func
    qualified = ctx.qualified_name(func)
    if qualified in _REGEX_FUNCS:
        if not call.args:
            return None
        pattern = call.args[0]
        if isinstance(pattern, ast.Constant) and isinstance(pattern.value, str) and _matches_empty(pattern.value):
            return None
        return call, f"{qualified}()", "regex"
    if qualified is not None or not isinstance(func, ast.Attribute):
        return None
    receiver = func.value
    if isinstance(receiver, ast.Call):
        compiled = ctx.qualified_name(receiver.func) in ("re.compile", "regex.compile")
    elif isinstance(receiver, ast.Name):
        bound = reaching_value(ctx, receiver)
        if isinstance(bound, ast.Call):
            compiled = ctx.qualified_name(bound.func) in ("re.compile", "regex.compile")
        else:
            compiled = bound is None and _looks_compiled(ctx, receiver.id)
    elif isinstance(receiver, ast.Attribute):
        compiled = _looks_compiled(ctx, receiver.attr)
    else:
        compiled = False
    if not compiled:
        return None
    return call, f"{_short(ctx, func)}()", "regex"


def _looks_compiled(ctx: RuleContext, name: str) -> bool:
    return bool(_PATTERN_NAME.search(name)) and (ctx.is_imported("re") or ctx.is_imported("regex"))


def _matches_empty(pattern: str) -> bool:
    try:
        return re.compile(pattern).match("") is not None
    except (re.error, RecursionError, OverflowError):
        return False


def _get_source(ctx: RuleContext, call: ast.Call):
    func = call.func
    assert isinstance(func, ast.Attribute)
    qualified = ctx.qualified_name(func)
    if qualified == "os.environ.get":
        return _source_env(ctx, call)
    if qualified is not None and (qualified.split(".")[0] in _HTTP_MODULES or qualified.count(".") == 1):
        return None  # requests.get, httpx.get, a module function
    args, keywords = call.args, call.keywords
    if len(args) == 2 and _is_none(args[1]) and not keywords:
        pass
    elif len(args) == 2 and isinstance(args[0], ast.Name) and args[0].id[:1].isupper() and "session" in (segment(ctx, func.value).lower()):
        return call, f"{_short(ctx, func)}()", "row"  # SQLAlchemy session.get(Model, id)
    elif len(args) != 1 or keywords:
        return None
    key = args[0]
    if isinstance(key, ast.Starred) or (isinstance(key, ast.Constant) and isinstance(key.value, bool)):
        return None
    if isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value.startswith(("http:", "https:", "/")):
        return None  # a URL: an HTTP client, not a mapping
    if isinstance(key, (ast.List, ast.ListComp)):
        return None  # a list is not hashable: not `dict.get` (a settings tree looked up by path)
    receiver = func.value
    if isinstance(receiver, ast.Name) and receiver.id[:1].isupper() and not receiver.id.isupper():
        return None  # `Invoice.get(pk)`: a class's own query or factory, not a mapping lookup
    if isinstance(receiver, ast.Call) and last_name(receiver.func) not in _MAPPING_CALLS:
        return None  # some_object.method().get(...): not known to be a mapping
    receiver_name = last_name(receiver) if not isinstance(receiver, ast.Call) else last_name(receiver.func)
    if receiver_name is None and isinstance(receiver, ast.Subscript):
        receiver_name = "item"
    if receiver_name is None:
        return None
    if _CLIENT_NAME.search(receiver_name):
        if not (receiver_name.lower() == "session" and ctx.is_imported("flask")):
            return None
    if isinstance(receiver, ast.Name):
        bound = reaching_value(ctx, receiver)
        if isinstance(bound, ast.Call):
            constructor = ctx.qualified_name(bound.func)
            if constructor is not None and constructor not in ("dict", "collections.defaultdict", "collections.OrderedDict",
                                                                 "collections.Counter", "json.load", "json.loads"):
                return None
        if isinstance(bound, ast.Dict) and isinstance(key, ast.Constant):
            if any(isinstance(k, ast.Constant) and k.value == key.value and not _is_none(v) for k, v in zip(bound.keys, bound.values)):
                return None
        if _CONFIG_NAME.search(receiver_name) and (isinstance(bound, ast.Dict) or (
                isinstance(bound, ast.Call) and last_name(bound.func) in _MAPPING_CALLS)):
            return call, f"{_short(ctx, func)}()", "get"  # `conf = json.loads(...)`: data named like config
    if _CONFIG_NAME.search(receiver_name):
        return None  # the application's configuration: its keys are declared, with their defaults
    return call, f"{_short(ctx, func)}()", "get"


def _source_env(ctx: RuleContext, call: ast.Call):
    if len(call.args) >= 2 and not _is_none(call.args[1]):
        return None
    if any(k.arg == "default" and not _is_none(k.value) for k in call.keywords):
        return None
    return call, f"{ctx.qualified_name(call.func)}()", "env"


def _query_chain(node: ast.AST) -> bool:
    """``User.objects.filter(...)``, ``session.query(User).filter_by(...)``, ``db.execute(...)``."""
    depth = 0
    while depth < 8:
        depth += 1
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            if node.attr in _QUERY_ATTRS:
                return True
            node = node.value
        else:
            return False
    return False


def _fetchone_source(ctx: RuleContext, call: ast.Call):
    func = call.func
    assert isinstance(func, ast.Attribute)
    sql = _query_text(ctx, func.value, call)
    if sql is None:
        return None
    text = sql.strip()
    if _AGGREGATE.match(text) and not re.search(r"\bgroup\s+by\b", text, re.I):
        return None
    if text[:6].lower() == "select" and not _FROM.search(text):
        return None
    if re.search(r"\breturning\b", text, re.I) and not text.lower().startswith("select"):
        return None
    if not re.match(r"\s*(select|with)\b", text, re.I):
        return None
    return call, f"{_short(ctx, func)}()", "row"


def _query_text(ctx: RuleContext, receiver: ast.AST, call: ast.Call) -> str | None:
    """The SQL whose row ``fetchone`` reads: ``cur.execute(SQL).fetchone()`` or the
    latest ``cur.execute(SQL)`` above it in the function."""
    if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute) and receiver.func.attr == "execute":
        return string_value(ctx, receiver.args[0]) if receiver.args else None
    if not isinstance(receiver, ast.Name):
        return None
    bound = reaching_value(ctx, receiver)
    if isinstance(bound, ast.Call) and isinstance(bound.func, ast.Attribute) and bound.func.attr == "execute":
        return string_value(ctx, bound.args[0]) if bound.args else None
    best = None
    for other in ctx.nodes(ast.Call):
        f = other.func
        if (isinstance(f, ast.Attribute) and f.attr == "execute" and isinstance(f.value, ast.Name)
                and f.value.id == receiver.id and other.lineno <= call.lineno and other.args
                and scope_of(ctx, other) is scope_of(ctx, call)):
            best = other
    return string_value(ctx, best.args[0]) if best is not None else None


def _builtin_or_helper_source(ctx: RuleContext, call: ast.Call, name: str):
    if name == "getattr" and len(call.args) == 3 and _is_none(call.args[2]):
        return call, "getattr(..., None)", "other"
    if name == "next" and len(call.args) == 2 and _is_none(call.args[1]):
        return call, "next(..., None)", "other"
    if name not in ctx.module_functions or name in ctx.imports:
        return None
    return call, f"{name}()", "helper"  # confirmed by _confirm_helper once a use is found


def _returns_optional(func: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call | None = None) -> bool:
    """A module helper that returns a value on some paths and None on others
    (annotated Optional, an explicit ``return None``, or falling off the end
    after returning a value elsewhere)."""
    if isinstance(func, ast.AsyncFunctionDef):
        return False
    returns = func.returns
    if returns is not None:
        return _optional_annotation(returns)
    valued = False
    none_returns: list[ast.Return] = []
    for node in _own_nodes(func):
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return False
        if isinstance(node, ast.Return):
            if node.value is None or _is_none(node.value):
                none_returns.append(node)
            else:
                valued = True
    if not valued:
        return False
    falls_off = not stmt_terminates(func.body[-1])
    if falls_off:
        return True
    flags = _flag_parameters(func, call)
    return any(not _behind_flag(func, ret, flags) for ret in none_returns)


def _optional_annotation(node: ast.AST) -> bool:
    """``Optional[X]``, ``X | None``, ``Union[X, None]`` (not ``tuple[int | None]``)."""
    if isinstance(node, ast.Constant):
        if node.value is None:
            return True
        if isinstance(node.value, str):
            try:
                return _optional_annotation(ast.parse(node.value, mode="eval").body)
            except SyntaxError:
                return False
        return False
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _optional_annotation(node.left) or _optional_annotation(node.right)
    if isinstance(node, ast.Subscript):
        base = last_name(node.value)
        if base == "Optional":
            return True
        if base == "Union":
            elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            return any(_optional_annotation(e) for e in elts)
    return False


def _flag_parameters(func: ast.FunctionDef, call: ast.Call | None) -> set[str]:
    """Parameters defaulting to False/None that this call does not pass
    (``can_fail=False``): None returns behind them do not happen here."""
    args = func.args
    positional = args.posonlyargs + args.args
    pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults))
    pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
    passed = {k.arg for k in call.keywords} if call is not None else set()
    count = len(call.args) if call is not None else 0
    flags = set()
    for arg, default in pairs:
        if isinstance(default, ast.Constant) and default.value in (False, None) and arg.arg not in passed:
            index = positional.index(arg) if arg in positional else None
            if index is None or index >= count:
                flags.add(arg.arg)
    return flags


def _behind_flag(func: ast.AST, node: ast.AST, flags: set[str]) -> bool:
    parents = {child: parent for parent in ast.walk(func) for child in ast.iter_child_nodes(parent)}
    current = node
    while current in parents:
        parent = parents[current]
        if isinstance(parent, ast.If) and any(s is current for s in parent.body) and any(
                isinstance(n, ast.Name) and n.id in flags for n in ast.walk(parent.test)):
            return True
        current = parent
    return False


def _own_nodes(func: ast.AST):
    stack = list(ast.iter_child_nodes(func))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))


# --------------------------------------------------------------------------- uses
def _deref(ctx: RuleContext, value: ast.expr, tag: str) -> str | None:
    """How ``value`` is used, when that use fails on None."""
    parent = ctx.parent(value)
    if isinstance(parent, ast.Attribute) and parent.value is value:
        if tag == "element" and parent.attr not in _ELEMENT_ATTRS:
            return None
        grand = ctx.parent(parent)
        if isinstance(grand, ast.Call) and grand.func is parent:
            return f"`.{parent.attr}()`"
        return f"`.{parent.attr}`"
    if isinstance(parent, ast.Subscript) and parent.value is value:
        if tag == "element" and not (isinstance(parent.slice, ast.Constant) and isinstance(parent.slice.value, str)):
            return None
        return "[...]"
    if tag in ("element", "regex"):
        return None
    if isinstance(parent, (ast.For, ast.AsyncFor, ast.comprehension)) and parent.iter is value:
        return "iteration"
    if isinstance(parent, ast.Compare) and any(c is value for c in parent.comparators):
        index = next(i for i, c in enumerate(parent.comparators) if c is value)
        if isinstance(parent.ops[index], (ast.In, ast.NotIn)):
            return "in"
        return None
    if isinstance(parent, ast.Call) and any(a is value for a in parent.args):
        name = ctx.qualified_name(parent.func) or (parent.func.id if isinstance(parent.func, ast.Name) else None)
        if name in _ARG_DEREFS and (name not in ("os.path.join", "os.path.exists") or tag in ("env", "which")):
            return f"{name.rsplit('.', 1)[-1]}()"
        if name and name.startswith("subprocess.") and parent.args[0] is value and tag == "which":
            return f"{name}()"
        return None
    if isinstance(parent, ast.List) and tag in ("which", "env"):
        call = ctx.parent(parent)
        if isinstance(call, ast.Call) and call.args and call.args[0] is parent:
            name = ctx.qualified_name(call.func) or ""
            if name.startswith(("subprocess.", "os.exec", "asyncio.create_subprocess")):
                return f"{name}() argument list"
    if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Add) and tag in ("env", "which"):
        other = parent.right if parent.left is value else parent.left
        if isinstance(other, (ast.JoinedStr,)) or (isinstance(other, ast.Constant) and isinstance(other.value, str)):
            return "string concatenation"
    return None


def _unguarded_use(ctx: RuleContext, value: ast.expr, tag: str):
    """(use node, how it is used, bound name or None) for the first use of a
    possibly-None ``value`` that no guard protects."""
    deref = _deref(ctx, value, tag)
    if deref is not None:
        if is_guarded(ctx, value, Keys([expr_key(value)]), "none", extra=_membership(ctx, value)):
            return None
        return value, deref, None
    parent = ctx.parent(value)
    target = None
    if isinstance(parent, ast.Assign) and parent.value is value and len(parent.targets) == 1:
        target = parent.targets[0]
    elif isinstance(parent, ast.AnnAssign) and parent.value is value:
        target = parent.target
    elif isinstance(parent, ast.NamedExpr) and parent.value is value:
        target = parent.target
    if not isinstance(target, ast.Name):
        return None
    name = target.id
    extra = _membership(ctx, value)
    uses = loads_of(ctx, name, ctx.enclosing(value, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda) or ctx.tree)
    for use in uses:
        if (use.lineno, use.col_offset) <= (value.lineno, value.col_offset):
            continue
        if reaching_value(ctx, use) is not value:
            continue
        how = _deref(ctx, use, tag)
        if how is None:
            continue
        keys = Keys([name])
        if is_guarded(ctx, use, keys, "none", extra=extra):
            continue
        # `m = p.match(s)` inside `if p.match(s):`: the call itself was checked
        if is_guarded(ctx, value, Keys([expr_key(value)]), "none", extra=extra):
            return None
        return use, how, name
    return None


def _membership(ctx: RuleContext, value: ast.expr):
    """For ``d.get(k)``: ``if k in d`` / ``if k not in d: return`` rule None out."""
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "get" and value.args):
        return None
    key = expr_key(value.args[0]) if not isinstance(value.args[0], ast.Constant) else repr(value.args[0].value)
    container = expr_key(value.func.value)

    def extra(test: ast.expr, when: bool) -> bool:
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.In, ast.NotIn)):
            left = test.left
            left_key = repr(left.value) if isinstance(left, ast.Constant) else expr_key(left)
            if left_key == key and expr_key(test.comparators[0]) == container:
                return when if isinstance(test.ops[0], ast.In) else not when
        return False

    return extra


# --------------------------------------------------------------------------- fix
def _fix(ctx: RuleContext, value: ast.expr, use: ast.expr, name: str | None, tag: str) -> Fix | None:
    if in_comprehension(ctx, use):
        return None
    parent = ctx.parent(use)
    if isinstance(parent, (ast.For, ast.AsyncFor)) and parent.iter is use:
        text = segment(ctx, use)
        return Fix("Iterate over nothing when the value is None", (ctx.replace(use, f"({text} or ())"),), safe=False)
    chain = postfix_chain(ctx, use)
    if chain is use:
        grand = ctx.parent(use)
        if isinstance(grand, ast.Call) and any(a is use for a in grand.args):
            chain = grand
        else:
            return None
    if isinstance(getattr(chain, "ctx", None), (ast.Store, ast.Del)):
        return None
    test_kind = " is not None" if tag != "regex" else ""
    chain_text = segment(ctx, chain)
    if not chain_text:
        return None
    if name is not None:
        replacement = f"({chain_text} if {name}{test_kind} else None)"
        return Fix(f"Return None when `{name}` is None", (ctx.replace(chain, replacement),), safe=False)
    start, end = _offset(ctx, ctx.start(value)), _offset(ctx, ctx.end(value))
    chain_start = _offset(ctx, ctx.start(chain))
    call_text = ctx.text[start:end]
    if not call_text or start < chain_start:
        return None
    var = fresh_name(ctx, use, *(("match", "m") if tag == "regex" else ("found", "value")))
    inner = chain_text[: start - chain_start] + var + chain_text[end - chain_start:]
    replacement = f"({inner} if ({var} := {call_text}){test_kind} else None)"
    return Fix("Bind the result with a walrus and return None on a miss", (ctx.replace(chain, replacement),), safe=False)


def _offset(ctx: RuleContext, position) -> int:
    return sum(len(line) for line in ctx.lines[: position.line - 1]) + position.col
