"""Quick-fixes for bandit findings, keyed by bandit test id.

Each fixer receives the rule context of the block and the call node bandit
reported, and returns a Fix or None when the code is not in a shape the fix
handles mechanically.

- B506 ``yaml.load(...)`` -> ``yaml.safe_load(...)`` (drops ``Loader=``).
- B602/B604 ``subprocess.*("literal command", shell=True)`` -> an argument list
  without a shell, only when the literal has no shell syntax.
- B501 ``verify=False`` removed from requests/httpx calls.
"""
from __future__ import annotations

import ast
import shlex
from typing import Callable

import libcst as cst

from caveat.engine.findings import Fix
from caveat.rules.base import RuleContext
from caveat.rules.fixkit import keyword, rewrite_expression, single_edit_fix, without_keyword

Fixer = Callable[[RuleContext, ast.Call], "Fix | None"]


def _yaml_safe_load(ctx: RuleContext, call: ast.Call) -> Fix | None:
    # bandit resolved this call to yaml.load before reporting B506; the fix only needs
    # the attribute form (``yaml.load`` / ``y.load``) to rewrite it in place.
    if not isinstance(call.func, ast.Attribute) or call.func.attr != "load":
        return None

    def transform(expr: cst.BaseExpression):
        if not isinstance(expr, cst.Call) or not isinstance(expr.func, cst.Attribute):
            return None
        expr = without_keyword(expr, "Loader") or expr
        return expr.with_changes(func=expr.func.with_changes(attr=cst.Name("safe_load")))

    return single_edit_fix("Replace `yaml.load` with `yaml.safe_load`", rewrite_expression(ctx, call, transform))


_SHELL_SYNTAX = set("|&;<>()$`*?[]{}~!#'\"\\\n")


def _shell_to_argv(ctx: RuleContext, call: ast.Call) -> Fix | None:
    shell = keyword(call, "shell")
    if shell is None or not (isinstance(shell.value, ast.Constant) and shell.value.value is True):
        return None
    if not call.args or not isinstance(call.args[0], ast.Constant) or not isinstance(call.args[0].value, str):
        return None
    command = call.args[0].value
    if not command.strip() or _SHELL_SYNTAX & set(command) or "=" in command.split()[0]:
        return None
    argv = shlex.split(command)

    def transform(expr: cst.BaseExpression):
        expr = without_keyword(expr, "shell")
        if expr is None:
            return None
        args = list(expr.args)
        args[0] = args[0].with_changes(value=cst.parse_expression(repr(argv).replace("'", '"')))
        return expr.with_changes(args=args)

    return single_edit_fix("Run the command as an argument list without a shell",
                           rewrite_expression(ctx, call, transform))


def _remove_verify_false(ctx: RuleContext, call: ast.Call) -> Fix | None:
    verify = keyword(call, "verify")
    if verify is None or not (isinstance(verify.value, ast.Constant) and verify.value.value is False):
        return None
    edit = rewrite_expression(ctx, call, lambda expr: without_keyword(expr, "verify"))
    return single_edit_fix("Remove `verify=False` (verify TLS certificates)", edit)


FIXERS: dict[str, Fixer] = {
    "B506": _yaml_safe_load,
    "B602": _shell_to_argv,
    "B604": _shell_to_argv,
    "B501": _remove_verify_false,
}
