"""Is this value known to be non-None / non-empty at this point?

Shared by the edge-case rules (none-dereference, empty-input, ...). A rule
names the *use* (the node where a None or an empty value would blow up) and
the *key* (the expression whose value matters: a name such as ``m``, an
attribute chain such as ``self.items``, or any expression, compared by its
source form) and asks ``is_guarded``. The answer is True when the code around
the use rules the bad value out:

- an enclosing ``if key:`` / ``if key is not None:`` / ``if len(key) > 0:``
  (or the ``else`` of the negated test), ``while (m := ...):``;
- an earlier statement of the same function, on the way up from the use:
  ``if not key: return/raise/continue/break/abort()/sys.exit()``,
  ``if key is None: key = default`` (a repair), ``assert key``,
  ``while key is None: ...`` (no ``break``);
- conditional expressions ``key[0] if key else None`` and boolean chains
  ``m and m.group(1)`` / ``m is None or m.group(1)``;
- a comprehension filter ``[m.group(1) for s in xs if (m := p.match(s))]``;
- walrus bindings in any of those tests;
- an enclosing ``try`` whose handlers catch the error the bad value raises
  (AttributeError/TypeError for None; IndexError/ValueError/ZeroDivisionError/
  StatisticsError/StopIteration for empty), or ``contextlib.suppress(...)``;
- for emptiness, ``for item in key:`` (the body only runs when non-empty).

The search walks up from the use and stops at the enclosing function, and at
the statement that (re)binds the key: a guard above the assignment it guards
says nothing about the new value. Only the statements on the way up are
examined (nothing is walked twice), so a query costs a few dozen node visits.

Precision over recall: any test that plausibly rules out the bad value counts
(``isinstance``, ``hasattr``, ``== "literal"``, ``len(x) >= 2``, a repair in
the branch), because a warning on code that *is* guarded costs more than a
missed one.
"""
from __future__ import annotations

import ast
from typing import Callable, Iterable, Literal

from caveat.analysis.flow import line_of

Kind = Literal["none", "empty"]

#: Extra test predicate: ``extra(test, when)`` -> True when ``test`` evaluating
#: to ``when`` rules the bad value out (rule-specific knowledge, e.g. ``"," in s``).
Extra = Callable[[ast.expr, bool], bool]

NONE_EXCEPTIONS = frozenset({"AttributeError", "TypeError", "Exception", "BaseException"})
EMPTY_EXCEPTIONS = frozenset({"IndexError", "ValueError", "ZeroDivisionError", "ArithmeticError",
                              "LookupError", "StatisticsError", "StopIteration", "Exception",
                              "BaseException"})
_DEFAULT_EXCEPTIONS = {"none": NONE_EXCEPTIONS, "empty": EMPTY_EXCEPTIONS}

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
_TERMINATING_ATTRS = frozenset({"exit", "_exit", "abort", "fail", "skip", "skipTest", "throw"})
_TERMINATING_NAMES = frozenset({"exit", "quit", "abort", "fail"})

GUARD = 1


# --------------------------------------------------------------------------- keys
def expr_key(node: ast.AST | None) -> str | None:
    """A comparable form of an expression: ``m``, ``self.items``, ``row["id"]``,
    ``len(x)``; other expressions by their unparsed source."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.NamedExpr):
        return node.target.id
    if isinstance(node, ast.Attribute):
        base = expr_key(node.value)
        return f"{base}.{node.attr}" if base is not None else None
    if node is None or isinstance(node, ast.Constant):
        return None
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover - unparse handles every parsed node
        return None


class Keys:
    """What a guard may be about: values (``x``: truthy means non-empty / not
    None) and counts (``len(x)``, ``n = len(x)``: positive means non-empty)."""

    __slots__ = ("values", "counts")

    def __init__(self, values: Iterable[str], counts: Iterable[str] = ()) -> None:
        self.values = frozenset(k for k in values if k)
        counts = set(counts)
        counts.update(f"len({k})" for k in self.values)
        self.counts = frozenset(counts)

    def without(self, names: set[str]) -> "Keys":
        values = self.values - names
        counts = {c for c in self.counts - names if not (c.startswith("len(") and c[4:-1] in names)}
        keys = Keys(values, ())
        keys.counts = frozenset(counts | {f"len({k})" for k in values})
        return keys

    @property
    def empty(self) -> bool:
        return not self.values and not self.counts

    def is_value(self, node: ast.AST) -> bool:
        if isinstance(node, ast.NamedExpr):
            return node.target.id in self.values or self.is_value(node.value)
        return expr_key(node) in self.values if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)) else False

    def is_count(self, node: ast.AST) -> bool:
        if isinstance(node, ast.NamedExpr):
            return node.target.id in self.counts or self.is_count(node.value)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len" and len(node.args) == 1:
            return self.is_value(node.args[0])
        if isinstance(node, ast.Attribute) and node.attr == "size" and self.is_value(node.value):
            return True  # numpy arrays, pandas objects
        return isinstance(node, (ast.Name, ast.Attribute)) and expr_key(node) in self.counts


def keys_for(node: ast.AST, *more: ast.AST | str) -> Keys:
    values = [expr_key(node)]
    values.extend(m if isinstance(m, str) else expr_key(m) for m in more)
    return Keys([v for v in values if v])


# --------------------------------------------------------------------------- tests
class _Extra:
    """A rule's ``extra`` predicate together with a condition-name resolver."""

    __slots__ = ("inner", "resolve")

    def __init__(self, inner: Extra | None, resolve) -> None:
        self.inner = inner
        self.resolve = resolve

    def __call__(self, test: ast.expr, when: bool) -> bool:
        return self.inner is not None and self.inner(test, when)


def _resolver(ctx):
    """Condition names bound once, by a plain assignment, in the same function."""
    def resolve(name: ast.Name) -> ast.expr | None:
        value = reaching_value(ctx, name)
        if isinstance(value, (ast.Compare, ast.BoolOp, ast.UnaryOp, ast.Call, ast.Name, ast.Attribute)):
            return value
        return None

    return resolve


def implies(test: ast.expr, keys: Keys, kind: Kind, when: bool, extra: Extra | None = None) -> bool:
    """Does ``test`` evaluating to ``when`` rule out the bad value of ``keys``?

    ``extra`` may carry a ``resolve`` attribute: a function from a condition
    name to the expression it was assigned (``ok = m is not None; if ok:``)."""
    if extra is not None and extra(test, when):
        return True
    resolve = getattr(extra, "resolve", None)
    if resolve is not None and isinstance(test, ast.Name) and not (keys.is_value(test) or keys.is_count(test)):
        value = resolve(test)
        if value is not None:
            return implies(value, keys, kind, when, _Extra(extra, None))
    if isinstance(test, ast.NamedExpr):
        if test.target.id in keys.values or test.target.id in keys.counts:
            if when:
                return True
        return implies(test.value, keys, kind, when, extra)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return implies(test.operand, keys, kind, not when, extra)
    if isinstance(test, ast.BoolOp):
        if isinstance(test.op, ast.And):
            if when:
                return any(implies(v, keys, kind, True, extra) for v in test.values)
            return False
        if not when:
            return any(implies(v, keys, kind, False, extra) for v in test.values)
        return all(implies(v, keys, kind, True, extra) for v in test.values)
    if keys.is_value(test) or keys.is_count(test):
        return when  # truthy: not None, non-empty, non-zero count
    if isinstance(test, ast.Attribute) and test.attr == "empty" and keys.is_value(test.value):
        return not when  # pandas: `if df.empty: return`
    if isinstance(test, ast.Call):
        return _call_implies(test, keys, kind, when)
    if isinstance(test, ast.Compare):
        if len(test.ops) > 1:
            if not when:
                return False
            left = test.left
            for op, right in zip(test.ops, test.comparators):
                if implies(ast.Compare(left=left, ops=[op], comparators=[right]), keys, kind, True, extra):
                    return True
                left = right
            return False
        return _compare_implies(test.left, test.ops[0], test.comparators[0], keys, kind, when)
    return False


def _call_implies(call: ast.Call, keys: Keys, kind: Kind, when: bool) -> bool:
    func = call.func
    name = func.id if isinstance(func, ast.Name) else None
    if not call.args:
        # m.group(1) truthy, items.strip() truthy: the receiver was not None / empty
        if isinstance(func, ast.Attribute) and when and keys.is_value(func.value):
            return kind == "none" or func.attr in ("strip", "rstrip", "lstrip", "split", "keys", "values", "items")
        return False
    first = call.args[0]
    if name in ("isinstance", "hasattr", "callable") and kind == "none":
        return when and keys.is_value(first)
    if name == "getattr" and kind == "none" and len(call.args) == 3 and keys.is_value(first):
        default = call.args[2]
        return when and isinstance(default, ast.Constant) and not default.value
    if name in ("bool", "len", "any") and len(call.args) == 1:
        return when and keys.is_value(first)
    if isinstance(func, ast.Attribute) and when and keys.is_value(func.value):
        # s.startswith("x"), m.group(1), items.count(x): only evaluable (or
        # truthy) when the receiver is a real, non-empty value
        return kind == "none" or func.attr in ("startswith", "endswith", "count", "strip", "split", "get")
    return False


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _int(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


_MIRROR = {ast.Lt: ast.Gt, ast.Gt: ast.Lt, ast.LtE: ast.GtE, ast.GtE: ast.LtE,
           ast.Eq: ast.Eq, ast.NotEq: ast.NotEq, ast.Is: ast.Is, ast.IsNot: ast.IsNot}


def _compare_implies(left: ast.expr, op: ast.cmpop, right: ast.expr, keys: Keys, kind: Kind, when: bool) -> bool:
    # Normalise so the key (or its count) is on the left.
    if not (keys.is_value(left) or keys.is_count(left)) and (keys.is_value(right) or keys.is_count(right)):
        mirror = _MIRROR.get(type(op))
        if mirror is None:
            return False
        left, right, op = right, left, mirror()
    if keys.is_count(left):
        n = _int(right)
        if n is None:
            # len(x) > other: a positive lower bound we cannot read; `len(x) >= k` true
            return when and isinstance(op, (ast.Gt, ast.GtE)) or (not when and isinstance(op, (ast.Lt, ast.LtE)))
        if when:
            return ((isinstance(op, ast.Gt) and n >= 0) or (isinstance(op, ast.GtE) and n >= 1)
                    or (isinstance(op, ast.Eq) and n >= 1) or (isinstance(op, ast.NotEq) and n == 0))
        return ((isinstance(op, ast.Eq) and n == 0) or (isinstance(op, ast.NotEq) and n >= 1)
                or (isinstance(op, ast.Lt) and n >= 1) or (isinstance(op, ast.LtE) and n >= 0))
    if not keys.is_value(left):
        # `key in m.groups()`-style tests say nothing; `x in key` (membership)
        # is only evaluable on a real container
        if isinstance(op, (ast.In, ast.NotIn)) and keys.is_value(right):
            return kind == "none" or (when if isinstance(op, ast.In) else False)
        return False
    if isinstance(op, (ast.IsNot, ast.NotEq)) and _is_none(right):
        return when and kind == "none"
    if isinstance(op, (ast.Is, ast.Eq)) and _is_none(right):
        return (not when) and kind == "none"
    if isinstance(op, (ast.Eq, ast.NotEq)) and _is_empty_literal(right):
        return when if isinstance(op, ast.NotEq) else not when
    if kind == "none":
        # m == "x", m in ("a", "b"), x > 0: true only for a real value
        if isinstance(op, (ast.Eq, ast.In, ast.Gt, ast.GtE, ast.Lt, ast.LtE)) and when and not _is_none(right):
            return True
        if isinstance(op, (ast.Is,)) and when and not _is_none(right):
            return True
    elif kind == "empty" and isinstance(op, (ast.Eq, ast.In)) and when and _is_nonempty_literal(right):
        return True
    return False


def _is_empty_literal(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return node.value in ("", b"")
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return not node.elts
    if isinstance(node, ast.Dict):
        return not node.keys
    return False


def _is_nonempty_literal(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (str, bytes)) and len(node.value) > 0
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return bool(node.elts) and all(_is_nonempty_literal(e) for e in node.elts)
    return False


def _runs_only_when_positive(loop: ast.expr, keys: Keys) -> bool:
    """``for i in range(n)`` / ``range(0, n, step)`` / ``range(1, n)``, ``n`` a count of ``keys``: the body
    runs only when ``n`` differs from a start of 0 (any step), or exceeds a start >= 0 (a positive step),
    so the count is positive there."""
    if not (isinstance(loop, ast.Call) and isinstance(loop.func, ast.Name) and loop.func.id == "range"
            and not loop.keywords and 1 <= len(loop.args) <= 3):
        return False
    if len(loop.args) == 1:
        return expr_key(loop.args[0]) in keys.counts
    start, stop = loop.args[0], loop.args[1]
    if not (isinstance(start, ast.Constant) and type(start.value) is int and start.value >= 0):
        return False
    step = loop.args[2] if len(loop.args) == 3 else None
    positive_step = step is None or isinstance(step, ast.Constant) and type(step.value) is int and step.value > 0
    return (start.value == 0 or positive_step) and expr_key(stop) in keys.counts


def iterated(node: ast.expr) -> ast.expr:
    """What a loop really iterates: ``enumerate(x)``, ``sorted(x)``, ``x.items()``,
    ``range(len(x))`` -> ``x`` (each runs its body only when ``x`` is non-empty)."""
    for _ in range(3):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in ("enumerate", "sorted", "reversed", "list", "iter",
                                                          "tuple", "zip", "range") and node.args:
                inner = node.args[0]
                if func.id == "range":
                    if len(node.args) == 1 and isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) \
                            and inner.func.id == "len" and inner.args:
                        return inner.args[0]
                    return node
                node = inner
                continue
            if isinstance(func, ast.Attribute) and func.attr in ("items", "values", "keys") and not node.args:
                node = func.value
                continue
        break
    return node


# --------------------------------------------------------------------------- control flow
def terminates(body: list[ast.stmt], functions: dict | None = None) -> bool:
    """Control never falls off the end of ``body`` (return/raise/continue/break,
    ``sys.exit()``, ``abort()``, a module helper that always raises)."""
    return any(stmt_terminates(stmt, functions) for stmt in body)


def stmt_terminates(stmt: ast.stmt, functions: dict | None = None) -> bool:
    if isinstance(stmt, (ast.Return, ast.Raise, ast.Continue, ast.Break)):
        return True
    if isinstance(stmt, ast.Expr):
        value = stmt.value
        if isinstance(value, ast.Await):
            value = value.value
        return isinstance(value, ast.Call) and _terminating_call(value, functions)
    if isinstance(stmt, ast.If):
        return bool(stmt.orelse) and terminates(stmt.body, functions) and terminates(stmt.orelse, functions)
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return terminates(stmt.body, functions)
    if isinstance(stmt, ast.While) and isinstance(stmt.test, ast.Constant) and stmt.test.value:
        return not any(isinstance(n, ast.Break) for n in ast.walk(stmt))
    if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
        if terminates(stmt.finalbody, functions):
            return True
        return (terminates(stmt.body, functions) or terminates(stmt.orelse, functions)) and all(
            terminates(h.body, functions) for h in stmt.handlers)
    return False


def _terminating_call(call: ast.Call, functions: dict | None) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute):
        if func.attr in _TERMINATING_ATTRS:
            return True
        if func.attr == "error" and isinstance(func.value, ast.Name) and "parser" in func.value.id.lower():
            return True  # argparse's parser.error() exits
        name = func.attr
    elif isinstance(func, ast.Name):
        if func.id in _TERMINATING_NAMES:
            return True
        name = func.id
        helper = (functions or {}).get(name)
        if helper is not None and helper.body and isinstance(helper.body[-1], ast.Raise) and len(helper.body) <= 6:
            return True
    else:
        return False
    return name.startswith(("raise_", "abort_", "fail_")) and name != "raise_for_status"


def catches(handler: ast.ExceptHandler, names: frozenset[str]) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    for t in types:
        name = t.attr if isinstance(t, ast.Attribute) else t.id if isinstance(t, ast.Name) else None
        if name in names:
            return True
    return False


def _suppresses(with_node: ast.With | ast.AsyncWith, names: frozenset[str]) -> bool:
    for item in with_node.items:
        call = item.context_expr
        if isinstance(call, ast.Call):
            func = call.func
            fname = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if fname == "suppress":
                for arg in call.args:
                    name = arg.attr if isinstance(arg, ast.Attribute) else arg.id if isinstance(arg, ast.Name) else None
                    if name in names:
                        return True
    return False


def bound_keys(stmt: ast.AST, keys: Keys) -> set[str]:
    """The keys ``stmt`` (re)binds (assignment, walrus, loop target, ``with ... as``,
    ``except ... as``, ``del``)."""
    names = keys.values | keys.counts
    found: set[str] = set()
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Load) and node.id in names:
                found.add(node.id)
        elif isinstance(node, ast.Attribute):
            if not isinstance(node.ctx, ast.Load):
                key = expr_key(node)
                if key in keys.values:
                    found.add(key)
        elif isinstance(node, ast.ExceptHandler):
            if node.name and node.name in names:
                found.add(node.name)
    return found


def binds(stmt: ast.AST, keys: Keys) -> bool:
    return bool(bound_keys(stmt, keys))


def _repairs(body: list[ast.stmt], keys: Keys, kind: Kind) -> bool:
    """``if m is None: m = default`` / ``if not items: items = [x]``."""
    for stmt in body:
        targets: list[ast.expr] = []
        value = None
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        if value is None or not any(keys.is_value(t) for t in targets):
            continue
        if kind == "none":
            return not _is_none(value)
        return _is_nonempty_literal(value) or (
            isinstance(value, (ast.List, ast.Tuple, ast.Set)) and bool(value.elts)) or (
            isinstance(value, ast.Dict) and bool(value.keys))
    return False


def _sibling_fact(stmt: ast.stmt, keys: Keys, kind: Kind, extra: Extra | None, functions: dict | None) -> int:
    if isinstance(stmt, ast.If):
        if terminates(stmt.body, functions) and implies(stmt.test, keys, kind, False, extra):
            return GUARD
        if stmt.orelse and terminates(stmt.orelse, functions) and implies(stmt.test, keys, kind, True, extra):
            return GUARD
        if implies(stmt.test, keys, kind, False, extra) and _repairs(stmt.body, keys, kind):
            return GUARD
    elif isinstance(stmt, ast.Assert):
        if implies(stmt.test, keys, kind, True, extra):
            return GUARD
    elif isinstance(stmt, ast.While):
        if implies(stmt.test, keys, kind, False, extra) and not any(isinstance(n, ast.Break) for n in ast.walk(stmt)):
            return GUARD
    return 0


def _statement_list(parent: ast.AST, child: ast.stmt) -> list[ast.stmt] | None:
    """The statement list of ``parent`` (body, else, finally, handler or case
    body) that holds ``child``."""
    for field in ("body", "orelse", "finalbody"):
        stmts = getattr(parent, field, None)
        if isinstance(stmts, list) and any(s is child for s in stmts):
            return stmts
    return None


def _with_count_aliases(ctx, use: ast.AST, keys: Keys) -> Keys:
    """Add ``n`` for ``n = len(key)`` assignments in the enclosing function."""
    scope = _scope(ctx, use)
    aliases = []
    for call in ctx.nodes(ast.Call):
        if keys.is_count(call):
            parent = ctx.parent(call)
            if (isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name)
                    and _scope(ctx, call) is scope):
                aliases.append(parent.targets[0].id)
    return Keys(keys.values, keys.counts | set(aliases)) if aliases else keys


def is_guarded(ctx, use: ast.AST, keys: Keys | ast.AST | str, kind: Kind = "none", *,
               exceptions: frozenset[str] | None = None, extra: Extra | None = None,
               stop: ast.AST | None = None) -> bool:
    """True when the code around ``use`` rules out a None (``kind="none"``) or
    empty (``kind="empty"``) value of ``keys`` there.

    ``ctx`` is a RuleContext (for parents and module helpers); ``keys`` a
    ``Keys``, an expression or a key string; ``exceptions`` the handler names
    that count as handling the failure (defaults per kind); ``extra`` a
    rule-specific test predicate; ``stop`` a node at which the upward search
    ends (e.g. the statement that produced the value)."""
    if not isinstance(keys, Keys):
        keys = Keys([keys]) if isinstance(keys, str) else keys_for(keys)
    names = exceptions if exceptions is not None else _DEFAULT_EXCEPTIONS[kind]
    extra = _Extra(extra, _resolver(ctx))
    if kind == "empty":
        keys = _with_count_aliases(ctx, use, keys)
    functions = getattr(ctx, "module_functions", None)
    child: ast.AST = use
    for parent in ctx.ancestors(use):
        if parent is stop:
            return False
        if isinstance(child, ast.stmt):
            stmts = _statement_list(parent, child)
            if stmts is not None:
                index = next(i for i, s in enumerate(stmts) if s is child)
                for sibling in reversed(stmts[:index]):
                    if _sibling_fact(sibling, keys, kind, extra, functions) == GUARD:
                        return True
                    bound = bound_keys(sibling, keys)
                    if bound:
                        # guards above a (re)binding say nothing about the new value;
                        # guards on the other keys (the source it came from) still hold
                        keys = keys.without(bound)
                        if keys.empty:
                            return False
        if isinstance(parent, _SCOPES):
            return False
        if isinstance(parent, ast.IfExp):
            if child is parent.body and implies(parent.test, keys, kind, True, extra):
                return True
            if child is parent.orelse and implies(parent.test, keys, kind, False, extra):
                return True
        elif isinstance(parent, ast.BoolOp):
            index = next((i for i, v in enumerate(parent.values) if v is child), 0)
            when = isinstance(parent.op, ast.And)
            if any(implies(v, keys, kind, when, extra) for v in parent.values[:index]):
                return True
        elif isinstance(parent, (ast.If, ast.While)):
            if child is not parent.test:
                in_body = any(s is child for s in parent.body)
                if in_body and implies(parent.test, keys, kind, True, extra):
                    return True
                if not in_body and implies(parent.test, keys, kind, False, extra):
                    return True
        elif isinstance(parent, _COMPREHENSIONS):
            generators = parent.generators
            upto = next((i for i, g in enumerate(generators) if g is child), len(generators))
            for generator in generators[:upto]:
                if any(implies(t, keys, kind, True, extra) for t in generator.ifs):
                    return True
                if kind == "empty" and keys.is_value(iterated(generator.iter)):
                    return True
        elif isinstance(parent, ast.comprehension):
            index = next((i for i, t in enumerate(parent.ifs) if t is child), None)
            if index is not None and any(implies(t, keys, kind, True, extra) for t in parent.ifs[:index]):
                return True
        elif isinstance(parent, (ast.For, ast.AsyncFor)):
            if kind == "empty" and any(s is child for s in parent.body) and (
                    keys.is_value(iterated(parent.iter)) or _runs_only_when_positive(parent.iter, keys)):
                return True
        elif isinstance(parent, ast.Try) or type(parent).__name__ == "TryStar":
            if any(s is child for s in parent.body) and any(catches(h, names) for h in parent.handlers):
                return True
        elif isinstance(parent, (ast.With, ast.AsyncWith)):
            if _suppresses(parent, names):
                return True
        child = parent
    return False


# --------------------------------------------------------------------------- fast flow facts
# ``caveat.analysis.flow.value_before`` walks the whole scope on every call; rules
# that ask about every subscript or every ``.get()`` use these instead: one pass
# over the block's names (cached on the context), then work proportional to the
# occurrences of the one name asked about. Same answers as ``value_before``, plus
# branch awareness (an assignment in the ``if`` branch does not reach the ``else``).

def _names(ctx) -> dict[str, list[ast.Name]]:
    index = ctx.__dict__.get("_guards_names")
    if index is None:
        index = {}
        for node in ctx.nodes(ast.Name):
            index.setdefault(node.id, []).append(node)
        for nodes in index.values():
            nodes.sort(key=lambda n: (n.lineno, n.col_offset))
        ctx.__dict__["_guards_names"] = index
    return index


def _scope(ctx, node: ast.AST) -> ast.AST:
    return ctx.enclosing(node, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda) or ctx.tree


def _binding(ctx, name: ast.Name) -> tuple[ast.AST, ast.expr | None] | None:
    """(binding node, bound value or None) for a Store of ``name``."""
    parent = ctx.parent(name)
    if isinstance(parent, ast.Assign):
        return parent, (parent.value if any(t is name for t in parent.targets) else None)
    if isinstance(parent, ast.AnnAssign):
        return parent, parent.value
    if isinstance(parent, ast.AugAssign):
        return parent, parent
    if isinstance(parent, ast.NamedExpr):
        return parent, parent.value
    if isinstance(parent, (ast.For, ast.AsyncFor, ast.comprehension)):
        return parent, None
    if isinstance(parent, ast.withitem):
        return parent, parent.context_expr
    node = parent
    while isinstance(node, (ast.Tuple, ast.List, ast.Starred)):
        node = ctx.parent(node)
    if isinstance(node, (ast.Assign, ast.For, ast.AsyncFor, ast.comprehension, ast.withitem)):
        return node, None
    return None


def bindings_of(ctx, name: str, scope: ast.AST) -> list[tuple[ast.AST, ast.expr | None]]:
    """Every binding of ``name`` in ``scope`` (not nested functions), in source order."""
    found = []
    for node in _names(ctx).get(name, ()):
        if isinstance(node.ctx, ast.Load) or _scope(ctx, node) is not scope:
            continue
        binding = _binding(ctx, node)
        if binding is not None:
            found.append(binding)
    return found


def loads_of(ctx, name: str, scope: ast.AST) -> list[ast.Name]:
    """Every read of ``name`` in ``scope`` (not nested functions), in source order."""
    return [n for n in _names(ctx).get(name, ()) if isinstance(n.ctx, ast.Load) and _scope(ctx, n) is scope]


def reaching_value(ctx, name: ast.Name) -> ast.expr | None:
    """The expression last assigned to ``name`` above its use in the same scope,
    skipping assignments in the other branch of an ``if``/``else`` around the use;
    None for parameters, loop targets, unpacking and unknown names."""
    found = bindings_of(ctx, name.id, _scope(ctx, name))
    if not found:
        return None
    statement = ctx.statement_of(name)
    best = None
    for node, value in found:
        line = line_of(node)
        if line > name.lineno or (line == name.lineno and node is statement):
            break
        if _exclusive(ctx, node, name):
            continue
        best = (node, value)
    return best[1] if best is not None else None


def is_param(ctx, name: ast.Name) -> bool:
    """A parameter of the enclosing function, not rebound above this use."""
    scope = _scope(ctx, name)
    if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        return False
    from caveat.analysis.flow import parameter_names

    if name.id not in parameter_names(scope):
        return False
    return not any(line_of(node) < name.lineno for node, _ in bindings_of(ctx, name.id, scope))


def _exclusive(ctx, binding: ast.AST, use: ast.AST) -> bool:
    """Are ``binding`` and ``use`` in different branches of one ``if``/``else``
    (or ``match`` cases), so that the binding never reaches the use?"""
    chain: dict[int, ast.AST] = {}
    child = binding
    for ancestor in ctx.ancestors(binding):
        chain[id(ancestor)] = child
        child = ancestor
    child = use
    for ancestor in ctx.ancestors(use):
        mine = chain.get(id(ancestor))
        if mine is not None:
            if isinstance(ancestor, ast.If):
                in_body_binding = any(s is mine for s in ancestor.body)
                in_body_use = any(s is child for s in ancestor.body)
                in_else_binding = any(s is mine for s in ancestor.orelse)
                in_else_use = any(s is child for s in ancestor.orelse)
                return (in_body_binding and in_else_use) or (in_else_binding and in_body_use)
            if type(ancestor).__name__ == "Match":
                return mine is not child
            return False
        child = ancestor
    return False
