"""## What it does

Detects operations that fail on empty input, applied to data that can be empty:
`min()`/`max()` without `default=`, `statistics.mean()`/`median()`/`stdev()`...,
`np.percentile()`/`np.max()`..., `functools.reduce()` without an initial value,
division by `len(x)` (or by a counter that stays 0), `next()` without a default,
`random.choice()`, middle-element indexing (`s[len(s) // 2]`), and indexing (`x[0]`, `x[-1]`) of results that can be empty -
filtered comprehensions, `re.findall()`, `glob()`, `os.listdir()`, query results
(`.fetchall()`, `.all()`, awaited asyncpg `fetch("SELECT ...")`), `str.split()` without a separator, and `sys.argv[1]` in a
script that never checks how many arguments it got.

## Why is this bad?

`max([])` raises `ValueError`, `statistics.mean([])` raises `StatisticsError`,
`sum(x) / len(x)` raises `ZeroDivisionError`, `next(x for x in items if ...)` raises
`StopIteration` and `[][0]` raises `IndexError`. Code written against the sample data
in the prompt works until a filter matches nothing, a query returns no rows, a file
is empty or a line is blank - then it crashes, often far from where the empty
collection was produced (CWE-754, CWE-369 for the division).

## Example
```python
def average_latency(samples):
    return sum(samples) / len(samples)

def cheapest_in_stock(products):
    return min(p.price for p in products if p.in_stock)

def command_of(line):
    return line.split()[0]
```

## Use instead
```python
def average_latency(samples):
    if not samples:
        return 0.0
    return sum(samples) / len(samples)

def cheapest_in_stock(products):
    return min((p.price for p in products if p.in_stock), default=None)

def command_of(line):
    parts = line.split()
    return parts[0] if parts else ""
```

## What it does not flag
- Literal non-empty collections, `max(a, b)` (two or more arguments), `min(..., default=...)`,
  `next(it, default)`.
- Data whose emptiness is ruled out nearby: `if not x: return/raise/continue`,
  `if x:`, `if len(x) == 0: ...`, `assert x`, `... if x else ...`, `x and max(x)`,
  inside `for item in x:`, or a surrounding `try/except` of the matching error
  (`ValueError`, `ZeroDivisionError`, `IndexError`, `StatisticsError`,
  `StopIteration`, `Exception`).
- `s.split(",")[k]`: `split` with a separator is never empty (`"".split(",") == [""]`);
  `[1]` failing on a missing separator is a format problem, not empty input.
- Indexing a function parameter (`def first(pair): return pair[0]`): the caller's
  contract, not a visible empty source. `min`/`max`/`statistics`/`choice` of a
  parameter *are* flagged when it is a collection (annotated as one, `*args`, or a
  plural name such as `scores`) without a default value. Division by `len(x)` is
  flagged for parameters (and item-by-item copies of them: `sorted(xs)`,
  `[f(x) for x in xs]`, `zip(xs, xs[1:])`), `self.<collection>`, and data that can visibly be empty;
  not for the results of other calls, which caveat cannot see into.
- Module constants (`len(ALLOWED_CHARS)`, `max(PRIORITIES.values())`).
- `items[i % len(items)]` (wrapping an index into the same list) and
  `random.choice(param)`: like `param[0]`, the caller's contract.
- A list that an unconditional `append` filled before the use; for indexing, also a
  list that every loop iteration appends to (it is as empty as what the loop walks).
- `sys.argv[...]` outside an assignment in module code or a `main()`-like function
  (inside messages, `argv[0]`).

## Fix safety
`min`/`max` get `default=None` and `next()` gets a `None` default; division becomes
`(total / len(x) if x else 0)`. Each changes what the code returns for empty input
(None or 0 instead of an exception) and the caller may not expect it, so the fixes
are unsafe.

## References
- https://cwe.mitre.org/data/definitions/754.html
- https://cwe.mitre.org/data/definitions/369.html
- https://docs.python.org/3/library/functions.html#max
- https://docs.python.org/3/library/statistics.html#exceptions
"""
from __future__ import annotations

import ast
import re

import libcst as cst

from caveat.analysis.flow import scope_of, walk_scope
from caveat.analysis.guards import Keys, bindings_of, expr_key, is_guarded, is_param, reaching_value
from caveat.engine.findings import Fix
from caveat.rules.base import Rule, RuleContext
from caveat.rules.fixkit import rewrite_expression, with_keyword
from caveat.rules.edge._common_b import last_name, segment

EMPTYABLE, NONEMPTY, UNKNOWN = "emptyable", "nonempty", "unknown"

_STATISTICS = {"mean", "fmean", "geometric_mean", "harmonic_mean", "median", "median_low", "median_high",
               "median_grouped", "mode", "stdev", "variance", "pstdev", "pvariance", "quantiles"}
_NUMPY_RAISING = {"percentile", "quantile", "nanpercentile", "nanquantile", "amax", "amin", "max", "min",
                  "argmax", "argmin", "ptp", "nanmax", "nanmin", "nanargmax", "nanargmin"}
_EMPTYABLE_FUNCS = {
    "re.findall": "`re.findall()` finds nothing when the text does not match",
    "regex.findall": "`regex.findall()` finds nothing when the text does not match",
    "glob.glob": "`glob()` matches no file",
    "glob.iglob": "`iglob()` matches no file",
    "os.listdir": "`os.listdir()` of an empty directory is empty",
    "os.scandir": "`os.scandir()` of an empty directory is empty",
    "fnmatch.filter": "`fnmatch.filter()` can match nothing",
    "filter": "`filter()` can let nothing through",
}
_QUERY_RESULT = {"fetchall": "a query can return no rows", "fetchmany": "a query can return no rows"}
_ELEMENT_LISTS = {"find_all", "findAll", "select", "xpath", "findall"}
_CONTAINER_CTORS = {"list", "dict", "set", "collections.defaultdict", "collections.OrderedDict",
                    "collections.Counter", "collections.deque"}
_ADDERS = {"append", "extend", "add", "update", "insert", "setdefault", "appendleft"}
_COLLECTION_TYPES = {"list", "List", "Sequence", "Iterable", "Collection", "set", "Set", "frozenset", "FrozenSet",
                     "dict", "Dict", "Mapping", "MutableMapping", "Tuple", "Iterator", "Generator",
                     "MutableSequence", "AbstractSet", "deque", "Deque", "KeysView", "ValuesView", "ndarray",
                     "Series", "Counter"}
_COLLECTION_WORDS = {"data", "history", "series", "batch", "list", "lst", "seq", "sequence", "collection", "arr",
                     "array", "xs", "ys", "vals", "nums", "population", "inventory", "queue", "pool", "stack",
                     "dataset", "sample", "window", "buffer"}
_NOT_COLLECTIONS = {"args", "kwargs", "opts", "options", "settings", "params", "headers", "stats", "status",
                    "progress", "address", "alias", "bias", "canvas", "news", "this", "axis", "analysis",
                    "basis", "class", "process", "access", "success", "business", "kls", "cls", "is", "has",
                    "ms", "secs", "seconds", "minutes", "hours", "days", "weeks", "years", "millis", "bytes",
                    "units", "decimals", "places", "digits", "retries", "attempts", "workers", "threads",
                    "width", "kws", "extras", "always"}
_PLURAL = re.compile(r"(?:^|_)[a-z]*[a-rt-z]s$|(?:^|_)(?:list|set|values|items|ids|data|records|rows)$")


class EmptyInput(Rule):
    code = "CAV230"
    name = "empty-input"
    category = "empty-input"
    cwe = 754
    fixable = True

    def check(self, ctx: RuleContext) -> None:
        ctx.__dict__[_REPORTED] = set()  # contexts are reused across analyses: start afresh
        for call in ctx.nodes(ast.Call):
            func = call.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if name in ("min", "max") and ctx.qualified_name(func) == name:
                self._min_max(ctx, call, name)
            elif name in _STATISTICS:
                qualified = ctx.qualified_name(func)
                if qualified and qualified.startswith("statistics."):
                    self._statistics(ctx, call, qualified)
            elif name == "next":
                if ctx.qualified_name(func) == "next" and len(call.args) == 1 and not call.keywords:
                    self._next(ctx, call)
            elif name in _NUMPY_RAISING:
                qualified = ctx.qualified_name(func)
                if qualified and qualified.startswith("numpy.") and call.args:
                    self._numpy(ctx, call, qualified)
            elif name == "reduce":
                if ctx.qualified_name(func) == "functools.reduce" and len(call.args) == 2:
                    self._reduce(ctx, call)
            elif name == "choice":
                if ctx.qualified_name(func) in ("random.choice", "secrets.choice") and len(call.args) == 1:
                    self._choice(ctx, call)
        for binop in ctx.nodes(ast.BinOp):
            if isinstance(binop.op, (ast.Div, ast.FloorDiv, ast.Mod)):
                self._division(ctx, binop)
        for subscript in ctx.nodes(ast.Subscript):
            if isinstance(subscript.ctx, ast.Load):
                self._index(ctx, subscript)

    # --- min / max / statistics / next / choice --------------------------------
    def _min_max(self, ctx: RuleContext, call: ast.Call, name: str) -> None:
        if len(call.args) != 1 or isinstance(call.args[0], ast.Starred):
            return
        if any(kw.arg in ("default", None) for kw in call.keywords):
            return
        arg = call.args[0]
        reason = _unguarded_empty(ctx, call, arg, for_aggregate=True)
        if reason is None or _reported_before(ctx, call, arg):
            return
        ctx.report(self, call, f"`{name}()` raises ValueError on an empty iterable and {reason}; "
                               f"pass `default=` or check for emptiness first.",
                   fix=_default_fix(ctx, call))

    def _statistics(self, ctx: RuleContext, call: ast.Call, qualified: str) -> None:
        if not call.args or isinstance(call.args[0], ast.Starred):
            return
        reason = _unguarded_empty(ctx, call, call.args[0], for_aggregate=True)
        if reason is None or _reported_before(ctx, call, call.args[0]):
            return
        short = qualified.split(".", 1)[1]
        ctx.report(self, call, f"`statistics.{short}()` raises StatisticsError on empty data and {reason}; "
                               f"check for emptiness first.")

    def _next(self, ctx: RuleContext, call: ast.Call) -> None:
        arg = call.args[0]
        if isinstance(arg, ast.Starred):
            return
        inner = arg
        if isinstance(arg, ast.Call) and ctx.qualified_name(arg.func) == "iter" and len(arg.args) == 1:
            inner = arg.args[0]
        elif not isinstance(arg, ast.GeneratorExp):
            return
        reason = _unguarded_empty(ctx, call, inner, for_aggregate=True)
        if reason is None:
            return
        ctx.report(self, call, f"`next()` without a default raises StopIteration when nothing is left, and "
                               f"{reason}; pass a default (`next(..., None)`) and handle it.",
                   fix=_next_fix(ctx, call))

    def _choice(self, ctx: RuleContext, call: ast.Call) -> None:
        # like indexing: a parameter is the caller's contract; filtered data is not
        reason = _unguarded_empty(ctx, call, call.args[0], for_aggregate=False)
        if reason is None:
            return
        ctx.report(self, call, f"`choice()` raises IndexError on an empty sequence and {reason}; "
                               f"check for emptiness first.")

    def _numpy(self, ctx: RuleContext, call: ast.Call, qualified: str) -> None:
        reason = _unguarded_empty(ctx, call, call.args[0], for_aggregate=True)
        if reason is None or _reported_before(ctx, call, call.args[0]):
            return
        short = qualified.split(".", 1)[1]
        error = "IndexError" if short in ("percentile", "quantile", "nanpercentile", "nanquantile") else "ValueError"
        ctx.report(self, call, f"`np.{short}()` raises {error} on an empty array and {reason}; check "
                               f"`.size` (or emptiness) first.")

    def _reduce(self, ctx: RuleContext, call: ast.Call) -> None:
        reason = _unguarded_empty(ctx, call, call.args[1], for_aggregate=True)
        if reason is None:
            return
        ctx.report(self, call, f"`reduce()` without an initial value raises TypeError on an empty iterable and "
                               f"{reason}; pass an initial value as the third argument.")

    # --- division ---------------------------------------------------------------
    def _division(self, ctx: RuleContext, binop: ast.BinOp) -> None:
        denominator = binop.right
        if isinstance(binop.op, ast.Mod) and isinstance(binop.left, (ast.Constant, ast.JoinedStr)):
            return  # "%d items" % len(x)
        if isinstance(binop.op, ast.Mod) and _is_len(denominator):
            parent = ctx.parent(binop)
            if isinstance(parent, ast.Subscript) and parent.slice is binop and \
                    expr_key(parent.value) == expr_key(denominator.args[0]):
                return  # items[i % len(items)]: wrapping an index, empty `items` is the caller's contract
        target = alias = None
        if _is_len(denominator):
            target = denominator.args[0]
        elif isinstance(denominator, ast.Name):
            bound = reaching_value(ctx, denominator)
            if _is_len(bound):
                target, alias = bound.args[0], denominator.id
            elif _is_zero_counter(ctx, denominator):
                if is_guarded(ctx, binop, Keys([], [denominator.id]), "empty"):
                    return
                ctx.report(self, binop, f"`{denominator.id}` starts at 0 and is only increased inside a loop or "
                                        f"condition, so this division raises ZeroDivisionError when nothing was "
                                        f"counted; check `if {denominator.id}:` first.",
                           fix=_division_fix(ctx, binop, denominator.id))
                return
        if target is None or isinstance(target, ast.Starred):
            return
        state, _, keys = emptiness(ctx, target, for_aggregate=True)
        if state == NONEMPTY or (state == UNKNOWN and _param_source(ctx, target) is None):
            return  # a value we know nothing about (a call result, an attribute): stay quiet
        keys = Keys(keys.values | {expr_key(target)} - {None}, [alias] if alias else [])
        if is_guarded(ctx, binop, keys, "empty") or _reported_before(ctx, binop, target):
            return
        what = segment(ctx, target) if len(segment(ctx, target)) <= 30 else "the collection"
        ctx.report(self, binop, f"Division by `len({what})` raises ZeroDivisionError when `{what}` is empty; "
                                f"check for emptiness first (e.g. `... if {what} else 0`).",
                   fix=_division_fix(ctx, binop, alias or (segment(ctx, target) if isinstance(target, (ast.Name, ast.Attribute)) else None)))

    # --- indexing ---------------------------------------------------------------
    def _index(self, ctx: RuleContext, subscript: ast.Subscript) -> None:
        index = _int(subscript.slice)
        if index is None:
            self._middle_index(ctx, subscript)
            return
        value = subscript.value
        split = _split_source(ctx, value)
        if split is not None:
            call, with_sep = split
            if with_sep:
                return  # never empty; a missing separator is not an emptiness defect
            receiver = call.func.value
            if isinstance(receiver, ast.Constant):
                return
            keys = Keys([expr_key(receiver), expr_key(value) if isinstance(value, ast.Name) else None])
            if is_guarded(ctx, subscript, keys, "empty", extra=_contains(call)):
                return
            text = segment(ctx, receiver)
            text = text if len(text) <= 30 else "the text"
            check = text if text.endswith(".strip()") else f"{text}.strip()"
            ctx.report(self, subscript, f"`{text}.split()` is empty for a blank string, so `[{index}]` raises "
                                        f"IndexError on empty input; check `if {check}:` first.")
            return
        if _is_argv(ctx, value):
            if index < 1 or not _script_assignment(ctx, subscript) or is_guarded(ctx, subscript, Keys([expr_key(value)]), "empty",
                                       extra=_mentions(expr_key(value))):
                return
            ctx.report(self, subscript, f"`{segment(ctx, value)}[{index}]` raises IndexError when the program is run "
                                        f"without that argument; check `len({segment(ctx, value)})` or use argparse.")
            return
        if isinstance(value, ast.Name) and is_param(ctx, value):
            return
        state, reason, keys = emptiness(ctx, value, for_aggregate=False)
        if state != EMPTYABLE:
            return
        if is_guarded(ctx, subscript, keys, "empty") or _reported_before(ctx, subscript, value):
            return
        ctx.report(self, subscript, f"`[{index}]` raises IndexError on an empty result and {reason}; "
                                    f"check for emptiness first.")


    def _middle_index(self, ctx: RuleContext, subscript: ast.Subscript) -> None:
        """``values[len(values) // 2]``, ``s[n - 1]`` with ``n = len(values)``."""
        index = subscript.slice
        if not (isinstance(index, ast.BinOp) and isinstance(index.op, (ast.FloorDiv, ast.Sub))):
            return
        left = index.left
        if isinstance(left, ast.BinOp) and isinstance(left.op, ast.Sub):
            left = left.left  # (len(x) - 1) // 2
        alias = None
        if isinstance(left, ast.Name):
            bound = reaching_value(ctx, left)
            if not _is_len(bound):
                return
            alias, left = left.id, bound
        if not _is_len(left):
            return
        target = left.args[0]
        state, reason, keys = emptiness(ctx, target, for_aggregate=False)
        if state != EMPTYABLE:
            param = _param_source(ctx, target)
            if param is None:
                return
            state, reason, keys = emptiness(ctx, param, for_aggregate=True)
            if state != EMPTYABLE:
                reason = f"`{param.id}` is a parameter: callers can pass an empty collection"
                keys = Keys([param.id])
            keys = Keys(keys.values | {expr_key(target)} - {None})
        keys = Keys(keys.values | {expr_key(target)} - {None}, [alias] if alias else [])
        if is_guarded(ctx, subscript, keys, "empty"):
            return
        ctx.report(self, subscript, f"Indexing by `{segment(ctx, index)}` raises IndexError when the data is empty, "
                                    f"and {reason}; check for emptiness first.")


# --------------------------------------------------------------------------- emptiness
def emptiness(ctx: RuleContext, node: ast.AST, *, for_aggregate: bool, depth: int = 0) -> tuple[str, str, Keys]:
    """(EMPTYABLE / NONEMPTY / UNKNOWN, why it can be empty, the keys a guard may test)."""
    state, reason, keys = _emptiness(ctx, node, for_aggregate, depth)
    return state, reason, Keys([k for k in keys if k])


def _emptiness(ctx: RuleContext, node: ast.AST, agg: bool, depth: int) -> tuple[str, str, list]:
    own = [expr_key(node)] if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)) else []
    if depth > 4:
        return UNKNOWN, "", own
    if isinstance(node, ast.Constant):
        if isinstance(node.value, (str, bytes)):
            return (NONEMPTY, "", own) if node.value else (EMPTYABLE, "it is empty", own)
        return UNKNOWN, "", own
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        if any(not isinstance(e, ast.Starred) for e in node.elts):
            return NONEMPTY, "", own
        return (UNKNOWN, "", own) if node.elts else (EMPTYABLE, "it is empty", own)
    if isinstance(node, ast.Dict):
        return (NONEMPTY, "", own) if any(k is not None for k in node.keys) else (UNKNOWN, "", own)
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        for generator in node.generators:
            if generator.ifs:
                condition = segment(ctx, generator.ifs[0])
                condition = f" `{condition}`" if len(condition) <= 40 else ""
                return EMPTYABLE, f"nothing may pass the filter{condition}", []
        inner, reason, keys = _emptiness(ctx, node.generators[0].iter, agg, depth + 1)
        if inner == NONEMPTY and len(node.generators) > 1:
            inner = UNKNOWN
        return inner, reason, keys
    if isinstance(node, ast.Await):
        return _emptiness(ctx, node.value, agg, depth + 1)  # `await conn.fetch(...)`, `await cur.fetchall()`
    if isinstance(node, ast.Call):
        return _call_emptiness(ctx, node, agg, depth, own)
    if isinstance(node, (ast.Name, ast.Attribute)) and _constant_name(node):
        return NONEMPTY, "", own  # a module constant such as ALLOWED_CHARS
    if isinstance(node, ast.Name):
        return _name_emptiness(ctx, node, agg, depth, own)
    if isinstance(node, ast.Attribute):
        if agg and isinstance(node.value, ast.Name) and node.value.id == "self" and _collection_name(node.attr):
            return EMPTYABLE, f"`self.{node.attr}` may still be empty", own
        return UNKNOWN, "", own
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = _emptiness(ctx, node.left, agg, depth + 1)[0]
        right = _emptiness(ctx, node.right, agg, depth + 1)[0]
        if NONEMPTY in (left, right):
            return NONEMPTY, "", own
        return UNKNOWN, "", own
    return UNKNOWN, "", own


def _call_emptiness(ctx: RuleContext, call: ast.Call, agg: bool, depth: int, own: list) -> tuple[str, str, list]:
    func = call.func
    qualified = ctx.qualified_name(func)
    if qualified in ("list", "tuple", "sorted", "set", "frozenset", "reversed", "iter", "collections.Counter",
                     "numpy.array", "numpy.asarray", "numpy.sort", "numpy.unique", "numpy.fromiter"):
        if not call.args:
            return EMPTYABLE, "it is empty", own
        state, reason, keys = _emptiness(ctx, call.args[0], agg, depth + 1)
        return state, reason, keys + own
    if qualified in _EMPTYABLE_FUNCS:
        return EMPTYABLE, _EMPTYABLE_FUNCS[qualified], own
    if not isinstance(func, ast.Attribute):
        return UNKNOWN, "", own
    attr = func.attr
    if qualified is None or qualified.count(".") > 1:
        if attr in _QUERY_RESULT:
            return EMPTYABLE, _QUERY_RESULT[attr], own
        if attr == "fetch" and call.args and isinstance(call.args[0], ast.Constant) and isinstance(
                call.args[0].value, str) and re.match(r"\s*select\b", call.args[0].value, re.IGNORECASE):
            return EMPTYABLE, "a query can return no rows", own  # asyncpg
        if attr == "all" and not call.args and isinstance(func.value, ast.Call):
            return EMPTYABLE, "a query can return no rows", own
        if attr in ("findall", "finditer") and call.args and _pattern_like(func.value):
            return EMPTYABLE, f"`{attr}()` finds nothing when the text does not match", own
        if attr in ("glob", "rglob", "iterdir") and qualified is None:
            return EMPTYABLE, f"`{attr}()` can match no file", own
        if attr in _ELEMENT_LISTS and qualified is None and call.args:
            return EMPTYABLE, f"`{attr}()` can match no element", own
        if attr == "getlist":
            return EMPTYABLE, "the parameter can be absent", own
        if attr in ("filter", "filter_by", "exclude") and _is_query(func.value):
            return EMPTYABLE, "a query can return no rows", own
        if attr in ("splitlines", "readlines") and not call.args:
            return EMPTYABLE, f"`{attr}()` of empty text is empty", own
    if attr in ("split", "rsplit"):
        if not call.args or (isinstance(call.args[0], ast.Constant) and call.args[0].value is None):
            if any(k.arg == "sep" for k in call.keywords):
                return NONEMPTY, "", own
            return EMPTYABLE, "`split()` of a blank string is empty", own
        return NONEMPTY, "", own
    if attr == "most_common" and qualified is None:
        state, reason, keys = _emptiness(ctx, func.value, agg, depth + 1)
        return state, reason, keys + own
    if attr in ("values", "keys", "items") and not call.args:
        receiver = func.value
        state, reason, keys = _emptiness(ctx, receiver, agg, depth + 1)
        if state == EMPTYABLE:
            name = segment(ctx, receiver)
            return EMPTYABLE, reason if reason.startswith("`") else f"`{name}` can be empty", keys + own
        return state, "", keys + own
    return UNKNOWN, "", own


def _name_emptiness(ctx: RuleContext, name: ast.Name, agg: bool, depth: int, own: list) -> tuple[str, str, list]:
    if is_param(ctx, name):
        if agg and _collection_parameter(ctx, name):
            return EMPTYABLE, f"`{name.id}` is a parameter: callers can pass an empty collection", own
        return UNKNOWN, "", own
    bound = reaching_value(ctx, name)
    if bound is None:
        return UNKNOWN, "", own
    if _empty_container(ctx, bound):
        filled = _filled(ctx, name, bound)
        if filled == "always":
            return NONEMPTY, "", own
        if filled == "filtered" or (filled == "looped" and agg):
            where = "a condition" if filled == "filtered" else "a loop"
            return EMPTYABLE, f"`{name.id}` starts empty and is only filled inside {where}", own
        return UNKNOWN, "", own
    state, reason, keys = _emptiness(ctx, bound, agg, depth + 1)
    return state, reason, own + (keys if state != NONEMPTY else [])


def _empty_container(ctx: RuleContext, node: ast.AST) -> bool:
    if isinstance(node, (ast.List, ast.Set, ast.Tuple)) and not node.elts:
        return True
    if isinstance(node, ast.Dict) and not node.keys:
        return True
    return isinstance(node, ast.Call) and not node.args and ctx.qualified_name(node.func) in _CONTAINER_CTORS or (
        isinstance(node, ast.Call) and ctx.qualified_name(node.func) == "collections.defaultdict")


def _filled(ctx: RuleContext, name: ast.Name, binding_value: ast.AST) -> str:
    """How a container that starts empty is filled before ``name`` is used:
    "always" (an unconditional add), "sometimes" (only in loops/branches), "unknown"."""
    scope = scope_of(ctx, name)
    binding = ctx.parent(binding_value)
    start = getattr(binding, "lineno", 0)
    found = "unknown"
    for node in walk_scope(scope):
        if not (start < getattr(node, "lineno", 0) <= name.lineno):
            continue
        added = False
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _ADDERS:
            added = isinstance(node.func.value, ast.Name) and node.func.value.id == name.id
        elif isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            added = any(isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id == name.id
                        for t in targets) or (isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name)
                                              and node.target.id == name.id)
        elif isinstance(node, ast.Name) and node.id == name.id and isinstance(node.ctx, ast.Load) and node is not name:
            parent = ctx.parent(node)
            if isinstance(parent, ast.Call) and node in parent.args:
                return "unknown"  # handed to a helper that may fill it
        if not added:
            continue
        how = _conditional(ctx, node, binding)
        if how is None:
            return "always"
        if how == "filtered" or found == "unknown":
            found = how
    return found


def _conditional(ctx: RuleContext, node: ast.AST, binding: ast.AST) -> str | None:
    """None when ``node`` runs whenever ``binding`` did; "filtered" when it sits in a
    branch (if/try/conditional expression), "looped" when only in a loop."""
    outer = set(map(id, ctx.ancestors(binding))) if binding is not None else set()
    how = None
    for ancestor in ctx.ancestors(node):
        if id(ancestor) in outer:
            break
        if isinstance(ancestor, (ast.If, ast.Try, ast.IfExp, ast.BoolOp)):
            return "filtered"
        if isinstance(ancestor, (ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.DictComp)):
            if any(g.ifs for g in ancestor.generators):
                return "filtered"
            how = "looped"
        if isinstance(ancestor, (ast.For, ast.AsyncFor, ast.While)):
            how = "looped"
    return how


def _param_source(ctx: RuleContext, node: ast.AST, depth: int = 0) -> ast.Name | None:
    """The parameter (without a default) that ``node`` is, or copies/sorts/maps item by
    item: ``values``, ``sorted(values)``, ``[f(v) for v in values]``, ``zip(values, ...)``,
    ``s`` after ``s = sorted(values)``."""
    if depth > 3:
        return None
    if isinstance(node, ast.Call) and len(node.args) == 1 and ctx.qualified_name(node.func) in (
            "sorted", "list", "tuple", "reversed", "enumerate"):
        return _param_source(ctx, node.args[0], depth + 1)
    if isinstance(node, ast.Call) and node.args and ctx.qualified_name(node.func) == "zip":
        return _param_source(ctx, node.args[0], depth + 1)  # as short as its shortest input
    if isinstance(node, (ast.ListComp, ast.GeneratorExp)) and len(node.generators) == 1 \
            and not node.generators[0].ifs:
        return _param_source(ctx, node.generators[0].iter, depth + 1)  # one item per input item
    if not isinstance(node, ast.Name):
        return None
    if is_param(ctx, node):
        func = ctx.enclosing(node, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
        args = func.args
        positional = args.posonlyargs + args.args
        defaulted = {a.arg for a in positional[len(positional) - len(args.defaults):]}
        defaulted |= {a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None}
        return None if node.id in defaulted or node.id in ("self", "cls") else node
    bound = reaching_value(ctx, node)
    return _param_source(ctx, bound, depth + 1) if bound is not None else None


def _constant_name(node: ast.AST) -> bool:
    name = node.id if isinstance(node, ast.Name) else node.attr
    return len(name) > 1 and name.isupper()


def _collection_parameter(ctx: RuleContext, name: ast.Name) -> bool:
    func = ctx.enclosing(name, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
    if func is None:
        return False
    args = func.args
    if args.vararg is not None and args.vararg.arg == name.id:
        return True
    positional = args.posonlyargs + args.args
    defaulted = {a.arg for a in positional[len(positional) - len(args.defaults):]}
    defaulted |= {a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None}
    for arg in positional + args.kwonlyargs:
        if arg.arg != name.id:
            continue
        if arg.arg in defaulted:
            return False  # designed around a default value
        if arg.annotation is not None:
            return _collection_annotation(arg.annotation)
        return _collection_name(name.id)
    return False


def _collection_annotation(node: ast.AST) -> bool:
    if isinstance(node, ast.Subscript):
        base = last_name(node.value)
        if base in ("Optional", "Union", "Annotated"):
            inner = node.slice
            elts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            return any(_collection_annotation(e) for e in elts[:1] if base == "Annotated") or (
                base != "Annotated" and any(_collection_annotation(e) for e in elts))
        if base == "tuple" or base == "Tuple":
            inner = node.slice
            return isinstance(inner, ast.Tuple) and len(inner.elts) == 2 and isinstance(inner.elts[1], ast.Constant) and inner.elts[1].value is Ellipsis
        return base in _COLLECTION_TYPES
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _collection_annotation(node.left) or _collection_annotation(node.right)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return _collection_annotation(ast.parse(node.value, mode="eval").body)
        except SyntaxError:
            return False
    return last_name(node) in _COLLECTION_TYPES - {"Tuple"}


def _collection_name(identifier: str) -> bool:
    lowered = identifier.lower().lstrip("_")
    if lowered in _NOT_COLLECTIONS or len(lowered) < 3:
        return lowered in ("xs", "ys")
    if lowered in _COLLECTION_WORDS or lowered.split("_")[-1] in _COLLECTION_WORDS:
        return True
    last = lowered.split("_")[-1]
    if last in _NOT_COLLECTIONS or last.endswith(("ss", "us", "is", "ics", "ness")):
        return False
    return bool(_PLURAL.search(lowered))


# --------------------------------------------------------------------------- helpers
def _int(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and type(node.operand.value) is int:
        return -node.operand.value
    return None


def _is_len(node: ast.AST | None) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len"
            and len(node.args) == 1 and not node.keywords)


def _is_zero_counter(ctx: RuleContext, name: ast.Name) -> bool:
    """``count = 0`` then only ``count += 1`` inside loops or branches."""
    scope = scope_of(ctx, name)
    if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    found = [(node, value) for node, value in bindings_of(ctx, name.id, scope) if getattr(node, "lineno", 0) < name.lineno]
    if len(found) < 2:
        return False
    first, value = found[0]
    if not (isinstance(first, ast.Assign) and isinstance(value, ast.Constant) and value.value == 0
            and type(value.value) is int):
        return False
    for node, _ in found[1:]:
        if not (isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add)):
            return False
        if _conditional(ctx, node, first) is None:
            return False
    return True


def _split_source(ctx: RuleContext, value: ast.AST) -> tuple[ast.Call, bool] | None:
    """(the split call, has a separator) when ``value`` is ``s.split(...)`` or a
    name bound to it."""
    if isinstance(value, ast.Name):
        bound = reaching_value(ctx, value)
        if bound is None or is_param(ctx, value):
            return None
        value = bound
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
            and value.func.attr in ("split", "rsplit")):
        return None
    if ctx.qualified_name(value.func) is not None:
        return None  # os.path.split, re.split, shlex.split
    args = value.args
    sep = args[0] if args else next((k.value for k in value.keywords if k.arg == "sep"), None)
    with_sep = sep is not None and not (isinstance(sep, ast.Constant) and sep.value is None)
    if with_sep and not isinstance(sep, ast.Constant):
        return None  # a computed separator: unknown
    return value, with_sep


def _contains(call: ast.Call):
    """``sep in s`` / ``s.count(sep)`` / ``s.startswith(...)`` guards for ``s.split(sep)[k]``."""
    receiver = expr_key(call.func.value)

    def extra(test: ast.expr, when: bool) -> bool:
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.In, ast.NotIn)):
            if expr_key(test.comparators[0]) == receiver:
                return when if isinstance(test.ops[0], ast.In) else not when
        return False

    return extra


def _mentions(key: str | None):
    """Any test that mentions ``key`` (``len(sys.argv)``, ``sys.argv[1:]``)."""

    def extra(test: ast.expr, when: bool) -> bool:
        return key is not None and any(expr_key(n) == key for n in ast.walk(test)
                                       if isinstance(n, (ast.Attribute, ast.Name)))

    return extra


def _is_argv(ctx: RuleContext, node: ast.AST) -> bool:
    return isinstance(node, (ast.Attribute, ast.Name)) and ctx.qualified_name(node) == "sys.argv"


def _script_assignment(ctx: RuleContext, node: ast.AST) -> bool:
    """``name = sys.argv[1]`` (possibly converted) at module level, under
    ``if __name__ == "__main__"`` or in a ``main()``-like function."""
    stmt = ctx.statement_of(node)
    if not isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        return False
    func = ctx.enclosing_function(node)
    return func is None or func.name.lstrip("_") in ("main", "cli", "run", "entrypoint", "entry_point")


def _pattern_like(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        return last_name(node.func) == "compile"
    name = last_name(node) or ""
    return bool(re.search(r"(?:^|_)(?:re|rx|regex|pattern|pat)$|^_?(?:re|rx|regex|pattern|pat)_", name, re.I))


def _is_query(node: ast.AST) -> bool:
    for _ in range(6):
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            if node.attr in ("objects", "query", "session"):
                return True
            node = node.value
        else:
            return False
    return False


# --------------------------------------------------------------------------- fixes
def _default_fix(ctx: RuleContext, call: ast.Call) -> Fix | None:
    def transform(expr: cst.BaseExpression):
        if not isinstance(expr, cst.Call) or len(expr.args) < 1:
            return None
        first = expr.args[0]
        if isinstance(first.value, cst.GeneratorExp) and not first.value.lpar:
            expr = expr.with_changes(args=[first.with_changes(
                value=first.value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()]))] + list(expr.args[1:]))
        return with_keyword(expr, "default", "None")

    edit = rewrite_expression(ctx, call, transform)
    return Fix("Add `default=None`", (edit,), safe=False) if edit is not None else None


def _next_fix(ctx: RuleContext, call: ast.Call) -> Fix | None:
    arg = call.args[0]
    arg_text = segment(ctx, arg)
    func_text = segment(ctx, call.func)
    if not arg_text or not func_text:
        return None
    if isinstance(arg, ast.GeneratorExp) and not arg_text.startswith("("):
        arg_text = f"({arg_text})"
    return Fix("Pass `None` as the default", (ctx.replace(call, f"{func_text}({arg_text}, None)"),), safe=False)


def _division_fix(ctx: RuleContext, binop: ast.BinOp, guard: str | None) -> Fix | None:
    if not guard or "\n" in guard:
        return None
    text = segment(ctx, binop)
    if not text:
        return None
    zero = "0" if isinstance(binop.op, (ast.FloorDiv, ast.Mod)) else "0.0"
    return Fix(f"Return {zero} when `{guard}` is empty", (ctx.replace(binop, f"({text} if {guard} else {zero})"),),
               safe=False)


def _unguarded_empty(ctx: RuleContext, call: ast.Call, value: ast.AST, *, for_aggregate: bool) -> str | None:
    """Why ``value`` can be empty at ``call`` with nothing above guarding it; None when it cannot
    be, or is checked."""
    state, reason, keys = emptiness(ctx, value, for_aggregate=for_aggregate)
    if state != EMPTYABLE or is_guarded(ctx, call, keys, "empty"):
        return None
    return reason


_REPORTED = "_empty_input_reported"


def _reported_before(ctx: RuleContext, node: ast.AST, collection: ast.expr) -> bool:
    """One defect, one diagnostic: the same possibly-empty collection used again in the same
    function (`min(xs)` then `max(xs)`, a division by `len(rows)` repeated in a report) is
    reported once; one emptiness check fixes them all. The checks run in a fixed order
    (calls, then divisions, then subscripts, each in source order), so the one kept is stable."""
    key = expr_key(collection)
    if key is None:
        return False
    seen = ctx.__dict__.setdefault(_REPORTED, set())
    scope = id(ctx.enclosing_function(node) or ctx.tree)
    if (scope, key) in seen:
        return True
    seen.add((scope, key))
    return False
