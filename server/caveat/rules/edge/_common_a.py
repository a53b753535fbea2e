"""Small helpers shared by the edge rules CAV201-CAV206 (not a rule module:
the leading underscore keeps it out of rule discovery)."""
from __future__ import annotations

import ast
import re

from caveat.rules.base import RuleContext

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|\b|_)|[A-Z]?[a-z]+|[A-Z]+|\d+")


def words(identifier: str) -> list[str]:
    """``unitPrice_USD`` -> ["unit", "price", "usd"]."""
    return [w.lower() for w in _WORD.findall(identifier)]


def keyword(call: ast.Call, name: str) -> ast.keyword | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw
    return None


def has_star_kwargs(call: ast.Call) -> bool:
    """``f(**options)``: arguments we cannot see."""
    return any(kw.arg is None for kw in call.keywords)


def has_star_args(call: ast.Call) -> bool:
    return any(isinstance(arg, ast.Starred) for arg in call.args)


def is_none(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def local_name_for(ctx: RuleContext, qualified: str) -> str | None:
    """The name under which ``qualified`` (``asyncio``, ``decimal.Decimal``) is
    reachable in this block: a direct import, or ``module.attr`` through an
    imported module. None when nothing imports it."""
    for local, target in ctx.imports.items():
        if target == qualified:
            return local
    module, _, _ = qualified.rpartition(".")
    while module:
        for local, target in ctx.imports.items():
            if target == module:
                return f"{local}.{qualified[len(module) + 1:]}"
        module, _, _ = module.rpartition(".")
    return None


def terminal_name(node: ast.AST) -> str | None:
    """The last identifier of a name, attribute or subscript key:
    ``order.total`` -> "total", ``row["price"]`` -> "price", ``price`` -> "price"."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "get" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                return first.value
    return None


def function_scope(ctx: RuleContext, node: ast.AST) -> ast.AST | None:
    """The innermost function or lambda around ``node`` (None at module/class level)."""
    return ctx.enclosing(node, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def call_label(ctx: RuleContext, call: ast.Call) -> str:
    """A short readable name for a call: ``requests.get(...)``."""
    name = ctx.dotted_name(call.func)
    if name is None:
        source_text = source(ctx, call.func)
        name = source_text if len(source_text) <= 40 else source_text[:37] + "..."
    return f"{name}()"


def _store_names(target: ast.AST):
    """Names a target really binds (not ``x`` in ``x.attr = ...`` or ``x[k] = ...``)."""
    if isinstance(target, ast.Name):
        yield target
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _store_names(element)
    elif isinstance(target, ast.Starred):
        yield from _store_names(target.value)


def scope_bindings(ctx: RuleContext, scope: ast.AST) -> dict[str, list[tuple[int, ast.AST, ast.expr | None]]]:
    """name -> [(line, binding node, value or None)] in source order for one scope, built with one walk
    and memoized on the context (rules ask for many names in the same function)."""
    from caveat.analysis.flow import walk_scope

    cache = ctx.__dict__.setdefault("_edge_a_bindings", {})
    key = id(scope)
    if key in cache:
        return cache[key]
    table: dict[str, list[tuple[int, ast.AST, ast.expr | None]]] = {}

    def add(name: str, line: int, node: ast.AST, value: ast.expr | None) -> None:
        table.setdefault(name, []).append((line, node, value))

    for node in walk_scope(scope):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                for bound in _store_names(target):
                    add(bound.id, node.lineno, node, node.value if target is bound else None)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
            add(node.target.id, node.lineno, node, node.value if isinstance(node, ast.AnnAssign) else None)
        elif isinstance(node, ast.NamedExpr):
            add(node.target.id, node.lineno, node, node.value)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            for bound in _store_names(node.target):
                add(bound.id, node.lineno, node, None)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            value = node.context_expr if isinstance(node.optional_vars, ast.Name) else None
            for bound in _store_names(node.optional_vars):
                add(bound.id, node.context_expr.lineno, node, value)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            add(node.name, node.lineno, node, None)
    for entries in table.values():
        entries.sort(key=lambda entry: entry[0])  # source order (the walk is not)
    cache[key] = table
    return table


def value_before(ctx: RuleContext, name: ast.Name) -> ast.expr | None:
    """Like ``caveat.analysis.flow.value_before``, but ``name.attr = ...`` and
    ``name[key] = ...`` do not count as rebinding ``name``."""
    scope = ctx.enclosing(name, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda) or ctx.tree
    entries = scope_bindings(ctx, scope).get(name.id)
    if not entries:
        return None
    use_stmt = ctx.statement_of(name)
    best: tuple[int, ast.expr | None] | None = None
    for line, node, value in entries:
        if (line < name.lineno or (line == name.lineno and node is not use_stmt)) \
                and (best is None or line >= best[0]):
            best = (line, value)
    return best[1] if best else None


def resolved_call_name(ctx: RuleContext, call: ast.Call) -> str | None:
    """``caveat.analysis.flow.resolved_call_name`` with this module's memoized ``value_before``."""
    from caveat.analysis import flow

    return flow.resolved_call_name(ctx, call, value_before)


def source(ctx: RuleContext, node: ast.AST) -> str:
    return ctx.source(node)


def add_keyword(call, name: str, value: str):
    from caveat.rules import fixkit

    return fixkit.with_keyword(call, name, value)


def rewrite_expression(ctx: RuleContext, node: ast.expr, transform):
    from caveat.rules import fixkit

    return fixkit.rewrite_expression(ctx, node, transform)


_HTTP_CLIENT_MODULES = ("httpx", "aiohttp", "urllib3", "treq", "tornado", "pycurl", "niquests")
_SESSION_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")


def imports_module(ctx: RuleContext, *modules: str) -> bool:
    return ctx.imports_any(*modules)


def urlish(node: ast.AST | None) -> bool:
    """An argument that looks like a URL: "https://...", f"{BASE}/users", ``url``, ``endpoint``."""
    if node is None:
        return False
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.startswith(("http://", "https://", "/"))
    if isinstance(node, ast.JoinedStr):
        first = node.values[0] if node.values else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value.startswith(("http://", "https://", "/"))
        return any(urlish(v.value) for v in node.values if isinstance(v, ast.FormattedValue))
    if isinstance(node, ast.BinOp):
        return urlish(node.left) or urlish(node.right)
    name = terminal_name(node)
    return bool(name) and any(w in ("url", "uri", "endpoint", "link", "href", "webhook", "api", "base")
                              for w in words(name))


def requests_session_call(ctx: RuleContext, call: ast.Call) -> bool:
    """``self.session.get(url)`` / ``session.post(f"{API}/x")`` whose session the block cannot
    trace, in a module that uses ``requests`` and no other HTTP client: a requests call."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in _SESSION_VERBS:
        return False
    name = terminal_name(func.value)
    if not name or not any("session" in w or w == "http" for w in words(name)):
        return False
    if not imports_module(ctx, "requests") or imports_module(ctx, *_HTTP_CLIENT_MODULES):
        return False
    if imports_module(ctx, "sqlalchemy", "sqlmodel", "flask_sqlalchemy", "django"):
        return False  # `session` is as likely a database session there
    url = call.args[1] if func.attr == "request" and len(call.args) > 1 else call.args[0] if call.args else None
    if url is None:
        kw = next((k for k in call.keywords if k.arg == "url"), None)
        url = kw.value if kw else None
    return urlish(url)


def iteration_source(ctx: RuleContext, name: ast.Name) -> ast.expr | None:
    """The iterable that a loop or comprehension variable ranges over:
    ``float(p) for p in prices`` -> ``prices``; ``for row in rows: row`` -> ``rows``.
    None when ``name`` is not such a variable (innermost binding wins)."""
    for ancestor in ctx.ancestors(name):
        if isinstance(ancestor, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            for generator in ancestor.generators:
                if any(isinstance(n, ast.Name) and n.id == name.id for n in ast.walk(generator.target)):
                    return generator.iter
        elif isinstance(ancestor, (ast.For, ast.AsyncFor)):
            if any(isinstance(n, ast.Name) and n.id == name.id for n in ast.walk(ancestor.target)):
                return ancestor.iter
        elif isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return None
    return None


def parameter_annotation(ctx: RuleContext, name: ast.Name) -> ast.expr | None:
    """The annotation of the enclosing function's parameter that ``name`` reads
    (``def f(rate: float): rate`` -> ``float``), when ``name`` is not rebound first."""
    function = ctx.enclosing(name, ast.FunctionDef, ast.AsyncFunctionDef)
    if function is None:
        return None
    args = function.args
    for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
        if arg.arg == name.id:
            if any(isinstance(n, ast.Name) and n.id == name.id and isinstance(n.ctx, ast.Store)
                   and n.lineno < name.lineno for n in ast.walk(function)):
                return None
            return arg.annotation
    return None
