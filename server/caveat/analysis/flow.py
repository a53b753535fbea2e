"""Simple intraprocedural flow facts, shared by every rule.

Deliberately small: straight-line reaching assignments within one function
(the latest binding above the use, ignoring which branch it sits in), and
receiver resolution for ``session = requests.Session(); session.get(...)``.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Iterator

from caveat.rules.base import RuleContext

Scope = ast.FunctionDef | ast.AsyncFunctionDef | ast.Module | ast.Lambda


def scope_of(ctx: RuleContext, node: ast.AST) -> ast.AST:
    return ctx.enclosing(node, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda) or ctx.tree


def walk_scope(scope: ast.AST) -> Iterator[ast.AST]:
    """Nodes of ``scope`` without descending into nested functions, classes or lambdas."""
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))


def bindings(scope: ast.AST, name: str) -> list[tuple[ast.AST, ast.expr | None]]:
    """(binding node, bound value or None) for every binding of ``name`` in
    ``scope``, in source order. Values are None where the bound value is not a
    single expression (for-loop targets, tuple unpacking, except-as, imports)."""
    found: list[tuple[ast.AST, ast.expr | None]] = []
    for node in walk_scope(scope):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == name:
                    found.append((node, node.value))
                elif _binds(target, name):
                    found.append((node, None))
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name) and node.target.id == name:
            found.append((node, node.value if isinstance(node, ast.AnnAssign) else node))
        elif isinstance(node, ast.NamedExpr) and node.target.id == name:
            found.append((node, node.value))
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)) and _binds(node.target, name):
            found.append((node, None))
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            if isinstance(node.optional_vars, ast.Name) and node.optional_vars.id == name:
                found.append((node, node.context_expr))
        elif isinstance(node, ast.ExceptHandler) and node.name == name:
            found.append((node, None))
    found.sort(key=lambda item: (getattr(item[0], "lineno", 0) or getattr(getattr(item[0], "context_expr", None), "lineno", 0),
                                 getattr(item[0], "col_offset", 0)))
    return found


def _binds(target: ast.AST, name: str) -> bool:
    """Whether assigning to ``target`` rebinds ``name``: ``session.headers[k] = v`` and
    ``session.verify = False`` store into the object; they do not rebind ``session``."""
    if isinstance(target, ast.Name):
        return target.id == name
    if isinstance(target, ast.Starred):
        return _binds(target.value, name)
    if isinstance(target, (ast.Tuple, ast.List)):
        return any(_binds(element, name) for element in target.elts)
    return False


def line_of(node: ast.AST) -> int:
    """The line a binding happens on (a ``with`` item's or comprehension's own line)."""
    if isinstance(node, ast.withitem):
        return node.context_expr.lineno
    if isinstance(node, ast.comprehension):
        return node.target.lineno
    return getattr(node, "lineno", 0)


def value_before(ctx: RuleContext, name: ast.Name) -> ast.expr | None:
    """The expression most recently assigned to ``name`` above its use in the
    same function, or None when it is a parameter, a loop variable, or unknown."""
    scope = scope_of(ctx, name)
    candidates = [(node, value) for node, value in bindings(scope, name.id) if line_of(node) < name.lineno
                  or (line_of(node) == name.lineno and node is not ctx.statement_of(name))]
    if not candidates:
        return None
    return candidates[-1][1]


def all_values(ctx: RuleContext, name: ast.Name) -> list[ast.expr | None]:
    """Every value bound to ``name`` in its function before the use (all branches)."""
    scope = scope_of(ctx, name)
    return [value for node, value in bindings(scope, name.id) if line_of(node) <= name.lineno]


def is_parameter(ctx: RuleContext, name: ast.Name) -> bool:
    scope = scope_of(ctx, name)
    if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        return False
    return name.id in parameter_names(scope) and not any(
        line_of(node) < name.lineno for node, _ in bindings(scope, name.id))


def parameter_names(func: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> list[str]:
    args = func.args
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    if args.vararg:
        names.append(args.vararg.arg)
    if args.kwarg:
        names.append(args.kwarg.arg)
    return names


def resolved_call_name(ctx: RuleContext, call: ast.Call, value_of=None) -> str | None:
    """Qualified name of what ``call`` calls, resolving one level of receiver:
    ``s = requests.Session(); s.get()`` -> ``requests.Session.get``;
    ``with httpx.Client() as c: c.get()`` -> ``httpx.Client.get``;
    ``requests.Session().get()`` -> ``requests.Session.get``. ``value_of`` replaces
    ``value_before`` (e.g. a memoized one)."""
    direct = ctx.qualified_name(call.func)
    if direct is not None:
        return direct
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    receiver = func.value
    if isinstance(receiver, ast.Name):
        value = (value_of or value_before)(ctx, receiver)
        if isinstance(value, ast.Await):
            value = value.value
        receiver = value if value is not None else receiver
    if isinstance(receiver, ast.Call):
        constructor = ctx.qualified_name(receiver.func)
        if constructor is not None:
            return f"{constructor}.{func.attr}"
    return None



@dataclass(frozen=True)
class Choice:
    """``value`` is what the code picks when ``test`` is true (``when_true``) or false; ``other`` is
    what it picks otherwise."""
    test: ast.expr
    when_true: bool
    other: ast.expr


def choice(ctx: RuleContext, value: ast.expr) -> Choice | None:
    """The condition that selects ``value`` and what the code chooses instead when it goes the other
    way: the other arm of ``a if cond else b``, or what the sibling branch of an ``if`` assigns to the
    same target (``if opt: x.mode = A`` / ``else: x.mode = B``). None when ``value`` is not chosen by
    a condition, or the other branch does not assign that target directly (nested statements,
    ``elif`` chains: unknown)."""
    parent = ctx.parent(value)
    if isinstance(parent, ast.IfExp) and value is not parent.test:
        first = value is parent.body
        return Choice(parent.test, first, parent.orelse if first else parent.body)
    if not (isinstance(parent, ast.Assign) and parent.value is value and len(parent.targets) == 1):
        return None
    branch = ctx.parent(parent)
    if not isinstance(branch, ast.If) or not branch.orelse:
        return None
    first = any(stmt is parent for stmt in branch.body)
    target = ast.dump(parent.targets[0])
    for stmt in branch.orelse if first else branch.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and ast.dump(stmt.targets[0]) == target:
            return Choice(branch.test, first, stmt.value)
    return None


def default_of(ctx: RuleContext, setting: ast.expr) -> ast.expr | None:
    """The visible default of a setting read as ``setting``: ``getattr(config, "X", True)``,
    ``config.get("X", True)``, a parameter's default, or a local bound to one of those above."""
    if isinstance(setting, ast.Name):
        if is_parameter(ctx, setting):
            function = scope_of(ctx, setting)
            args = function.args
            positional = args.posonlyargs + args.args
            pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults))
            pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
            return next((default for arg, default in pairs if arg.arg == setting.id), None)
        bound = value_before(ctx, setting)
        return default_of(ctx, bound) if bound is not None and not isinstance(bound, ast.Name) else None
    if isinstance(setting, ast.Call) and len(setting.args) >= 2 and not setting.keywords:
        func = setting.func
        if isinstance(func, ast.Name) and func.id == "getattr" and len(setting.args) == 3:
            return setting.args[2]
        if isinstance(func, ast.Attribute) and func.attr == "get" and len(setting.args) == 2:
            return setting.args[1]
    return None
