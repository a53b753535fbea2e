"""## What it does

Detects template *source* built from values: `render_template_string(f"...")`,
`jinja2.Template("..." + name)`, `env.from_string(...)`, Django's
`Template(...)` and Mako's `Template(...)` given text that interpolates a
value that is not constant, or template text that is user input.

## Why is this bad?
A value pasted into the template source is parsed as template code, not
rendered as data: `{{ 7*7 }}` comes back as `49`, and
`{{ cycler.__init__.__globals__.os.popen('id').read() }}` runs a command on
the server (server-side template injection). At the very least, the value
bypasses autoescaping, so `<script>` in it reaches the browser (CWE-79,
CWE-1336).

## Example
```python
@app.route("/hello")
def hello():
    name = request.args.get("name", "world")
    return render_template_string(f"<h1>Hello {name}!</h1>")
```

## Use instead
```python
@app.route("/hello")
def hello():
    name = request.args.get("name", "world")
    return render_template_string("<h1>Hello {{ name }}!</h1>", name=name)
```

## What it does not flag
A template that is *entirely* client-supplied (`Template(request.form["tpl"])`):
that is server-side template injection, reported by CAV137 (code-injection).
Constant template text (module constants, literals, concatenations of them),
templates loaded by name (`render_template("hello.html", ...)`), and values
passed as context variables.

## Fix safety
For `render_template_string` with an f-string, `%` or `.format()` template the
fix turns each interpolated value into a `{{ name }}` placeholder and passes it
as a keyword argument. The value is then autoescaped instead of executed:
safe.

## References
- https://cwe.mitre.org/data/definitions/79.html
- https://cwe.mitre.org/data/definitions/1336.html
- https://portswigger.net/research/server-side-template-injection
"""
from __future__ import annotations

import ast

from caveat.engine.findings import Fix, Severity
from caveat.rules.base import Rule, RuleContext
from caveat.rules.security._query_fix import param_name, string_literal
from caveat.rules.security.xss_common import (
    interpolated_template, names_of, source_note, template_argument, template_source_kind)


class TemplateInjection(Rule):
    code = "CAV111"
    name = "xss-template-injection"
    category = "xss"
    cwe = 79
    severity = Severity.ERROR
    fixable = True

    def check(self, ctx: RuleContext) -> None:
        for call in ctx.nodes(ast.Call):
            # A whole template supplied by the client is server-side template injection,
            # reported once as code injection (CAV137); here values are pasted into text.
            bad = interpolated_template(ctx, call)
            if not bad:
                continue
            func = ctx.source(call.func)
            ctx.report(self, call, (
                f"The template source given to `{func}` interpolates {names_of(ctx, bad)}{source_note(ctx, bad)}: "
                "the value is parsed as template code (server-side template injection) and skips "
                "autoescaping. Keep the template constant and pass the value as a variable: "
                "`{{ name }}` with `name=...`."),
                fix=_fix(ctx, call, template_source_kind(ctx, call), template_argument(call)))


def _fix(ctx: RuleContext, call: ast.Call, kind: str, source: ast.AST) -> Fix | None:
    if kind != "render" or not call.args or call.args[0] is not source:
        return None
    if any(kw.arg is None for kw in call.keywords):
        return None
    pieces: list[tuple[str, ast.AST | None]] = []
    if isinstance(source, ast.JoinedStr):
        for value in source.values:
            if isinstance(value, ast.Constant):
                pieces.append((str(value.value), None))
            elif isinstance(value, ast.FormattedValue) and value.format_spec is None and value.conversion == -1:
                pieces.append(("", value.value))
            else:
                return None
    else:
        return None
    taken = {kw.arg for kw in call.keywords if kw.arg}
    text: list[str] = []
    extra: list[str] = []
    for literal, node in pieces:
        if node is None:
            if "{{" in literal or "{%" in literal:
                return None
            text.append(literal)
            continue
        key = param_name(node, taken)
        text.append("{{ " + key + " }}")
        extra.append(f"{key}={ast.unparse(node)}")
    literal = string_literal("".join(text), ctx.source(source))
    if "\n" in ctx.source(source) and not literal.startswith(('"""', "'''")):
        return None
    args = [literal, *(ctx.source(a) for a in call.args[1:]), *(ctx.source(kw) for kw in call.keywords), *extra]
    edit = ctx.replace(call, f"{ctx.source(call.func)}({', '.join(args)})")
    return Fix("Pass the values as template variables", (edit,), safe=True)
