"""Thin adapter over ``caveat.analysis.taint`` for file-system paths.

The shared model treats ``a / b`` as arithmetic (a number cannot carry text),
which is right everywhere except ``pathlib``: ``Path(BASE) / filename`` is a
path join, and such paths end up in shell commands too. ``flow_origins``
follows ``/`` (directly and through assignments) and hands every other
expression to ``taint.origins``; ``path_sources`` keeps the user-input labels.
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


def path_sources(ctx: RuleContext, node: ast.AST) -> list[str]:
    """Labels of the user-input (or archive-member) sources of a path expression."""
    archive = archive_member(ctx, node)
    if archive:
        return [archive]
    return sorted({o.label for o in flow_origins(ctx, node, "path") if o.kind == "user"})


def flow_origins(ctx: RuleContext, node: ast.AST | None, kind: str | None, depth: int = 0) -> list[taint.Origin]:
    """``taint.origins`` that also follows pathlib's ``/`` (directly, through
    assignments and through calls that only reshape a path)."""
    if depth > 8 or node is None:
        return []
    if not _involves_div(ctx, node, 3):
        return list(taint.origins(ctx, node, kind=kind))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return flow_origins(ctx, node.left, kind, depth + 1) + flow_origins(ctx, node.right, kind, depth + 1)
    if isinstance(node, ast.Name):
        if taint.is_validated(ctx, node):
            return []
        found: list[taint.Origin] = []
        for binding in taint.bindings_before(ctx, node):
            if binding.kind == "param":
                found.extend(taint.origins(ctx, node, kind=kind))
            elif binding.kind in _BINDING_KINDS and binding.value is not None:
                found.extend(flow_origins(ctx, binding.value, kind, depth + 1))
        return found
    if isinstance(node, ast.Call):
        if taint.is_sanitized(ctx, node, kind):
            return []
        parts: list[ast.AST] = list(node.args) + [k.value for k in node.keywords]
        if isinstance(node.func, ast.Attribute) and ctx.qualified_name(node.func) is None:
            parts.insert(0, node.func.value)
        return [o for part in parts for o in flow_origins(ctx, part, kind, depth + 1)]
    if isinstance(node, (ast.JoinedStr, ast.FormattedValue, ast.BinOp, ast.Attribute, ast.Subscript, ast.Await,
                         ast.IfExp, ast.BoolOp, ast.List, ast.Tuple)):
        children = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr)]
        if isinstance(node, ast.IfExp):
            children = [node.body, node.orelse]
        return [o for child in children for o in flow_origins(ctx, child, kind, depth + 1)]
    return list(taint.origins(ctx, node, kind=kind))


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
