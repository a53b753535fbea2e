"""## What it does

Detects check-then-act races: a filesystem check (`os.path.exists`, `isfile`, `isdir`,
`os.access`, `Path.exists()`) followed by an operation on the same path (create, open,
remove, rename, `makedirs`); a check of a database row followed by an update of it
(`if account.balance >= amount: account.balance -= amount; account.save()`,
`if not coupon.redeemed: coupon.redeemed = True`); "if no such record, create it"
(`filter(...).exists()` then `create()`); get-then-set on a key-value store
(`if redis.get(k) is None: redis.set(k, v)`); and, in code that runs concurrently,
a check of shared in-memory state followed by an update without a lock
(`if key not in cache: cache[key] = ...`, `if self.balance >= amount: self.balance -= amount`).

When the check exits early (`if os.path.exists(p): raise ...` and the act follows),
the finding is on the check; otherwise it is on the act.

## Why is this bad?

Between the check and the act another process, thread or task can change the world:
the directory appears (`FileExistsError`), the file is deleted (`FileNotFoundError`),
a symlink is swapped in (the classic `os.access` privilege bug), two requests both see
enough balance and both withdraw, two sign-ups both see the e-mail as free. The check
gives a false sense of safety; the operation must be atomic or handle failure
(CWE-367, CWE-362).

## Example
```python
if not os.path.exists(out_dir):
    os.makedirs(out_dir)

if os.path.exists(lock_file):
    os.remove(lock_file)

@app.post("/withdraw")
def withdraw(account_id, amount):
    account = accounts[account_id]
    if account.balance >= amount:
        account.balance -= amount
```

## Use instead
```python
os.makedirs(out_dir, exist_ok=True)

try:
    os.remove(lock_file)
except FileNotFoundError:
    pass

with account_lock:          # or an atomic UPDATE ... WHERE balance >= ?
    if account.balance >= amount:
        account.balance -= amount
```

## What it does not flag
- Operations that are atomic already: `makedirs(..., exist_ok=True)`,
  `mkdir(exist_ok=True)`, `open(p, "x")`, `unlink(missing_ok=True)`.
- An operation inside `try` that handles its failure (`FileExistsError`,
  `FileNotFoundError`, `OSError`, `IntegrityError`, `Exception`), or a check-then-act
  inside `with lock:` / `transaction.atomic()` / `select_for_update()`.
- `if not os.path.exists(p): raise/return` followed by a read of `p`: the read fails
  loudly anyway; only the friendlier message is racy.
- Checks of a different path, and checks whose result is only reported
  (`return os.path.exists(p)`).
- `set(..., nx=True)`, `select_for_update()` inside `transaction.atomic()`, a
  conditional `UPDATE` (`filter(balance__gte=x).update(...)`), and creates that
  handle `IntegrityError`.
- Objects that are neither saved nor loaded by an ORM query (`if not label: label = ...`
  on a local value).
- In-memory check-then-act in code with no sign of concurrency: the rule needs an
  `async def` with an `await` between check and act, a web request handler, a
  `threading.Thread` subclass, a method that uses a lock elsewhere, or a module that
  imports `threading`/`concurrent.futures`. Plain single-threaded scripts stay quiet.

## Fix safety
Where the pattern is exactly one statement, the fix makes the operation atomic:
`os.makedirs(p, exist_ok=True)`, `Path.mkdir(..., exist_ok=True)`,
`Path.unlink(missing_ok=True)`, `try: os.remove(p) except FileNotFoundError: pass`,
`try: ... open(p, "x") ... except FileExistsError: pass`, `cache.setdefault(key, value)`.
Edge cases differ (an existing *file* where a directory was expected now raises;
`setdefault` evaluates the value even when the key exists), so the fixes are unsafe.

## References
- https://cwe.mitre.org/data/definitions/367.html
- https://cwe.mitre.org/data/definitions/362.html
- https://docs.python.org/3/library/os.html#os.access
"""
from __future__ import annotations

import ast
import re

from caveat.analysis.guards import catches, expr_key, reaching_value, terminates
from caveat.engine.findings import Fix, Position, TextEdit
from caveat.rules.base import Rule, RuleContext
from caveat.rules.edge._common_b import alone_on_lines, is_test_path, segment

_CHECKS = {"os.path.exists", "os.path.isfile", "os.path.isdir", "os.path.lexists", "os.access",
           "os.path.islink", "pathlib.Path.exists"}
_PATH_CHECK_METHODS = {"exists", "is_file", "is_dir", "is_symlink"}
# qualified name -> (kind, index of the path argument)
_OPS = {
    "open": ("open", 0), "io.open": ("open", 0), "codecs.open": ("open", 0),
    "os.remove": ("use", 0), "os.unlink": ("use", 0), "os.rmdir": ("use", 0), "shutil.rmtree": ("use", 0),
    "os.listdir": ("use", 0), "os.scandir": ("use", 0), "os.chmod": ("use", 0), "os.chown": ("use", 0),
    "os.makedirs": ("create", 0), "os.mkdir": ("create", 0), "os.mkfifo": ("create", 0),
}
_TWO_PATH_OPS = {"os.rename", "os.replace", "shutil.move", "shutil.copy", "shutil.copyfile", "shutil.copy2",
                 "shutil.copytree", "os.symlink", "os.link"}
_PATH_USE_METHODS = {"unlink", "rmdir", "read_text", "read_bytes", "open", "rename", "replace", "chmod", "iterdir"}
_PATH_CREATE_METHODS = {"mkdir", "write_text", "write_bytes", "symlink_to", "hardlink_to"}
_FS_ERRORS = frozenset({"FileExistsError", "FileNotFoundError", "OSError", "IOError", "EnvironmentError",
                        "Exception", "BaseException", "PermissionError", "IsADirectoryError", "NotADirectoryError"})
_DB_ERRORS = frozenset({"IntegrityError", "UniqueViolation", "DuplicateKeyError", "Exception", "BaseException",
                        "DatabaseError", "OperationalError", "SQLAlchemyError"})
_ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete", "websocket", "api_view", "view_config",
                     "task", "shared_task", "receiver"}
_WEB_FRAMEWORKS = ("flask", "django", "fastapi", "starlette", "werkzeug", "aiohttp", "tornado", "pyramid",
                   "falcon", "sanic", "bottle", "rest_framework", "quart", "litestar")
_LOCK_WORDS = ("lock", "mutex", "semaphore", "atomic", "select_for_update", "_mu", "transaction", "synchronized")
_LOCK_ATTR = re.compile(r"(?:^|_)(?:r?lock|mutex|semaphore|sem)(?:$|_)", re.I)
_QUERY_CHECKS = {"exists", "first", "count", "one_or_none", "scalar", "fetchone", "find_one", "get_or_none"}
_QUERY_CREATES = {"create", "add", "save", "insert_one", "insert", "bulk_create", "insert_many"}


class RaceToctou(Rule):
    code = "CAV235"
    name = "race-toctou"
    category = "race-toctou"
    cwe = 367
    fixable = True

    def check(self, ctx: RuleContext) -> None:
        ifs = ctx.nodes(ast.If)
        if not ifs:
            return
        reported: set[int] = set()
        for node in ifs:
            self._filesystem(ctx, node, reported)
            self._shared_state(ctx, node, reported)

    # --- filesystem ------------------------------------------------------------
    def _filesystem(self, ctx: RuleContext, node: ast.If, reported: set[int]) -> None:
        for check, positive in _checks(ctx, node.test):
            path = _checked_path(ctx, check)
            if path is None:
                continue
            is_access = ctx.qualified_name(check.func) == "os.access"
            exists_ops = {"use", "open"} | ({"create", "open-write"} if is_access else set())
            missing_ops = {"create", "open-write"}
            pairs = [(_walk_body(node.body), exists_ops if positive else missing_ops),
                     (_walk_body(node.orelse), missing_ops if positive else exists_ops)]
            if positive and terminates(node.body, ctx.module_functions):
                # `if exists(p): return/raise` ... then creating p below
                pairs.append((_following(ctx, node), missing_ops))
            candidates = [(call, wanted) for calls, wanted in pairs for call in calls]
            for call, wanted in candidates:
                op = _operation(ctx, call, path)
                if op is None or op[0] not in wanted:
                    continue
                if id(call) in reported or _handled(ctx, call, _FS_ERRORS) or _locked(ctx, node):
                    continue
                reported.add(id(call))
                where = call if any(call is n for s in node.body + node.orelse for n in ast.walk(s)) else check
                if where is check:
                    if id(check) in reported:
                        continue
                    reported.add(id(check))
                checked = _label(ctx, check)
                acted = _label(ctx, call)
                error = "FileExistsError" if op[0] in ("create", "open-write") else "FileNotFoundError"
                ctx.report(self, where, f"`{acted}` acts on a path that `{checked}` checked just before: another "
                                       f"process can create, delete or swap it in between (time-of-check to "
                                       f"time-of-use), so this can still fail or act on the wrong file; do it "
                                       f"directly and handle {error}.",
                           fix=_fs_fix(ctx, node, check, call, op[0], positive))

    # --- shared state ----------------------------------------------------------
    def _shared_state(self, ctx: RuleContext, node: ast.If, reported: set[int]) -> None:
        if not _has_state_updates(ctx):
            return
        acts = list(_check_then_act(ctx, node))
        if not acts:
            return
        func = ctx.enclosing_function(node)
        if func is None or _locked(ctx, node) or is_test_path(ctx.path):
            return
        for act, what, kind, where in acts:
            if id(act) in reported:
                continue
            concurrent = _concurrency(ctx, func, node, act, kind)
            if concurrent is None:
                continue
            if kind in ("db", "row", "store") and _handled(ctx, act, _DB_ERRORS):
                continue
            reported.add(id(act))
            if kind == "db":
                message = (f"{what} is checked and then created as a separate step {concurrent}: two concurrent "
                           f"requests can both pass the check and both insert; rely on a unique constraint "
                           f"and handle IntegrityError (or use get_or_create / ON CONFLICT).")
            elif kind == "row":
                message = (f"`{what}` is checked and then updated as a separate step {concurrent}: two requests "
                           f"can both pass the check (double spend, double redeem); lock the row "
                           f"(`select_for_update()` in a transaction) or do a conditional UPDATE.")
            elif kind == "store":
                message = (f"`{what}` is read and then set as a separate step {concurrent}: two workers can both "
                           f"see it missing and both set it; use an atomic set-if-absent (`set(..., nx=True)`, "
                           f"`cache.add`).")
            else:
                message = (f"`{what}` is checked and then updated as a separate step {concurrent} without a lock: "
                           f"another thread or task can change it in between (lost update / double spend); "
                           f"hold a lock around both, or make the update atomic.")
            fix = _setdefault_fix(ctx, node, act) if kind == "dict" and where is act else None
            ctx.report(self, where, message, fix=fix)


# --------------------------------------------------------------------------- filesystem helpers
def _checks(ctx: RuleContext, test: ast.expr, positive: bool = True):
    """(check call, True when the branch runs if the path exists/is accessible)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        yield from _checks(ctx, test.operand, not positive)
    elif isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) and positive:
        for value in test.values:
            yield from _checks(ctx, value, positive)
    elif isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or) and not positive:
        for value in test.values:
            yield from _checks(ctx, value, positive)
    elif isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.comparators[0], ast.Constant) \
            and isinstance(test.comparators[0].value, bool) and isinstance(test.ops[0], (ast.Is, ast.Eq)):
        yield from _checks(ctx, test.left, positive == test.comparators[0].value)
    elif isinstance(test, ast.Call):
        qualified = ctx.qualified_name(test.func)
        if qualified in _CHECKS and test.args:
            yield test, positive
        elif isinstance(test.func, ast.Attribute) and test.func.attr in _PATH_CHECK_METHODS and not test.args \
                and qualified is None and not _query_like(test.func.value):
            yield test, positive


def _checked_path(ctx: RuleContext, check: ast.Call) -> str | None:
    if isinstance(check.func, ast.Attribute) and check.func.attr in _PATH_CHECK_METHODS and not check.args:
        return _path_key(ctx, check.func.value)
    return _path_key(ctx, check.args[0]) if check.args else None


def _path_key(ctx: RuleContext, node: ast.AST) -> str | None:
    for _ in range(3):
        if isinstance(node, ast.Call) and len(node.args) == 1 and ctx.qualified_name(node.func) in (
                "pathlib.Path", "str", "os.fspath", "os.path.abspath", "os.path.expanduser"):
            node = node.args[0]
        else:
            break
    return expr_key(node)


def _walk_body(body: list[ast.stmt]):
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call):
                yield node


def _following(ctx: RuleContext, node: ast.stmt):
    parent = ctx.parent(node)
    for field in ("body", "orelse", "finalbody"):
        stmts = getattr(parent, field, None)
        if isinstance(stmts, list) and any(s is node for s in stmts):
            index = next(i for i, s in enumerate(stmts) if s is node)
            yield from _walk_body(stmts[index + 1:])
            return


def _operation(ctx: RuleContext, call: ast.Call, path: str) -> tuple[str, str] | None:
    func = call.func
    qualified = ctx.qualified_name(func)
    if qualified in _OPS:
        kind, index = _OPS[qualified]
        if len(call.args) <= index or _path_key(ctx, call.args[index]) != path:
            return None
        if kind == "open":
            mode = _mode(call)
            if mode is None:
                return ("open", qualified)
            if "x" in mode:
                return None
            return ("open-write", qualified) if any(c in mode for c in "wa") else ("open", qualified)
        if kind == "create" and any(k.arg == "exist_ok" and not (isinstance(k.value, ast.Constant) and k.value.value is False)
                                    for k in call.keywords):
            return None
        return (kind, qualified)
    if qualified in _TWO_PATH_OPS:
        if len(call.args) >= 1 and _path_key(ctx, call.args[0]) == path:
            return ("use", qualified)
        if len(call.args) >= 2 and _path_key(ctx, call.args[1]) == path:
            return ("create", qualified)
        return None
    if isinstance(func, ast.Attribute) and qualified is None and _path_key(ctx, func.value) == path:
        if func.attr in _PATH_USE_METHODS:
            if func.attr == "unlink" and any(k.arg == "missing_ok" for k in call.keywords):
                return None
            if func.attr == "open":
                mode = _mode(call, 0)
                if mode and "x" in mode:
                    return None
                return ("open-write", "open") if mode and any(c in mode for c in "wa") else ("open", "open")
            return ("use", func.attr)
        if func.attr in _PATH_CREATE_METHODS:
            if func.attr == "mkdir" and any(k.arg == "exist_ok" for k in call.keywords):
                return None
            return ("create", func.attr)
    return None


def _mode(call: ast.Call, index: int = 1) -> str | None:
    node = call.args[index] if len(call.args) > index else next((k.value for k in call.keywords if k.arg == "mode"), None)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None if node is None else "?"


def _query_like(node: ast.AST) -> bool:
    for _ in range(6):
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            if node.attr in ("objects", "query", "filter", "filter_by", "where", "select", "execute"):
                return True
            node = node.value
        else:
            return False
    return False


def _handled(ctx: RuleContext, node: ast.AST, errors: frozenset[str]) -> bool:
    child = node
    for ancestor in ctx.ancestors(node):
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return False
        if (isinstance(ancestor, ast.Try) or type(ancestor).__name__ == "TryStar") and any(
                s is child for s in ancestor.body) and any(catches(h, errors) for h in ancestor.handlers):
            return True
        if isinstance(ancestor, (ast.With, ast.AsyncWith)):
            for item in ancestor.items:
                if "suppress" in segment(ctx, item.context_expr) and any(e in segment(ctx, item.context_expr) for e in errors):
                    return True
        child = ancestor
    return False


def _locked(ctx: RuleContext, node: ast.AST) -> bool:
    for ancestor in ctx.ancestors(node):
        if isinstance(ancestor, (ast.With, ast.AsyncWith)):
            for item in ancestor.items:
                text = segment(ctx, item.context_expr).lower()
                if any(word in text for word in _LOCK_WORDS):
                    return True
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return any(_lock_decorator(ctx, d) for d in ancestor.decorator_list)
    return False


def _lock_decorator(ctx: RuleContext, decorator: ast.expr) -> bool:
    text = segment(ctx, decorator).lower()
    return any(word in text for word in ("atomic", "synchronized", "lock"))


def _label(ctx: RuleContext, call: ast.Call) -> str:
    text = segment(ctx, call)
    if len(text) <= 50 and "\n" not in text:
        return text
    return f"{segment(ctx, call.func)}(...)"


# --------------------------------------------------------------------------- shared state helpers
def _check_then_act(ctx: RuleContext, node: ast.If):
    """(act statement, description, kind, node to report) for check-then-act shapes
    in ``node``: the act itself when it is inside the ``if``, the check when the
    ``if`` exits early and the act follows it."""
    test = node.test
    memberships = list(_membership_checks(test))
    compared = _compared_state(test)
    rows = _checked_rows(test)
    query = _query_check(test)
    stores = list(_store_checks(test))
    if not (memberships or compared or rows or query or stores):
        return
    inside = list(_statements(node.body + node.orelse))
    after: list[ast.stmt] = []
    if (compared or rows or query or stores) and terminates(node.body) and not node.orelse:
        after = list(_following_statements(ctx, node))
    # if key not in d: d[key] = ...   /  if d.get(key) is None: d[key] = ...
    for key, container in memberships:
        writes = [stmt for stmt in inside for target in _stored_subscripts(stmt)
                  if expr_key(target.value) == container and expr_key(target.slice) == key]
        if writes:
            # one finding per check: the insert (`d[k] = v`) rather than an update (`d[k] += 1`)
            act = next((stmt for stmt in writes if isinstance(stmt, ast.Assign)), writes[0])
            yield act, f"{container}[{key}]", "dict", act
    # if account.balance >= amount: account.balance -= amount
    if compared:
        for stmts, where in ((inside, None), (after, test)):
            for stmt in stmts:
                if isinstance(stmt, ast.AugAssign) or (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
                    target = stmt.target if isinstance(stmt, ast.AugAssign) else stmt.targets[0]
                    key = expr_key(target)
                    if key in compared and (isinstance(stmt, ast.AugAssign) or _reads(stmt.value, key)):
                        yield stmt, key, "state", where or stmt
    # an ORM row: if not coupon.redeemed: coupon.redeemed = True; coupon.save()
    for obj, attrs in rows.items():
        for stmts, where in ((inside, None), (after, test)):
            for stmt in stmts:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(
                    stmt, ast.AugAssign) else []
                if any(isinstance(t, ast.Attribute) and expr_key(t.value) == obj and t.attr in attrs for t in targets) \
                        and _persisted(ctx, node, obj, stmts):
                    yield stmt, f"{obj}.{next(t.attr for t in targets if isinstance(t, ast.Attribute))}", "row", \
                        where or stmt
                    break
    # if not User.objects.filter(...).exists(): User.objects.create(...)
    if query is not None:
        negative, call = query
        stmts, where = (inside, None) if negative else (after, test)
        for stmt in stmts:
            if _creates(stmt):
                yield stmt, "A record", "db", where or stmt
                break
    # if redis.get(key) is None: redis.set(key, ...)
    for store, key, negative in stores:
        stmts, where = (inside, None) if negative else (after, test)
        for stmt in stmts:
            if _store_sets(stmt, store, key):
                yield stmt, f"{store}[{key}]", "store", where or stmt
                break


def _checked_rows(test: ast.expr) -> dict[str, set[str]]:
    """Objects and attributes a test reads: ``account.balance >= x`` / ``not coupon.used``
    / ``order.status == "new"`` -> {"account": {"balance"}, ...}."""
    found: dict[str, set[str]] = {}
    for node in _conjuncts(test):
        operands = [node.left, *node.comparators] if isinstance(node, ast.Compare) else [node]
        for operand in operands:
            if isinstance(operand, ast.Attribute) and isinstance(operand.value, ast.Name) \
                    and operand.value.id not in ("self", "cls"):
                found.setdefault(operand.value.id, set()).add(operand.attr)
    return found


_ORM_FETCH = {"get", "first", "last", "one", "one_or_none", "scalar_one", "get_or_404", "first_or_404",
              "select_for_update", "latest", "earliest", "get_object_or_404"}


def _persisted(ctx: RuleContext, node: ast.If, obj: str, stmts: list[ast.stmt]) -> bool:
    """Is ``obj`` a database row: loaded by an ORM query, or saved after the update?"""
    for stmt in stmts:
        for call in (n for n in ast.walk(stmt) if isinstance(n, ast.Call)):
            if isinstance(call.func, ast.Attribute) and call.func.attr == "save" and expr_key(call.func.value) == obj:
                return True
    test_names = [n for n in ast.walk(node.test) if isinstance(n, ast.Name) and n.id == obj]
    value = reaching_value(ctx, test_names[0]) if test_names else None
    if isinstance(value, ast.Await):
        value = value.value
    if isinstance(value, ast.Call):
        func = value.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        return name in _ORM_FETCH and (_query_like(func) or name == "get_object_or_404")
    return False


def _query_check(test: ast.expr) -> tuple[bool, ast.Call] | None:
    """(True when the branch runs if nothing exists, the query call) for
    ``not Model.objects.filter(...).exists()``, ``... .first() is None``, ``.count() == 0``
    and their positive forms."""
    def is_query(node: ast.AST) -> bool:
        return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in _QUERY_CHECKS and _query_like(node.func.value))

    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and is_query(test.operand):
        return True, test.operand
    if is_query(test):
        return False, test
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and is_query(test.left):
        right, op = test.comparators[0], test.ops[0]
        if isinstance(right, ast.Constant) and (right.value is None or right.value == 0):
            if isinstance(op, (ast.Is, ast.Eq)):
                return True, test.left
            if isinstance(op, (ast.IsNot, ast.NotEq, ast.Gt)):
                return False, test.left
    return None


def _creates(stmt: ast.stmt) -> bool:
    for call in (n for n in ast.walk(stmt) if isinstance(n, ast.Call)):
        func = call.func
        if not isinstance(func, ast.Attribute):
            continue
        if func.attr in _QUERY_CREATES and (func.attr != "add" or call.args and isinstance(call.args[0], ast.Call)):
            if func.attr in ("create", "bulk_create") and not _query_like(func.value) and not (
                    isinstance(func.value, ast.Attribute) and func.value.attr == "objects"):
                continue
            return True
        if func.attr == "execute" and call.args and isinstance(call.args[0], ast.Constant) and \
                str(call.args[0].value).lstrip().upper().startswith("INSERT"):
            return True
    return False


_STORE_READS = {"get": "set", "exists": "set", "hget": "hset", "hexists": "hset", "sismember": "sadd"}
_STORE_WRITES = {"set", "setex", "psetex", "hset", "hsetnx_", "sadd", "add_"}


def _store_checks(test: ast.expr):
    """(store, key, branch runs when missing) for ``r.get(k) is None`` / ``not r.exists(k)``
    / ``r.get(k)`` on key-value stores (objects with ``set``, not dicts)."""
    for node in _conjuncts(test):
        negative = False
        call = None
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and isinstance(node.operand, ast.Call):
            call, negative = node.operand, True
        elif isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.left, ast.Call):
            right = node.comparators[0]
            if isinstance(right, ast.Constant) and (right.value is None or right.value == 0):
                call, negative = node.left, isinstance(node.ops[0], (ast.Is, ast.Eq))
        elif isinstance(node, ast.Call):
            call = node
        if call is None or not isinstance(call.func, ast.Attribute) or call.func.attr not in _STORE_READS:
            continue
        if not call.args:
            continue
        store = expr_key(call.func.value)
        if store:
            yield store, expr_key(call.args[0]), negative


def _store_sets(stmt: ast.stmt, store: str, key: str | None) -> bool:
    for call in (n for n in ast.walk(stmt) if isinstance(n, ast.Call)):
        func = call.func
        if (isinstance(func, ast.Attribute) and func.attr in ("set", "setex", "psetex", "hset", "sadd")
                and expr_key(func.value) == store and call.args and expr_key(call.args[0]) == key):
            return not any(k.arg in ("nx", "xx") for k in call.keywords)
    return False


def _has_state_updates(ctx: RuleContext) -> bool:
    """Cheap block-level filter: any store into a subscript/attribute, or a call that
    may create a record."""
    cached = ctx.__dict__.get("_race_updates")
    if cached is None:
        cached = any(isinstance(t, (ast.Subscript, ast.Attribute))
                     for n in ctx.nodes(ast.Assign) for t in n.targets) or any(
            isinstance(n.target, (ast.Subscript, ast.Attribute)) for n in ctx.nodes(ast.AugAssign)) or any(
            isinstance(n.func, ast.Attribute) and n.func.attr in _QUERY_CREATES | {"execute", "set", "setex", "hset",
                                                                                 "sadd", "save"}
            for n in ctx.nodes(ast.Call))
        ctx.__dict__["_race_updates"] = cached
    return cached


def _statements(body: list[ast.stmt]):
    """The statements of ``body`` and of nested blocks (not nested functions)."""
    stack = list(reversed(body))
    while stack:
        stmt = stack.pop()
        yield stmt
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list):
                stack.extend(reversed(inner))
        for handler in getattr(stmt, "handlers", []) or []:
            stack.extend(reversed(handler.body))


def _following_statements(ctx: RuleContext, node: ast.stmt):
    parent = ctx.parent(node)
    for field in ("body", "orelse", "finalbody"):
        stmts = getattr(parent, field, None)
        if isinstance(stmts, list) and any(s is node for s in stmts):
            index = next(i for i, s in enumerate(stmts) if s is node)
            yield from _statements(stmts[index + 1:])
            return


def _conjuncts(test: ast.expr):
    """``test`` and the operands of its ``and``/``or``/``not`` (not deeper)."""
    stack = [test]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.BoolOp):
            stack.extend(node.values)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            stack.append(node.operand)


def _membership_checks(test: ast.expr):
    """(key, container) for ``key not in d`` / ``key in d`` / ``d.get(key) is None`` / ``not d.get(key)``."""
    for node in _conjuncts(test):
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            op, right = node.ops[0], node.comparators[0]
            if isinstance(op, (ast.In, ast.NotIn)):
                key, container = expr_key(node.left), expr_key(right)
                if key and container and isinstance(right, (ast.Name, ast.Attribute)):
                    yield key, container
            elif isinstance(op, (ast.Is, ast.Eq)) and isinstance(right, ast.Constant) and right.value is None:
                got = _get_call(node.left)
                if got:
                    yield got
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            got = _get_call(node.operand)
            if got:
                yield got


def _get_call(node: ast.AST):
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args:
        container = node.func.value
        if isinstance(container, (ast.Name, ast.Attribute)):
            return expr_key(node.args[0]), expr_key(container)
    return None


def _stored_subscripts(stmt: ast.stmt):
    if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        for target in targets:
            if isinstance(target, ast.Subscript):
                yield target


def _compared_state(test: ast.expr) -> set[str]:
    """Attributes/subscripts compared by ordering in ``test`` (``self.balance >= amount``)."""
    found = set()
    for node in _conjuncts(test):
        if isinstance(node, ast.Compare) and any(isinstance(op, (ast.Gt, ast.GtE, ast.Lt, ast.LtE)) for op in node.ops):
            for side in [node.left, *node.comparators]:
                if isinstance(side, (ast.Attribute, ast.Subscript)):
                    key = expr_key(side)
                    if key:
                        found.add(key)
    return found


def _reads(value: ast.expr, key: str) -> bool:
    return any(expr_key(n) == key for n in ast.walk(value) if isinstance(n, (ast.Attribute, ast.Subscript)))


def _negative_query(test: ast.expr) -> bool:
    def is_query(node: ast.AST) -> bool:
        return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in _QUERY_CHECKS and _query_like(node.func.value))

    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return is_query(test.operand)
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        right = test.comparators[0]
        if isinstance(right, ast.Constant) and (right.value is None or right.value == 0):
            return is_query(test.left) and isinstance(test.ops[0], (ast.Is, ast.Eq))
    return False


def _concurrency(ctx: RuleContext, func: ast.FunctionDef | ast.AsyncFunctionDef, node: ast.If,
                 act: ast.stmt, kind: str) -> str | None:
    """Why this code runs concurrently ("in an async handler"...), or None."""
    if kind == "db":
        return "against the database"
    if kind == "row":
        return "on a database row"
    if kind == "store":
        return "in a shared store"
    if not _shared(ctx, func, act, allow_parameters=kind == "state" or (
            isinstance(func, ast.AsyncFunctionDef))):
        return None
    if isinstance(func, ast.AsyncFunctionDef):
        if _await_between(node, act):
            return f"in `async def {func.name}` with an `await` in between"
        return None
    if _is_handler(ctx, func):
        return f"in the request handler `{func.name}`"
    cls = ctx.enclosing(func, ast.ClassDef)
    if cls is not None:
        if any("Thread" in segment(ctx, base) for base in cls.bases):
            return f"in a `{cls.name}` thread"
        if any(isinstance(n, ast.Attribute) and _LOCK_ATTR.search(n.attr) for n in ast.walk(func)):
            return f"in `{cls.name}`, which uses a lock elsewhere"
    if ctx.is_imported("threading") or ctx.is_imported("concurrent.futures"):
        return "in a module that runs threads"
    return None


def _shared(ctx: RuleContext, func: ast.AST, act: ast.stmt, allow_parameters: bool = True) -> bool:
    """Is what ``act`` updates visible to other threads/tasks (self, a module-level
    name, and - when ``allow_parameters`` - an object passed in)?"""
    target = act.target if isinstance(act, (ast.AugAssign, ast.AnnAssign)) else act.targets[0] if isinstance(act, ast.Assign) else None
    while isinstance(target, (ast.Attribute, ast.Subscript)):
        if isinstance(target, ast.Attribute) and "local" in target.attr.lower():
            return False  # threading.local(): one per thread
        target = target.value
    if not isinstance(target, ast.Name):
        return False
    if target.id in ("self", "cls"):
        return True
    from caveat.analysis.flow import parameter_names, walk_scope

    rebound = any(isinstance(n, ast.Name) and n.id == target.id and not isinstance(n.ctx, ast.Load)
                  for n in walk_scope(func))
    if target.id in parameter_names(func):
        return allow_parameters and not rebound
    for node in walk_scope(func):
        if isinstance(node, ast.Global) and target.id in node.names:
            return True
        if isinstance(node, ast.Name) and node.id == target.id and not isinstance(node.ctx, ast.Load):
            return False  # a local
    outer = ctx.enclosing(func, ast.FunctionDef, ast.AsyncFunctionDef)
    while outer is not None:
        if target.id in parameter_names(outer) or any(
                isinstance(n, ast.Name) and n.id == target.id and not isinstance(n.ctx, ast.Load)
                for n in walk_scope(outer)):
            return False  # a closure variable of one call of the outer function
        outer = ctx.enclosing(outer, ast.FunctionDef, ast.AsyncFunctionDef)
    return True  # module-level (not bound in the function)


def _await_between(node: ast.If, act: ast.stmt) -> bool:
    for stmt in _statements(node.body):
        if stmt is act:
            return any(isinstance(n, ast.Await) for n in ast.walk(getattr(act, "value", act) or act))
        if any(isinstance(n, ast.Await) for n in ast.walk(stmt)) and not isinstance(stmt, ast.If):
            return True
    return any(isinstance(n, ast.Await) for n in ast.walk(getattr(act, "value", act) or act))


def _is_handler(ctx: RuleContext, func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in func.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else target.id if isinstance(target, ast.Name) else ""
        if name in _ROUTE_DECORATORS:
            return True
    args = [a.arg for a in func.args.args if a.arg not in ("self", "cls")]
    return bool(args) and args[0] == "request" and any(ctx.is_imported(m) for m in _WEB_FRAMEWORKS)


# --------------------------------------------------------------------------- fixes
def _fs_fix(ctx: RuleContext, node: ast.If, check: ast.Call, call: ast.Call, kind: str, positive: bool) -> Fix | None:
    if node.orelse or not alone_on_lines(ctx, node):
        return None
    if not any(call is n for stmt in node.body for n in ast.walk(stmt)):
        return None
    if node.test is not check and not (isinstance(node.test, ast.UnaryOp) and node.test.operand is check):
        return None
    indent = ctx.indent_of(node)
    unit = "\t" if indent.startswith("\t") else "    "
    single = len(node.body) == 1 and isinstance(node.body[0], ast.Expr) and node.body[0].value is call
    qualified = ctx.qualified_name(call.func)
    if single and kind == "create" and qualified == "os.makedirs":
        text = segment(ctx, call)
        new = _add_keyword(text, "exist_ok=True")
        return Fix("Use `os.makedirs(..., exist_ok=True)`", (ctx.replace(node, new),), safe=False) if new else None
    if single and kind == "create" and isinstance(call.func, ast.Attribute) and call.func.attr == "mkdir" and qualified is None:
        new = _add_keyword(segment(ctx, call), "exist_ok=True")
        return Fix("Use `mkdir(..., exist_ok=True)`", (ctx.replace(node, new),), safe=False) if new else None
    if single and kind == "use" and isinstance(call.func, ast.Attribute) and call.func.attr == "unlink" and qualified is None:
        new = _add_keyword(segment(ctx, call), "missing_ok=True")
        return Fix("Use `unlink(missing_ok=True)`", (ctx.replace(node, new),), safe=False) if new else None
    error = "FileExistsError" if kind in ("create", "open-write") else "FileNotFoundError"
    if kind == "open-write":
        mode = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "mode"), None)
        if not (isinstance(mode, ast.Constant) and isinstance(mode.value, str) and mode.value.startswith("w")):
            return None
    elif kind not in ("use", "open", "create"):
        return None
    # if <check>:\n BODY  ->  try:\n BODY\n except Error:\n pass
    header_end = _header_end(ctx, node)
    if header_end is None:
        return None
    body_end = node.body[-1]
    last = body_end.end_lineno or body_end.lineno
    end_col = len(ctx.lines[last - 1].rstrip("\r\n"))
    edits = [TextEdit(ctx.start(node), header_end, "try")]
    if kind == "open-write":
        mode = call.args[1] if len(call.args) > 1 else next(k.value for k in call.keywords if k.arg == "mode")
        source = segment(ctx, mode)
        quote = min((i for i in (source.find('"'), source.find("'")) if i >= 0), default=-1)
        if quote < 0 or source[quote + 1:quote + 2] != "w":
            return None
        edits.append(ctx.replace(mode, source[:quote + 1] + "x" + source[quote + 2:]))
    edits.append(TextEdit(Position(last, end_col), Position(last, end_col),
                          f"\n{indent}except {error}:\n{indent}{unit}pass"))
    if any(e.start.line == ctx.start(node).line for e in edits[1:-1]):
        return None
    return Fix(f"Do it directly and handle {error}", tuple(edits), safe=False)


def _header_end(ctx: RuleContext, node: ast.If) -> Position | None:
    """Position just before the ``:`` that ends the ``if`` header."""
    test_end = ctx.end(node.test)
    line = ctx.lines[test_end.line - 1]
    rest = line[test_end.col:]
    stripped = rest.lstrip()
    if not stripped.startswith(":"):
        return None
    if node.body[0].lineno == test_end.line:
        return None  # `if x: body` on one line
    return Position(test_end.line, test_end.col + (len(rest) - len(stripped)))


def _add_keyword(call_text: str, keyword: str) -> str | None:
    stripped = call_text.rstrip()
    if not stripped.endswith(")"):
        return None
    inner = stripped[:-1].rstrip()
    if inner.endswith("("):
        return f"{inner}{keyword})"
    if inner.endswith(","):
        return f"{inner} {keyword})"
    return f"{inner}, {keyword})"


def _setdefault_fix(ctx: RuleContext, node: ast.If, act: ast.stmt) -> Fix | None:
    if node.orelse or len(node.body) != 1 or node.body[0] is not act or not isinstance(act, ast.Assign):
        return None
    if not alone_on_lines(ctx, node) or len(act.targets) != 1:
        return None
    test = node.test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.NotIn)):
        return None
    target = act.targets[0]
    if not isinstance(target, ast.Subscript):
        return None
    container = segment(ctx, target.value)
    key = segment(ctx, target.slice)
    value = segment(ctx, act.value)
    if not (container and key and value) or "\n" in value:
        return None
    return Fix(f"Use `{container}.setdefault(...)`", (ctx.replace(node, f"{container}.setdefault({key}, {value})"),),
               safe=False)
