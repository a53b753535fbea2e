"""## What it does

Detects `assert` statements in application code that check permissions, request or
user input (also through locals built from it: `data = request.get_json()`,
`args = parser.parse_args()`, `sys.argv`, `input()`, the environment), credentials,
or the arguments of a public function or request handler.

## Why is this bad?

Python removes every `assert` when it runs with `-O` (or `PYTHONOPTIMIZE=1`, which
some container images and WSGI servers set). A permission check written as
`assert user.is_admin` then silently lets everyone through, and input validation such
as `assert amount > 0` lets negative amounts into the books. Even without `-O`, a
failed assert surfaces as an `AssertionError` (a 500 in most web frameworks) instead
of a clear 400/403 (CWE-617).

## Example
```python
def delete_project(user, project):
    assert user.is_admin, "admins only"
    project.delete()

def withdraw(account, amount):
    assert amount > 0
    account.balance -= amount
```

## Use instead
```python
def delete_project(user, project):
    if not user.is_admin:
        raise PermissionError("admins only")
    project.delete()

def withdraw(account, amount):
    if amount <= 0:
        raise ValueError(f"amount must be positive, got {amount}")
    account.balance -= amount
```

## What it does not flag
- Test code: files named `test_*.py` / `*_test.py` / `conftest.py`, anything under a
  `tests/` folder, `test_*` functions and `Test*` classes.
- Internal invariants: asserts about values the function computed or the object's
  own state (`assert self._lock.locked()`, `assert len(chunk) <= size` after
  `chunk = ...`), unless those values come from user input; and asserts in private
  helpers (`_name`), nested functions, and at module level (`assert sys.version_info >= (3, 10)`;
  a module-level assert on `sys.argv`, `os.environ` or `input()` is flagged).
- Contracts on arguments: type narrowing (`assert isinstance(x, T)`, `assert x is not
  None`), which of two alternative arguments was given (`assert path is not None or
  stream is not None`, `assert stream is None`), and one of the modes the function
  documents, written out as literals (`assert order in ("asc", "desc")`), alone or joined
  by `and`/`or` - the idioms type checkers need and typed public APIs state their
  contracts with. In a request handler, on request data, or about permissions they are
  flagged; a membership test against a named collection (`assert v in SUPPORTED`) is not
  a contract.
- `assert False` / `assert 0` (an "unreachable" marker).

Replaces bandit's B101, which flags every `assert`, including tests and invariants.

## Fix safety
The fix rewrites `assert cond, msg` as `if not cond: raise ValueError(msg)`
(`PermissionError` for permission checks). Programs that never fail the check behave
the same; programs that did now get a specific exception that survives `-O`. It is
offered as safe.

## References
- https://cwe.mitre.org/data/definitions/617.html
- https://docs.python.org/3/reference/simple_stmts.html#the-assert-statement
- https://bandit.readthedocs.io/en/latest/plugins/b101_assert_used.html
"""
from __future__ import annotations

import ast
import re

from caveat.analysis import taint
from caveat.analysis.flow import parameter_names
from caveat.analysis.guards import bindings_of, reaching_value
from caveat.engine.findings import Fix
from caveat.rules.base import Rule, RuleContext
from caveat.rules.edge._common_b import alone_on_lines, is_test_path, segment

_PERMISSION_ATTRS = re.compile(
    r"^(is_admin|is_superuser|is_staff|is_authenticated|is_active|is_verified|is_owner|is_member|"
    r"is_allowed|is_authorized|is_authorised|has_perm|has_perms|has_permission|has_role|has_access|has_scope|"
    r"permissions?|roles?|scopes?|owner|owner_id|user_id|authorized|authorised|logged_in|admin|"
    r"check_permission|check_access|verify_token|verify_password|check_password)$")
_PERMISSION_CALLS = re.compile(r"^(can|can_[a-z_]+|has_perm|has_perms|has_permission|has_role|has_access|"
                               r"has_scope|is_allowed|is_authorized|is_authorised|check_permission|check_access|"
                               r"verify_token|verify_password|check_password|is_admin|is_owner)$")
_INPUT_NAMES = {"user_input", "form_data", "post_data", "query_params"}
_WEB_FRAMEWORKS = ("flask", "django", "fastapi", "starlette", "werkzeug", "aiohttp", "tornado", "pyramid",
                   "falcon", "sanic", "bottle", "rest_framework", "quart", "litestar")
_CREDENTIAL_WORDS = re.compile(r"password|passwd|token|api_key|apikey|secret|signature|otp|csrf", re.I)
_OWNERSHIP = {"owner", "owner_id", "user_id", "role", "roles", "scope", "scopes", "permission", "permissions"}
_ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete", "websocket", "api_view", "view_config",
                     "login_required", "permission_required", "require_http_methods", "action", "endpoint"}


class AssertForValidation(Rule):
    code = "CAV233"
    name = "assert-for-validation"
    category = "assert-for-validation"
    cwe = 617
    fixable = True
    supersedes = ("B101",)
    replaces = ("B101",)

    def check(self, ctx: RuleContext) -> None:
        asserts = ctx.nodes(ast.Assert)
        if not asserts or is_test_path(ctx.path):
            return
        for node in asserts:
            if isinstance(node.test, ast.Constant) and not node.test.value:
                continue
            func = ctx.enclosing_function(node)
            if func is not None and func.name.startswith("test"):
                continue
            cls = ctx.enclosing(node, ast.ClassDef)
            if cls is not None and (cls.name.startswith("Test") or cls.name.endswith("Test")):
                continue
            found = _reason(ctx, node, func)
            if found is None:
                continue
            reason, exception = found
            ctx.report(self, node, f"This `assert` {reason}, but Python strips asserts under `-O`, so the check "
                                   f"silently disappears in optimised deployments; raise `{exception}` instead.",
                       fix=_fix(ctx, node, exception))


def _reason(ctx: RuleContext, node: ast.Assert,
            func: ast.FunctionDef | ast.AsyncFunctionDef | None) -> tuple[str, str] | None:
    test = node.test
    names = [n for n in ast.walk(test) if isinstance(n, (ast.Name, ast.Attribute))]
    compares = any(isinstance(n, ast.Compare) and any(isinstance(op, (ast.Eq, ast.NotEq, ast.In, ast.NotIn))
                                                     for op in n.ops) for n in ast.walk(test))
    for n in names:
        attr = n.attr if isinstance(n, ast.Attribute) else n.id
        if _PERMISSION_ATTRS.match(attr) and (compares or attr not in _OWNERSHIP):
            return f"checks a permission (`{attr}`)", "PermissionError"
    for call in (n for n in ast.walk(test) if isinstance(n, ast.Call)):
        callee = call.func.attr if isinstance(call.func, ast.Attribute) else call.func.id if isinstance(call.func, ast.Name) else ""
        if _PERMISSION_CALLS.match(callee):
            return f"checks a permission (`{callee}()`)", "PermissionError"
        if callee == "input":
            return "validates user input", "ValueError"
    web = _web_module(ctx)
    for n in names:
        if isinstance(n, ast.Name) and (n.id in _INPUT_NAMES or (n.id == "request" and web)):
            return f"validates request or user input (`{n.id}`)", "ValueError"
        if isinstance(n, ast.Attribute) and n.attr in ("args", "form", "json", "GET", "POST", "data", "values",
                                                        "files", "query_params", "headers", "cookies"):
            base = n.value
            if isinstance(base, ast.Attribute) and base.attr == "request" and isinstance(base.value, ast.Name) \
                    and base.value.id == "self":
                base = ast.Name(id="request")
            if isinstance(base, ast.Name) and base.id == "request" and web:
                return f"validates request data (`{segment(ctx, n)}`)", "ValueError"
        if ctx.qualified_name(n) in ("sys.argv", "os.environ"):
            return "validates external input", "ValueError"
    source = _input_source(ctx, test)
    if source is not None:
        return f"validates user input ({source})", "ValueError"
    if func is None:
        return None  # module level: only input and permission checks count
    private = func.name.startswith("_") and not (func.name.startswith("__") and func.name.endswith("__"))
    nested = ctx.enclosing(func, ast.FunctionDef, ast.AsyncFunctionDef) is not None
    cls = ctx.enclosing(func, ast.ClassDef)
    if cls is not None and cls.name.startswith("_"):
        private = True
    handler = _is_handler(func, web)
    if (private or nested) and not handler:
        return None
    params = set(parameter_names(func)) - {"self", "cls"}
    used = sorted({n.id for n in names if isinstance(n, ast.Name) and n.id in params})
    if not used:
        return None
    if not handler and any(isinstance(n, ast.Name) and n.id not in params and _local(ctx, n) for n in names):
        return None  # about values this function computed: an internal invariant
    if _narrowing(test) and not handler:
        return None
    for n in used:
        if _CREDENTIAL_WORDS.search(n):
            return f"validates the credential `{n}`", "ValueError"
    where = "request handler" if handler else "public function"
    what = ", ".join(f"`{n}`" for n in used[:3])
    return f"validates the argument{'s' if len(used) > 1 else ''} {what} of the {where} `{func.name}`", "ValueError"


def _local(ctx: RuleContext, name: ast.Name) -> bool:
    """A variable this function assigned (not a parameter, global or builtin)."""
    scope = ctx.enclosing(name, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
    return scope is not None and bool(bindings_of(ctx, name.id, scope))


def _input_source(ctx: RuleContext, test: ast.expr) -> str | None:
    """A label when ``test`` reads user input: request data, argparse results,
    ``input()``, ``sys.argv``, environment - directly or through locals built from
    them (``amount = int(data["amount"])`` after ``data = request.get_json()``;
    conversions do not make a value trusted for this purpose)."""
    seen: set[str] = set()
    # the shared taint model knows request objects and handler parameters; it is only
    # worth asking in modules that import a web framework
    web = _web_module(ctx)

    def visit(node: ast.AST, depth: int) -> str | None:
        for sub in ast.walk(node):
            cheap = _cheap_source(ctx, sub)
            if cheap:
                return cheap
            if web and isinstance(sub, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)):
                try:
                    sources = taint.user_input_sources(ctx, sub, include_env=True)
                except Exception:  # the shared model must never break this rule
                    sources = []
                if sources:
                    return sources[0]
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and depth < 3 and sub.id not in seen:
                seen.add(sub.id)
                value = reaching_value(ctx, sub)
                if value is not None:
                    found = visit(value, depth + 1)
                    if found:
                        return found
        return None

    return visit(test, 0)


def _cheap_source(ctx: RuleContext, node: ast.AST) -> str | None:
    """User input recognisable without the taint model."""
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name == "parse_args" or (name in ("parse_known_args",)):
            return "command-line arguments"
        if name == "input" and isinstance(func, ast.Name):
            return "input()"
        if ctx.qualified_name(func) in ("os.getenv", "os.environ.get"):
            return "environment"
    elif isinstance(node, (ast.Attribute, ast.Name)):
        qualified = ctx.qualified_name(node)
        if qualified == "sys.argv":
            return "sys.argv"
        if qualified == "os.environ":
            return "environment"
    return None


def _narrowing(test: ast.expr) -> bool:
    """A contract between a function and its callers, not a check of data: ``isinstance(x, T)``,
    ``x is not None`` / ``x is None`` (type narrowing; which of two alternative arguments was
    passed), ``mode in ("read", "write")`` (one of the modes the function documents, spelled out
    as literals), and ``and`` / ``or`` of them."""
    if isinstance(test, ast.BoolOp):
        return all(_narrowing(v) for v in test.values)
    if isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id in ("isinstance", "issubclass", "callable"):
        return True
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op, comparator = test.ops[0], test.comparators[0]
        if isinstance(op, (ast.Is, ast.IsNot)):
            return isinstance(comparator, ast.Constant) and comparator.value is None
        if isinstance(op, ast.In) and isinstance(test.left, ast.Name):
            return _literal_choices(comparator)
    return False


def _literal_choices(node: ast.expr) -> bool:
    """``("read", "write")``, ``["asc", "desc", None]``: a small set of modes written out."""
    return isinstance(node, (ast.Tuple, ast.List, ast.Set)) and bool(node.elts) and all(
        isinstance(e, ast.Constant) and (e.value is None or isinstance(e.value, (str, int)))
        and not isinstance(e.value, bool) for e in node.elts)


def _web_module(ctx: RuleContext) -> bool:
    return any(ctx.is_imported(name) for name in _WEB_FRAMEWORKS)


def _is_handler(func: ast.FunctionDef | ast.AsyncFunctionDef, web: bool) -> bool:
    for decorator in func.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else target.id if isinstance(target, ast.Name) else ""
        if name in _ROUTE_DECORATORS:
            return True
    params = [p for p in parameter_names(func) if p not in ("self", "cls")]
    return web and bool(params) and params[0] == "request"


def _fix(ctx: RuleContext, node: ast.Assert, exception: str) -> Fix | None:
    if not alone_on_lines(ctx, node):
        return None
    test = node.test
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        condition = segment(ctx, test.operand)
        if isinstance(test.operand, (ast.NamedExpr, ast.Lambda)):
            condition = f"({condition})"
    else:
        condition = segment(ctx, test)
        if not isinstance(test, (ast.Compare, ast.Call, ast.Name, ast.Attribute, ast.Subscript, ast.Constant)):
            condition = f"({condition})"
        condition = f"not {condition}"
    if not condition or "\n" in condition and not condition.startswith(("(", "not (")):
        return None
    if node.msg is not None:
        message = segment(ctx, node.msg)
    else:
        source = segment(ctx, test)
        message = _quote(f"check failed: {source}" if "\n" not in source else "check failed")
    indent = ctx.indent_of(node)
    unit = "\t" if indent.startswith("\t") else "    "
    text = f"if {condition}:\n{indent}{unit}raise {exception}({message})"
    return Fix(f"Raise {exception} instead of asserting", (ctx.replace(node, text),), safe=True)


def _quote(text: str) -> str:
    if '"' not in text and "\\" not in text and text.isprintable():
        return f'"{text}"'
    return repr(text)
