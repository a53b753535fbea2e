"""## What it does

Detects a catch-all handler (`except:`, `except Exception`, `except BaseException`,
also inside a tuple) or `contextlib.suppress(Exception)` that makes an error disappear:
its body only does `pass`, `...`, `continue`, `return None` / a default value (a literal,
an empty container, a fresh `Settings()`, a success-looking response such as
`{"status": "queued"}`, `jsonify({"ok": True})` or `(jsonify({...}), 200)`, a zero such
as `Decimal("0.00")`), resets a variable to `None` / an empty value / zero, sleeps and
retries forever in a `while` loop without a trace, or only logs at `debug`/`info` level
(or `print`s) without the traceback. A catch-all that logs at `warning`/`error` level
*without* the traceback and then hands back empty data (`return []`, `return {}`,
`return 0`, a success response) is flagged too: the caller cannot tell "failed" from
"nothing there".
Also `except OSError` handlers that turn an I/O failure into "no data" (`return []`),
and `return` / `break` / `continue` inside `finally:`, which silently discards whatever
exception the `try` block raised.

## Why is this bad?

Assistants wrap the happy path in `try`/`except Exception: pass` to make a snippet
"robust". Every failure - a bug (`TypeError`, `NameError`), a network outage, a
full disk, even `KeyboardInterrupt` for a bare `except:` - is silently converted into
"nothing happened": the caller carries on with missing data, and nobody can find out
why later because no traceback was kept (CWE-390, CWE-703).

## Example
```python
def load_profile(user_id):
    try:
        return api.fetch_profile(user_id)
    except Exception:
        return None
```

## Use instead
```python
def load_profile(user_id):
    try:
        return api.fetch_profile(user_id)
    except ApiNotFound:
        return None          # the one failure that really means "no profile"
    except Exception:
        logger.exception("fetching the profile of %s failed", user_id)
        raise
```

## What it does not flag
- Narrow exception types (`KeyError`, `ValueError`, `ImportError`, `FileNotFoundError`,
  ...): catching what you expect is the point of `except`. `OSError`/`IOError` (the whole
  I/O family: permissions, full disk, network shares) is only flagged when the handler
  turns the failure into "no data" (`return []`, `return {}`, `return ""`); `pass`,
  `return False` (a probe) and `return None` (a cache miss) stay silent.
- Handlers that re-raise (`raise`, `raise ... from e`), log with `logger.exception()`,
  `exc_info=True`, `warnings.warn`, or `traceback.print_exc()`; handlers that log at
  `warning`/`error`/`critical` level and then carry on, or return a failure sentinel
  (`None`, `False`).
- Bounded retries (`for attempt in range(3): ... except ...: time.sleep(...)`).
- Handlers that record the failure: append to an errors list, set a status or a flag
  (`ok = False`, `job.status = "failed"`), count it, send it to Sentry
  (`capture_exception`), return an error response or any computed value.
- Cleanup that must not mask the original error: handlers inside `__del__`,
  `__exit__`, `close()`, `cleanup()`, `shutdown()`, `teardown`..., `try` statements in a
  `finally:` block, and `try` bodies that only call `close()`/`remove()`/`unlink()`...
- Optional imports (`try: import ujson except Exception: ujson = None`).
- Handlers whose author explained the decision in the handler itself: a prose comment on
  the `except` line or in its body (`# the preview is optional: show the page without
  it`). Tool directives (`# noqa`, `# type: ignore`, `# pragma: no cover`) and reminders
  (`# TODO`, `# FIXME`) do not count, nor does a comment above the `except`.
- Probe predicates - `is_*`/`has_*`/`can_*`/`check_*` functions whose `try` returns
  `True` and whose handler returns `False` (health checks, "is this valid JSON?").
- Loops and CLI entry points (`main()`, `if __name__ == "__main__":`) whose handler
  reports the caught exception (`info` or higher, or `print`) before moving on: per-item
  error reporting is not swallowing. A `debug` message is invisible in production and
  does not count as a report.

This rule supersedes and replaces bandit's B110 (try/except/pass) and B112
(try/except/continue), which are turned off by default.

## Fix safety
The fix (unsafe: it changes what the program does on failure) turns a bare `except:`
into `except Exception:`, upgrades a `debug`/`info` log call to `.exception()` (or adds
one when the module has a logger or imports `logging`), and replaces the swallowing
statements with `raise`. Narrow the exception type by hand to the failure you expect.

## References
- https://cwe.mitre.org/data/definitions/390.html
- https://cwe.mitre.org/data/definitions/703.html
- https://docs.astral.sh/ruff/rules/blind-except/
- https://bandit.readthedocs.io/en/latest/plugins/b110_try_except_pass.html
"""
from __future__ import annotations

import ast

from caveat.analysis.comments import explained
from caveat.engine.findings import Fix, Position, Severity, TextEdit
from caveat.rules.base import Rule, RuleContext
from caveat.rules.edge._common_a import call_label, keyword, source, words

_BROAD = {"Exception", "BaseException"}
_IO_FAMILY = {"OSError", "IOError", "EnvironmentError"}
_ERROR_WORDS = ("error", "fail", "invalid", "unavailable", "denied", "exception", "problem", "unknown",
                "not found", "missing", "bad", "refused", "timeout", "timed out")
_LOW_LEVELS = {"debug", "info"}
_REPORTING_LEVELS = {"warning", "warn", "error", "critical", "exception", "fatal", "log"}
_NO_TRACE_LEVELS = {"warning", "warn", "error", "critical", "fatal"}
_CLEANUP_FUNCTIONS = {
    "__del__", "__exit__", "__aexit__", "close", "aclose", "cleanup", "clean_up", "shutdown",
    "teardown", "tearDown", "tear_down", "dispose", "terminate", "release", "disconnect",
    "stop", "finalize", "_cleanup", "_close", "__dealloc__", "tearDownClass", "teardown_class",
    "teardown_method", "on_shutdown", "atexit_handler",
}
_CLEANUP_CALLS = {
    "close", "aclose", "shutdown", "remove", "unlink", "rmtree", "rmdir", "kill", "terminate",
    "cancel", "disconnect", "release", "stop", "cleanup", "rollback", "join", "unregister",
    "unsubscribe", "detach", "delete", "flush", "quit", "logout", "dispose", "wait",
    "removeHandler", "remove_handler", "unlink_missing",
}
_CLI_FUNCTIONS = {"main", "cli", "run_cli", "_main", "entrypoint", "entry_point"}


def _broad_name(ctx: RuleContext, handler: ast.ExceptHandler) -> str | None:
    """"bare", "Exception" or "BaseException" when the handler catches everything;
    "OSError" for the whole I/O family (permissions, disk and network errors, not
    just a missing file)."""
    if handler.type is None:
        return "bare"
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    found = None
    for node in types:
        if isinstance(node, ast.Name) and node.id in _BROAD and node.id not in ctx.imports:
            return node.id
        if isinstance(node, ast.Attribute) and node.attr in _BROAD and ctx.qualified_name(node) in (
                f"builtins.{node.attr}", f"__builtins__.{node.attr}"):
            return node.attr
        if isinstance(node, ast.Name) and node.id in _IO_FAMILY and node.id not in ctx.imports:
            found = "OSError"
    return found


def _is_logger(node: ast.AST) -> bool:
    """``logger``, ``log``, ``self.logger``, ``app.logger``, ``logging``, ``LOG``."""
    if isinstance(node, ast.Call):  # logging.getLogger(__name__).info(...)
        func = node.func
        return isinstance(func, ast.Attribute) and func.attr in ("getLogger", "get_logger")
    name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else None
    return bool(name) and any(w in ("log", "logging", "structlog", "syslog") or w.endswith("logger")
                              for w in words(name))


def _is_default_value(node: ast.AST | None) -> bool:
    """None, False/True, 0, "" and empty containers: what "no result" looks like."""
    if node is None:
        return True
    if isinstance(node, ast.Constant):
        return node.value is None or isinstance(node.value, (bool, int, float)) or node.value == ""
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)) and not node.elts:
        return True
    if isinstance(node, ast.Dict) and not node.keys:
        return True
    if isinstance(node, ast.Call) and not node.args and not node.keywords and \
            isinstance(node.func, (ast.Name, ast.Attribute)):
        # `dict()`, `Settings()`, `Config.default()`: a fresh default object
        return True
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords and \
            isinstance(node.func, (ast.Name, ast.Attribute)) and _is_zero(node.args[0]):
        return True  # `Decimal("0.00")`, `Money(0)`: zero dressed as a value
    return False


def _is_zero(node: ast.AST) -> bool:
    if not isinstance(node, ast.Constant) or isinstance(node.value, bool):
        return False
    value = node.value
    if isinstance(value, str):
        return value.strip().lstrip("-").replace(".", "", 1).strip("0") == "" and any(c == "0" for c in value)
    return isinstance(value, (int, float)) and value == 0


def _returns_empty_data(handler: ast.ExceptHandler) -> bool:
    for stmt in handler.body:
        if isinstance(stmt, ast.Return) and stmt.value is not None:
            value = stmt.value
            if isinstance(value, (ast.List, ast.Tuple, ast.Set)) and not value.elts:
                return True
            if isinstance(value, ast.Dict) and not value.keys:
                return True
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in (
                    "list", "dict", "set", "tuple", "frozenset") and not value.args:
                return True
            if isinstance(value, ast.Constant) and value.value in ("", b""):
                return True
    return False


_RESPONSE_FACTORIES = {"jsonify", "JSONResponse", "JsonResponse", "Response", "HttpResponse",
                      "make_response", "ORJSONResponse", "UJSONResponse", "PlainTextResponse"}


def _success_display(node: ast.AST) -> bool:
    """A literal-only dict/list/tuple that does not say anything went wrong:
    ``{"status": "queued"}`` (as opposed to ``{"error": "..."}`` or ``(..., 500)``),
    also wrapped in a response (``jsonify({"ok": True})``)."""
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name not in _RESPONSE_FACTORIES or not (node.args or node.keywords):
            return False
        return all(_success_display(arg) or isinstance(arg, ast.Constant) and _success_display(ast.Tuple([arg]))
                   for arg in [*node.args, *(kw.value for kw in node.keywords)])
    if not isinstance(node, (ast.Dict, ast.List, ast.Tuple, ast.Set)):
        return False
    if isinstance(node, ast.Dict):
        children = [*(k for k in node.keys if k is not None), *node.values]
    else:
        children = list(node.elts)
    for child in children:
        if isinstance(child, (ast.Dict, ast.List, ast.Tuple, ast.Set, ast.Call)):
            # `(jsonify({"received": True}), 200)`: a response in a (body, status) pair
            if not _success_display(child):
                return False
            continue
        if not isinstance(child, ast.Constant):
            return False
        value = child.value
        if isinstance(value, str) and any(word in value.lower() for word in _ERROR_WORDS):
            return False
        if isinstance(value, int) and not isinstance(value, bool) and 400 <= value <= 599:
            return False
        if value is False:
            return False
    return True


def _mentions(node: ast.AST, name: str | None) -> bool:
    if name is None:
        return False
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


def _classify(stmt: ast.stmt, exc_name: str | None) -> str | None:
    """What a handler statement does with the error; None: it handles it somehow."""
    if isinstance(stmt, ast.Pass):
        return "pass"
    if isinstance(stmt, ast.Continue):
        return "continue"
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return "pass"  # `...` or a string used as a comment
    if isinstance(stmt, ast.Return):
        value = stmt.value
        if value is None or _is_default_value(value) or _success_display(value):
            return "return-literal" if isinstance(value, ast.Constant) and value.value is not None else "return-default"
        return None
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        value = stmt.value
        # `result = None` / `items = []` is a default; `ok = False` / `status = "failed"`
        # records the failure.
        if (value is not None and all(isinstance(t, ast.Name) for t in targets)
                and _is_default_value(value)
                and not (isinstance(value, ast.Constant) and value.value is not None and not _is_zero(value))):
            return "assign-default"  # `written = 0` resets a count as if nothing had been done
        return None
    if isinstance(stmt, ast.Expr) and _is_sleep(stmt.value):
        return "sleep"
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        call = stmt.value
        func = call.func
        if isinstance(func, ast.Name) and func.id == "print":
            return "print-exc" if _mentions(call, exc_name) else "print"
        if isinstance(func, ast.Attribute) and _is_logger(func.value):
            exc_info = keyword(call, "exc_info") or keyword(call, "stack_info")
            if exc_info is not None and not (isinstance(exc_info.value, ast.Constant) and not exc_info.value.value):
                return None
            if func.attr == "debug":
                return "log"  # invisible in production: not a report, even with the exception
            if func.attr in _LOW_LEVELS:
                return "log-exc" if _mentions(call, exc_name) else "log"
            if func.attr in _NO_TRACE_LEVELS:
                return "log-no-trace"
            return None
        return None
    return None


_SWALLOWING = {"pass", "continue", "return-default", "return-literal", "assign-default",
               "print", "print-exc", "log", "log-exc", "log-no-trace", "sleep"}


def _is_sleep(value: ast.AST) -> bool:
    """``time.sleep(5)`` / ``await asyncio.sleep(1)``: waiting before the next try."""
    if isinstance(value, ast.Await):
        value = value.value
    return isinstance(value, ast.Call) and (
        isinstance(value.func, ast.Attribute) and value.func.attr == "sleep" or
        isinstance(value.func, ast.Name) and value.func.id == "sleep")


def _retries_forever(ctx: RuleContext, try_node: ast.AST) -> bool:
    """The ``try`` sits in a ``while`` loop (a worker that never gives up), not a bounded
    ``for attempt in range(3)`` retry that fails loudly after the loop."""
    for ancestor in ctx.ancestors(try_node):
        if isinstance(ancestor, ast.While):
            return True
        if isinstance(ancestor, (ast.For, ast.AsyncFor, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return False
    return False


def _loses_data(handler: ast.ExceptHandler) -> bool:
    """The handler hands back something that looks like real data - an empty result,
    a zero, a success response - rather than a failure sentinel (``None``, ``False``):
    the caller cannot tell "failed" from "nothing there"."""
    for stmt in handler.body:
        if isinstance(stmt, ast.Return) and stmt.value is not None:
            value = stmt.value
            if isinstance(value, ast.Constant) and any(value.value is v for v in (None, False, True)):
                continue
            if _is_default_value(value) or _success_display(value):
                return True
        if isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets) and (
                isinstance(stmt.value, (ast.List, ast.Dict, ast.Tuple, ast.Set)) and _is_default_value(stmt.value)):
            return True
    return False


class SwallowedException(Rule):
    code = "CAV201"
    name = "swallowed-exception"
    category = "swallowed-exception"
    cwe = 390
    severity = Severity.WARNING
    fixable = True
    supersedes = ("B110", "B112")
    replaces = ("B110", "B112")

    def check(self, ctx: RuleContext) -> None:
        for handler in ctx.nodes(ast.ExceptHandler):
            self._check_handler(ctx, handler)
        for item in ctx.nodes(ast.withitem):
            self._check_suppress(ctx, item)
        for try_node in ctx.nodes(ast.Try):
            if try_node.finalbody:
                self._check_finally(ctx, try_node)

    # --- return / break / continue in finally ---------------------------------
    def _check_finally(self, ctx: RuleContext, try_node: ast.Try) -> None:
        def visit(node: ast.AST, in_loop: bool) -> None:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                return
            if isinstance(node, ast.Return) or (isinstance(node, (ast.Break, ast.Continue)) and not in_loop):
                word = {ast.Return: "return", ast.Break: "break", ast.Continue: "continue"}[type(node)]
                ctx.report(self, node, f"`{word}` inside `finally:` silently discards any exception raised "
                           f"in the `try` block (even `KeyboardInterrupt`): the code carries on as if it had "
                           f"succeeded; move the `{word}` after the `try` statement, or handle the specific "
                           f"exception in an `except` clause.")
                return
            loop = isinstance(node, (ast.For, ast.AsyncFor, ast.While))
            for child in ast.iter_child_nodes(node):
                visit(child, in_loop or loop)

        for statement in try_node.finalbody:
            visit(statement, False)

    # --- except handlers ------------------------------------------------------
    def _check_handler(self, ctx: RuleContext, handler: ast.ExceptHandler) -> None:
        broad = _broad_name(ctx, handler)
        if broad is None:
            return
        kinds = [_classify(stmt, handler.name) for stmt in handler.body]
        if any(kind is None for kind in kinds):
            return
        if "log-no-trace" in kinds and (broad == "OSError" or not _loses_data(handler)):
            # `logger.error("...: %s", exc)` then `return None` / `pass`: reported, and the
            # caller gets a failure sentinel. Only a catch-all that logs without the
            # traceback and then hands back empty data (`return []`) hides the failure.
            return
        if broad == "OSError" and not _returns_empty_data(handler):
            # `except OSError: pass` around makedirs/chmod, `return False` from a probe,
            # `return None` for a cache miss: deliberate best efforts. Only "no data"
            # (`return []`) hides an I/O failure from the caller.
            return
        try_node = ctx.parent(handler)
        if not isinstance(try_node, ast.Try) and type(try_node).__name__ != "TryStar":
            return
        if "sleep" in kinds and not _retries_forever(ctx, try_node):
            return
        if _exempt_context(ctx, try_node, everything=broad in ("bare", "BaseException")):
            return
        if _is_probe(ctx, try_node, kinds, handler):
            return
        if _reports_per_item(ctx, try_node, kinds):
            return
        if explained(ctx, handler.lineno, handler.end_lineno):
            return  # the author wrote down why the error is ignored, in the handler
        caught = {"bare": "bare `except:`", "Exception": "`except Exception`",
                  "BaseException": "`except BaseException`", "OSError": f"`except {source(ctx, handler.type)}`"}[broad]
        around = _around(ctx, try_node.body)
        what = _effect(kinds, handler)
        extra = {"bare": " (a bare `except:` also traps `KeyboardInterrupt` and `SystemExit`)",
                 "BaseException": " (including `KeyboardInterrupt` and `SystemExit`)",
                 "OSError": " for every I/O failure (permissions, full disk, network shares), not just a "
                            "missing file"}.get(broad, "")
        message = (f"{caught}{around} {what}{extra}: failures, bugs included, vanish without a "
                   f"traceback; catch the specific exception you expect, or log it with "
                   f"`logger.exception()` and re-raise.")
        ctx.report(self, handler, message, fix=_fix(ctx, handler, broad, kinds),
                   start=ctx.start(handler),
                   end=_header_end(ctx, handler))

    # --- contextlib.suppress(Exception) -------------------------------------
    def _check_suppress(self, ctx: RuleContext, item: ast.withitem) -> None:
        call = item.context_expr
        if not isinstance(call, ast.Call) or not call.args:
            return
        if ctx.qualified_name(call.func) not in ("contextlib.suppress", "contextlib.suppress"):
            return
        broad = None
        for arg in call.args:
            if isinstance(arg, ast.Name) and arg.id in _BROAD and arg.id not in ctx.imports:
                broad = arg.id
        if broad is None:
            return
        with_node = ctx.parent(item)
        if _exempt_context(ctx, with_node):
            return
        around = _around(ctx, with_node.body)
        message = (f"`{source(ctx, call)}`{around} discards every error, bugs included, without a "
                   f"trace; suppress only the exception you expect (e.g. `suppress(FileNotFoundError)`), "
                   f"or catch it and log it with `logger.exception()`.")
        ctx.report(self, call, message)


def _header_end(ctx: RuleContext, handler: ast.ExceptHandler) -> Position:
    line = ctx.lines[handler.lineno - 1].rstrip("\r\n")
    if handler.body and handler.body[0].lineno == handler.lineno:
        end = ctx.start(handler.body[0]).col
        return Position(handler.lineno, len(line[:end].rstrip()))
    return Position(handler.lineno, len(line.split("#", 1)[0].rstrip()) if "#" in line else len(line))


def _around(ctx: RuleContext, body: list[ast.stmt]) -> str:
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call) and ctx.dotted_name(node.func):
                return f" around `{call_label(ctx, node)}`"
    return ""


def _effect(kinds: list[str], handler: ast.ExceptHandler) -> str:
    kind_set = set(kinds)
    if kind_set & {"return-default", "return-literal"}:
        ret = next(s for s in handler.body if isinstance(s, ast.Return))
        value = "None" if ret.value is None else ast.unparse(ret.value)
        return f"returns `{value}` as if the call had succeeded"
    if "continue" in kind_set or "sleep" in kind_set:
        return "skips to the next iteration without a trace"
    if "assign-default" in kind_set:
        return "replaces the result with an empty default"
    if kind_set & {"log", "log-exc", "log-no-trace"}:
        return "only logs at debug/info level, without the traceback"
    if kind_set & {"print", "print-exc"}:
        return "only prints a message and carries on"
    return "ignores the error (`pass`)"


def _exempt_context(ctx: RuleContext, node: ast.AST, everything: bool = False) -> bool:
    """Cleanup paths, where a secondary error must not mask the first one. A handler
    that catches *everything* (bare, BaseException) is only excused in ``__del__``:
    elsewhere it also swallows Ctrl-C and ``sys.exit()``."""
    function = ctx.enclosing(node, ast.FunctionDef, ast.AsyncFunctionDef)
    if function is not None and function.name == "__del__":
        return True
    if everything:
        return False
    child = node
    for ancestor in ctx.ancestors(node):
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if ancestor.name in _CLEANUP_FUNCTIONS or {"cleanup", "teardown", "close"} & set(words(ancestor.name)):
                return True
            break
        if isinstance(ancestor, (ast.Try,)) or type(ancestor).__name__ == "TryStar":
            if any(child is stmt for stmt in ancestor.finalbody):
                return True
        child = ancestor
    body = getattr(node, "body", [])
    if body and all(isinstance(stmt, (ast.Import, ast.ImportFrom)) for stmt in body):
        return True
    if body and all(_is_cleanup_call(stmt) for stmt in body):
        return True
    return False


def _is_cleanup_call(stmt: ast.stmt) -> bool:
    value = stmt.value if isinstance(stmt, ast.Expr) else None
    if isinstance(value, ast.Await):
        value = value.value
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name in _CLEANUP_CALLS


def _is_probe(ctx: RuleContext, try_node: ast.AST, kinds: list[str], handler: ast.ExceptHandler) -> bool:
    """``def is_valid(x): try: parse(x); return True / except Exception: return False``."""
    if kinds != ["return-literal"]:
        return False
    ret = handler.body[0]
    if not (isinstance(ret.value, ast.Constant) and ret.value.value is False):
        return False
    func = ctx.enclosing_function(try_node)
    if func is None:
        return False
    first = words(func.name)[:1]
    if not first or first[0] not in ("is", "has", "can", "check", "validate", "ping", "probe",
                                     "healthy", "health", "verify", "test", "exists", "supports"):
        return False
    return any(isinstance(n, ast.Return) and isinstance(n.value, ast.Constant) and n.value.value is True
               for stmt in try_node.body for n in ast.walk(stmt))


def _reports_per_item(ctx: RuleContext, try_node: ast.AST, kinds: list[str]) -> bool:
    """A loop or CLI entry point that reports the caught exception and moves on."""
    if not ({"log-exc", "print-exc"} & set(kinds)):
        return False
    for ancestor in ctx.ancestors(try_node):
        if isinstance(ancestor, (ast.For, ast.AsyncFor, ast.While)):
            return True
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if ancestor.name in _CLI_FUNCTIONS:
                return True
            return any("command" in ast.unparse(d) or "main" in ast.unparse(d) for d in ancestor.decorator_list)
        if isinstance(ancestor, ast.If) and "__main__" in ast.unparse(ancestor.test):
            return True
    return False


# --- fix ---------------------------------------------------------------------
def _logger_expression(ctx: RuleContext, handler: ast.ExceptHandler) -> str | None:
    """A logger the code already uses, or ``logging.getLogger(__name__)``."""
    for call in ctx.nodes(ast.Call):
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in _LOW_LEVELS | _REPORTING_LEVELS \
                and _is_logger(func.value) and not isinstance(func.value, ast.Call):
            name = ctx.dotted_name(func.value)
            if name and name.split(".")[0] in ctx.imports and ctx.imports[name.split(".")[0]] == "logging":
                continue
            if name:
                return name
    for local, target in ctx.imports.items():
        if target == "logging":
            return f"{local}.getLogger(__name__)"
    return None


def _fix(ctx: RuleContext, handler: ast.ExceptHandler, broad: str, kinds: list[str]) -> Fix | None:
    body = handler.body
    edits: list[TextEdit] = []
    if broad == "bare":
        at = Position(handler.lineno, ctx.start(handler).col + len("except"))
        edits.append(TextEdit(at, at, " Exception"))
    kept: list[str] = []
    logged = False
    for stmt, kind in zip(body, kinds):
        if kind in ("log", "log-exc", "log-no-trace"):
            call = stmt.value
            if isinstance(call.func, ast.Attribute):
                text = source(ctx, call)
                func_text = source(ctx, call.func)
                receiver = source(ctx, call.func.value)
                kept.append(receiver + ".exception" + text[len(func_text):])
                logged = True
                continue
        if kind in ("print", "print-exc"):
            kept.append(source(ctx, stmt))
    if not logged:
        logger = _logger_expression(ctx, handler)
        if logger is not None:
            func = ctx.enclosing_function(handler)
            where = f"{func.name} failed" if func is not None else "unexpected error"
            kept.append(f'{logger}.exception("{where}")')
    kept.append("raise")
    first, last = body[0], body[-1]
    if first.lineno == handler.lineno:
        indent = ctx.indent_of(handler) + "    "
        text = "\n" + indent + ("\n" + indent).join(kept)
        start = _header_end(ctx, handler)
        # replace from just after the colon (keeping it) to the end of the body
        colon_line = ctx.lines[handler.lineno - 1]
        colon = colon_line.rfind(":", 0, ctx.start(first).col)
        start = Position(handler.lineno, colon + 1)
    else:
        indent = ctx.indent_of(first)
        text = ("\n" + indent).join(kept)
        start = ctx.start(first)
    edits.append(TextEdit(start, ctx.end(last), text))
    return Fix("Log the exception and re-raise it (narrow the type by hand)", tuple(edits), safe=False)
