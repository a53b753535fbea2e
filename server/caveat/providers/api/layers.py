"""What one library file defines, read with ``ast`` (one *layer* of the static index).

``build_layer(path, module)`` returns a JSON-ready dict:

- ``members``: names bound at module level (defs, classes, assignments, imports, loop and
  ``with`` targets, names a ``__getattr__`` serves by literal comparison);
- ``imports``: local name -> absolute dotted target (relative imports resolved);
  ``star``: modules imported with ``*``; ``all``: ``__all__`` names, if any;
- ``open``: why the module's names cannot be enumerated ("" when they can);
- ``classes``: qualified name -> ``{bases, meta, deco, members, open, line, attrs}`` (bases and
  decorators as dotted source text; members include ``self.x`` assignments of methods;
  ``attrs``: what data attributes hold, an annotation's text or ``call:C`` for
  ``self.x = C(...)`` in ``__init__``);
- ``functions``: qualified name (``Class.method``) -> ``{params, kw, deco, ret, fwd, keys,
  open, locals, self_ret, line}``: keyword-acceptable parameters (``self``/``cls`` dropped),
  whether it takes ``**kwargs``, and where those go: ``fwd`` the callees they are passed to
  as written (``request``, ``self.request``, ``super().__init__``, ``parser().parse``),
  ``keys`` the literal keys it reads, ``open`` why the forwarding cannot be followed, and
  ``locals`` the local names made by a constructor call (``with:`` for ``with C() as x``);
  ``async`` for ``async def``; ``sigs``: ``[first argument's annotation, return annotation]``
  of each overload (binary operators dispatch on the first);
- ``values``: module-level ``name = Class(...)`` (instances) and ``name = other`` (aliases);
  a ``TypeVar`` with a bound or constraints is marked ``restricted``.

Resolution across modules and layers lives in ``caveat.providers.api.index``.
"""
from __future__ import annotations

import ast
import os
import re
import sys
from pathlib import Path


def _dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for Name/Attribute chains, ``super().x``, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super":
        parts.append("super()")
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "type" \
            and len(node.args) == 1 and isinstance(node.args[0], ast.Name) and node.args[0].id == "self":
        parts.append("cls")
    elif isinstance(node, ast.Call) and parts:  # ``parser(info).parse``: a method of a new instance
        inner = _dotted(node.func)
        if inner is None or inner.endswith("()"):
            return None
        parts.append(inner + "()")
    else:
        return None
    return ".".join(reversed(parts))


def _decorator_name(node: ast.AST) -> str:
    """``name`` for ``@name``, ``name()`` for ``@name(...)`` (a decorator factory)."""
    target = node.func if isinstance(node, ast.Call) else node
    text = _dotted(target) or ast.unparse(target)
    return text + "()" if isinstance(node, ast.Call) else text


def _returns(function: ast.AST) -> list[ast.Return]:
    """The function's own return statements (not those of nested functions)."""
    found, stack = [], list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Return):
            found.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))
    return found


def _returned_name(node: ast.AST | None) -> str | None:
    """``x`` for ``return x`` and ``return cast(T, x)``."""
    if isinstance(node, ast.Call) and (_dotted(node.func) or "").rsplit(".", 1)[-1] == "cast" and len(node.args) == 2:
        node = node.args[1]
    return node.id if isinstance(node, ast.Name) else None


_INSPECTING = {"isinstance", "issubclass", "cast", "hasattr", "getattr", "callable", "id", "type", "repr", "str"}


def _only_labels(function: ast.AST, param: str) -> bool:
    """``param`` is only returned, inspected or labelled (``param.__doc__ = ...``): never
    called, never handed to other code, never changed with ``setattr`` or its methods."""
    parents = {child: node for node in ast.walk(function) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(function):
        if not (isinstance(node, ast.Name) and node.id == param):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.Attribute):
            grand = parents.get(parent)
            if isinstance(grand, ast.Call) and grand.func is parent:
                return False  # param.method(...): may add members
            continue
        if isinstance(parent, ast.Call) and parent.func is not node:
            if (_dotted(parent.func) or "").rsplit(".", 1)[-1] not in _INSPECTING:
                return False
            continue
        if isinstance(parent, ast.Call):
            return False  # param(...): a wrapper calls it, its signature may differ
    return True


def _new_returns_other(function: ast.FunctionDef) -> bool:
    """``__new__`` that returns something other than ``super().__new__(cls)`` (or a name
    holding it): the instances are of other classes (pandas' ``.dt`` accessor)."""
    for node in _returns(function):
        value = node.value
        if isinstance(value, ast.Name) or value is None:
            continue
        if isinstance(value, ast.Call) and (_dotted(value.func) or "").endswith("__new__"):
            continue
        return True
    return False


def _identity(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """1: a decorator that returns what it decorates (``func.__module__ = m; return func``);
    2: a factory returning such a decorator (``@set_module("pandas")``); 0: anything else.
    Setting attributes on the decorated object is allowed; ``setattr`` (from data) is not."""
    returns = _returns(function)
    if not returns:
        return 0
    positional = function.args.posonlyargs + function.args.args
    if positional and all(_returned_name(r.value) == positional[0].arg for r in returns):
        return 1 if _only_labels(function, positional[0].arg) else 0
    inner = {n.name: n for n in function.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    names = {_returned_name(r.value) for r in returns}
    if len(names) == 1 and next(iter(names)) in inner and _identity(inner[next(iter(names))]) == 1:
        return 2
    return 0


def _annotation_text(node: ast.AST | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return ast.unparse(node)


def _first_argument(node: ast.FunctionDef | ast.AsyncFunctionDef, owner: str | None) -> str | None:
    """The annotation of the first argument after ``self`` (binary operators dispatch on it)."""
    positional = node.args.posonlyargs + node.args.args
    if owner is not None and positional:
        positional = positional[1:]
    return _annotation_text(positional[0].annotation) if positional else None


def _targets(node: ast.AST):
    if isinstance(node, ast.Name):
        yield node.id
    elif isinstance(node, (ast.Tuple, ast.List)):
        for element in node.elts:
            yield from _targets(element)
    elif isinstance(node, ast.Starred):
        yield from _targets(node.value)


def _fills_globals(stmt: ast.stmt) -> bool:
    """``globals()[name] = value`` or ``globals().update(...)`` as a module-level statement
    (``_statements`` goes through loops and branches, not into functions: numpy's
    numerictypes sets ``int64`` and the other scalar types so)."""
    if isinstance(stmt, ast.Assign):
        return any(isinstance(t, ast.Subscript) and _is_globals_call(t.value) for t in stmt.targets)
    value = stmt.value if isinstance(stmt, ast.Expr) else None
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "update" \
        and _is_globals_call(value.func.value)


def _is_globals_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "globals"


def _statements(body: list[ast.stmt]):
    """Statements of a scope, through if/try/with/for/while, not into defs and classes."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list):
                yield from _statements(inner)
        for handler in getattr(stmt, "handlers", []) or []:
            yield from _statements(handler.body)
        for case in getattr(stmt, "cases", []) or []:
            yield from _statements(case.body)


# (``_globals = globals()`` aliases the namespace: numpy 1.26's ``numpy._core`` shims fill it)
_MODULE_DYNAMIC = re.compile(r"\bglobals\s*\(\s*\)\s*(\[|\.\s*update|\.\s*setdefault)|sys\.modules\s*\[[^\]]*\]\s*=|"
                             r"\b\w+\s*=\s*globals\s*\(\s*\)(?!\s*[\[.])|"
                             r"\blazy_loader\b|\blazy\.attach\b|\bexec\s*\(")


class _LayerBuilder:
    def __init__(self, tree: ast.Module, module: str, is_package: bool, source: str, stub: bool = False) -> None:
        self.stub = stub
        self.tree = tree
        self.module = module
        self.package = module if is_package else module.rpartition(".")[0]
        self.source = source
        self.lines = source.splitlines(keepends=True)
        self.layer = {"members": set(), "imports": {}, "star": [], "all": None, "open": "",
                      "classes": {}, "functions": {}, "values": {}}

    def absolute(self, level: int, module: str | None) -> str:
        if not level:
            return module or ""
        base = self.package.split(".") if self.package else []
        if level > 1:
            base = base[: len(base) - (level - 1)]
        return ".".join([*base, *([module] if module else [])])

    def build(self) -> dict:
        layer = self.layer
        for stmt in _statements(self.tree.body):
            self._module_statement(stmt)
        if _MODULE_DYNAMIC.search(self.source):
            layer["open"] = layer["open"] or "the module changes its namespace at run time"
        if any(_fills_globals(stmt) for stmt in _statements(self.tree.body)):
            layer["fills"] = True  # module-level ``globals()[key] = value``: names from a table
        getattr_node = next((n for n in _statements(self.tree.body) if isinstance(n, ast.FunctionDef)
                             and n.name == "__getattr__"), None)
        if getattr_node is None and any(isinstance(n, (ast.Assign, ast.AnnAssign)) and "__getattr__" in
                                        set(_targets(n.targets[0] if isinstance(n, ast.Assign) else n.target))
                                        for n in _statements(self.tree.body)):
            layer["open"] = "the module's __getattr__ can return any name"  # __getattr__ = make_getattr(...)
        if getattr_node is not None:
            extra = _getattr_names(getattr_node)
            for table in _getattr_tables(getattr_node) if extra is not None else ():
                keys = self._table_keys(table)  # numpy 1.26: __deprecated_attrs__[attr], __expired_functions__
                if keys is None:  # a table the module does not build: any name may come out
                    extra = None
                    break
                extra = extra + keys
            if extra is None:
                layer["open"] = "the module's __getattr__ can return any name"
            else:
                layer["members"].update(extra)
                layer["getattr"] = "raises"  # serves a fixed set of names, else AttributeError
        layer["members"] = sorted(layer["members"])
        return layer

    def _table_keys(self, table: str) -> list[str] | None:
        """Name-like strings of the module-level statements that fill ``table`` (``T = {...}``,
        ``T.update(...)``, ``T["k"] = ...``) and of the module-level names those read (a list
        of names the dict is built from); None when the module does not build it itself."""
        keys: list[str] = []
        wanted, done, built = [table], set(), False
        while wanted and len(done) < 20:
            name = wanted.pop()
            done.add(name)
            for stmt in _statements(self.tree.body):
                if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                    fills = any(isinstance(t, ast.Name) and t.id == name or isinstance(t, ast.Subscript)
                                and isinstance(t.value, ast.Name) and t.value.id == name for t in targets)
                elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                    fills = (_dotted(stmt.value.func) or "").startswith(f"{name}.")
                else:
                    fills = False
                if not fills:
                    continue
                built = built or name == table
                for node in ast.walk(stmt):
                    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
                        keys.append(node.value)
                    elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in done:
                        wanted.append(node.id)
        return keys if built else None

    def _module_statement(self, stmt: ast.stmt) -> None:
        layer = self.layer
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            layer["members"].add(stmt.name)
            self._add_function(stmt.name, self._function(stmt, None))
        elif isinstance(stmt, ast.ClassDef):
            layer["members"].add(stmt.name)
            self._class(stmt, stmt.name)
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    layer["members"].add(alias.asname)
                    layer["imports"][alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    if not self.stub:  # a stub's plain `import x` is not a re-export (PEP 484)
                        layer["members"].add(top)
                    layer["imports"][top] = top
        elif isinstance(stmt, ast.ImportFrom):
            source = self.absolute(stmt.level, stmt.module)
            for alias in stmt.names:
                if alias.name == "*":
                    layer["star"].append(source)
                    continue
                local = alias.asname or alias.name
                if not (self.stub and not stmt.level and alias.asname != alias.name):
                    layer["members"].add(local)  # a stub re-exports only `import x as x` (PEP 484)
                layer["imports"][local] = f"{source}.{alias.name}" if source else alias.name
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                for name in _targets(target):
                    layer["members"].add(name)
                    if name == "__all__":
                        self._all(stmt)
                    elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                        self._value(name, stmt.value)
                    elif isinstance(stmt, ast.AnnAssign):
                        annotation = _dotted(stmt.annotation)
                        built_by = _dotted(stmt.value.func) if isinstance(stmt.value, ast.Call) else None
                        if annotation:  # ``_rand: RandomState``, ``request: Request = LocalProxy(...)``
                            self.layer["values"][name] = ["annotation", annotation, built_by]
                        elif stmt.value is not None:
                            self._value(name, stmt.value)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            layer["members"].update(_targets(stmt.target))
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                if item.optional_vars is not None:
                    layer["members"].update(_targets(item.optional_vars))
        elif isinstance(stmt, ast.Try):
            for handler in stmt.handlers:
                if handler.name:
                    layer["members"].add(handler.name)
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            func = _dotted(stmt.value.func) or ""
            if func.startswith("__all__."):
                self._all(stmt)
        for node in ast.walk(stmt) if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.Expr, ast.If)) else ():
            if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
                layer["members"].add(node.target.id)

    def _add_function(self, qualname: str, info: dict) -> None:
        """Overloads (and conditional definitions) of one name: a signature accepting what
        any of them accepts."""
        known = self.layer["functions"].get(qualname)
        if known is not None:
            info["params"] = list(dict.fromkeys(known["params"] + info["params"]))
            info["keys"] = sorted(set(known["keys"]) | set(info["keys"]))
            info["fwd"] = known["fwd"] + [f for f in info["fwd"] if f not in known["fwd"]]
            info["locals"] = {**known["locals"], **info["locals"]}
            info["kw"] = known["kw"] or info["kw"]
            info["open"] = known["open"] or info["open"] if known["kw"] or info["kw"] else ""
            info["deco"] = [d for d in info["deco"] if d not in ("overload", "typing.overload")] or \
                [d for d in known["deco"] if d not in ("overload", "typing.overload")]
            info["ret"] = info["ret"] or known["ret"]
            if known["overload"] and not info["overload"]:
                info["sigs"] = known["sigs"]  # the implementation after its overloads
            elif known["overload"] == info["overload"]:
                info["sigs"] = known["sigs"] + info["sigs"]
            info["overload"] = known["overload"] or info["overload"]
        self.layer["functions"][qualname] = info

    def _all(self, stmt: ast.stmt) -> None:
        names = self.layer["all"] or []
        for node in ast.walk(stmt):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
                names.append(node.value)
        self.layer["all"] = sorted(set(names))

    def _value(self, name: str, value: ast.AST) -> None:
        """``name = Class(...)`` (an instance) or ``name = other`` (an alias), for resolution."""
        if isinstance(value, ast.Call):
            callee = _dotted(value.func)
            if callee:
                self.layer["values"][name] = ["call", callee]
                if callee.rsplit(".", 1)[-1] == "TypeVar" and (len(value.args) > 1 or any(
                        k.arg == "bound" for k in value.keywords)):
                    self.layer["values"][name].append("restricted")  # a bound or constraints
        else:
            target = _dotted(value)
            if target:
                self.layer["values"][name] = ["alias", target]

    def _class(self, node: ast.ClassDef, qualname: str) -> None:
        members: set[str] = set()
        stores = {stmt: _AttributeStores(stmt) for stmt in _statements(node.body)
                  if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))}  # one walk per method
        info = {"bases": [], "meta": None, "deco": [_decorator_name(d) for d in node.decorator_list],
                "members": [], "open": "", "line": node.lineno, "attrs": _typed_attributes(node, stores)}
        for base in node.bases:
            text = _dotted(base.value if isinstance(base, ast.Subscript) else base)
            info["bases"].append(text if text else "?" + ast.unparse(base))
        for keyword in node.keywords:
            if keyword.arg == "metaclass":
                info["meta"] = _dotted(keyword.value) or ast.unparse(keyword.value)
        for stmt in _statements(node.body):
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                members.add(stmt.name)
                self._add_function(f"{qualname}.{stmt.name}", self._function(stmt, qualname))
                members.update(stores[stmt].instance_attributes())
            elif isinstance(stmt, ast.ClassDef):
                members.add(stmt.name)
                self._class(stmt, f"{qualname}.{stmt.name}")
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    members.update(_targets(target))
                    if isinstance(target, ast.Name) and target.id == "__slots__" and stmt.value is not None:
                        for constant in ast.walk(stmt.value):
                            if isinstance(constant, ast.Constant) and isinstance(constant.value, str):
                                members.add(constant.value)
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
                members.update(a.asname or a.name.split(".")[0] for a in stmt.names)
            elif isinstance(stmt, (ast.For, ast.AsyncFor)):
                members.update(_targets(stmt.target))
        new = next((n for n in _statements(node.body) if isinstance(n, ast.FunctionDef) and n.name == "__new__"), None)
        if (members - _hidden_from_type_checkers(node)) & {"__getattr__", "__getattribute__"}:
            info["open"] = "the class defines __getattr__"
        elif new is not None and _new_returns_other(new):
            info["open"] = "its __new__ returns objects of other classes"
        elif _CLASS_DYNAMIC.search(self._constructing_code(node)):
            info["open"] = "the class sets attributes from data (setattr / __dict__)"
        elif any(_sets_from_data(stmt) for stmt in _statements(node.body)):
            info["open"] = "a method sets attributes named by data (setattr(self, name, ...))"
        info["members"] = sorted(members)
        self.layer["classes"][qualname] = info

    def _constructing_code(self, node: ast.ClassDef) -> str:
        """The class body without its ordinary methods: class-level code and constructors,
        where attributes made from data (``setattr(self, key, value)``) appear. Pickling and
        copying helpers restore known attributes and are left out."""
        parts = []
        for stmt in node.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name not in _CONSTRUCTORS:
                continue
            parts.extend(self.lines[stmt.lineno - 1:stmt.end_lineno or stmt.lineno])
        return "".join(parts)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, owner: str | None) -> dict:
        args = node.args
        params = [a.arg for a in args.args + args.kwonlyargs]
        if owner is not None and args.args and not args.posonlyargs \
                and not any(_decorator_name(d) == "staticmethod" for d in node.decorator_list):
            params = params[1:]  # self / cls (positional-only in ``def __init__(self, value, /, dtype)``)
        info = {"params": params, "kw": args.kwarg is not None, "deco": [_decorator_name(d) for d in node.decorator_list],
                "ret": _annotation_text(node.returns), "fwd": [], "keys": [], "open": "", "locals": {},
                "self_ret": False, "line": node.lineno, "ident": _identity(node),
                "async": isinstance(node, ast.AsyncFunctionDef), "sigs": [[_first_argument(node, owner), _annotation_text(node.returns)]],
                "overload": any(_decorator_name(d).rsplit(".", 1)[-1] == "overload" for d in node.decorator_list)}
        if args.kwarg is not None:
            self._forwarding(node, args.kwarg.arg, info)
        if owner is not None and node.name == "__enter__":
            info["self_ret"] = all(isinstance(r.value, ast.Name) and r.value.id == (args.args[0].arg if args.args else "")
                                   for r in ast.walk(node) if isinstance(r, ast.Return)) and \
                any(isinstance(r, ast.Return) for r in ast.walk(node))
        return info

    def _forwarding(self, node: ast.AST, kwargs: str, info: dict) -> None:
        """Where ``**kwargs`` goes: calls it is passed to, keys read from it, other uses (open)."""
        allowed: set[int] = set()
        keys: set[str] = set()
        locals_: dict[str, str | None] = {}
        rejects_rest = False
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call):
                for keyword in sub.keywords:
                    if keyword.arg is None and isinstance(keyword.value, ast.Name) and keyword.value.id == kwargs:
                        allowed.add(id(keyword.value))
                        callee = _dotted(sub.func)
                        info["fwd"].append(callee if callee else "?" + ast.unparse(sub.func)[:60])
                func = sub.func
                if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == kwargs \
                        and func.attr in ("pop", "get", "setdefault", "__contains__"):
                    if sub.args and isinstance(sub.args[0], ast.Constant) and isinstance(sub.args[0].value, str):
                        allowed.add(id(func.value))
                        keys.add(sub.args[0].value)
                if isinstance(func, ast.Name) and func.id == "len" and len(sub.args) == 1 \
                        and isinstance(sub.args[0], ast.Name) and sub.args[0].id == kwargs:
                    allowed.add(id(sub.args[0]))
            elif isinstance(sub, ast.Subscript) and isinstance(sub.value, ast.Name) and sub.value.id == kwargs:
                if isinstance(sub.slice, ast.Constant) and isinstance(sub.slice.value, str):
                    allowed.add(id(sub.value))
                    keys.add(sub.slice.value)
            elif isinstance(sub, ast.Compare) and len(sub.ops) == 1 and isinstance(sub.ops[0], (ast.In, ast.NotIn)) \
                    and isinstance(sub.comparators[0], ast.Name) and sub.comparators[0].id == kwargs:
                allowed.add(id(sub.comparators[0]))
                if isinstance(sub.left, ast.Constant) and isinstance(sub.left.value, str):
                    keys.add(sub.left.value)
            elif isinstance(sub, (ast.If, ast.While)) and isinstance(sub.test, ast.Name) and sub.test.id == kwargs:
                allowed.add(id(sub.test))
                if any(isinstance(s, ast.Raise) for s in sub.body):
                    rejects_rest = True
            elif isinstance(sub, ast.Delete):
                for target in sub.targets:
                    if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and target.value.id == kwargs:
                        allowed.add(id(target.value))
            elif isinstance(sub, ast.Assign) and len(sub.targets) == 1 and isinstance(sub.targets[0], ast.Name):
                name = sub.targets[0].id
                callee = _dotted(sub.value.func) if isinstance(sub.value, ast.Call) else None
                locals_[name] = callee if name not in locals_ and callee else None
            elif isinstance(sub, (ast.With, ast.AsyncWith)):
                for item in sub.items:
                    if isinstance(item.optional_vars, ast.Name) and isinstance(item.context_expr, ast.Call):
                        callee = _dotted(item.context_expr.func)
                        name = item.optional_vars.id
                        locals_[name] = ("with:" + callee) if name not in locals_ and callee else None
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and sub.id == kwargs and id(sub) not in allowed \
                    and not (isinstance(sub.ctx, ast.Store)):
                info["open"] = f"`**{kwargs}` is used as a value (line {sub.lineno})"
                break
            if isinstance(sub, ast.Name) and sub.id == kwargs and isinstance(sub.ctx, ast.Store):
                info["open"] = f"`{kwargs}` is reassigned"
                break
        if not info["fwd"] and not rejects_rest and not info["open"]:
            info["open"] = f"`**{kwargs}` accepts any keyword"
        info["keys"] = sorted(keys)
        info["locals"] = {k: v for k, v in locals_.items() if v}


def _hidden_from_type_checkers(node: ast.ClassDef) -> set[str]:
    """Methods defined only under ``if not TYPE_CHECKING:``: the library keeps them from type
    checkers on purpose (pydantic's ``__getattr__``, which serves private attributes and
    extras only), so static attribute access is checked as if they were absent."""
    hidden: set[str] = set()
    shown: set[str] = set()
    for stmt in node.body:
        if isinstance(stmt, ast.If) and isinstance(stmt.test, ast.UnaryOp) and isinstance(stmt.test.op, ast.Not) \
                and (_dotted(stmt.test.operand) or "").rsplit(".", 1)[-1] == "TYPE_CHECKING":
            hidden.update(s.name for s in stmt.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)))
            shown.update(s.name for s in stmt.orelse if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)))
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            shown.add(stmt.name)
    return hidden - shown


class _AttributeStores:
    """What one walk of a method finds: the attributes it stores on names (``self.x = ...``,
    ``self.x: T = ...``, ``a.x, b.y = ...``), read by ``instance_attributes`` and
    ``_typed_attributes`` (index builds spent a sixth of their time walking methods twice)."""

    def __init__(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        positional = function.args.posonlyargs + function.args.args
        self.first = positional[0].arg if positional else None
        self.stored: list[tuple[str, str]] = []  # (name, attribute) of every ``name.attribute`` stored
        self.assignments: list[tuple[ast.AST, ast.Attribute]] = []  # single-target (Ann/Aug)Assign to first.attr
        self.made: set[str] = set()  # names bound to ``X.__new__(...)`` in ``__new__``
        if self.first is None:
            return
        is_new = function.name == "__new__"
        for sub in ast.walk(function):
            if isinstance(sub, ast.Attribute):
                if isinstance(sub.ctx, ast.Store) and isinstance(sub.value, ast.Name):
                    self.stored.append((sub.value.id, sub.attr))
                continue
            target = sub.target if isinstance(sub, (ast.AnnAssign, ast.AugAssign)) else sub.targets[0] \
                if isinstance(sub, ast.Assign) and len(sub.targets) == 1 else None
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                    and target.value.id == self.first:
                self.assignments.append((sub, target))
            if is_new and isinstance(sub, ast.Assign) and isinstance(sub.value, ast.Call) \
                    and isinstance(sub.value.func, ast.Attribute) and sub.value.func.attr == "__new__":
                self.made.update(t.id for t in sub.targets if isinstance(t, ast.Name))

    def instance_attributes(self) -> set[str]:
        """Attributes stored on the instance: ``self`` (the first parameter), and in ``__new__``
        what ``X.__new__(cls)`` made."""
        instances = {self.first} | self.made
        return {attr for name, attr in self.stored if name in instances}


def _typed_attributes(node: ast.ClassDef, stores: dict[ast.AST, _AttributeStores]) -> dict[str, str]:
    """What the class's data attributes hold, where the source says: an annotation (``name: T``
    in the class body, ``self.name: T`` in a method) decides; else ``self.name = C(...)`` in
    ``__init__`` gives ``"call:C"`` when it is the only assignment of that name."""
    declared: dict[str, str] = {}
    built: dict[str, str | None] = {}
    for stmt in node.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            declared.setdefault(stmt.target.id, _annotation_text(stmt.annotation))
    for stmt in node.body:
        if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for sub, target in stores[stmt].assignments:
            if isinstance(sub, ast.AnnAssign):
                declared.setdefault(target.attr, _annotation_text(sub.annotation))
            elif stmt.name == "__init__" and isinstance(sub, ast.Assign) and isinstance(sub.value, ast.Call) \
                    and _dotted(sub.value.func) and target.attr not in built:
                built[target.attr] = "call:" + _dotted(sub.value.func)
            else:
                built[target.attr] = None
    result = {name: value for name, value in built.items() if value}
    result.update({name: value for name, value in declared.items() if value})
    return result


def _getattr_names(function: ast.FunctionDef) -> list[str] | None:
    """Names a module ``__getattr__`` serves when it ends in ``raise AttributeError`` and
    returns only for names compared with literals; None when it may return anything."""
    body = [s for s in function.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if not body or not isinstance(body[-1], ast.Raise):
        return None
    names = []
    for node in ast.walk(function):
        if isinstance(node, ast.Compare):
            for comparator in [node.left, *node.comparators]:
                if isinstance(comparator, ast.Constant) and isinstance(comparator.value, str):
                    names.append(comparator.value)
                elif isinstance(comparator, (ast.Tuple, ast.List, ast.Set)):
                    names.extend(e.value for e in comparator.elts
                                 if isinstance(e, ast.Constant) and isinstance(e.value, str))
    return names


def _getattr_tables(function: ast.FunctionDef) -> set[str]:
    """Module-level names a ``__getattr__`` looks its argument up in (``T[name]``,
    ``T.get(name)``, ``name in T``): it serves (or refuses) the keys of those tables."""
    args = function.args.posonlyargs + function.args.args
    if not args:
        return set()
    name = args[0].arg
    is_name = lambda node: isinstance(node, ast.Name) and node.id == name  # noqa: E731
    tables = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Subscript) and is_name(node.slice) and isinstance(node.value, ast.Name):
            tables.add(node.value.id)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
                and node.args and is_name(node.args[0]) and isinstance(node.func.value, ast.Name):
            tables.add(node.func.value.id)
        elif isinstance(node, ast.Compare) and is_name(node.left) and len(node.ops) == 1 \
                and isinstance(node.ops[0], ast.In) and isinstance(node.comparators[0], ast.Name):
            tables.add(node.comparators[0].id)
    return tables


_CONSTRUCTORS = {"__init__", "__new__", "__post_init__", "__init_subclass__", "__set_name__"}
# methods that restore or copy attributes the class already has (``_copy_internals``, ``__setstate__``)
_RESTORING = re.compile(r"copy|clone|replace|restore|setstate|reduce|^__setattr__$|^__delattr__$")


def _sets_from_data(function: ast.AST) -> bool:
    """Whether an ordinary method sets attributes whose names come from data (a variable) on its
    class (a classmethod: ``setattr(cls, name, event)``, a registry of events) or copies its
    ``**kwargs`` onto the object (``for key, value in attributes.items(): setattr(self, key,
    value)``: Jinja2's ``Environment.extend``, which extensions use to add methods)."""
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or function.name in _CONSTRUCTORS \
            or _RESTORING.search(function.name):
        return False
    positional = function.args.posonlyargs + function.args.args
    if not positional or any(_decorator_name(d) == "staticmethod" for d in function.decorator_list):
        return False
    first = positional[0].arg
    on_class = any(_decorator_name(d) == "classmethod" for d in function.decorator_list)
    if not on_class and function.args.kwarg is None:
        return False  # one attribute its caller names (``load_external_module(name, f)``): the caller shows it
    return any(isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "setattr"
               and len(call.args) >= 2 and isinstance(call.args[0], ast.Name) and call.args[0].id == first
               and isinstance(call.args[1], ast.Name) for call in ast.walk(function))
_CLASS_DYNAMIC = re.compile(r"\bsetattr\s*\(\s*(self|cls|klass|obj|instance|new_cls)\b|__dict__\s*\.\s*update|"
                            r"__dict__\s*\[|\bvars\s*\(\s*self\s*\)\s*\.\s*update|\blocals\s*\(\s*\)\s*\.\s*update|"
                            r"\blocals\s*\(\s*\)\s*\[")


def build_layer(path: str, module: str) -> dict | None:
    try:
        source = Path(path).read_text(encoding="utf-8", errors="replace")
        tree = ast.parse(source, filename=path)
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    is_package = os.path.basename(path).startswith("__init__.")
    stub = path.endswith(".pyi")
    if stub:
        tree = _VersionBranches().visit(tree)
    return _LayerBuilder(tree, module, is_package, source, stub).build()


class _VersionBranches(ast.NodeTransformer):
    """In a stub, ``if sys.version_info >= (3, N):`` keeps only the branch of the running
    Python (typeshed declares names removed in 3.11 under ``< (3, 11)``): the standard library
    is checked only when the project's Python is the one caveat runs on."""

    def visit_If(self, node: ast.If):
        taken = _version_test(node.test)
        if taken is None:
            return self.generic_visit(node)
        kept = []
        for stmt in node.body if taken else node.orelse:
            result = self.visit(stmt)
            kept.extend(result if isinstance(result, list) else [result] if result is not None else [])
        return kept or None

    def visit_FunctionDef(self, node):
        return node  # signatures only: bodies of stubs hold nothing

    visit_AsyncFunctionDef = visit_FunctionDef


def _version_test(test: ast.AST) -> bool | None:
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and _dotted(test.left) == "sys.version_info"):
        return None
    target = test.comparators[0]
    if not isinstance(target, ast.Tuple) or not all(isinstance(e, ast.Constant) and isinstance(e.value, int)
                                                    for e in target.elts):
        return None
    wanted = tuple(e.value for e in target.elts)
    have = tuple(sys.version_info[:len(wanted)])
    op = type(test.ops[0])
    compare = {ast.Lt: have < wanted, ast.LtE: have <= wanted, ast.Gt: have > wanted, ast.GtE: have >= wanted,
               ast.Eq: have == wanted, ast.NotEq: have != wanted}
    return compare.get(op)


