"""## What it does

Detects exception details sent to the client: `traceback.format_exc()`,
`str(exc)`, `repr(exc)`, `f"{exc}"`, `exc.args` in a response body
(`jsonify`, `JSONResponse`, `JsonResponse`, `HttpResponse`, `make_response`,
DRF `Response`...), in `HTTPException(detail=...)` / `abort(500, ...)`, or
returned from a route handler (`return {"error": str(e)}, 500`).

## Why is this bad?
Exception messages and tracebacks describe the inside of the server: SQL text
and table names (`psycopg2.errors.UndefinedColumn: column "pwd" does not
exist`), file paths, library versions, host names, sometimes connection strings
or secrets in arguments. Returned to the client they map the attack surface
and confirm injection attempts (CWE-209).

## Example
```python
@app.route("/orders", methods=["POST"])
def create_order():
    try:
        order = service.create(request.get_json())
    except Exception as e:
        return jsonify({"error": str(e)}), 500
    return jsonify(order), 201
```

## Use instead
```python
@app.route("/orders", methods=["POST"])
def create_order():
    try:
        order = service.create(request.get_json())
    except Exception:
        app.logger.exception("order creation failed")
        return jsonify({"error": "Internal server error"}), 500
    return jsonify(order), 201
```

## What it does not flag
Exception text written to logs or to stderr (CLI scripts), messages of
exceptions meant for the client (`ValueError`, validation errors, `KeyError`,
`Http404`, `PermissionDenied`... when the response is not a 5xx), and return
values of functions that are not request handlers and build no response.

## Fix safety
The fix replaces the exception text with a generic message and, when a logger
is reachable (`logger`/`log` used in the function, `logging` or `current_app`
imported, or a Flask `app`), logs the exception first. Clients that parsed the
error text get a different string, so the fix is unsafe.

## References
- https://cwe.mitre.org/data/definitions/209.html
- https://owasp.org/www-community/Improper_Error_Handling
"""
from __future__ import annotations

import ast
import re

from caveat.analysis import taint
from caveat.engine.findings import Fix, Severity
from caveat.rules.base import Rule, RuleContext

RESPONSE_CALLS = re.compile(
    r"(^|\.)(jsonify|make_response|Response|JSONResponse|ORJSONResponse|UJSONResponse|HTMLResponse|"
    r"PlainTextResponse|HttpResponse\w*|JsonResponse|json_response|HTTPException|abort|"
    r"InternalServerError|APIException|ServiceUnavailable|HTTPInternalServerError|HTTPBadRequest|"
    r"HTTPError|render_template|render|send_json|send_text|emit|error_response|json_error|flash|"
    r"messages\.(error|warning|info|success|add_message))$")
TRACEBACK = re.compile(r"^traceback\.(format_exc|format_exception|format_tb|format_stack|format_exception_only|"
                       r"extract_tb|TracebackException)|^sys\.exc_info$")
CLIENT_ERRORS = re.compile(
    r"^(ValueError|KeyError|LookupError|IndexError|\w*ValidationError|ValidationError|Invalid\w*|\w*Invalid|"
    r"JSONDecodeError|DecodeError|BadRequest\w*|\w*NotFound\w*|DoesNotExist|ObjectDoesNotExist|"
    r"PermissionDenied|Http404|\w*HTTPException|Forbidden|Unauthorized|NotAuthenticated|"
    r"AuthenticationFailed|ParseError|UnicodeDecodeError|ExpiredSignatureError|InvalidTokenError|"
    r"MultipleObjectsReturned|UnsupportedMediaType|MethodNotAllowed|Throttled|RequestValidationError|"
    r"\w*InputError|\w*UserError|\w*ClientError)$")
INTERNAL_ERRORS = re.compile(
    r"^(Exception|BaseException|OSError|IOError|EnvironmentError|ConnectionError|TimeoutError|RuntimeError|"
    r"AttributeError|TypeError|ZeroDivisionError|ArithmeticError|\w*DatabaseError|DBAPIError|IntegrityError|"
    r"OperationalError|ProgrammingError|InterfaceError|DataError|SQLAlchemyError|\w*Psycopg\w*|PyMongoError|"
    r"RedisError|RequestException|HTTPError|ConnectTimeout|ReadTimeout|BotoCoreError|CalledProcessError|"
    r"SubprocessError|FileNotFoundError|PermissionError|ImportError|MemoryError|NotImplementedError|"
    r"AssertionError|SMTPException|socket\.error|error)$")


class StacktraceInResponse(Rule):
    code = "CAV115"
    name = "stacktrace-in-response"
    category = "stacktrace-disclosure"
    cwe = 209
    severity = Severity.WARNING
    fixable = True

    def check(self, ctx: RuleContext) -> None:
        if not ctx.nodes(ast.ExceptHandler) and not any(
                word in ctx.text for word in ("traceback", "exc_info", "Exception", "Error", "rror_handler", "rrorhandler")):
            return
        reported: set[int] = set()
        for call in ctx.nodes(ast.Call):
            name = ctx.dotted_name(call.func) or ""
            if not RESPONSE_CALLS.search(name) or name.startswith(("log", "logger", "logging", "print")):
                continue
            if name.endswith("render") and not name.startswith(("render", "shortcuts")):
                continue
            args = [*call.args, *(kw.value for kw in call.keywords if kw.arg not in ("status", "status_code", "code"))]
            leaks = [leak for arg in args for leak in _leaks(ctx, arg)]
            if not leaks:
                continue
            status = _status(ctx, call)
            leaks = [(node, handler) for node, handler in leaks if _matters(ctx, handler, status, node)]
            if not leaks:
                continue
            statement = ctx.statement_of(call)
            reported.add(id(statement))
            self._report(ctx, call, leaks, f"`{name}`", statement)
        for ret in ctx.nodes(ast.Return):
            if ret.value is None or id(ret) in reported:
                continue
            func = ctx.enclosing_function(ret)
            if not _is_handler(ctx, func):
                continue
            value = ret.value
            status = None
            if isinstance(value, ast.Tuple) and value.elts:
                status = _constant_status(value.elts[1]) if len(value.elts) > 1 else None
                value = value.elts[0]
            if isinstance(value, ast.Call) and RESPONSE_CALLS.search(ctx.dotted_name(value.func) or ""):
                continue  # reported as a call above
            leaks = [(n, h) for n, h in _leaks(ctx, value) if _matters(ctx, h, status, n)]
            if leaks:
                self._report(ctx, ret.value, leaks, f"the handler `{func.name}`", ret)

    def _report(self, ctx: RuleContext, node: ast.AST, leaks, where: str, statement: ast.stmt) -> None:
        what = _describe(ctx, leaks[0][0])
        ctx.report(self, node, (
            f"{where[0].upper()}{where[1:]} sends {what} to the client: exception text and tracebacks reveal "
            "SQL, file paths and library internals. Log the exception and return a generic message."),
            fix=_fix(ctx, leaks, statement))


def _describe(ctx: RuleContext, node: ast.AST) -> str:
    text = " ".join((ctx.source(node) or ast.unparse(node)).split())
    if "format_exc" in text or "format_exception" in text or "format_tb" in text:
        return f"a traceback (`{text[:40]}`)"
    return f"the exception text (`{text if len(text) <= 40 else text[:37] + '...'}`)"


def _leaks(ctx: RuleContext, expr: ast.AST, depth: int = 0) -> list[tuple[ast.AST, ast.ExceptHandler | None]]:
    """Maximal sub-expressions of ``expr`` carrying exception details, with the
    handler that caught the exception (None for tracebacks)."""
    if depth > 6:
        return []
    origin = _exception_origin(ctx, expr, depth)
    if origin is not False:
        return [(expr, origin)]
    found = []
    if isinstance(expr, ast.Dict):
        for value in expr.values:
            found.extend(_leaks(ctx, value, depth + 1))
    elif isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
        for value in expr.elts:
            found.extend(_leaks(ctx, value, depth + 1))
    elif isinstance(expr, ast.Call) and not _is_type_name(expr) and _carries_body(ctx, expr):
        for arg in [*expr.args, *(kw.value for kw in expr.keywords)]:
            found.extend(_leaks(ctx, arg, depth + 1))
    elif isinstance(expr, ast.Name):
        for binding in taint.bindings_before(ctx, expr):
            value = binding.value
            if binding.kind == "assign" and value is not None and (
                    isinstance(value, ast.Dict) or (isinstance(value, ast.Call) and _carries_body(ctx, value))):
                inner = _leaks(ctx, value, depth + 1)
                if inner:
                    return [(expr, inner[0][1])]
    return found


def _carries_body(ctx: RuleContext, call: ast.Call) -> bool:
    """Calls whose arguments end up in the response body: response constructors,
    ``dict(...)``, ``json.dumps(...)`` - not arbitrary helpers that take the exception."""
    name = ctx.dotted_name(call.func) or ""
    if name.split(".")[0] in ("logger", "log", "logging"):
        return False
    return bool(RESPONSE_CALLS.search(name)) or name in ("dict", "json.dumps", "list", "tuple", "str") or (
        isinstance(call.func, ast.Attribute) and call.func.attr in ("join", "format"))


def _is_type_name(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "type"


def _exception_origin(ctx: RuleContext, expr: ast.AST, depth: int):
    """The except handler (or None for a traceback) when ``expr`` is exception
    text; False when it is not."""
    if isinstance(expr, ast.Call):
        name = ctx.qualified_name(expr.func) or ctx.dotted_name(expr.func) or ""
        if TRACEBACK.search(name):
            return None
        if name in ("str", "repr", "format") and expr.args:
            return _exception_origin(ctx, expr.args[0], depth + 1)
        if isinstance(expr.func, ast.Attribute) and expr.func.attr in (
                "format", "join", "replace", "strip", "split", "lower", "upper") :
            for part in [expr.func.value, *expr.args]:
                found = _exception_origin(ctx, part, depth + 1)
                if found is not False:
                    return found
        return False
    if isinstance(expr, ast.JoinedStr):
        for value in expr.values:
            if isinstance(value, ast.FormattedValue):
                found = _exception_origin(ctx, value.value, depth + 1)
                if found is not False:
                    return found
        return False
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Mod)):
        for side in (expr.left, expr.right):
            if isinstance(side, ast.Tuple):
                for element in side.elts:
                    found = _exception_origin(ctx, element, depth + 1)
                    if found is not False:
                        return found
            else:
                found = _exception_origin(ctx, side, depth + 1)
                if found is not False:
                    return found
        return False
    if isinstance(expr, ast.Attribute):
        if expr.attr in ("args", "message", "msg", "strerror", "orig", "detail", "description", "pgerror",
                         "stderr", "output", "reason", "__traceback__"):
            return _exception_origin(ctx, expr.value, depth + 1)
        return False
    if isinstance(expr, ast.Subscript):
        return _exception_origin(ctx, expr.value, depth + 1)
    if isinstance(expr, ast.Name) and depth < 8:
        bindings = taint.bindings_before(ctx, expr)
        for binding in bindings:
            if binding.kind == "except":
                return binding.stmt
            if binding.kind == "param" and _exception_param(ctx, binding):
                return binding.stmt  # the function: an error handler's exception argument
        for binding in bindings:
            if binding.kind in ("assign", "aug") and binding.value is not None:
                found = _exception_origin(ctx, binding.value, depth + 1)
                if found is not False:
                    return found
    return False


def _exception_param(ctx: RuleContext, binding) -> bool:
    """The exception parameter of an error handler (``def on_error(request, exc)``)."""
    arg, func = binding.target, binding.stmt
    if not isinstance(arg, ast.arg) or not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    annotation = ctx.source(arg.annotation) if arg.annotation is not None else ""
    if re.search(r"(Exception|Error)\b", annotation):
        return True
    if arg.arg in ("request", "req", "self", "scope"):
        return False
    return _is_error_handler(ctx, func)


def _is_error_handler(ctx: RuleContext, func) -> bool:
    for deco in func.decorator_list:
        name = ctx.dotted_name(deco.func if isinstance(deco, ast.Call) else deco) or ""
        if re.search(r"(errorhandler|exception_handler|error_handler|register_error_handler)$", name):
            return True
    return False


def _handled_status(ctx: RuleContext, func) -> int | None:
    """``@app.errorhandler(404)`` -> 404."""
    for deco in func.decorator_list:
        if isinstance(deco, ast.Call) and deco.args:
            status = _constant_status(deco.args[0])
            if status is not None:
                return status
    return None


def _caught(ctx: RuleContext, handler: ast.ExceptHandler) -> list[str]:
    if handler.type is None:
        return ["BaseException"]
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return [(ctx.dotted_name(t) or "Exception").split(".")[-1] for t in types]


def _matters(ctx: RuleContext, handler, status: int | None, node: ast.AST) -> bool:
    if isinstance(handler, (ast.FunctionDef, ast.AsyncFunctionDef)):
        handled = _handled_status(ctx, handler)
        return handled is None or handled >= 500 or _uses_repr(node)
    if handler is None or not isinstance(handler, ast.ExceptHandler):
        return True  # a traceback
    names = _caught(ctx, handler)
    if any(INTERNAL_ERRORS.match(n) for n in names):
        return True
    if all(CLIENT_ERRORS.match(n) for n in names):
        return False
    # Exceptions of the application or of a library: their repr() names internals,
    # and a 5xx says the message describes a server-side failure.
    return (status is not None and status >= 500) or _uses_repr(node)


def _uses_repr(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.FormattedValue) and sub.conversion == ord("r"):
            return True
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id == "repr":
            return True
    return False


def _constant_status(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.Attribute):
        match = re.search(r"(\d{3})", node.attr)
        if match:
            return int(match.group(1))
        if "INTERNAL" in node.attr or "SERVER_ERROR" in node.attr:
            return 500
    return None


def _status(ctx: RuleContext, call: ast.Call) -> int | None:
    for kw in call.keywords:
        if kw.arg in ("status", "status_code", "code"):
            return _constant_status(kw.value)
    name = ctx.dotted_name(call.func) or ""
    if name.endswith("abort") and call.args:
        return _constant_status(call.args[0])
    if "InternalServerError" in name or "ServerError" in name:
        return 500
    parent = ctx.parent(call)
    if isinstance(parent, ast.Tuple) and len(parent.elts) > 1:
        return _constant_status(parent.elts[1])
    return None


def _is_handler(ctx: RuleContext, func) -> bool:
    if func is None:
        return False
    if taint.is_route_handler(ctx, func):
        return True
    for deco in func.decorator_list:
        name = ctx.dotted_name(deco.func if isinstance(deco, ast.Call) else deco) or ""
        if re.search(r"(errorhandler|exception_handler|error_handler|register_error_handler|middleware)$", name):
            return True
    return False


def _fix(ctx: RuleContext, leaks, statement: ast.stmt) -> Fix | None:
    edits = []
    for node, _handler in leaks:
        if ctx.parent(node) is None or (isinstance(node, ast.Name) and _exception_origin(ctx, node, 0) is False):
            return None
        edits.append(ctx.replace(node, '"Internal server error"'))
    logger = _logger(ctx, statement)
    handler = ctx.enclosing(statement, ast.ExceptHandler)
    line = ctx.lines[statement.lineno - 1]
    if logger is not None and handler is not None and not line[: statement.col_offset].strip() \
            and not _already_logs(ctx, handler, statement):
        indent = line[: statement.col_offset]
        edits.insert(0, ctx.insert(ctx.position(statement.lineno, 0),
                                   f'{indent}{logger}.exception("unhandled error")\n'))
    return Fix("Return a generic message (and log the exception)", tuple(edits), safe=False)


def _already_logs(ctx: RuleContext, handler: ast.ExceptHandler, statement: ast.stmt) -> bool:
    for node in ast.walk(handler):
        if isinstance(node, ast.Call) and node.lineno < statement.lineno:
            name = ctx.dotted_name(node.func) or ""
            if re.search(r"(log\w*|logger)\.(exception|error|critical|warning)$", name):
                return True
    return False


def _logger(ctx: RuleContext, statement: ast.stmt) -> str | None:
    func = ctx.enclosing_function(statement)
    names = {n.id for n in ast.walk(func or ctx.tree) if isinstance(n, ast.Name)}
    for candidate in ("logger", "log", "LOGGER", "_logger", "_log"):
        if candidate in names:
            return candidate
    for local, qualified in ctx.imports.items():
        if qualified == "flask.current_app":
            return f"{local}.logger"
    for local, qualified in ctx.imports.items():
        if qualified == "logging":
            return local
    if func is not None and ctx.is_imported("flask"):
        for deco in func.decorator_list:
            target = deco.func if isinstance(deco, ast.Call) else deco
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "app":
                return "app.logger"
    return None
