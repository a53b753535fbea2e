"""The quick-fix of CAV136 (command-injection): a shell command written as an f-string or
concatenation whose literal parts hold no shell syntax becomes an argument list run
without a shell (``subprocess.run(f"ping -c 1 {host}", shell=True)`` ->
``subprocess.run(["ping", "-c", "1", host])``; ``os.system(cmd)`` ->
``subprocess.call([...])`` when ``subprocess`` is imported)."""
from __future__ import annotations

import ast
import shlex

import libcst as cst

from caveat.analysis.flow import value_before
from caveat.engine.findings import Fix
from caveat.rules.base import RuleContext
from caveat.rules.fixkit import rewrite_expression, single_edit_fix, without_keyword

SUBPROCESS = frozenset({"subprocess.Popen", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
                        "subprocess.run"})
SHELL_SYNTAX = set("|&;<>()$`*?[]{}~!#'\"\\\n")


def _parts(node: ast.AST) -> list[str | ast.AST] | None:
    """Literal text and interpolated expressions of an f-string or ``+`` chain."""
    if isinstance(node, ast.JoinedStr):
        parts: list[str | ast.AST] = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue) and value.conversion == -1 and value.format_spec is None:
                parts.append(value.value)
            else:
                return None
        return parts
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _parts(node.left), _parts(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.expr):
        return [node]
    return None


def _argv(ctx: RuleContext, command: ast.AST) -> str | None:
    parts = _parts(command)
    if not parts or not isinstance(parts[0], str):
        return None
    tokens: list[list[str | ast.AST]] = [[]]
    for part in parts:
        if isinstance(part, str):
            if SHELL_SYNTAX & set(part):
                return None
            pieces = part.split(" ")
            for i, piece in enumerate(pieces):
                if i > 0 and tokens[-1]:
                    tokens.append([])
                if piece:
                    tokens[-1].append(piece)
        else:
            if isinstance(part, ast.Call) and (ctx.qualified_name(part.func) or "") == "shlex.quote" and part.args:
                part = part.args[0]
            tokens[-1].append(part)
    rendered = []
    for token in tokens:
        if not token:
            continue
        if len(token) == 1 and isinstance(token[0], str):
            rendered.append('"' + token[0] + '"')
        elif len(token) == 1:
            rendered.append(ctx.source(token[0]))
        else:
            inner = "".join(p.replace("{", "{{").replace("}", "}}") if isinstance(p, str) else "{" + ctx.source(p) + "}"
                            for p in token)
            rendered.append(f'f"{inner}"')
    if len(rendered) < 2 or any('"' in (t if isinstance(t, str) else "") for tok in tokens for t in tok if isinstance(t, str)):
        return None
    try:
        shlex.split(" ".join(p for tok in tokens for p in tok if isinstance(p, str)))
    except ValueError:
        return None
    return "[" + ", ".join(rendered) + "]"


def argv_fix(ctx: RuleContext, call: ast.Call, name: str, command: ast.AST) -> Fix | None:
    target = command
    if isinstance(command, ast.Name):
        value = value_before(ctx, command)
        if value is None:
            return None
        target = value
    argv = _argv(ctx, target)
    if argv is None or target is not command:
        return None  # only rewrite a command written in the call itself
    if name in SUBPROCESS:
        if not call.args or call.args[0] is not command:
            return None

        def transform(expr: cst.BaseExpression):
            expr = without_keyword(expr, "shell")
            if not isinstance(expr, cst.Call) or not expr.args:
                return None
            args = list(expr.args)
            args[0] = args[0].with_changes(value=cst.parse_expression(argv))
            return expr.with_changes(args=args)

        return single_edit_fix("Run an argument list without a shell", rewrite_expression(ctx, call, transform),
                               safe=False)
    if name == "os.system" and ctx.imports.get("subprocess") == "subprocess" and call.args and len(call.args) == 1:
        return Fix("Run an argument list without a shell (subprocess.call)",
                   (ctx.replace(call, f"subprocess.call({argv})"),), safe=False)
    return None
