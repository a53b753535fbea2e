"""Shared building blocks for quick-fixes, in the style of libcst codemods.

A fix rewrites one node: its source segment is parsed with libcst, the
transform returns a new libcst node, and the fix replaces exactly that
segment - formatting and comments inside it are preserved, nothing outside
it changes. The engine re-parses every fixed block and drops a fix that would
not parse, so a broken transform can never reach the user.
"""
from __future__ import annotations

import ast
from typing import Callable

import libcst as cst

from caveat.engine.findings import Fix, TextEdit
from caveat.rules.base import RuleContext


def rewrite_expression(ctx: RuleContext, node: ast.expr,
                       transform: Callable[[cst.BaseExpression], cst.BaseExpression | None]) -> TextEdit | None:
    """A TextEdit replacing ``node`` by ``transform`` of its libcst form, or None."""
    segment = ctx.source(node)
    if not segment:
        return None
    try:
        expression = cst.parse_expression(segment)
    except cst.ParserSyntaxError:
        try:  # a multi-line segment outside brackets needs them to parse
            expression = cst.parse_expression(f"({segment})")
            segment = f"({segment})"
        except cst.ParserSyntaxError:
            return None
    new = transform(expression)
    if new is None:
        return None
    code = cst.Module(body=[]).code_for_node(new)
    if code == segment:
        return None
    return ctx.replace(node, code)


def keyword(call: ast.Call, name: str) -> ast.keyword | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw
    return None


def without_keyword(call: cst.BaseExpression, name: str) -> cst.BaseExpression | None:
    """The call with keyword argument ``name`` removed, commas kept tidy."""
    if not isinstance(call, cst.Call):
        return None
    args = [arg for arg in call.args if not (arg.keyword and arg.keyword.value == name)]
    if len(args) == len(call.args):
        return None
    if args and len(args) < len(call.args):
        # Keep the original trailing-comma style of the last argument.
        last_original = call.args[-1]
        args[-1] = args[-1].with_changes(comma=last_original.comma)
    return call.with_changes(args=args)


def with_keyword(call: cst.BaseExpression, name: str, value: str) -> cst.BaseExpression | None:
    """The call with ``name=value`` appended (or replaced when present)."""
    if not isinstance(call, cst.Call):
        return None
    new_arg = cst.Arg(keyword=cst.Name(name), value=cst.parse_expression(value),
                      equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))
    args = list(call.args)
    for i, arg in enumerate(args):
        if arg.keyword and arg.keyword.value == name:
            args[i] = arg.with_changes(value=new_arg.value)
            return call.with_changes(args=args)
    if args:
        last = args[-1]
        trailing = last.comma
        vertical = isinstance(trailing, cst.Comma) and "\n" in cst.Module([]).code_for_node(trailing)
        if vertical and len(args) >= 2 and isinstance(args[-2].comma, cst.Comma):
            # A vertical list with a trailing comma: the old last argument now separates
            # like the arguments before it, and the new one keeps the closing layout.
            args[-1] = last.with_changes(comma=args[-2].comma)
            args.append(new_arg.with_changes(comma=trailing))
        elif vertical:
            args.append(new_arg.with_changes(comma=trailing))
        else:
            args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            args.append(new_arg)
    else:
        args.append(new_arg)
    return call.with_changes(args=args)


def renamed_attribute(expr: cst.BaseExpression, new_attr: str) -> cst.BaseExpression | None:
    """``a.b`` -> ``a.new_attr``; for a call, renames the called attribute."""
    if isinstance(expr, cst.Call):
        func = renamed_attribute(expr.func, new_attr)
        return expr.with_changes(func=func) if func is not None else None
    if isinstance(expr, cst.Attribute):
        return expr.with_changes(attr=cst.Name(new_attr))
    return None


def single_edit_fix(title: str, edit: TextEdit | None, *, safe: bool = True) -> Fix | None:
    return Fix(title, (edit,), safe=safe) if edit is not None else None
