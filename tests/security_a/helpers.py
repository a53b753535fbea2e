"""Build a RuleContext for a whole snippet and find the argument of ``sink(...)``."""
from __future__ import annotations

import ast
import textwrap

from caveat.rules.base import RuleContext


def context(source: str, path: str = "app.py") -> RuleContext:
    source = textwrap.dedent(source)
    tree = ast.parse(source)
    functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    return RuleContext(tree, source, {}, functions, path)


def sinks(ctx: RuleContext) -> list[ast.expr]:
    return [call.args[0] for call in ctx.nodes(ast.Call)
            if isinstance(call.func, ast.Name) and call.func.id == "sink"]
