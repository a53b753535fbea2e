"""## What it does

Detects Jinja2 environments that render HTML without autoescaping:
`jinja2.Environment(...)` (and `SandboxedEnvironment`) without `autoescape=` or
with `autoescape=False`, `app.jinja_env.autoescape = False`, and HTML
templates built with `jinja2.Template("<p>{{ name }}</p>")` (whose default is
also no escaping) rendered with user input.

## Why is this bad?
Jinja2's default is *not* to escape. Every `{{ value }}` in an HTML template is
then pasted in as markup, so a user name like `<img src=x onerror=...>` runs
script in every visitor's browser (CWE-79). Flask turns autoescaping on for
its own environment; a hand-built `Environment` does not.

## Example
```python
from jinja2 import Environment, FileSystemLoader

env = Environment(loader=FileSystemLoader("templates"))
```

## Use instead
```python
from jinja2 import Environment, FileSystemLoader, select_autoescape

env = Environment(loader=FileSystemLoader("templates"), autoescape=select_autoescape())
```

## What it does not flag
`autoescape=True`, `autoescape=select_autoescape(...)` or any non-constant
setting, `jinja2.Template` text that is not HTML or is rendered with values
that are not user input, and environments that clearly render something other than HTML: the
block names only non-HTML templates (`.txt`, `.sql`, `.yaml`, `.md`, `.py`,
`.sh`, `.ini`, `.toml`...), or the environment is a `NativeEnvironment`. An environment
without a loader renders only the strings the code hands it (`env.from_string(text)`): it is
reported only when one of those strings is visibly HTML, not when it templates text the
caller passes in (SQL, a label format) or only parses a template to check its syntax. The
same holds for an environment whose loader only serves the `{% import %}`s of such strings:
the code uses it only through `from_string` (a panel snippet calling the application's form
macros). An environment with its own delimiters *and* an explicit `autoescape=False`
generates source files (Python, JavaScript, Vue skeletons) on purpose.

## Fix safety
The fix sets `autoescape=select_autoescape()` (or `autoescape=True` when
`select_autoescape` is not reachable from the imports). Templates that
deliberately output raw HTML from variables then need `|safe`, so the fix is
unsafe.

## References
- https://cwe.mitre.org/data/definitions/79.html
- https://jinja.palletsprojects.com/en/stable/api/#autoescaping
"""
from __future__ import annotations

import ast
import re

from caveat.analysis import taint
from caveat.engine.findings import Fix, Severity
from caveat.rules import fixkit
from caveat.rules.base import Rule, RuleContext

ENVIRONMENTS = frozenset({"jinja2.Environment", "jinja2.environment.Environment",
                          "jinja2.sandbox.SandboxedEnvironment", "jinja2.sandbox.ImmutableSandboxedEnvironment"})
TEMPLATES = frozenset({"jinja2.Template", "jinja2.environment.Template"})
HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][\w-]*[^<>]*>")
HTML_EXT = re.compile(r"\.(html?|xhtml|xml|svg|jinja2?|j2\.html|htm\.j2|html\.j2)\b", re.I)
OTHER_EXT = re.compile(r"\.(txt|text|sql|ya?ml|md|rst|py|sh|ini|toml|cfg|conf|json|csv|tex|tf|hcl|"
                       r"dockerfile|env|js|css|go|rs|java|c|h|cpp|ts|j2)\b", re.I)
NON_HTML_WORDS = re.compile(r"(sql|yaml|yml|text|txt|email_text|plain|code|codegen|config|prompt|markdown|"
                            r"latex|terraform|dockerfile|shell|script)", re.I)
# Names in the Environment's own statement (its variable, its loader's folder) that say SQL.
SQL_WORDS = re.compile(r"(sql|quer(y|ies))", re.I)
SQL_TEXT = re.compile(r"^\s*(select|insert|update|delete|with|create|alter|drop|merge)\b", re.I)
LOADS = frozenset({"get_template", "from_string", "select_template", "get_or_select_template"})


class JinjaAutoescapeOff(Rule):
    code = "CAV112"
    name = "xss-jinja2-autoescape-off"
    category = "xss"
    cwe = 79
    severity = Severity.WARNING
    fixable = True
    supersedes = ("B701",)
    replaces = ("B701",)

    def check(self, ctx: RuleContext) -> None:
        for call in ctx.nodes(ast.Call):
            qualified = ctx.qualified_name(call.func) or ""
            if qualified in TEMPLATES:
                self._template(ctx, call)
                continue
            if qualified not in ENVIRONMENTS:
                continue
            if any(kw.arg is None for kw in call.keywords):
                continue
            setting = next((kw for kw in call.keywords if kw.arg == "autoescape"), None)
            if setting is not None and not (isinstance(setting.value, ast.Constant) and setting.value.value is False):
                continue
            if self._not_html(ctx, call) or (setting is not None and _custom_delimiters(call)):
                continue
            if _only_handed_strings(ctx, call) and not any(_html_text(t) for t in _handed(ctx, call)):
                continue  # it renders only strings handed to it, none of them visibly HTML
            what = "`autoescape=False`" if setting is not None else "no `autoescape=`"
            ctx.report(self, call, (
                f"This Jinja2 `Environment` has {what}, so every `{{{{ value }}}}` is inserted into the "
                "HTML unescaped (cross-site scripting); pass `autoescape=select_autoescape()`."),
                fix=_fix(ctx, call))
        for node in ctx.nodes(ast.Assign):
            target = node.targets[0] if len(node.targets) == 1 else None
            if isinstance(target, ast.Attribute) and target.attr == "autoescape" and \
                    isinstance(node.value, ast.Constant) and node.value.value is False and \
                    "jinja" in (ctx.dotted_name(target.value) or "").lower():
                ctx.report(self, node, (
                    f"`{ctx.source(target)} = False` turns off HTML escaping for every template: any "
                    "`{{ value }}` from a user becomes markup (cross-site scripting). Remove it and mark "
                    "trusted snippets with `|safe` instead."))

    def _template(self, ctx: RuleContext, call: ast.Call) -> None:
        """``Template("<p>Hi {{ name }}</p>").render(name=request.args["name"])``."""
        setting = next((kw for kw in call.keywords if kw.arg == "autoescape"), None)
        if setting is not None and not (isinstance(setting.value, ast.Constant) and setting.value.value is False):
            return
        if not call.args or not isinstance(call.args[0], ast.Constant) or not isinstance(call.args[0].value, str):
            return  # text built from values is CAV111's; a loaded template is not known to be HTML
        text = call.args[0].value
        if "{{" not in text or not HTML_TAG.search(text):
            return
        for render in _renders(ctx, call):
            values = [*render.args, *(kw.value for kw in render.keywords)]
            sources = [src for value in values for src in taint.user_input_sources(ctx, value, kind="html")]
            if sources:
                ctx.report(self, call, (
                    f"`{ctx.source(call.func)}(...)` does not autoescape (Jinja2's default), and this HTML template "
                    f"is rendered with {sources[0]}: markup in it reaches the page (cross-site scripting). Pass "
                    "`autoescape=True`, or render through an `Environment(autoescape=select_autoescape())`."),
                    fix=_fix(ctx, call))
                return

    def _not_html(self, ctx: RuleContext, call: ast.Call) -> bool:
        statement = ctx.statement_of(call)
        names = " ".join(n.id for n in ast.walk(statement) if isinstance(n, ast.Name))
        names += " " + " ".join(n.attr for n in ast.walk(statement) if isinstance(n, ast.Attribute))
        strings = [n.value for n in ctx.nodes(ast.Constant) if isinstance(n.value, str)]
        html = any(HTML_EXT.search(s) for s in strings)
        other = any(OTHER_EXT.search(s) for s in strings)
        if html:
            return False
        if other:
            return True
        target_names = ""
        if isinstance(statement, ast.Assign):
            target_names = " ".join(ctx.source(t) for t in statement.targets)
        func = ctx.enclosing_function(call)
        if func is not None:
            target_names += " " + func.name
        if SQL_WORDS.search(names) or self._loads_sql(ctx, statement):
            return True
        return bool(NON_HTML_WORDS.search(target_names)) or "keep_trailing_newline" in ctx.source(call)

    @staticmethod
    def _loads_sql(ctx: RuleContext, statement: ast.AST) -> bool:
        """``env = Environment(...)`` whose templates, loaded by the module's functions
        (``env.get_template("daily.sql")``, ``env.from_string("SELECT ...")``), are SQL."""
        call = getattr(statement, "value", None)
        if not isinstance(call, ast.Call):
            return False
        loaded = [t.value for t in _handed(ctx, call) if isinstance(t, ast.Constant) and isinstance(t.value, str)]
        return bool(loaded) and all(t.lower().endswith(".sql") or SQL_TEXT.match(t) for t in loaded)


DELIMITERS = frozenset({"variable_start_string", "variable_end_string", "block_start_string", "block_end_string",
                        "comment_start_string", "comment_end_string", "line_statement_prefix"})


def _custom_delimiters(env: ast.Call) -> bool:
    """The environment replaces Jinja's delimiters (``variable_start_string="[["``): with an explicit
    ``autoescape=False`` beside it, a generator of source files whose own ``{{ }}`` clash with Jinja's."""
    return any(kw.arg in DELIMITERS for kw in env.keywords)


def _has_loader(call: ast.Call) -> bool:
    """Does the environment load templates by name (``loader=``; a positional argument may be one)?"""
    return bool(call.args) or any(kw.arg == "loader" for kw in call.keywords)


def _only_handed_strings(ctx: RuleContext, env: ast.Call) -> bool:
    """Every template the environment renders is a string the code hands to ``from_string``: it has
    no loader, or the code uses it only through ``from_string`` (the loader then only serves the
    ``{% import %}``s of those strings)."""
    if not _has_loader(env):
        return True
    loads = _loads(ctx, env)
    return bool(loads) and all(load.func.attr == "from_string" for load in loads)


def _html_text(template: ast.expr) -> bool:
    return isinstance(template, ast.Constant) and isinstance(template.value, str) and "{{" in template.value \
        and bool(HTML_TAG.search(template.value) or HTML_EXT.search(template.value))


def _handed(ctx: RuleContext, env: ast.Call) -> list[ast.expr]:
    """The template sources or names handed to the environment ``env`` builds, where the code can see
    them (``_loads``)."""
    return [load.args[0] for load in _loads(ctx, env)]


def _loads(ctx: RuleContext, env: ast.Call) -> list[ast.Call]:
    """The calls that hand the environment ``env`` builds a template source or name, where the code can
    see them: ``Environment().from_string(t)``; ``e = Environment()`` then ``e.get_template(t)`` in the
    same function (or, for a module-level ``e``, in the module's functions); ``self.e = ...`` in its method."""
    parent = ctx.parent(env)
    if isinstance(parent, ast.Attribute) and parent.attr in LOADS:
        use = ctx.parent(parent)
        return [use] if isinstance(use, ast.Call) and use.args else []
    statement = ctx.statement_of(env)
    if not (isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is env):
        return []
    target = statement.targets[0] if isinstance(statement, ast.Assign) else statement.target
    function = ctx.enclosing_function(env)
    scopes: list[ast.AST] = [function or ctx.tree]
    if function is None and isinstance(target, ast.Name):
        scopes.extend(ctx.module_functions.values())
    return [node for scope in scopes for node in ast.walk(scope)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in LOADS
            and node.args and _same_reference(node.func.value, target)]


def _same_reference(a: ast.AST, b: ast.AST) -> bool:
    """``env`` and ``env``, ``self.env`` and ``self.env`` (nodes of different blocks compared by shape)."""
    if isinstance(a, ast.Name) and isinstance(b, ast.Name):
        return a.id == b.id
    return isinstance(a, ast.Attribute) and isinstance(b, ast.Attribute) and a.attr == b.attr \
        and _same_reference(a.value, b.value)


def _renders(ctx: RuleContext, template: ast.Call) -> list[ast.Call]:
    """``Template(...).render(...)``, or ``t = Template(...)`` then ``t.render(...)``."""
    parent = ctx.parent(template)
    if isinstance(parent, ast.Attribute) and parent.attr in ("render", "stream", "generate"):
        call = ctx.parent(parent)
        return [call] if isinstance(call, ast.Call) else []
    statement = ctx.parent(template)
    if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)):
        return []
    name = statement.targets[0].id
    scope = ctx.enclosing_function(template) or ctx.tree
    return [node for node in ast.walk(scope) if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("render", "stream", "generate") and isinstance(node.func.value, ast.Name)
            and node.func.value.id == name and node.lineno >= template.lineno]


def _fix(ctx: RuleContext, call: ast.Call) -> Fix | None:
    value = "True"
    for local, qualified in ctx.imports.items():
        if qualified == "jinja2.select_autoescape":
            value = f"{local}()"
            break
        if qualified == "jinja2":
            value = f"{local}.select_autoescape()"
    edit = fixkit.rewrite_expression(ctx, call, lambda c: fixkit.with_keyword(c, "autoescape", value))
    if edit is None:
        return None
    return Fix(f"Turn on autoescaping (`autoescape={value}`)", (edit,), safe=False)
