"""## What it does

Detects HTML responses built by string formatting from request data: a Flask
(or Quart/Bottle) view returning an f-string, `%`, `+` or `.format()` string that
contains user input, and `make_response(...)`, `Response(...)`,
`HTMLResponse(...)` (FastAPI/Starlette), Django `HttpResponse(...)` and aiohttp
`web.Response(text=..., content_type="text/html")` given such a string.

## Why is this bad?
A string returned from a Flask view, or given to `HttpResponse`/`HTMLResponse`,
is sent as `text/html`. Request data pasted into it unescaped - a query
parameter, a form field, a path segment - is reflected as markup, so a link
like `/hello?name=<script>...</script>` runs script in the victim's session
(reflected cross-site scripting, CWE-79).

## Example
```python
@app.route("/hello")
def hello():
    name = request.args.get("name", "")
    return f"<h1>Hello {name}!</h1>"
```

## Use instead
```python
from markupsafe import escape

@app.route("/hello")
def hello():
    name = request.args.get("name", "")
    return f"<h1>Hello {escape(name)}!</h1>"
```
(or better, `render_template("hello.html", name=name)`).

## What it does not flag
Values that are escaped (`escape`, `html.escape`, `bleach.clean`), converted
(`int()`, `<int:id>` routes, `id: int` parameters), or not user input; FastAPI
handlers that return plain strings (sent as JSON); responses declared as
`text/plain` or `application/json`; `Markup(...)` arguments (CAV110 reports
those); templates rendered with `render_template`.

## Default set
`caveat check` with no flag reports the findings about data of the remote request (a request
attribute, a route's URL parameter) that reaches the response as the client's own text; the rest
of the rule (a value not proven to be the request's text: a helper's parameter, configuration, a
record's field) is in the strict profile, with new code and `--select CAV113`.

## Fix safety
The fix wraps each interpolated user value in the HTML escaping function that
the module already imports (`markupsafe.escape`, `flask.escape`,
`django.utils.html.escape` or `html.escape`); it is offered only when one is
imported. Escaped output differs only for text that contained markup: safe.

## References
- https://cwe.mitre.org/data/definitions/79.html
- https://flask.palletsprojects.com/en/stable/quickstart/#html-escaping
- https://cheatsheetseries.owasp.org/cheatsheets/Cross_Site_Scripting_Prevention_Cheat_Sheet.html
"""
from __future__ import annotations

import ast
import re

from caveat.analysis import taint
from caveat.analysis.sql import parts_claim
from caveat.engine.findings import Fix, Severity
from caveat.rules.base import Rule, RuleContext
from caveat.rules.security.xss_common import (
    escape_callable, has_text, leaf_source, names_of, source_note, unsafe_leaves)

RESPONSES = {
    "flask.make_response": "html", "flask.Response": "html", "werkzeug.Response": "html",
    "werkzeug.wrappers.Response": "html", "quart.make_response": "html", "quart.Response": "html",
    "fastapi.responses.HTMLResponse": "always", "starlette.responses.HTMLResponse": "always",
    "fastapi.HTMLResponse": "always", "fastapi.responses.Response": "explicit",
    "starlette.responses.Response": "explicit", "fastapi.Response": "explicit",
    "django.http.HttpResponse": "html", "django.http.response.HttpResponse": "html",
    "aiohttp.web.Response": "explicit", "bottle.HTTPResponse": "html",
}
# Calls that build a response of their own content type (JSON): wrapping one in
# ``make_response`` keeps that type, so what it interpolates is not HTML.
TYPED_BODIES = frozenset({"flask.jsonify", "quart.jsonify", "flask.json.jsonify", "sanic.response.json",
                          "django.http.JsonResponse"})
CONTENT_KW = ("mimetype", "content_type", "media_type", "headers")
HTML_TYPE = re.compile(r"text/html|application/xhtml", re.I)
HTML_FRAMEWORKS = ("flask", "quart", "bottle")
WEB_MODULES = ("flask", "quart", "bottle", "django", "fastapi", "starlette", "aiohttp", "werkzeug", "sanic",
               "tornado", "pyramid", "falcon", "litestar")


class HtmlResponse(Rule):
    code = "CAV113"
    name = "xss-html-response"
    category = "xss"
    cwe = 79
    severity = Severity.ERROR
    fixable = True
    claims = (taint.REQUEST,)

    def check(self, ctx: RuleContext) -> None:
        if not ctx.imports_any(*WEB_MODULES):
            return
        for call in ctx.nodes(ast.Call):
            kind = RESPONSES.get(ctx.qualified_name(call.func) or "")
            if kind is None:
                continue
            body = call.args[0] if call.args else next(
                (kw.value for kw in call.keywords if kw.arg in ("response", "content", "text", "body")), None)
            if isinstance(body, ast.Tuple) and body.elts:  # make_response((body, headers)): the rest is metadata
                if any(self._declares_non_html(e) for e in body.elts[1:]):
                    continue
                body = body.elts[0]
            if body is None or isinstance(body, ast.Starred) or not self._is_html(call, kind) \
                    or self._typed_body(ctx, body) or _retyped(ctx, call):
                continue
            self._report(ctx, call, body, f"`{ctx.source(call.func)}`")
        for node in ctx.nodes(ast.Return):
            if node.value is None:
                continue
            func = ctx.enclosing_function(node)
            if not self._html_view(ctx, func):
                continue
            value = node.value
            if isinstance(value, ast.Tuple) and value.elts:
                if any(self._declares_non_html(e) for e in value.elts[1:]):
                    continue
                value = value.elts[0]
            parts, _ = unsafe_leaves(ctx, value, user_only=True)
            if not has_text(parts) and taint.request_source(ctx, value) is None and not (
                    isinstance(value, ast.Name) and any(
                        b.value is not None and taint.request_source(ctx, b.value) is not None
                        for b in taint.bindings_before(ctx, value))):
                continue
            self._report(ctx, value, value, f"the view `{func.name}`")

    def _report(self, ctx: RuleContext, node: ast.AST, body: ast.AST, where: str) -> None:
        parts, bad = unsafe_leaves(ctx, body, user_only=True)
        if not bad:
            return
        ctx.report(self, node, (
            f"{where[0].upper()}{where[1:]} sends HTML that interpolates {names_of(ctx, bad)}"
            f"{source_note(ctx, bad)} unescaped: markup in the request is reflected into the page "
            "(cross-site scripting). Escape it (`markupsafe.escape(...)`) or render a template."),
            fix=_fix(ctx, bad), claim=parts_claim(ctx, bad, kind="html"))

    def _is_html(self, call: ast.Call, kind: str) -> bool:
        if kind == "always":
            return True
        declared = None
        for kw in call.keywords:
            if kw.arg in CONTENT_KW:
                declared = kw.value
        if isinstance(declared, ast.Dict):
            for key, value in zip(declared.keys, declared.values):
                if isinstance(key, ast.Constant) and str(key.value).lower() == "content-type":
                    declared = value
        if declared is None:
            return kind == "html"
        if isinstance(declared, ast.Constant) and isinstance(declared.value, str):
            return bool(HTML_TYPE.search(declared.value))
        return False

    @staticmethod
    def _typed_body(ctx: RuleContext, body: ast.AST) -> bool:
        """``jsonify(...)`` (or a name bound only to one): a response with its own type."""
        values = [b.value for b in taint.bindings_before(ctx, body)] if isinstance(body, ast.Name) else [body]
        return bool(values) and all(isinstance(v, ast.Call) and (ctx.qualified_name(v.func) or "") in TYPED_BODIES
                                    for v in values)

    def _declares_non_html(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and str(key.value).lower() == "content-type":
                    return not (isinstance(value, ast.Constant) and HTML_TYPE.search(str(value.value)))
        return False

    def _html_view(self, ctx: RuleContext, func: ast.AST | None) -> bool:
        handler = taint.handler_info(ctx, func)
        hook = func is not None and any(
            re.search(r"(errorhandler|error_handler|before_request|before_app_request|after_request)$",
                      ctx.dotted_name(d.func if isinstance(d, ast.Call) else d) or "") for d in func.decorator_list)
        if not hook and (handler is None or handler.framework != "route"):
            return False
        flask_style = False
        for deco in func.decorator_list:
            if isinstance(deco, ast.Call):
                for kw in deco.keywords:
                    if kw.arg == "response_class":
                        return "HTML" in ctx.source(kw.value)
                if isinstance(deco.func, ast.Attribute) and deco.func.attr == "route":
                    flask_style = True
        if (ctx.is_imported("fastapi") or ctx.is_imported("starlette")) and not flask_style and not hook:
            return False  # FastAPI serializes a returned str as JSON
        return hook or any(ctx.is_imported(module) for module in HTML_FRAMEWORKS)


def _retyped(ctx: RuleContext, call: ast.Call) -> bool:
    """``response = make_response(body)`` followed in the function by ``response.headers["Content-Type"]
    = "application/json"`` (or ``response.mimetype = ...``, ``response.content_type = ...``): the body
    is sent as that type, not HTML."""
    statement = ctx.parent(call)
    if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)):
        return False
    name = statement.targets[0].id
    for node in ast.walk(ctx.enclosing_function(call) or ctx.tree):
        if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Constant) or len(node.targets) != 1:
            continue
        target = node.targets[0]
        if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant) \
                and str(target.slice.value).lower() == "content-type":
            target = target.value
            if not (isinstance(target, ast.Attribute) and target.attr == "headers"):
                continue
        elif not (isinstance(target, ast.Attribute) and target.attr in ("mimetype", "content_type")):
            continue
        if isinstance(target.value, ast.Name) and target.value.id == name:
            return not HTML_TYPE.search(str(node.value.value))
    return False


def _fix(ctx: RuleContext, bad) -> Fix | None:
    escape = escape_callable(ctx)
    if escape is None:
        return None
    edits = []
    for part in bad:
        source = leaf_source(ctx, part.node)
        if source is None:
            return None
        edits.append(ctx.replace(part.node, f"{escape}({source})"))
    return Fix(f"Escape the values with `{escape}`", tuple(edits), safe=True)
