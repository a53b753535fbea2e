"""Helpers shared by the xss rules CAV110-CAV113 (no rule here)."""
from __future__ import annotations

import ast

from caveat.analysis import taint
from caveat.rules.base import RuleContext
from caveat.analysis.sql import Part, flatten

MARKUP = frozenset({
    "markupsafe.Markup", "flask.Markup", "jinja2.Markup", "jinja2.utils.Markup", "quart.Markup",
    "django.utils.safestring.mark_safe", "django.utils.safestring.SafeString",
    "django.utils.safestring.SafeText", "django.utils.html.mark_safe",
})
FORMAT_HTML = frozenset({"django.utils.html.format_html"})
ESCAPES = (
    "markupsafe.escape", "flask.escape", "jinja2.escape", "django.utils.html.escape",
    "django.utils.html.conditional_escape", "html.escape", "werkzeug.utils.escape",
)
TEMPLATE_SOURCES = {
    "flask.render_template_string": "render", "quart.render_template_string": "render",
    "jinja2.Template": "template", "jinja2.environment.Template": "template",
    "django.template.Template": "template", "mako.template.Template": "template",
    "chevron.render": "template", "tornado.template.Template": "template",
}


def template_source_kind(ctx: RuleContext, call: ast.Call) -> str | None:
    """"render" (``render_template_string``) or "template" (``jinja2.Template``,
    ``env.from_string``...) when ``call`` compiles its first argument as template source."""
    qualified = ctx.qualified_name(call.func) or ""
    kind = TEMPLATE_SOURCES.get(qualified)
    if kind is not None:
        return kind
    if isinstance(call.func, ast.Attribute) and call.func.attr == "from_string":
        receiver = (ctx.dotted_name(call.func.value) or "").lower()
        if ctx.is_imported("jinja2") or "env" in receiver or "jinja" in receiver:
            return "template"
    return None


def template_argument(call: ast.Call) -> ast.AST | None:
    source = call.args[0] if call.args else next(
        (kw.value for kw in call.keywords if kw.arg in ("source", "text", "template")), None)
    return None if isinstance(source, ast.Starred) else source


def interpolated_template(ctx: RuleContext, call: ast.Call) -> list[Part]:
    """The unproven values pasted into literal template text given to a template
    compiler (``render_template_string(f"<h1>{name}</h1>")``): the defect CAV111
    reports. Empty when the call is no template compiler, the template is constant,
    or it is a value as a whole (``Template(request.form["tpl"])``: CAV137's)."""
    if template_source_kind(ctx, call) is None:
        return []
    source = template_argument(call)
    if source is None:
        return []
    parts, bad = unsafe_leaves(ctx, source, user_only=False)
    return bad if has_text(parts) else []


def is_markup_call(ctx: RuleContext, node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and (ctx.qualified_name(node.func) or "") in MARKUP | FORMAT_HTML


def escape_callable(ctx: RuleContext) -> str | None:
    """How this block can call an HTML escaping function, or None."""
    for qualified in ESCAPES:
        for local, target in ctx.imports.items():
            if target == qualified:
                return local
        module, _, name = qualified.rpartition(".")
        for local, target in ctx.imports.items():
            if target == module:
                return f"{local}.{name}"
    return None


def local_name(ctx: RuleContext, qualified: set[str] | frozenset[str]) -> str | None:
    for local, target in ctx.imports.items():
        if target in qualified:
            return local
    return None


def unsafe_leaves(ctx: RuleContext, expr: ast.AST, *, user_only: bool) -> tuple[list[Part], list[Part]]:
    """(all parts, leaves that are not proven safe for HTML). With ``user_only``
    only leaves built from user input count."""
    parts = flatten(ctx, expr)
    bad: list[Part] = []
    for part in parts:
        if part.node is None or part.safe:
            continue
        if is_markup_call(ctx, part.node):
            continue
        if user_only:
            unsafe = taint.is_user_input(ctx, part.node, kind="html")
        else:
            unsafe = not taint.is_constant(ctx, part.node, kind="html")
        if unsafe:
            bad.append(part)
    return parts, bad


def has_text(parts: list[Part]) -> bool:
    return any(p.node is None and p.text.strip() for p in parts)


def looks_like_html(parts: list[Part]) -> bool:
    import re

    text = "".join(p.text for p in parts if p.node is None)
    return bool(re.search(r"<\s*/?\s*[a-zA-Z][\w-]*[^<>]*>|<\s*[a-zA-Z][\w-]*\s*$|<!--|&\w+;", text))


def names_of(ctx: RuleContext, parts: list[Part], limit: int = 3) -> str:
    from caveat.analysis.sql import describe

    shown = ", ".join(f"`{describe(ctx, p.node)}`" for p in parts[:limit])
    return shown + (" ..." if len(parts) > limit else "")


def source_note(ctx: RuleContext, parts: list[Part]) -> str:
    for part in parts:
        sources = taint.user_input_sources(ctx, part.node, kind="html")
        if sources:
            return f" (user input: {', '.join(sources[:2])})"
    return ""


def leaf_source(ctx: RuleContext, node: ast.AST) -> str | None:
    """The exact source of a leaf when its position is reliable (f-string
    internals before Python 3.12 may not be)."""
    source = ctx.source(node)
    if not source or ctx.parent(node) is None:
        return None
    try:
        if ast.dump(ast.parse(source, mode="eval").body) != ast.dump(node):
            return None
    except SyntaxError:
        return None
    return source
