"""Where a file-system path comes from: the shared user-input model
(``caveat.analysis.taint``, which follows pathlib's ``/`` joins itself) plus one
source only paths have: member names read from an archive
(``zipfile.namelist()``, ``tarfile.getmembers()``), chosen by whoever made the
archive.
"""
from __future__ import annotations

import ast

from caveat.analysis import taint
from caveat.rules.base import RuleContext

ARCHIVE_LISTINGS = frozenset({"namelist", "infolist", "getmembers", "getnames", "members"})


def path_sources(ctx: RuleContext, node: ast.AST) -> list[str]:
    """Labels of the user-input (or archive-member) sources of a path expression."""
    archive = archive_member(ctx, node)
    if archive:
        return [archive]
    return taint.user_input_sources(ctx, node, kind="path")


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
            elif binding.kind in ("assign", "aug") and not isinstance(value, ast.Constant):
                found = archive_member(ctx, value, depth - 1)
                if found:
                    return found
    return None
