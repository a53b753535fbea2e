"""## What it does

Detects `raise NewError(...)` inside an `except` block without `from`: the new
exception does not record the one being handled as its cause.

## Why is this bad?

Translating a low-level error into a domain error is good practice, but without
`from exc` the original exception is only attached as implicit `__context__` (Python
keeps it, so nothing is lost outright): the traceback then reads "During handling of
the above exception, *another* exception occurred", as if the handler itself had
crashed, and code that follows `__cause__` (tests asserting the cause, wrappers that
report `err.__cause__`) finds nothing. Passing `str(exc)` into the new message keeps the text but still drops
the original type and traceback (CWE-755).

## Example
```python
try:
    row = db.fetch_user(user_id)
except DatabaseError as exc:
    raise UserLookupError(f"cannot load user {user_id}: {exc}")
```

## Use instead
```python
try:
    row = db.fetch_user(user_id)
except DatabaseError as exc:
    raise UserLookupError(f"cannot load user {user_id}") from exc
```
(or `from None` when hiding the original error is deliberate).

## What it does not flag
- A bare `raise`, or re-raising the caught exception (`raise exc`,
  `raise exc.with_traceback(tb)`).
- `raise ... from exc`, `raise ... from None` (an explicit decision either way).
- A `raise` inside a function, lambda or class defined in the handler (it runs later,
  not while the exception is being handled), or in the `else:` / `finally:` of the
  `try`.
- `raise SystemExit(...)` / `typer.Exit` / `click.Abort`: leaving the program is not
  translating an error.
- Handlers that only catch "it is not there" errors (`KeyError`, `IndexError`,
  `LookupError`, `StopIteration`, `FileNotFoundError`, `DoesNotExist`, `NoResultFound`,
  `*NotFound`) and raise a new exception that does not mention the caught one: turning
  absence into a 404 or a domain error loses nothing worth chaining. (When the message
  interpolates the caught exception, its text is kept but not its cause: flagged.)
- A value that does not parse turned into a rejection of the input: the handler only
  catches parse and conversion errors (`ValueError`, `TypeError`, `JSONDecodeError`,
  a `ValidationError`...) and raises a validation, HTTP 4xx or usage error
  (`ValidationError`, `Invalid`, `BadRequest`, `HTTPException`, `click.BadParameter`...).
  The user is told their input is wrong; the parser's traceback is not what they need.
- Handlers that already logged the traceback (`logger.exception(...)`,
  `exc_info=True`, `capture_exception`) before raising.
- Raising a lower-case name that holds an exception object stored earlier
  (`raise last_error`): it was not created here, and may carry its own cause.

A new exception raised *after* a retry loop that only mentions a saved exception
(`last_error = exc` in the handler, then `raise GaveUp(f"... {last_error}")`) is flagged
too: the saved error survives only as text.

Passing the caught exception as an argument (`raise AppError(str(exc))`,
`raise AppError(exc)`) is still flagged: the argument keeps the text, not the
cause chain.

Overlaps ruff's B904; caveat also explains the consequence and offers the fix.

## Fix safety
The fix appends `from <name>` and, when the handler has no `as` name, binds one
(`except KeyError as exc:`; a bare `except:` becomes `except BaseException as exc:`,
which catches exactly the same exceptions). It only sets `__cause__`, so the fix is
safe.

## References
- https://cwe.mitre.org/data/definitions/755.html
- https://docs.python.org/3/reference/simple_stmts.html#the-raise-statement
- https://docs.astral.sh/ruff/rules/raise-without-from-inside-except/
"""
from __future__ import annotations

import ast

from caveat.engine.findings import Fix, Position, Severity, TextEdit
from caveat.rules.base import Rule, RuleContext
from caveat.rules.edge._common_a import value_before

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_EXITS = {"SystemExit", "typer.Exit", "typer.Abort", "click.Abort", "click.exceptions.Exit",
          "click.exceptions.Abort", "KeyboardInterrupt"}
_ABSENCE = {"KeyError", "IndexError", "LookupError", "StopIteration", "StopAsyncIteration",
            "ObjectDoesNotExist", "NoResultFound", "FileNotFoundError"}
_NAME_CHOICES = ("exc", "err", "error", "original_exc", "caught_exc")
# Errors of parsing or converting a value, and the errors that reject a request's or a form's
# input: translating the first into the second tells the user their input is wrong, and the
# parser's traceback is not what anyone reading that error needs.
_PARSE_ERRORS = {"ValueError", "TypeError", "JSONDecodeError", "UnicodeDecodeError", "UnicodeError",
                 "InvalidOperation", "OverflowError", "ParserError", "ParseError", "ValidationError",
                 "ImportStringError", "Invalid", "DecodeError", "ExpatError", "XMLSyntaxError"}
_REJECTIONS = ("ValidationError", "Invalid", "BadRequest", "HTTPException", "HTTPError", "ParseError",
               "UsageError", "BadParameter", "BadArgumentUsage", "ArgumentTypeError", "ArgumentError",
               "SuspiciousOperation", "UnprocessableEntity", "BadRequestError", "ImproperlyConfigured")


class LostExceptionContext(Rule):
    code = "CAV202"
    name = "lost-exception-context"
    category = "lost-exception-context"
    cwe = 755
    severity = Severity.WARNING
    fixable = True

    def check(self, ctx: RuleContext) -> None:
        raises = ctx.nodes(ast.Raise)
        if not raises or not ctx.nodes(ast.ExceptHandler):
            return
        for node in raises:
            if node.exc is None or node.cause is not None:
                continue
            handler = _handling(ctx, node)
            if handler is None:
                self._check_saved_exception(ctx, node)
                continue
            if _reraises_caught(ctx, node.exc, handler) or _is_exit(ctx, node.exc):
                continue
            if _logged_with_traceback(ctx, handler, node):
                continue
            if _absence_only(ctx, handler) and not _mentions(node.exc, handler.name):
                continue
            if _input_rejected(ctx, handler, node.exc):
                continue
            new = _raised_label(ctx, node.exc)
            if handler.name:
                cause = f"`from {handler.name}`"
            else:
                cause = "`from exc` (binding the caught exception with `as exc`)"
            message = (f"`raise {new}` inside `except` does not name the exception being handled as its "
                       f"cause: Python keeps it only as implicit context, so the traceback reads \"during "
                       f"handling of the above exception, another exception occurred\", as if the handler "
                       f"itself had failed; add {cause}, or `from None` if hiding it is deliberate.")
            ctx.report(self, node, message, fix=_fix(ctx, node, handler))


    def _check_saved_exception(self, ctx: RuleContext, node: ast.Raise) -> None:
        """``last_error = exc`` in a handler, then ``raise Gave Up(f"... {last_error}")``
        after the loop: the error survives only as text."""
        if not isinstance(node.exc, ast.Call):
            return
        scope = ctx.enclosing(node, ast.FunctionDef, ast.AsyncFunctionDef) or ctx.tree
        cache = ctx.__dict__.setdefault("_edge_a_saved_exceptions", {})
        if id(scope) not in cache:
            cache[id(scope)] = _saved_exception_names(scope)
        saved = cache[id(scope)]
        if not saved:
            return
        for name in ast.walk(node.exc):
            if isinstance(name, ast.Name) and name.id in saved:
                new = _raised_label(ctx, node.exc)
                message = (f"`raise {new}` only keeps `{name.id}` (a caught exception) as text: its type "
                           f"and traceback are lost to the traceback and to error trackers; add "
                           f"`from {name.id}`.")
                end = ctx.end(node.exc)
                fix = Fix(f"Chain the saved exception: `from {name.id}`",
                          (TextEdit(end, end, f" from {name.id}"),), safe=True)
                ctx.report(self, node, message, fix=fix)
                return


def _saved_exception_names(scope: ast.AST) -> set[str]:
    """Names assigned from an ``except ... as exc`` name inside its handler."""
    names: set[str] = set()
    for handler in ast.walk(scope):
        if isinstance(handler, ast.ExceptHandler) and handler.name:
            for node in ast.walk(handler):
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) \
                        and node.value.id == handler.name:
                    names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _mentions(node: ast.AST, name: str | None) -> bool:
    return name is not None and any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


def _absence_only(ctx: RuleContext, handler: ast.ExceptHandler) -> bool:
    """The handler only catches "it is not there" errors (``KeyError``, ``DoesNotExist``,
    ``NoResultFound``...): translating absence into a 404 or a domain error loses
    nothing worth chaining."""
    if handler.type is None:
        return False
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    for node in types:
        name = (ctx.dotted_name(node) or "").rsplit(".", 1)[-1]
        if not (name in _ABSENCE or name.endswith(("DoesNotExist", "NotFound", "NotFoundError"))
                or name == "NoResultFound"):
            return False
    return True


def _input_rejected(ctx: RuleContext, handler: ast.ExceptHandler, exc: ast.expr) -> bool:
    """``except ValueError: raise ValidationError(...)``: a value that does not parse turned
    into a rejection of the input (validation, HTTP 4xx, a usage error)."""
    if handler.type is None:
        return False
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    if not all((ctx.dotted_name(t) or "").rsplit(".", 1)[-1] in _PARSE_ERRORS for t in types):
        return False
    raised = (ctx.dotted_name(exc.func if isinstance(exc, ast.Call) else exc) or "").rsplit(".", 1)[-1]
    return raised.endswith(_REJECTIONS)


def _logged_with_traceback(ctx: RuleContext, handler: ast.ExceptHandler, node: ast.Raise) -> bool:
    """``logger.exception(...)`` / ``exc_info=True`` before the raise: the original traceback
    is already recorded."""
    for stmt in handler.body:
        if stmt.lineno >= node.lineno:
            break
        for call in ast.walk(stmt):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
                continue
            if call.func.attr == "exception" or call.func.attr == "capture_exception":
                return True
            if any(kw.arg == "exc_info" and not (isinstance(kw.value, ast.Constant) and not kw.value.value)
                   for kw in call.keywords):
                return True
    return False


def _handling(ctx: RuleContext, node: ast.Raise) -> ast.ExceptHandler | None:
    """The except handler whose body (not a nested scope) contains ``node``."""
    child: ast.AST = node
    for ancestor in ctx.ancestors(node):
        if isinstance(ancestor, _SCOPES):
            return None
        if isinstance(ancestor, ast.ExceptHandler):
            if any(child is stmt for stmt in ancestor.body):
                return ancestor
            return None
        child = ancestor
    return None


def _reraises_caught(ctx: RuleContext, exc: ast.expr, handler: ast.ExceptHandler) -> bool:
    if isinstance(exc, ast.Call) and isinstance(exc.func, ast.Attribute) and exc.func.attr == "with_traceback":
        exc = exc.func.value
    if not isinstance(exc, ast.Name):
        return False
    if exc.id == handler.name:
        return True
    # any enclosing handler's name (nested try inside a handler)
    for ancestor in ctx.ancestors(handler):
        if isinstance(ancestor, ast.ExceptHandler) and ancestor.name == exc.id:
            return True
        if isinstance(ancestor, _SCOPES):
            break
    value = value_before(ctx, exc)
    if isinstance(value, ast.Call):
        return False  # `error = ApiError(...); raise error`
    if isinstance(value, ast.Name) and value.id == handler.name:
        return True  # `err = exc; raise err`
    # A lower-case name holding an exception object from elsewhere: may carry its own cause.
    # An upper-case name is an exception class (`raise ValueError`): flagged.
    return exc.id[:1].islower() or exc.id.startswith("_")


def _is_exit(ctx: RuleContext, exc: ast.expr) -> bool:
    """``raise SystemExit(1)`` / ``raise typer.Exit(1)``: leaving the program, not translating."""
    target = exc.func if isinstance(exc, ast.Call) else exc
    name = ctx.qualified_name(target) or ctx.dotted_name(target) or ""
    return name in _EXITS


def _raised_label(ctx: RuleContext, exc: ast.expr) -> str:
    if isinstance(exc, ast.Call):
        name = ctx.dotted_name(exc.func)
        return f"{name}(...)" if name else "..."
    name = ctx.dotted_name(exc)
    return name or "..."


def _free_name(ctx: RuleContext, handler: ast.ExceptHandler) -> str:
    scope = ctx.enclosing(handler, ast.FunctionDef, ast.AsyncFunctionDef) or ctx.tree
    # `except ... as name` unbinds `name` when the handler ends: never reuse a name
    # the function reads, assigns or takes as a parameter.
    used = {n.id if isinstance(n, ast.Name) else n.arg for n in ast.walk(scope)
            if isinstance(n, (ast.Name, ast.arg))}
    for choice in _NAME_CHOICES:
        if choice not in used:
            return choice
    index = 2
    while f"exc{index}" in used:
        index += 1
    return f"exc{index}"


def _fix(ctx: RuleContext, node: ast.Raise, handler: ast.ExceptHandler) -> Fix | None:
    edits: list[TextEdit] = []
    name = handler.name
    if name is None:
        name = _free_name(ctx, handler)
        if handler.type is None:
            at = Position(handler.lineno, ctx.start(handler).col + len("except"))
            edits.append(TextEdit(at, at, f" BaseException as {name}"))
        else:
            end = ctx.end(handler.type)
            edits.append(TextEdit(end, end, f" as {name}"))
    end = ctx.end(node.exc)
    edits.append(TextEdit(end, end, f" from {name}"))
    return Fix(f"Chain the original exception: `from {name}`", tuple(edits), safe=True)
