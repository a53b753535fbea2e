"""## What it does

Detects HTML marked as safe after values were interpolated into it:
`Markup(f"...{value}...")`, `Markup("..." + value)`, `Markup("...%s" % value)`,
`mark_safe(...)` / `SafeString(...)` built the same way, `format_html(f"...")`
(formatting *before* `format_html` can escape), and `Markup(request.args[...])`.

## Why is this bad?
`Markup` and `mark_safe` tell the template engine "this text is already HTML,
do not escape it". When a value was pasted into that text first, any `<script>`
or `onerror=` it carries reaches the browser as markup: stored or reflected
cross-site scripting (CWE-79). The escaping variants exist for exactly this:
`Markup("<b>{}</b>").format(value)` and `format_html("<b>{}</b>", value)` escape
each value and keep the template trusted.

## Example
```python
from markupsafe import Markup

def badge(user):
    return Markup(f'<span class="badge">{user.display_name}</span>')
```

## Use instead
```python
from markupsafe import Markup

def badge(user):
    return Markup('<span class="badge">{}</span>').format(user.display_name)
```

## What it does not flag
Constant markup, values that are escaped (`escape(x)`, `html.escape(x)`,
`bleach.clean(x)`), other `Markup`/`format_html` results, `url_for(...)` and
`render_template(...)` results, numbers, and `Markup(value)` of a single value
that is not user input (e.g. HTML rendered by trusted code), nor `Markup(x).unescape()` or
`.striptags()`, which turn the value straight back into plain text.

## Fix safety
`Markup(f"...")`, `Markup("..." + x)` and `Markup("...".format(x))` become
`Markup("...{}...").format(x)`; `Markup("...%s" % x)` becomes
`Markup("...%s") % x`; `format_html(f"...")` becomes `format_html("...{}...", x)`;
`mark_safe(f"...")` becomes `format_html(...)` when `format_html` is imported.
Values that are themselves `Markup` keep their HTML, plain strings get escaped:
the fix is safe.

## References
- https://cwe.mitre.org/data/definitions/79.html
- https://markupsafe.palletsprojects.com/en/stable/escaping/#markupsafe.Markup.format
- https://docs.djangoproject.com/en/stable/ref/utils/#django.utils.html.format_html
"""
from __future__ import annotations

import ast

from caveat.analysis import taint
from caveat.engine.findings import Fix, Severity
from caveat.rules.base import Rule, RuleContext
from caveat.rules.security._query_fix import string_literal
from caveat.rules.security.xss_common import (
    FORMAT_HTML, MARKUP, has_text, local_name, names_of, source_note, unsafe_leaves)


class UnsafeMarkup(Rule):
    code = "CAV110"
    name = "xss-unsafe-markup"
    category = "xss"
    cwe = 79
    severity = Severity.ERROR
    fixable = True
    supersedes = ("B308", "B703", "B704")
    replaces = ("B308", "B703", "B704")

    def check(self, ctx: RuleContext) -> None:
        for call in ctx.nodes(ast.Call):
            if not call.args or isinstance(call.args[0], ast.Starred):
                continue
            qualified = ctx.qualified_name(call.func) or ""
            if qualified not in MARKUP and qualified not in FORMAT_HTML:
                continue
            if _text_again(ctx, call):
                continue
            func = ctx.source(call.func)
            arg = call.args[0]
            parts, bad = unsafe_leaves(ctx, arg, user_only=False)
            if not has_text(parts):
                if not taint.is_user_input(ctx, arg, kind="html"):
                    continue
                ctx.report(self, call, (
                    f"`{func}` marks `{names_of(ctx, [p for p in parts if p.node is not None] or [])}`"
                    f"{source_note(ctx, [p for p in parts if p.node is not None])} as safe HTML: whatever "
                    "markup the client sends is rendered. Escape it (`escape(...)`) or sanitize it "
                    "(`bleach.clean`) first."))
                continue
            if not bad:
                continue
            if qualified in FORMAT_HTML:
                advice = "pass the values as arguments: `format_html(\"<b>{}</b>\", value)` escapes them"
            else:
                advice = (f"use `{func}(\"<b>{{}}</b>\").format(value)`, which escapes the values"
                          if qualified.endswith("Markup") else
                          "use `format_html(\"<b>{}</b>\", value)`, which escapes the values")
            ctx.report(self, call, (
                f"`{func}` trusts HTML that interpolates {names_of(ctx, bad)}{source_note(ctx, bad)}: any "
                f"markup in the value runs in the page; {advice}."), fix=_fix(ctx, call, qualified))


def _text_again(ctx: RuleContext, call: ast.Call) -> bool:
    """``Markup(x).unescape()`` / ``.striptags()``: the mark is dropped at once, the result is a plain ``str``."""
    parent = ctx.parent(call)
    return isinstance(parent, ast.Attribute) and parent.value is call and parent.attr in ("unescape", "striptags")


def _fix(ctx: RuleContext, call: ast.Call, qualified: str) -> Fix | None:
    arg = call.args[0]
    if len(call.args) != 1 and qualified not in FORMAT_HTML:
        return None
    func = ctx.source(call.func)
    if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Mod) and isinstance(arg.left, ast.Constant) \
            and qualified.endswith("Markup") and len(call.args) == 1 and not call.keywords:
        return Fix(f"Use `{func}(...) % ...`, which escapes the values",
                   (ctx.replace(call, f"{func}({ctx.source(arg.left)}) % {ctx.source(arg.right)}"),), safe=True)
    template = _template(ctx, arg)
    if template is None:
        return None
    text, values = template
    literal = string_literal(text, _quote_source(ctx, arg))
    if "\n" in ctx.source(arg) and not literal.startswith(('"""', "'''")):
        return None
    if qualified.endswith("Markup") and len(call.args) == 1 and not call.keywords:
        return Fix(f"Use `{func}(...).format(...)`, which escapes the values",
                   (ctx.replace(call, f"{func}({literal}).format({', '.join(values)})"),), safe=True)
    if qualified in FORMAT_HTML:
        rest = [ctx.source(a) for a in call.args[1:]]
        if rest or call.keywords:
            return None
        return Fix("Pass the values to `format_html`, which escapes them",
                   (ctx.replace(call, f"{func}({literal}, {', '.join(values)})"),), safe=True)
    format_html = local_name(ctx, FORMAT_HTML)
    if format_html is not None and not call.keywords:
        return Fix("Use `format_html`, which escapes the values",
                   (ctx.replace(call, f"{format_html}({literal}, {', '.join(values)})"),), safe=True)
    return None


def _template(ctx: RuleContext, arg: ast.AST) -> tuple[str, list[str]] | None:
    """``f"<b>{x}</b>"`` / ``"<b>" + x + "</b>"`` / ``"<b>{}</b>".format(x)`` ->
    ("<b>{}</b>", ["x"]) - only for leaves inside ``arg`` itself."""
    pieces: list[tuple[str, ast.AST | None]] = []

    def walk(node: ast.AST) -> bool:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            pieces.append((node.value, None))
            return True
        if isinstance(node, ast.JoinedStr):
            for value in node.values:
                if isinstance(value, ast.Constant):
                    pieces.append((str(value.value), None))
                elif isinstance(value, ast.FormattedValue):
                    if value.format_spec is not None or value.conversion not in (-1,):
                        return False
                    pieces.append(("", value.value))
            return True
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return walk(node.left) and walk(node.right)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format" \
                and isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str) \
                and not node.keywords and all(not isinstance(a, ast.Starred) for a in node.args):
            import string

            auto = 0
            try:
                parsed = list(string.Formatter().parse(node.func.value.value))
            except ValueError:
                return False
            for literal, field, spec, conv in parsed:
                if literal:
                    pieces.append((literal, None))
                if field is None:
                    continue
                if spec or conv or (field and not field.isdigit()):
                    return False
                index = int(field) if field else auto
                auto += 1
                if index >= len(node.args):
                    return False
                pieces.append(("", node.args[index]))
            return True
        pieces.append(("", node))
        return True

    if not walk(arg):
        return None
    text = "".join(t.replace("{", "{{").replace("}", "}}") if n is None else "{}" for t, n in pieces)
    values = [ast.unparse(n) for _, n in pieces if n is not None]
    if not values:
        return None
    return text, values


def _quote_source(ctx: RuleContext, arg: ast.AST) -> str:
    for node in ast.walk(arg):
        if isinstance(node, (ast.JoinedStr, ast.Constant)):
            source = ctx.source(node)
            if source:
                return source
    return '"'
