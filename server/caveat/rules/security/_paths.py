"""Thin adapter over ``caveat.analysis.taint`` for file-system paths.

The shared model treats ``a / b`` as arithmetic (a number cannot carry text),
which is right everywhere except ``pathlib``: ``Path(BASE) / filename`` is a
path join. ``path_sources`` follows ``/`` (directly and through assignments)
and hands every other expression to ``taint.user_input_sources(kind="path")``.
It also knows one source the shared model does not: member names read from an
archive (``zipfile.namelist()``, ``tarfile.getmembers()``), which are chosen
by whoever made the archive.
"""
from __future__ import annotations

import ast

from caveat.analysis import taint
from caveat.rules.base import RuleContext

ARCHIVE_LISTINGS = frozenset({"namelist", "infolist", "getmembers", "getnames", "members"})
_BINDING_KINDS = ("assign", "aug", "with", "for", "comp", "for*", "comp*", "mutate")


def path_sources(ctx: RuleContext, node: ast.AST, depth: int = 0) -> list[str]:
    """Labels of the user-input (or archive-member) sources of a path expression."""
    if depth > 8 or node is None:
        return []
    archive = archive_member(ctx, node)
    if archive:
        return [archive]
    if not _involves_div(ctx, node, 3):
        return taint.user_input_sources(ctx, node, kind="path")
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return path_sources(ctx, node.left, depth + 1) + path_sources(ctx, node.right, depth + 1)
    if isinstance(node, ast.Name):
        if taint.is_validated(ctx, node):
            return []
        found: list[str] = []
        for binding in taint.bindings_before(ctx, node):
            if binding.kind == "param":
                found.extend(taint.user_input_sources(ctx, node, kind="path"))
            elif binding.kind in _BINDING_KINDS and binding.value is not None:
                found.extend(path_sources(ctx, binding.value, depth + 1))
        return found
    if isinstance(node, ast.Call):
        if taint.is_sanitized(ctx, node, "path"):
            return []
        parts: list[ast.AST] = list(node.args) + [k.value for k in node.keywords]
        if isinstance(node.func, ast.Attribute) and ctx.qualified_name(node.func) is None:
            parts.insert(0, node.func.value)
        return [s for part in parts for s in path_sources(ctx, part, depth + 1)]
    if isinstance(node, (ast.JoinedStr, ast.FormattedValue, ast.BinOp, ast.Attribute, ast.Subscript, ast.Await,
                         ast.IfExp, ast.BoolOp)):
        children = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr)]
        if isinstance(node, ast.IfExp):
            children = [node.body, node.orelse]
        return [s for child in children for s in path_sources(ctx, child, depth + 1)]
    return taint.user_input_sources(ctx, node, kind="path")


def _involves_div(ctx: RuleContext, node: ast.AST, depth: int) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.Div):
            return True
        if isinstance(sub, ast.Name) and depth > 0 and isinstance(sub.ctx, ast.Load):
            for binding in taint.bindings_before(ctx, sub):
                if binding.value is not None and binding.kind in _BINDING_KINDS \
                        and _involves_div(ctx, binding.value, depth - 1):
                    return True
    return False


def archive_member(ctx: RuleContext, node: ast.AST, depth: int = 3) -> str | None:
    """``member`` in ``for member in zf.namelist()`` (or its ``.filename`` /
    ``.name``), followed through assignments."""
    for sub in ast.walk(node):
        if not isinstance(sub, ast.Name) or depth <= 0:
            continue
        for binding in taint.bindings_before(ctx, sub):
            value = binding.value
            if value is None:
                continue
            if binding.kind in ("for", "comp", "for*", "comp*"):
                if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                        and value.func.attr in ARCHIVE_LISTINGS:
                    return f"archive member names (`{sub.id}` from `{ctx.source(value.func)}()`)"
                if isinstance(value, ast.Attribute) and value.attr in ARCHIVE_LISTINGS:
                    return f"archive member names (`{sub.id}` from `{ctx.source(value)}`)"
            elif binding.kind in ("assign", "aug"):
                if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Div):
                    found = archive_member(ctx, value, depth - 1)
                    if found:
                        return found
                found = archive_member(ctx, value, depth - 1) if not isinstance(value, ast.Constant) else None
                if found:
                    return found
    return None


LOCAL_SOURCES = ("sys.argv", "input()", "sys.stdin", "command-line arguments", "getpass.getpass()", "raw_input()")


def remote_only(labels: list[str]) -> list[str]:
    """Drop sources controlled by the person running the program (``sys.argv``,
    ``input()``, argparse): a CLI that opens the path or fetches the URL it was
    given is doing its job, not being attacked."""
    return [label for label in labels if not label.startswith(LOCAL_SOURCES)]
