"""## What it does

Detects user input evaluated as code: `eval`/`exec`/`compile`, module names for
`__import__`/`importlib.import_module`, `runpy`, templates that are input as a whole
(Jinja2/Mako `Template`, `from_string`, `render_template_string`), expression languages
that reach Python (`pandas.eval`, `DataFrame.query`, `sympy.sympify`, `numexpr`), and
`logging.config.listen()` without `verify=` (sinks: `analysis/sinks.py`, family `code`).
`eval`/`exec` of other non-constant values (a parameter, `rule.condition`) is a warning.

## Why is this bad?
`eval(request.args["expr"])` lets the caller run any Python in the server process
(`__import__("os").system(...)`); no blocklist survives `().__class__.__mro__` tricks.
A template compiled from input is the same hole (server-side template injection).

## Example
```python
@app.get("/calc")
def calc():
    return str(eval(request.args["expr"]))
```

## Use instead
```python
@app.get("/calc")
def calc():
    return str(ast.literal_eval(request.args["expr"]))  # literals only
```

## What it does not flag
Constants, `ast.literal_eval`, constant templates rendered with input as variables,
`SandboxedEnvironment`, module names checked against an allowlist, and code that is a
file's content (`exec(path.read_text())`), the parameter of a private helper (its callers
choose the value), and an import-system loader's `exec_module` compiling the module it
loads (a class deriving from `importlib.abc.Loader`). Values pasted into literal template text
(`render_template_string(f"<h1>{name}</h1>")`) are reported once, by CAV111.

## Fix safety
`eval(x)` -> `ast.literal_eval(x)` (when `ast` is imported), unsafe: real expressions
stop working.

## References
- https://cwe.mitre.org/data/definitions/94.html
- https://portswigger.net/research/server-side-template-injection
"""
import ast

from caveat.analysis import provenance, sinks, taint
from caveat.engine.findings import Fix, Severity
from caveat.rules.base import Rule
from caveat.rules.fixkit import keyword
from caveat.rules.security.xss_common import interpolated_template

PARSE_INSTEAD = ("Parse the input instead: `ast.literal_eval` for literals, `json.loads` for data, or a small "
                 "dedicated parser for expressions.")
ROLE_MESSAGES = {
    "import": "`{f}` imports a module named by {src}: importing runs the module's code, and the caller picks which. "
              "Map the input to modules through an allowlist (`PLUGINS = {{\"csv\": \"app.export.csv\"}}`).",
    "runner": "`{f}` executes the Python file or module named by {src}; whoever controls that file or name runs "
              "code in this process. Load plugins from a fixed, trusted location through an allowlist.",
    "template": "`{f}` compiles a template from {src} (server-side template injection): template expressions reach "
                "Python objects and can run commands. Keep the template constant and pass the input as a variable: "
                "`Template(\"Hello {{{{ name }}}}\").render(name=name)`.",
    "expression": "`{f}` evaluates expressions that reach Python objects, and this one comes from {src}: the caller "
                  "can run code. Build the filter from validated column names and values instead.",
}


class CodeInjection(Rule):
    code = "CAV137"
    name = "code-injection"
    category = "code-injection"
    cwe = 94
    severity = Severity.ERROR
    fixable = True
    supersedes = ("B102", "B307", "B612")
    replaces = ("B102", "B307")
    claims = (taint.REQUEST,)

    def check(self, ctx) -> None:
        for call, sink, name in sinks.sink_calls(ctx, "code"):
            code = sinks.argument(call, sink)
            if sink.role == "listen" and keyword(call, "verify") is None and len(call.args) < 2:
                ctx.report(self, call, "`logging.config.listen()` applies logging configurations (which name "
                                       "callables) from the network: anyone who can reach the port runs code. Pass "
                                       "`verify=` a function that checks a signature, or configure from a file.")
            elif code is None or sink.role == "listen" or self._silent(ctx, call, sink, code):
                continue
            elif sink.role == "eval":
                self._evaluated(ctx, call, sink.callee.rsplit(".", 1)[-1], code)
            else:
                found = taint.user_input_sources(ctx, code, kind="code")
                origin = found[0] if found else None
                if sink.role == "runner" and origin is None:
                    origin = next((o.label for o in taint.maybe_external(taint.unsafe_origins(ctx, code, kind="code"))),
                                  None)
                if origin is not None:
                    f = sink.note or ctx.source(call.func)
                    ctx.report(self, call, ROLE_MESSAGES[sink.role].format(f=f, src=origin),
                               severity=None if found else Severity.WARNING,
                               claim=taint.request_claim_of(ctx, code, found))

    @staticmethod
    def _silent(ctx, call, sink, code) -> bool:
        if sink.role == "template":
            return bool(interpolated_template(ctx, call))  # CAV111's (with its fix)
        if sink.role == "eval" and provenance.import_loader(ctx, call):
            return True  # an import-system loader running a module's source: its protocol
        parent = ctx.parent(call)  # exec(compile(...)): reported once, on the exec
        return sink.callee.endswith("compile") and isinstance(parent, ast.Call) \
            and any(s.callee == (ctx.qualified_name(parent.func) or "") for s in sinks.SINKS["code"] if s.role == "eval")

    def _evaluated(self, ctx, call, short: str, code) -> None:
        if taint.is_constant(ctx, code, kind="code"):
            data = provenance.data_attribute(ctx, code)
            if data is not None:
                ctx.report(self, call, f"`{short}` runs code built from `{data}`, data loaded at run time (a rule, a "
                                       f"record, a setting); whoever can edit that data runs Python here. Evaluate it "
                                       f"with a restricted expression language (e.g. `simpleeval`) or a lookup table.",
                           severity=Severity.WARNING)
            return
        if short in ("exec", "eval") and provenance.compiled_constant(ctx, code):
            return
        fix = None
        if short == "eval" and len(call.args) == 1 and not call.keywords and ctx.imports.get("ast") == "ast":
            fix = Fix("Evaluate literals only (ast.literal_eval)", (ctx.replace(call.func, "ast.literal_eval"),),
                      safe=False)
        found = taint.user_input_sources(ctx, code, kind="code")
        if found:  # input typed by the person running the program (a REPL, a CLI): a warning
            ctx.report(self, call, f"`{short}` runs code taken from {found[0]}: the caller can execute any Python in "
                                   f"this process (`__import__('os').system(...)`). {PARSE_INSTEAD}", fix=fix,
                       severity=None if taint.remote_only(found) else Severity.WARNING,
                       claim=taint.request_claim_of(ctx, code, found))
            return
        origins = taint.maybe_external(taint.unsafe_origins(ctx, code, kind="code"))
        if origins and short != "compile" and not provenance.file_content(ctx, code):
            ctx.report(self, call, f"`{short}` runs code built from {origins[0].label}; if that value can come from a "
                                   f"user or a file they control, it is code injection. Use `ast.literal_eval`, "
                                   f"`json.loads`, or a lookup table of allowed operations.",
                       fix=fix, severity=Severity.WARNING)
