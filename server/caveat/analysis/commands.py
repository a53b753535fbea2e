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
    resolved = _resolve(ctx, command)
    if isinstance(resolved, (ast.List, ast.Tuple)) and resolved.elts:
        first, rest = resolved.elts[0], resolved.elts[1:]
        if isinstance(first, ast.Constant) and str(first.value) in SHELL_PROGRAMS and len(rest) >= 2 \
                and isinstance(rest[0], ast.Constant) and str(rest[0].value) in SHELL_FLAGS:
            return Executed("shell", rest[1], f"{name}([{first.value!r}, {rest[0].value!r}, ...])")
        return None if isinstance(first, ast.Starred) else Executed("program", first, name)
    if isinstance(resolved, ast.Call) and (ctx.qualified_name(resolved.func) or "") == "shlex.split" and resolved.args:
        return Executed("split", resolved.args[0], f"{name}(shlex.split(...))")
    if isinstance(resolved, ast.Call) and isinstance(resolved.func, ast.Attribute) and resolved.func.attr == "split" \
            and not resolved.args and is_text(_resolve(ctx, resolved.func.value)):
        return Executed("split", resolved.func.value, f"{name}(command.split())")
    # A string without a shell is the program name (plus arguments on Windows).
    return Executed("program", command, name) if is_text(resolved) else None


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
