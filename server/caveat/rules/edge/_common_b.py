"""Small helpers shared by the edge rules CAV230-CAV235 (not a rule module:
the leading underscore keeps it out of rule discovery)."""
from __future__ import annotations

import ast
from typing import Iterator

from caveat.analysis.flow import scope_of, walk_scope
from caveat.analysis.paths import is_test_path  # noqa: F401  (the one shared definition)
from caveat.rules.base import RuleContext


def last_name(node: ast.AST) -> str | None:
    """``self.cache`` -> "cache", ``cache`` -> "cache", ``a.b()`` -> None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def call_name(node: ast.AST) -> str | None:
    """The called name: ``x.y.fetchall()`` -> "fetchall", ``len(x)`` -> "len"."""
    if isinstance(node, ast.Call):
        node = node.func
    return last_name(node)


def names_in_scope(ctx: RuleContext, node: ast.AST) -> set[str]:
    scope = scope_of(ctx, node)
    names = {n.id for n in walk_scope(scope) if isinstance(n, ast.Name)}
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        args = scope.args
        names.update(a.arg for a in args.posonlyargs + args.args + args.kwonlyargs)
    return names


def fresh_name(ctx: RuleContext, node: ast.AST, *choices: str) -> str:
    """A name from ``choices`` (then ``choices[0]_2``...) unused in ``node``'s scope."""
    taken = names_in_scope(ctx, node) | set(ctx.imports) | set(ctx.module_functions)
    for choice in choices:
        if choice not in taken:
            return choice
    index = 2
    while f"{choices[0]}_{index}" in taken:
        index += 1
    return f"{choices[0]}_{index}"


def in_comprehension(ctx: RuleContext, node: ast.AST) -> bool:
    return ctx.enclosing(node, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp) is not None


def loads_of(ctx: RuleContext, scope: ast.AST, name: str) -> Iterator[ast.Name]:
    for node in walk_scope(scope):
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load):
            yield node


def postfix_chain(ctx: RuleContext, node: ast.expr) -> ast.expr:
    """The longest ``node.attr(...)[...]...`` expression that starts with ``node``."""
    current = node
    while True:
        parent = ctx.parent(current)
        if isinstance(parent, ast.Attribute) and parent.value is current:
            current = parent
        elif isinstance(parent, ast.Subscript) and parent.value is current:
            current = parent
        elif isinstance(parent, ast.Call) and parent.func is current:
            current = parent
        else:
            return current


def alone_on_lines(ctx: RuleContext, stmt: ast.stmt) -> bool:
    """The statement starts its first line and ends its last (no ``;`` neighbours)."""
    first = ctx.lines[stmt.lineno - 1]
    if first[: stmt.col_offset].strip():
        return False
    last = ctx.lines[(stmt.end_lineno or stmt.lineno) - 1]
    rest = last.encode("utf-8")[stmt.end_col_offset:].decode("utf-8", "replace").strip()
    return not rest or rest.startswith("#")


def string_value(ctx: RuleContext, node: ast.AST | None, depth: int = 0) -> str | None:
    """The text of a string literal, an f-string's literal parts, or a name bound
    to one (one level)."""
    from caveat.analysis.guards import reaching_value

    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else " ? " for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        left = string_value(ctx, node.left, depth + 1)
        return left
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return string_value(ctx, node.func.value, depth + 1)
    if isinstance(node, ast.Name) and depth < 2:
        return string_value(ctx, reaching_value(ctx, node), depth + 1)
    return None


def segment(ctx: RuleContext, node: ast.AST) -> str:
    """``ctx.source(node)`` without re-splitting the whole text on every call
    (``ast.get_source_segment`` does; that is slow in large blocks)."""
    lineno, end_lineno = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
    col, end_col = getattr(node, "col_offset", None), getattr(node, "end_col_offset", None)
    if None in (lineno, end_lineno, col, end_col):
        return ""
    lines = ctx.lines
    if not (0 < lineno <= end_lineno <= len(lines)):
        return ""
    if lineno == end_lineno:
        line = lines[lineno - 1]
        if line.isascii():
            return line[col:end_col]
        return line.encode("utf-8")[col:end_col].decode("utf-8", "replace")
    first = lines[lineno - 1].encode("utf-8")[col:].decode("utf-8", "replace")
    last = lines[end_lineno - 1].encode("utf-8")[:end_col].decode("utf-8", "replace")
    return "".join([first, *lines[lineno:end_lineno - 1], last])
