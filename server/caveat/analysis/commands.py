"""What a process-starting call runs, for the sinks of family ``command``
(``analysis/sinks.py``): a command line a shell parses, a string split into arguments,
or the name of the program. One answer for every rule that asks (command injection,
length-only validation).

``subprocess.run(cmd, shell=True)`` and ``os.system(cmd)`` run ``cmd`` in a shell;
``subprocess.run(["sh", "-c", cmd])`` too; ``subprocess.run(shlex.split(cmd))`` and
``subprocess.run(f"ping {host}".split())`` take their arguments from ``cmd``;
``subprocess.run([prog, ...])``, ``subprocess.run(prog)`` and ``os.execv(prog, ...)``
run the program ``prog`` names.
"""
from __future__ import annotations

import ast
from typing import NamedTuple

from caveat.analysis import taint
from caveat.analysis.flow import value_before
from caveat.analysis.sinks import SinkCall, argument
from caveat.rules.base import RuleContext

# Programs that run their ``-c`` argument as a shell command line.
SHELL_PROGRAMS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "/bin/sh", "/bin/bash", "/usr/bin/bash", "/bin/zsh",
                            "cmd", "cmd.exe", "powershell", "pwsh", "powershell.exe"})
SHELL_FLAGS = ("-c", "/c", "-Command")


class Executed(NamedTuple):
    how: str        # "shell", "split" (arguments split from a string), "program", "remote"
    value: ast.AST  # the command line, the split string, or the program
    label: str      # how the call reads in a message


def executed(ctx: RuleContext, found: SinkCall) -> Executed | None:
    """What ``found`` runs, or None when it cannot be told (no argument, ``*args``)."""
    call, sink, name = found
    command = argument(call, sink)
    if command is None:
        return None
    if sink.role in ("shell", "program", "remote"):
        return Executed(sink.role, command, name or ctx.source(call.func))
    shell = next((kw for kw in call.keywords if kw.arg == "shell"), None)
    if shell is not None and not (isinstance(shell.value, ast.Constant) and not shell.value.value):
        return Executed("shell", command, name)
    elements = _elements(ctx, command)
    if elements:
        first, rest = elements[0], elements[1:]
        program = _texts(ctx, first)
        if program and program <= SHELL_PROGRAMS and len(rest) >= 2 and (flag := _texts(ctx, rest[0])) \
                and flag <= set(SHELL_FLAGS):
            return Executed("shell", _pick(ctx, rest[1]), f"{name}([{min(program)!r}, {min(flag)!r}, ...])")
        return None if any(isinstance(e, ast.Starred) for e in first) else Executed("program", _pick(ctx, first), name)
    resolved = _resolve(ctx, command)
    if isinstance(resolved, ast.Call) and (ctx.qualified_name(resolved.func) or "") == "shlex.split" and resolved.args:
        return Executed("split", resolved.args[0], f"{name}(shlex.split(...))")
    if isinstance(resolved, ast.Call) and isinstance(resolved.func, ast.Attribute) and resolved.func.attr == "split" \
            and not resolved.args and is_text(_resolve(ctx, resolved.func.value)):
        return Executed("split", resolved.func.value, f"{name}(command.split())")
    # A string without a shell is the program name (plus arguments on Windows).
    return Executed("program", command, name) if is_text(resolved) else None


def _elements(ctx: RuleContext, command: ast.AST) -> list[frozenset] | None:
    """The argument list's elements, each the expressions that may sit there: a literal
    list, or a list the function built (``args = []; args.append("sh")...``, over branches)."""
    if isinstance(command, ast.Name):
        held = taint.contents(ctx, command)
        if held is not None and held.kind == "list" and held.slots and all(held.slots):
            return list(held.slots)
    resolved = _resolve(ctx, command)
    if isinstance(resolved, (ast.List, ast.Tuple)) and resolved.elts:
        return [frozenset({e}) for e in resolved.elts]
    return None


def _texts(ctx: RuleContext, exprs: frozenset) -> set[str] | None:
    """The constant strings an element can be, or None when one of them is not constant."""
    found = set()
    for expr in exprs:
        value = taint.constant_value(ctx, expr)
        if not isinstance(value, str):
            return None
        found.add(value)
    return found


def _pick(ctx: RuleContext, exprs: frozenset) -> ast.AST:
    """One expression of an element to judge: the first (in source order) that is not constant."""
    ordered = sorted(exprs, key=lambda e: (getattr(e, "lineno", 0), getattr(e, "col_offset", 0)))
    return next((e for e in ordered if not taint.is_constant(ctx, e, kind="shell")), ordered[0])


def _resolve(ctx: RuleContext, node: ast.AST) -> ast.AST:
    if isinstance(node, ast.Name):
        value = value_before(ctx, node)
        if value is not None:
            return value
    return node


def is_text(node: ast.AST) -> bool:
    """A string being built: an f-string, ``+``/``%``, ``.format``/``.join``."""
    return isinstance(node, (ast.JoinedStr, ast.BinOp)) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("format", "join"))
