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
    module, _, attr = qualified.rpartition(".")
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
        source = ctx.source(call.func)
        name = source if len(source) <= 40 else source[:37] + "..."
    return f"{name}()"
