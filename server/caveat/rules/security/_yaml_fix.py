"""The safe YAML loader: whether a ``yaml.load`` call uses an unsafe ``Loader``, and the
fix to ``yaml.safe_load`` (CAV132)."""
from __future__ import annotations

import ast

import libcst as cst

from caveat.engine.findings import Fix
from caveat.rules.base import RuleContext
from caveat.rules.fixkit import keyword, rewrite_expression, single_edit_fix, without_keyword

SAFE_LOADERS = frozenset({"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"})
UNSAFE_LOADERS = frozenset({"Loader", "UnsafeLoader", "FullLoader", "CLoader", "CUnsafeLoader", "CFullLoader"})


def unsafe_loader(ctx: RuleContext, call: ast.Call) -> str | None:
    """For ``yaml.load(stream, Loader=...)``: " with `Loader`" for an unsafe loader,
    " without a safe `Loader`" when none is given, None for a safe or custom one."""
    found = keyword(call, "Loader")
    value = found.value if found is not None else (call.args[1] if len(call.args) >= 2 else None)
    if value is None:
        return " without a safe `Loader`"
    short = (ctx.qualified_name(value) or ctx.dotted_name(value) or "").rsplit(".", 1)[-1]
    return f" with `{short}`" if short in UNSAFE_LOADERS and short not in SAFE_LOADERS else None


def safe_loader_fix(ctx: RuleContext, call: ast.Call, safe: str) -> Fix | None:
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
