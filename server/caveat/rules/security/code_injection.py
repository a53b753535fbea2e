"""## What it does

Detects user input evaluated as code: `eval`, `exec`, `compile`,
`__import__` / `importlib.import_module` with an input-chosen module name,
templates that are input as a whole (Jinja2 `Template(...)` /
`Environment.from_string`, Mako `Template`, `render_template_string`), expression
evaluators that run Python (`pandas.eval`, `DataFrame.query`/`eval`,
`sympy.sympify`, `numexpr.evaluate`), `runpy.run_path`/`run_module`, and
`logging.config.listen()` without `verify=`. `eval`/`exec` of text built from
data attributes (`rule.condition`) is a warning. Input means route-handler parameters, request data,
`input()`, `sys.argv`, followed through assignments, string building and
same-module helpers; `eval`/`exec` of other non-constant values is a
warning.

## Why is this bad?
`eval(request.args["expr"])` lets the caller run any Python in the server
process: `__import__("os").system("...")` is one request away, and no blocklist
of names survives `().__class__.__mro__` tricks. A Jinja template compiled from
input is the same hole (server-side template injection): `{{ cycler.__init__.
__globals__.os.popen("id").read() }}`.

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
`eval`/`exec` of constants, `ast.literal_eval`, `json.loads`, constant
templates rendered with input as variables (`Template("Hi {{ name }}").render(
name=name)`), `string.Template`, `SandboxedEnvironment`, and module names
checked against an allowlist. Values pasted into literal template text
(`render_template_string(f"<h1>{name}</h1>")`) are one defect reported once,
by CAV111 (xss-template-injection, which also offers the fix). Code that is a
file's content (`exec(path.read_text())`, `exec(compile(fh.read(), ...))`) is
not reported for a path that is merely not constant (a setup or version file);
a file the client chooses still is.

## Fix safety
`eval(x)` -> `ast.literal_eval(x)` is offered (when `ast` is imported) as an
unsafe fix: it accepts only literals, so real expressions stop working.

## References
- https://cwe.mitre.org/data/definitions/94.html
- https://cwe.mitre.org/data/definitions/95.html
- https://portswigger.net/research/server-side-template-injection
"""
from __future__ import annotations

import ast

from caveat.analysis import taint
from caveat.analysis.flow import resolved_call_name
from caveat.engine.findings import Fix, Severity
from caveat.rules.base import Rule, RuleContext
from caveat.rules.security._names import imports_any
from caveat.rules.security.xss_common import interpolated_template
from caveat.rules.fixkit import keyword

EVALUATORS = frozenset({"eval", "exec", "compile", "builtins.eval", "builtins.exec", "builtins.compile", "execfile"})
IMPORTERS = frozenset({"__import__", "importlib.import_module", "importlib.__import__", "builtins.__import__"})
RUNNERS = frozenset({"runpy.run_path", "runpy.run_module"})
STRING_TEMPLATES = frozenset({"flask.render_template_string", "quart.render_template_string",
                              "jinja2.Environment.from_string"})
TEMPLATES = frozenset({"jinja2.Template", "jinja2.environment.Template", "mako.template.Template"})
EXPRESSION_EVALUATORS = frozenset({"pandas.eval", "numexpr.evaluate", "sympy.sympify", "sympy.parse_expr",
                                   "sympy.parsing.sympy_parser.parse_expr"})
DATAFRAME_METHODS = frozenset({"query", "eval"})
RESOLVE_ATTRS = DATAFRAME_METHODS | {"from_string"}  # receivers worth resolving (``env.from_string``)


class CodeInjection(Rule):
    code = "CAV137"
    name = "code-injection"
    category = "code-injection"
    cwe = 94
    severity = Severity.ERROR
    fixable = True
    supersedes = ("B102", "B307", "B612")
    replaces = ("B102", "B307")

    def check(self, ctx: RuleContext) -> None:
        for call in ctx.nodes(ast.Call):
            name = ctx.qualified_name(call.func) or ""
            if not name and isinstance(call.func, ast.Attribute) and call.func.attr in RESOLVE_ATTRS:
                name = resolved_call_name(ctx, call) or ""
            if name in EVALUATORS:
                self._evaluator(ctx, call, name.rsplit(".", 1)[-1])
            elif name in IMPORTERS:
                self._import(ctx, call)
            elif name in RUNNERS:
                self._runner(ctx, call)
            elif name in STRING_TEMPLATES:
                self._template(ctx, call)
            elif name == "logging.config.listen":
                if keyword(call, "verify") is None and len(call.args) < 2:
                    ctx.report(self, call, "`logging.config.listen()` accepts logging configurations from the network and "
                                           "applies them (configurations can name any callable to construct); anyone "
                                           "who can reach the port runs code. Pass `verify=` a function that checks a "
                                           "signature, or configure logging from a file.")
            elif name in TEMPLATES or name.endswith("Environment.from_string"):
                if "Sandboxed" not in name:
                    self._template(ctx, call)
            elif name in EXPRESSION_EVALUATORS:
                self._expression(ctx, call, f"`{ctx.source(call.func)}` evaluates Python expressions")
            elif isinstance(call.func, ast.Attribute) and call.func.attr in DATAFRAME_METHODS \
                    and (not name or name.startswith("pandas.")) and imports_any(ctx, "pandas"):
                self._expression(ctx, call, f"`DataFrame.{call.func.attr}` evaluates its string with pandas' "
                                            f"expression engine (which can reach Python objects)")

    def _evaluator(self, ctx: RuleContext, call: ast.Call, short: str) -> None:
        source = call.args[0] if call.args else (keyword(call, "source").value if keyword(call, "source") else None)
        if source is None or isinstance(source, ast.Starred):
            return
        if short == "compile":
            parent = ctx.parent(call)
            if isinstance(parent, ast.Call) and (ctx.qualified_name(parent.func) or "") in EVALUATORS:
                return  # exec(compile(...)): reported once, on the exec
        if taint.is_constant(ctx, source, kind="code"):
            data = _data_attribute(ctx, source, 3)
            if data is not None:
                ctx.report(self, call, f"`{short}` runs code built from `{data}`, data loaded at run time (a rule, a "
                                       f"record, a setting); whoever can edit that data runs Python here. Evaluate it "
                                       f"with a restricted expression language (e.g. `simpleeval`) or a lookup table.",
                           severity=Severity.WARNING)
            return
        if short in ("exec", "eval") and _compiled_constant(ctx, source):
            return
        sources = taint.user_input_sources(ctx, source, kind="code")
        fix = None
        if short == "eval" and len(call.args) == 1 and not call.keywords and ctx.imports.get("ast") == "ast":
            fix = Fix("Evaluate literals only (ast.literal_eval)", (ctx.replace(call.func, "ast.literal_eval"),),
                      safe=False)
        if sources:
            # Input typed by the person running the program (a REPL, a CLI) is their own code: a warning.
            local = not taint.remote_only(sources)
            ctx.report(self, call, f"`{short}` runs code taken from {sources[0]}: the caller can execute any Python in "
                                   f"this process (`__import__('os').system(...)`). Parse the input instead: "
                                   f"`ast.literal_eval` for literals, `json.loads` for data, or a small dedicated "
                                   f"parser for expressions.", fix=fix, severity=Severity.WARNING if local else None)
            return
        origins = taint.unsafe_origins(ctx, source, kind="code")
        if not origins or short == "compile":
            return  # compile() alone runs nothing; generated code from parameters is a warning only at exec/eval
        if _file_content(ctx, source, 3):
            return  # a script or version file read and run: its trust is the file's, not the path's
        ctx.report(self, call, f"`{short}` runs code built from {origins[0].label}; if that value can come from a "
                               f"user or a file they control, it is code injection. Use `ast.literal_eval`, "
                               f"`json.loads`, or a lookup table of allowed operations.",
                   fix=fix, severity=Severity.WARNING)

    def _runner(self, ctx: RuleContext, call: ast.Call) -> None:
        target = call.args[0] if call.args else None
        if target is None or taint.is_constant(ctx, target, kind="code"):
            return
        sources = taint.user_input_sources(ctx, target, kind="code")
        origin = sources[0] if sources else next((o.label for o in taint.unsafe_origins(ctx, target, kind="code")), None)
        if origin is None:
            return
        ctx.report(self, call, f"`{ctx.source(call.func)}` executes the Python file or module named by {origin}; "
                               f"whoever controls that file or name runs code in this process. Load plugins from "
                               f"a fixed, trusted location through an allowlist.",
                   severity=None if sources else Severity.WARNING)

    def _import(self, ctx: RuleContext, call: ast.Call) -> None:
        self._input_sink(ctx, call, "name", lambda source: (
            f"`{ctx.source(call.func)}` imports a module named by {source}: importing runs the module's code, and the "
            f"caller picks which. Map the input to modules through an allowlist "
            f"(`PLUGINS = {{\"csv\": \"app.export.csv\"}}`)."))

    def _template(self, ctx: RuleContext, call: ast.Call) -> None:
        if interpolated_template(ctx, call):
            return  # values pasted into template text: one diagnostic, CAV111's (with its fix)
        self._input_sink(ctx, call, "source", lambda source: (
            f"`{ctx.source(call.func)}` compiles a template from {source} (server-side template injection): template "
            f"expressions reach Python objects and can run commands. Keep the template constant and pass the input as "
            f"a variable: `Template(\"Hello {{{{ name }}}}\").render(name=name)`."))

    def _expression(self, ctx: RuleContext, call: ast.Call, what: str) -> None:
        self._input_sink(ctx, call, "expr", lambda source: (
            f"{what}, and this one comes from {source}: the caller can run code. Build the filter from validated "
            f"column names and values instead."))

    def _input_sink(self, ctx: RuleContext, call: ast.Call, keyword_name: str, message) -> None:
        """Report when the first argument (or ``keyword_name=``) is user input."""
        found = keyword(call, keyword_name)
        value = call.args[0] if call.args else (found.value if found is not None else None)
        if value is None or isinstance(value, ast.Starred):
            return
        sources = taint.user_input_sources(ctx, value, kind="code")
        if sources:
            ctx.report(self, call, message(sources[0]))


def _data_attribute(ctx: RuleContext, node: ast.AST, depth: int) -> str | None:
    """``rule.condition`` / ``self.expression``: an attribute of an object (not a
    module constant, not a method) read into the evaluated text, directly or
    through local assignments."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Load) and not sub.attr.isupper():
            parent = ctx.parent(sub)
            if isinstance(parent, ast.Call) and parent.func is sub:
                continue
            base = sub.value
            if isinstance(base, ast.Name) and ctx.qualified_name(base) is None and base.id[:1].islower():
                return ctx.source(sub)
        elif isinstance(sub, ast.Name) and depth > 0 and isinstance(sub.ctx, ast.Load):
            for binding in taint.bindings_before(ctx, sub):
                if binding.value is not None and binding.kind in ("assign", "aug"):
                    found = _data_attribute(ctx, binding.value, depth - 1)
                    if found:
                        return found
    return None


FILE_READS = frozenset({"read", "read_text", "read_bytes"})


def _file_content(ctx: RuleContext, node: ast.AST, depth: int) -> bool:
    """``path.read_text()``, ``open(p).read()``, ``compile(fh.read(), p, "exec")``, or a
    name bound only to such a read: code that *is* a file's content."""
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Attribute) and node.func.attr in FILE_READS:
            return True
        if (ctx.qualified_name(node.func) or "") in ("compile", "builtins.compile") and node.args:
            return _file_content(ctx, node.args[0], depth)
        return False
    if isinstance(node, ast.Name) and depth > 0:
        bindings = taint.bindings_before(ctx, node)
        return bool(bindings) and all(b.kind in ("assign", "with") and b.value is not None
                                      and _file_content(ctx, b.value, depth - 1) for b in bindings)
    return False


def _compiled_constant(ctx: RuleContext, node: ast.AST) -> bool:
    """``exec(compile(CONSTANT, ...))``."""
    if isinstance(node, ast.Call) and (ctx.qualified_name(node.func) or "") in ("compile", "builtins.compile") and node.args:
        return taint.is_constant(ctx, node.args[0], kind="code")
    return False
