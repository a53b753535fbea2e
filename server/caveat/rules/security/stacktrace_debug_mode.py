"""## What it does

Detects web applications started or configured with debug mode on:
`app.run(debug=True)` (Flask, Quart, Flask-SocketIO's `socketio.run(app,
debug=True)`), `FastAPI(debug=True)` / `Starlette(debug=True)`,
`app.debug = True`, `app.config["DEBUG"] = True` and
`app.config.update(DEBUG=True)`.

## Why is this bad?
In debug mode an unhandled exception returns the full traceback - source
lines, local variables, settings - to whoever triggered it, and Flask's
Werkzeug debugger even offers an interactive Python console in the browser:
remote code execution for anyone who can reach the port (CWE-209, CWE-489).
Debug flags written for a local run end up in containers and deployments.

## Example
```python
if __name__ == "__main__":
    app.run(host="0.0.0.0", debug=True)
```

## Use instead
```python
if __name__ == "__main__":
    app.run(host="0.0.0.0", debug=os.environ.get("FLASK_DEBUG") == "1")
```

## What it does not flag
Debug settings read from the environment or configuration
(`debug=settings.DEBUG`, `debug=args.debug`), `debug=False`, and test files.

## Fix safety
The fix reads the flag from the environment (`os.environ.get("FLASK_DEBUG") ==
"1"`) when `os` is imported, else removes `debug=True`. Local runs lose the
debugger unless the variable is set: unsafe.

## References
- https://cwe.mitre.org/data/definitions/209.html
- https://cwe.mitre.org/data/definitions/489.html
- https://flask.palletsprojects.com/en/stable/debugging/
"""
from __future__ import annotations

import ast

from caveat.analysis import flow
from caveat.analysis.paths import is_test_path
from caveat.engine.findings import Fix, Severity
from caveat.rules import fixkit
from caveat.rules.base import Rule, RuleContext

APP_CLASSES = ("flask.Flask", "quart.Quart", "fastapi.FastAPI", "starlette.applications.Starlette",
               "flask_socketio.SocketIO", "sanic.Sanic")
CONSTRUCTORS = frozenset({"fastapi.FastAPI", "starlette.applications.Starlette", "starlette.Starlette"})


def _is_true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


class DebugModeEnabled(Rule):
    code = "CAV116"
    name = "debug-mode-enabled"
    category = "stacktrace-disclosure"
    cwe = 209
    severity = Severity.ERROR
    fixable = True
    supersedes = ("B201",)
    replaces = ("B201",)

    def check(self, ctx: RuleContext) -> None:
        if "debug" not in ctx.text.lower() or is_test_path(ctx.path):
            return
        web = ctx.imports_any("flask", "quart", "fastapi", "starlette", "flask_socketio", "sanic")
        for call in ctx.nodes(ast.Call):
            debug = next((kw for kw in call.keywords if kw.arg == "debug"), None)
            if debug is None or not _is_true(debug.value):
                continue
            qualified = ctx.qualified_name(call.func) or ""
            resolved = flow.resolved_call_name(ctx, call) or ""
            attr = call.func.attr if isinstance(call.func, ast.Attribute) else ""
            if qualified in CONSTRUCTORS:
                what = f"`{ctx.source(call.func)}(debug=True)`"
            elif attr == "run" and (resolved.startswith(APP_CLASSES) or (web and not qualified)):
                what = f"`{ctx.source(call.func)}(debug=True)`"
            else:
                continue
            ctx.report(self, call, (
                f"{what} serves full tracebacks (and, in Flask, the interactive Werkzeug debugger) to anyone "
                "who triggers an error; read the flag from the environment instead."), fix=_fix(ctx, call))
        if not web:
            return
        for node in ctx.nodes(ast.Assign):
            if len(node.targets) != 1 or not _is_true(node.value):
                continue
            target = node.targets[0]
            if isinstance(target, ast.Attribute) and target.attr == "debug" and \
                    isinstance(target.value, ast.Name) and target.value.id in ("app", "application", "server"):
                shown = ctx.source(target)
            elif isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant) and \
                    target.slice.value == "DEBUG" and (ctx.dotted_name(target.value) or "").endswith("config"):
                shown = ctx.source(target)
            else:
                continue
            ctx.report(self, node, (
                f"`{shown} = True` turns on debug mode: tracebacks (and the Werkzeug debugger console) are "
                "served to clients; read it from the environment instead."))
        for call in ctx.nodes(ast.Call):
            if isinstance(call.func, ast.Attribute) and call.func.attr == "update" and \
                    (ctx.dotted_name(call.func.value) or "").endswith("config") and \
                    any(kw.arg == "DEBUG" and _is_true(kw.value) for kw in call.keywords):
                ctx.report(self, call, (
                    "`DEBUG=True` in the app config turns on debug mode: tracebacks are served to clients; "
                    "read it from the environment instead."))


def _fix(ctx: RuleContext, call: ast.Call) -> Fix | None:
    os_name = next((local for local, qualified in ctx.imports.items() if qualified == "os"), None)
    if os_name is not None:
        variable = "FLASK_DEBUG" if ctx.is_imported("flask") else "APP_DEBUG"
        edit = fixkit.rewrite_expression(ctx, call, lambda c: fixkit.with_keyword(
            c, "debug", f'{os_name}.environ.get("{variable}") == "1"'))
        return fixkit.single_edit_fix(f"Read debug mode from the environment ({variable})", edit, safe=False)
    edit = fixkit.rewrite_expression(ctx, call, lambda c: fixkit.without_keyword(c, "debug"))
    return fixkit.single_edit_fix("Remove `debug=True`", edit, safe=False)
