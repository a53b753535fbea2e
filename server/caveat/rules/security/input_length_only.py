"""## What it does

Detects user input whose *length* is validated - `if len(name) > 50: abort(400)`,
`Query(max_length=50)` without a `pattern`, truncation with `value[:100]` - but
whose *content* never is, before it reaches a dangerous sink: SQL text, a shell
command, a file path, a template or markup, a URL that is fetched, or `eval`.

## Why is this bad?
A length limit looks like validation and reassures reviewers, but it stops
nothing that matters: `' OR 1=1--` is 10 characters, `; rm -rf ~` is 10,
`../../etc/passwd` is 16, `{{7*7}}` is 7, `http://169.254.169.254/` is 23
(CWE-20). The value still needs a content check (allowlist, `re.fullmatch`,
`int()`), an escaping function, or a safe API (query parameters, argument
lists, `send_from_directory`).

## Example
```python
@app.route("/files")
def read_file():
    name = request.args.get("name", "")
    if len(name) > 64:
        abort(400)
    with open(os.path.join(UPLOAD_DIR, name)) as f:
        return f.read()
```

## Use instead
```python
@app.route("/files")
def read_file():
    name = request.args.get("name", "")
    if len(name) > 64 or not re.fullmatch(r"[\\w.-]+", name):
        abort(400)
    with open(os.path.join(UPLOAD_DIR, name)) as f:
        return f.read()
```

## What it does not flag
Length checks on values that are also content-checked (allowlist membership,
regex full match, `isalnum()`/`isdigit()`, `int()`), that reach sinks only in
safe forms (SQL parameters, `subprocess` argument lists, `secure_filename`,
`os.path.basename`, `shlex.quote`, `escape`), that are not user input, or that
reach no sink at all (stored through an ORM, compared, logged).

## Fix safety
No fix: the right content rule depends on what the value is.

## References
- https://cwe.mitre.org/data/definitions/20.html
- https://cheatsheetseries.owasp.org/cheatsheets/Input_Validation_Cheat_Sheet.html
"""
from __future__ import annotations

import ast
import re

from caveat.analysis import taint
from caveat.analysis.flow import walk_scope
from caveat.engine.findings import Severity
from caveat.rules.base import Rule, RuleContext
from caveat.rules.security.sql_common import sql_uses

SHELL = frozenset({"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput",
                   "commands.getoutput", "os.execl", "os.spawnl", "pty.spawn"})
SUBPROCESS = frozenset({"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
                        "subprocess.Popen", "asyncio.create_subprocess_shell"})
PATHS = re.compile(r"^(open|io\.open|os\.(open|remove|unlink|rmdir|removedirs|makedirs|mkdir|rename|replace|"
                   r"listdir|scandir|stat|chmod|walk)|os\.path\.(join|exists|isfile|getsize)|shutil\.\w+|"
                   r"pathlib\.Path|flask\.send_file|fastapi\.responses\.FileResponse|starlette\.responses\.FileResponse|"
                   r"django\.http\.FileResponse|aiofiles\.open|tarfile\.open|zipfile\.ZipFile)$")
TEMPLATES = frozenset({"flask.render_template_string", "jinja2.Template", "markupsafe.Markup", "flask.Markup",
                       "django.utils.safestring.mark_safe", "django.template.Template", "mako.template.Template"})
URLS = re.compile(r"^(requests|httpx)\.(get|post|put|patch|delete|head|options|request|stream)$|"
                  r"^urllib\.request\.(urlopen|Request|urlretrieve)$|^(requests|httpx)\.\w*(Session|Client)\.\w+$|"
                  r"^aiohttp\.ClientSession\.(get|post|put|request)$")
CODE = frozenset({"eval", "exec", "compile"})
SINK_KIND = {"sql": "SQL", "shell": "a shell command", "path": "a file path", "html": "a template",
             "url": "a URL that is fetched", "code": "`eval`"}


class InputLengthOnly(Rule):
    code = "CAV125"
    name = "input-length-only"
    category = "input-length-only"
    cwe = 20
    severity = Severity.WARNING
    fixable = False

    def check(self, ctx: RuleContext) -> None:
        if "len(" not in ctx.text and "max_length" not in ctx.text and ":" not in ctx.text:
            return
        for func in ctx.nodes(ast.FunctionDef, ast.AsyncFunctionDef):
            checks = _length_checks(ctx, func)
            if not checks:
                continue
            sinks = _sinks(ctx, func)
            if not sinks:
                continue
            for name, node, how in checks:
                for sink_expr, kind, label in sinks:
                    if _reaches(ctx, sink_expr, name, kind):
                        ctx.report(self, node, (
                            f"`{name}` is only checked for length ({how}) before it reaches {SINK_KIND[kind]} "
                            f"(`{label}`): a short value can still carry an injection. Check its content too "
                            "(allowlist, `re.fullmatch`, `int()`) or use the safe API."))
                        break


def _length_checks(ctx: RuleContext, func) -> list[tuple[str, ast.AST, str]]:
    """(name, node to report, description) for each length-only check in ``func``."""
    found: list[tuple[str, ast.AST, str]] = []
    seen: set[str] = set()
    handler = taint.handler_info(ctx, func)
    defaults = _defaults(func)
    for arg in func.args.args + func.args.kwonlyargs:
        spec = defaults.get(arg.arg)
        annotation = arg.annotation
        for candidate in (spec, annotation):
            if candidate is None:
                continue
            for call in ast.walk(candidate):
                if isinstance(call, ast.Call) and any(kw.arg in ("max_length", "min_length") for kw in call.keywords) \
                        and not any(kw.arg in ("pattern", "regex") for kw in call.keywords) and handler is not None:
                    if arg.arg not in seen and arg.arg in handler.user_params:
                        seen.add(arg.arg)
                        limit = next(kw for kw in call.keywords if kw.arg in ("max_length", "min_length"))
                        found.append((arg.arg, arg, f"`{limit.arg}={ctx.source(limit.value)}`"))
    for node in walk_scope(func):
        test = node.test if isinstance(node, (ast.If, ast.Assert, ast.While)) else None
        if test is not None:
            for compare in ast.walk(test):
                if not isinstance(compare, ast.Compare):
                    continue
                for side in [compare.left, *compare.comparators]:
                    name = _len_of(ctx, side)
                    if name is None or name.id in seen:
                        continue
                    if not taint.is_user_input(ctx, name):
                        continue
                    seen.add(name.id)
                    found.append((name.id, node, f"`{' '.join(ctx.source(compare).split())}`"))
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = node.value
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "strip":
                value = value.func.value
            if isinstance(value, ast.Subscript) and isinstance(value.slice, ast.Slice) and \
                    value.slice.lower is None and value.slice.upper is not None and value.slice.step is None \
                    and isinstance(value.slice.upper, ast.Constant) and taint.is_user_input(ctx, value.value):
                target = node.targets[0].id
                if target not in seen:
                    seen.add(target)
                    found.append((target, node, f"truncated with `[:{ctx.source(value.slice.upper)}]`"))
    return found


def _len_of(ctx: RuleContext, node: ast.AST) -> ast.Name | None:
    if isinstance(node, ast.Call) and ctx.dotted_name(node.func) == "len" and len(node.args) == 1:
        arg = node.args[0]
        if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr in ("strip", "encode"):
            arg = arg.func.value
        if isinstance(arg, ast.Name):
            return arg
    return None


def _sinks(ctx: RuleContext, func) -> list[tuple[ast.AST, str, str]]:
    sinks: list[tuple[ast.AST, str, str]] = []
    for use in sql_uses(ctx):
        if ctx.enclosing_function(use.call) is func or taint.function_of(ctx, use.call) is func:
            for part in use.unsafe:
                sinks.append((part.node, "sql", use.sink))
    for call in ctx.nodes(ast.Call):
        if ctx.enclosing_function(call) is not func or not call.args and not call.keywords:
            continue
        qualified = ctx.qualified_name(call.func) or ""
        dotted = ctx.dotted_name(call.func) or ""
        first = call.args[0] if call.args else None
        if qualified in SHELL and first is not None:
            sinks.append((first, "shell", dotted))
        elif qualified in SUBPROCESS and first is not None:
            shell = any(kw.arg == "shell" and isinstance(kw.value, ast.Constant) and kw.value.value is True
                        for kw in call.keywords)
            if shell or qualified.endswith("_shell"):
                sinks.append((first, "shell", dotted))
        elif PATHS.match(qualified) and first is not None:
            for arg in call.args:
                sinks.append((arg, "path", dotted))
        elif qualified in TEMPLATES and first is not None:
            sinks.append((first, "html", dotted))
        elif (URLS.match(qualified) or URLS.match(_resolved(ctx, call))) and (first is not None or call.keywords):
            url = first if first is not None else next((kw.value for kw in call.keywords if kw.arg == "url"), None)
            if url is not None:
                sinks.append((url, "url", dotted))
        elif qualified in CODE and first is not None:
            sinks.append((first, "code", dotted))
    for node in ctx.nodes(ast.BinOp):
        if isinstance(node.op, ast.Div) and ctx.enclosing_function(node) is func:
            left = ctx.qualified_name(node.left.func) if isinstance(node.left, ast.Call) else None
            if left == "pathlib.Path" or (isinstance(node.left, ast.Name) and node.left.id.isupper()):
                sinks.append((node.right, "path", "Path / ..."))
    return sinks


def _resolved(ctx: RuleContext, call: ast.Call) -> str:
    from caveat.analysis.flow import resolved_call_name

    return resolved_call_name(ctx, call) or ""


def _reaches(ctx: RuleContext, expr: ast.AST, name: str, kind: str, depth: int = 0) -> bool:
    """Does the value of ``name`` flow, unsanitized for ``kind``, into ``expr``?"""
    if depth > 4:
        return False
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Call) and taint.is_sanitized(ctx, node, kind):
            continue
        if isinstance(node, ast.Compare):
            continue
        if isinstance(node, ast.Name):
            if node.id == name:
                if not taint.is_validated(ctx, node):
                    return True
                continue
            for binding in taint.bindings_before(ctx, node):
                if binding.value is not None and binding.kind in ("assign", "aug", "mutate", "for", "for*"):
                    if _reaches(ctx, binding.value, name, kind, depth + 1):
                        return True
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


def _defaults(func) -> dict[str, ast.AST]:
    args = func.args
    positional = args.posonlyargs + args.args
    found: dict[str, ast.AST] = {}
    for arg, default in zip(positional[len(positional) - len(args.defaults):], args.defaults):
        found[arg.arg] = default
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        if default is not None:
            found[arg.arg] = default
    return found
