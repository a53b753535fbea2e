"""## What it does

Detects a mutable default argument (`[]`, `{}`, `set()`, `list()`, `dict()`,
`defaultdict(...)`, `Counter()`, a comprehension...) of a function or lambda that the
function mutates, returns, or stores somewhere that outlives the call.

## Why is this bad?

A default value is evaluated once, when `def` runs, and the same object is reused by
every call that omits the argument. When the function appends to it, updates it,
hands it back to the caller or keeps it on `self`, state leaks between unrelated calls:
the second caller sees the first caller's items, and objects created without the
argument share one list. The bug is invisible in a single test and appears in
production as data from one request showing up in another (CWE-665).

## Example
```python
def add_tag(tag, tags=[]):
    tags.append(tag)
    return tags

class Cart:
    def __init__(self, items={}):
        self.items = items
```

## Use instead
```python
def add_tag(tag, tags=None):
    if tags is None:
        tags = []
    tags.append(tag)
    return tags
```

## What it does not flag
- A mutable default the function only reads (iterates, tests membership, passes on
  to a call): sharing an object nobody changes is harmless. This is the deliberate
  difference from ruff's B006, which flags every mutable default.
- A parameter rebound before it is changed (`items = list(items)`).
- Memoisation caches by name (`_cache={}`, `memo={}`): a deliberate, if old-fashioned,
  idiom.
- Immutable defaults (`()`, `frozenset()`, strings, numbers, None) and calls that build
  a fresh object per call by design (`Field(default_factory=list)`, `Query([])`).
- `dataclasses.field(default=[])`: Python already rejects it at class creation.

## Fix safety
The fix replaces the default with `None` (the annotation becomes `X | None`) and adds
`if name is None: name = <the old default>` at the top of the body (lambdas and
one-line functions get no automatic fix). Every call that
omitted the argument now gets a fresh object, which is the behaviour the code was
written to expect; the fix is safe. Code that relied on the shared object on purpose
(a cache) should use an explicit module-level cache instead.

## References
- https://cwe.mitre.org/data/definitions/665.html
- https://docs.python.org/3/reference/compound_stmts.html#function-definitions
- https://docs.astral.sh/ruff/rules/mutable-argument-default/
"""
from __future__ import annotations

import ast

from caveat.analysis.flow import walk_scope
from caveat.engine.findings import Fix, Position
from caveat.rules.base import Rule, RuleContext
from caveat.rules.edge._common_b import segment

_MUTABLE_CALLS = {"list", "dict", "set", "bytearray", "collections.defaultdict", "collections.OrderedDict",
                  "collections.Counter", "collections.deque"}
_MUTATORS = {"append", "extend", "insert", "update", "add", "setdefault", "pop", "popitem", "remove", "discard",
             "clear", "sort", "reverse", "appendleft", "extendleft", "popleft", "__setitem__", "difference_update",
             "intersection_update", "symmetric_difference_update", "subtract", "rotate"}
# Calls that keep their argument object (``registry.append(items)``); ``extend``/``update``
# copy its items into the receiver and leave the default itself untouched.
_STORERS = {"append", "insert", "add", "setdefault", "appendleft", "put", "put_nowait"}


class MutableDefaultArg(Rule):
    code = "CAV232"
    name = "mutable-default-arg"
    category = "mutable-default-arg"
    cwe = 665
    fixable = True

    def check(self, ctx: RuleContext) -> None:
        for func in ctx.nodes(ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda):
            args = func.args
            positional = args.posonlyargs + args.args
            pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults))
            pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
            for arg, default in pairs:
                kind = _mutable(ctx, default)
                if kind is None or "cache" in arg.arg.lower() or "memo" in arg.arg.lower():
                    continue
                how = _misuse(ctx, func, arg.arg)
                if how is None:
                    continue
                who = f"`{func.name}`" if not isinstance(func, ast.Lambda) else "the lambda"
                message = (f"The default `{arg.arg}={_short(ctx, default)}` is created once and shared by every call, "
                           f"and {who} {how}, so state leaks from one call into the next; default to "
                           f"`None` and create the {kind} inside the function.")
                fix = _fix(ctx, func, arg, default) if not isinstance(func, ast.Lambda) else None
                ctx.report(self, default, message, fix=fix)


def _short(ctx: RuleContext, node: ast.AST) -> str:
    text = segment(ctx, node)
    return text if len(text) <= 20 and "\n" not in text else "..."


def _mutable(ctx: RuleContext, node: ast.AST) -> str | None:
    if isinstance(node, (ast.List, ast.ListComp)):
        return "list"
    if isinstance(node, (ast.Dict, ast.DictComp)):
        return "dict"
    if isinstance(node, (ast.Set, ast.SetComp)):
        return "set"
    if isinstance(node, ast.Call):
        qualified = ctx.qualified_name(node.func)
        if qualified in _MUTABLE_CALLS:
            return qualified.rsplit(".", 1)[-1]
    return None


def _misuse(ctx: RuleContext, func: ast.AST, name: str) -> str | None:
    """How the function changes or leaks the default object, or None."""
    if isinstance(func, ast.Lambda):
        body = func.body
        if _is(body, name) or any(_is(e, name) for e in getattr(body, "values", [])):
            return f"returns `{name}`"
        for node in ast.walk(body):
            how = _use(ctx, node, name)
            if how is not None:
                return how
        return None
    rebound_at = _first_rebinding(func, name)
    for node in walk_scope(func):
        line = getattr(node, "lineno", None)
        if line is None or (rebound_at is not None and line > rebound_at):
            continue
        how = _use(ctx, node, name)
        if how is not None:
            return how
    return None


def _first_rebinding(func: ast.AST, name: str) -> int | None:
    first = None
    for node in walk_scope(func):
        target = None
        if isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                target = node
        elif isinstance(node, (ast.AnnAssign,)) and isinstance(node.target, ast.Name) and node.target.id == name:
            target = node if node.value is not None else None
        elif isinstance(node, ast.NamedExpr) and node.target.id == name:
            target = node
        elif isinstance(node, (ast.For, ast.AsyncFor)) and isinstance(node.target, ast.Name) and node.target.id == name:
            target = node
        if target is not None and (first is None or target.lineno < first):
            first = target.lineno
    return first


def _is(node: ast.AST | None, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _use(ctx: RuleContext, node: ast.AST, name: str) -> str | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        attr = node.func.attr
        if _is(node.func.value, name) and attr in _MUTATORS:
            return f"calls `{name}.{attr}()`"
        if attr in _STORERS and any(_is(a, name) for a in node.args) and not _is(node.func.value, name):
            return f"stores `{name}` in `{segment(ctx, node.func.value)}`"
    elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if isinstance(target, ast.Subscript) and _is(target.value, name):
                return f"assigns to `{name}[...]`"
            if isinstance(node, ast.AugAssign) and _is(target, name):
                return f"extends `{name}` in place (`{name} {_op(node.op)}= ...`)"
        value = node.value
        if _is(value, name) or (isinstance(value, ast.Tuple) and any(_is(e, name) for e in value.elts)):
            for target in targets:
                if isinstance(target, (ast.Attribute, ast.Subscript)):
                    return f"stores `{name}` in `{segment(ctx, target)}`"
    elif isinstance(node, ast.Delete):
        if any(isinstance(t, ast.Subscript) and _is(t.value, name) for t in node.targets):
            return f"deletes from `{name}`"
    elif isinstance(node, (ast.Return, ast.Yield)):
        value = node.value
        if _is(value, name) or (isinstance(value, ast.Tuple) and any(_is(e, name) for e in value.elts)):
            return f"{'returns' if isinstance(node, ast.Return) else 'yields'} `{name}` to the caller"
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr":
        if len(node.args) == 3 and _is(node.args[2], name):
            return f"stores `{name}` with `setattr`"
    return None


def _op(op: ast.operator) -> str:
    return {ast.Add: "+", ast.BitOr: "|", ast.Sub: "-", ast.BitAnd: "&", ast.Mult: "*"}.get(type(op), "+")


def _fix(ctx: RuleContext, func: ast.FunctionDef | ast.AsyncFunctionDef, arg: ast.arg,
         default: ast.expr) -> Fix | None:
    body = func.body
    first = body[0]
    if first.lineno == func.lineno or (first.lineno <= (default.end_lineno or default.lineno)):
        return None  # one-line def: no room for the guard
    anchor = first
    if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)):
        if len(body) < 2:
            return None
        anchor = body[1]
    default_text = segment(ctx, default)
    if not default_text:
        return None
    indent = ctx.indent_of(anchor)
    def_indent = ctx.indent_of(func)
    unit = indent[len(def_indent):] or "    "
    if ctx.lines[anchor.lineno - 1][: anchor.col_offset].strip():
        return None
    if "\n" in default_text and not any(
            isinstance(n, ast.Constant) and isinstance(n.value, (str, bytes)) and n.end_lineno != n.lineno
            for n in ast.walk(default)):
        first_line, *rest = default_text.split("\n")
        rest = [indent + unit + (line[len(def_indent):] if line.startswith(def_indent) else line.lstrip())
                if line.strip() else line for line in rest]
        default_text = "\n".join([first_line, *rest])
    guard = f"{indent}if {arg.arg} is None:\n{indent}{unit}{arg.arg} = {default_text}\n"
    edits = []
    annotation = arg.annotation
    if annotation is not None:
        text = segment(ctx, annotation)
        if "None" not in text and "Optional" not in text and "Any" not in text:
            if isinstance(annotation, ast.Constant):
                quote = text[0] if text[:1] in "'\"" else '"'
                edits.append(ctx.replace(annotation, f"{quote}{annotation.value} | None{quote}"))
            else:
                edits.append(ctx.replace(annotation, f"{text} | None"))
    edits.append(ctx.replace(default, "None"))
    edits.append(ctx.insert(Position(anchor.lineno, 0), guard))
    return Fix(f"Default `{arg.arg}` to None and create it inside the function", tuple(edits), safe=True)
