"""Files the program ships with: a path built from ``__file__`` (``os.path.dirname(__file__)``,
``Path(__file__).parent / "res"``) or handed out by ``importlib.resources`` / ``pkg_resources``.

Such a file is part of the installed package: small, bounded by design and on local disk.
Reading it whole, or in a coroutine, is not the unbounded or slow I/O the edge rules look
for. Paths are followed through local assignments in the same function; a module-level name
defined in another block is not visible here, so its reads stay as they were (uncertain).
"""
from __future__ import annotations

import ast

from caveat.analysis.flow import value_before
from caveat.rules.base import RuleContext

RESOURCE_APIS = ("importlib.resources.", "importlib_resources.", "pkg_resources.resource_",
                 "pkgutil.get_data")


def is_packaged_path(ctx: RuleContext, expr: ast.AST, depth: int = 2) -> bool:
    """Does ``expr`` name a file inside the program's own package?"""
    for node in ast.walk(expr):
        if isinstance(node, ast.Name):
            if node.id == "__file__":
                return True
            if depth and isinstance(node.ctx, ast.Load):
                value = value_before(ctx, node)
                if value is not None and value is not expr and is_packaged_path(ctx, value, depth - 1):
                    return True
        elif isinstance(node, ast.Call):
            name = ctx.qualified_name(node.func) or ""
            if name.startswith(RESOURCE_APIS):
                return True
    return False


def opened_for_reading(call: ast.Call) -> bool:
    """``open(path)``, ``open(path, "rb")``: no write, append, create or update mode."""
    mode = call.args[1] if len(call.args) > 1 else next((kw.value for kw in call.keywords if kw.arg == "mode"), None)
    if mode is None:
        return True
    return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and not set(mode.value) & set("wax+")
