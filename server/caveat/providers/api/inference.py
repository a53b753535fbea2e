"""What a receiver or a callee in the project's code is, read statically (``ast`` + the index).

``Inference(api, model)`` answers ``values(node)`` for an expression of one block: a tuple of
``Value`` (the expression is one of them at run time) or ``None`` when it cannot tell (then the
checks say nothing, or ask jedi). Nothing is executed and nothing is guessed:

- names: parameters and variables by their annotation (``def f(resp: requests.Response)``,
  ``x: str = ...``); otherwise every binding of the name in its scope must be understood
  (``x = expr``, ``with expr as x``, ``except E as x``) and the answer is their union; ``self``
  and ``cls`` are the enclosing class; module-level names, imports and the module's own
  classes and functions through the ``ModuleModel``;
- literals, displays and comprehensions are builtins (``"a"`` -> ``str``, ``[...]`` -> ``list``);
- calls: a library class builds an instance of exactly that class; a library function or
  method returns what its annotation (stub or source) names (``Optional``/``| None``, generic
  arguments and ``Self`` handled; a ``TypeVar`` or an overload set that disagrees is unknown);
  a project class builds its instance, a project function returns its annotation;
- attributes: a module's members, a method (bound to its receiver for ``Self``), a property's
  return, a data attribute's annotation or its ``self.x = C(...)`` constructor;
- ``with x as y`` / ``async with``: what ``__enter__`` / ``__aenter__`` returns;
- operators: ``a - b`` is what ``type(a).__sub__`` returns for ``b``'s type (stub overloads are
  matched on their first argument: ``datetime - datetime`` -> ``timedelta``);
- project classes (``ProjectClass``) that derive from library classes: their own names
  (fields, methods, ``self.x``) plus their bases' members (pydantic models, dataclasses).

A ``Value`` says whether the object was built right there (``exact``: no subclass can stand in)
and whether the type comes from the project's own annotation (``declared``).
"""
from __future__ import annotations

import ast
import hashlib
import os
import re
from dataclasses import dataclass, field, replace

from caveat.providers.api.index import _SAFE_CLASS_DECORATORS, ApiIndex, Names, Ref
from caveat.providers.api.sites import all_args, class_body_reading

_TYPING_PREFIXES = ("typing.", "typing_extensions.", "collections.abc.", "_typeshed.", "_collections_abc.",
                    "abc.", "types.", "numbers.")
_UNKNOWN_ANNOTATIONS = {"Any", "object", "Self", "NoReturn", "Never", "None"}
_OPERATORS = {ast.Add: "__add__", ast.Sub: "__sub__", ast.Mult: "__mul__", ast.Div: "__truediv__",
              ast.FloorDiv: "__floordiv__", ast.Mod: "__mod__", ast.Pow: "__pow__", ast.BitOr: "__or__",
              ast.BitAnd: "__and__", ast.BitXor: "__xor__", ast.LShift: "__lshift__", ast.RShift: "__rshift__",
              ast.MatMult: "__matmul__"}
_LITERALS = {ast.JoinedStr: "str", ast.List: "list", ast.ListComp: "list", ast.Dict: "dict", ast.DictComp: "dict",
             ast.Set: "set", ast.SetComp: "set", ast.Tuple: "tuple"}
_MAX_DEPTH = 24
_SEQUENCES = {"list", "List", "set", "Set", "frozenset", "FrozenSet", "Sequence", "MutableSequence", "Iterable",
              "Iterator", "Collection", "AbstractSet", "MutableSet", "deque", "Deque"}
_PLAIN_CLASS_DECORATORS = {"dataclass", "total_ordering", "final", "unique", "runtime_checkable", "dataclass_transform"}


@dataclass(frozen=True)
class ProjectClass:
    """A class defined in the checked module."""

    name: str
    bases: tuple[ast.expr, ...]
    decorators: tuple[str, ...]
    keywords: tuple[tuple[str, str], ...]  # class keywords (metaclass=..., extra=...)
    names: frozenset[str]  # what the class body and its methods define (fields, methods, self.x)
    annotations: dict = field(hash=False, compare=False, default_factory=dict)  # field -> annotation node
    methods: dict = field(hash=False, compare=False, default_factory=dict)  # name -> FunctionDef
    assigned: dict = field(hash=False, compare=False, default_factory=dict)  # self.x -> [value nodes]
    body_values: dict = field(hash=False, compare=False, default_factory=dict)  # class-level values (x = v, x: T = v)
    digest: str = ""
    dynamic: str = ""  # why instances may have other attributes (setattr, __dict__, extra='allow')
    # another module of the workspace that defines the class (None: the checked module)
    home: "ModuleModel | None" = field(default=None, hash=False, compare=False)


@dataclass(frozen=True)
class Value:
    ref: Ref | None  # a library module, class, function or instance (None for project classes)
    exact: bool = False  # built right here: no subclass can stand in
    declared: bool = False  # the project's own annotation says so
    project: ProjectClass | None = None
    instance: bool = False  # with ``project``: an instance (else the class object)
    bound: "Value | None" = None  # a method's receiver (for ``-> Self``)
    method: ast.AST | None = field(default=None, hash=False, compare=False)  # a project function or method
    # whose annotation declared the type: "project", or a library's top-level module ("" when
    # not declared): only subclasses that code can produce stand in for it
    origin: str = ""
    unknown: str = ""  # a callable that is known to be unknowable (why): say nothing, ask no one

    @property
    def kind(self) -> str:
        if self.project is not None:
            return "instance" if self.instance else "class"
        return self.ref.kind if self.ref is not None else "function"


def _digest(*parts: str) -> str:
    return hashlib.blake2b("\0".join(parts).encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


class ModuleModel:
    """The module's own classes, functions, module-level bindings and imports (from all its
    blocks), with a digest per name so a block's cache key can cover what it read."""

    def __init__(self) -> None:
        self.classes: dict[str, ProjectClass] = {}
        self.functions: dict[str, ast.AST] = {}
        self.bindings: dict[str, list[ast.AST]] = {}  # module-level name -> binding statements
        self.imports: dict[str, str] = {}
        self.digests: dict[str, str] = {}
        self.active: set = set()  # project attributes being inferred (cycles)
        self.stored: set[str] = set()  # attribute names the module sets on objects (`x.name = ...`, setattr)
        self.methods: dict = {}  # a method of a project class -> the Inference over it
        self.root = ""  # the workspace (for the project's other modules)
        self.path = ""  # this module's file
        self.label = ""  # how messages name it ("" for the checked module)
        self.inferences: dict = {}  # id(api) -> an Inference over this module (for its classes)

    @classmethod
    def build(cls, blocks, facts, imports: dict[str, str], root: str = "", path: str = "") -> "ModuleModel":
        model = cls._from_trees([f.tree for f in facts if f.tree is not None], imports, root, path)
        for name, nodes in model.bindings.items():  # a class imported from the project's other modules
            for node in nodes:
                if isinstance(node, ast.ImportFrom):
                    stamp = _workspace_stamp(model, node.level, node.module)
                    if stamp:
                        model.digests[name] = _digest(model.digests.get(name, ""), stamp)
        return model

    @classmethod
    def _from_trees(cls, trees, imports: dict[str, str], root: str, path: str, home: bool = False) -> "ModuleModel":
        model = cls()
        model.imports = dict(imports)
        model.root, model.path = root, path
        class_parts: dict[str, list[ast.ClassDef]] = {}
        passed: dict[str, str] = {}  # a name given to a module-level call -> the callee
        for tree in trees:
            model.stored.update(_stored_attributes(tree))
            for stmt in tree.body:
                if isinstance(stmt, ast.ClassDef):
                    class_parts.setdefault(stmt.name, []).append(stmt)
                elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    model.functions[stmt.name] = stmt
                    model.digests[stmt.name] = _digest(ast.dump(stmt.args), ast.dump(stmt.returns or ast.Pass()))
                else:
                    for node in _module_statements([stmt]):
                        for name in _bound_names(node):
                            model.bindings.setdefault(name, []).append(node)
                    _passed_classes(stmt, passed)
        for name, parts in class_parts.items():
            model.classes[name] = _project_class(name, parts, model if home else None)
            callee = passed.get(name)
            if callee and callee not in model.functions and callee not in class_parts:
                model.classes[name] = replace(model.classes[name], dynamic=f"passed to {callee}(), which may set "
                                              f"its attributes", digest=_digest(model.classes[name].digest, callee))
            model.digests[name] = model.classes[name].digest
        for name, nodes in model.bindings.items():
            model.digests[name] = _digest(*(ast.dump(n) for n in nodes))
        model.digests["<stored>"] = _digest(*sorted(model.stored))
        return model

    def key_for(self, reads) -> tuple:
        return tuple((name, self.digests[name]) for name in sorted(reads) if name in self.digests) + \
            (self.digests.get("<stored>", ""),)


def _passed_classes(stmt: ast.AST, passed: dict[str, str]) -> None:
    """Names given as positional arguments to module-level calls (``mapper(Revision, table)``):
    a class handed to a function of a library may get attributes from it (SQLAlchemy's
    classical mapping makes the table's columns class attributes)."""
    for node in ast.walk(stmt):
        if isinstance(node, ast.Call):
            callee = _dotted(node.func)
            if callee and callee not in ("isinstance", "issubclass", "print", "repr", "str", "type", "id"):
                for arg in node.args:
                    if isinstance(arg, ast.Name):
                        passed.setdefault(arg.id, callee)


_WORKSPACE_MODELS: dict = {}  # (file, mtime, size) -> ModuleModel of another module of the project
_MAX_WORKSPACE_FILE = 2 * 1024 * 1024


def _workspace_file(model: ModuleModel, level: int, module: str | None) -> str | None:
    """The project file ``from <level dots><module> import ...`` reads, within the workspace."""
    if not model.root or not model.path:
        return None
    parts = (module or "").split(".") if module else []
    if level:
        base = os.path.dirname(os.path.abspath(model.path))
        for _ in range(level - 1):
            base = os.path.dirname(base)
        bases = [base]
    else:
        if not parts:
            return None
        bases = [model.root, os.path.join(model.root, "src")]
    root = os.path.realpath(model.root)
    for base in bases:
        stem = os.path.join(base, *parts)
        for candidate in (stem + ".py", os.path.join(stem, "__init__.py")):
            if os.path.isfile(candidate):
                real = os.path.realpath(candidate)
                return real if real.startswith(root + os.sep) else None
    return None


def _workspace_stamp(model: ModuleModel, level: int, module: str | None) -> str:
    path = _workspace_file(model, level, module)
    if path is None:
        return ""
    try:
        stat = os.stat(path)
    except OSError:
        return ""
    return f"{path}:{stat.st_mtime_ns}:{stat.st_size}"


def workspace_model(model: ModuleModel, level: int, module: str | None) -> ModuleModel | None:
    """The model of another module of the project (read with ``ast``, never run), cached by
    file version; None when the import does not name a project file."""
    path = _workspace_file(model, level, module)
    if path is None or path == os.path.realpath(model.path):
        return None
    try:
        stat = os.stat(path)
        if stat.st_size > _MAX_WORKSPACE_FILE:
            return None
        key = (path, stat.st_mtime_ns, stat.st_size)
        found = _WORKSPACE_MODELS.get(key)
        if found is None:
            with open(path, encoding="utf-8") as handle:
                tree = ast.parse(handle.read())
            found = ModuleModel._from_trees([tree], _imports_of(tree), model.root, path, home=True)
            found.label = os.path.relpath(path, model.root)
            if len(_WORKSPACE_MODELS) > 256:
                _WORKSPACE_MODELS.clear()
            _WORKSPACE_MODELS[key] = found
        return found
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError, RecursionError):
        return None


def _imports_of(tree: ast.Module) -> dict[str, str]:
    """Local name -> dotted name of a module's top-level absolute imports."""
    found = {}
    for stmt in _module_statements(tree.body):
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                found[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(stmt, ast.ImportFrom) and not stmt.level and stmt.module:
            for alias in stmt.names:
                found[alias.asname or alias.name] = f"{stmt.module}.{alias.name}"
    return found


def _stored_attributes(tree: ast.AST) -> set[str]:
    """Names set on objects other than ``self``/``cls``: ``order.extra = 1``, ``setattr(x, "y", ...)``."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and not (
                isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
            found.add(node.attr)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr" \
                and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
            found.add(str(node.args[1].value))
    return found


def _module_statements(body):
    for stmt in body:
        yield stmt
        if isinstance(stmt, (ast.If, ast.Try, ast.With, ast.For, ast.While)) or type(stmt).__name__ == "TryStar":
            for name in ("body", "orelse", "finalbody"):
                yield from _module_statements(getattr(stmt, name, []) or [])
            for handler in getattr(stmt, "handlers", []) or []:
                yield from _module_statements(handler.body)


def _bound_names(stmt: ast.AST):
    if isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            yield from _target_names(target)
    elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
        yield from _target_names(stmt.target)
    elif isinstance(stmt, (ast.For, ast.AsyncFor)):
        yield from _target_names(stmt.target)
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        for item in stmt.items:
            if item.optional_vars is not None:
                yield from _target_names(item.optional_vars)
    elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
        for alias in stmt.names:
            yield alias.asname or alias.name.split(".")[0]
    elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        yield stmt.name
    elif isinstance(stmt, (ast.Global, ast.Nonlocal)):
        yield from stmt.names
    elif isinstance(stmt, ast.ExceptHandler) and stmt.name:
        yield stmt.name
    elif isinstance(stmt, ast.NamedExpr) and isinstance(stmt.target, ast.Name):
        yield stmt.target.id
    elif isinstance(stmt, ast.Delete):
        for target in stmt.targets:
            yield from _target_names(target)
    elif type(stmt).__name__ in ("MatchAs", "MatchStar") and getattr(stmt, "name", None):
        yield stmt.name
    elif type(stmt).__name__ == "MatchMapping" and getattr(stmt, "rest", None):
        yield stmt.rest


def _target_names(node: ast.AST):
    if isinstance(node, ast.Name):
        yield node.id
    elif isinstance(node, (ast.Tuple, ast.List)):
        for element in node.elts:
            yield from _target_names(element)
    elif isinstance(node, ast.Starred):
        yield from _target_names(node.value)


def _project_class(name: str, parts: list[ast.ClassDef], home: ModuleModel | None = None) -> ProjectClass:
    header = parts[0]
    names: set[str] = set()
    annotations: dict[str, ast.AST] = {}
    methods: dict[str, ast.AST] = {}
    assigned: dict[str, list[ast.AST]] = {}
    body_values: dict[str, list[ast.AST]] = {}
    interface = [ast.dump(b) for b in header.bases] + [ast.dump(k) for k in header.keywords] + \
        [ast.dump(d) for d in header.decorator_list]
    for part in parts:
        for stmt in part.body:
            for node in _module_statements([stmt]):
                bound = list(_bound_names(node))
                names.update(bound)
                if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    annotations[node.target.id] = node.annotation
                    if node.value is not None:  # `x: str = Field(alias="id")`, `model_config: ConfigDict = ...`
                        body_values.setdefault(node.target.id, []).append(node.value)
                    interface.append(ast.dump(node))
                elif isinstance(node, ast.Assign):
                    for target in bound:
                        body_values.setdefault(target, []).append(node.value)
                    interface.append(ast.dump(node))
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    methods[node.name] = node
                    interface.extend([node.name, ast.dump(node.args), ast.dump(node.returns or ast.Pass())]
                                     + [ast.dump(d) for d in node.decorator_list])
                    _self_assignments(node, names, assigned, interface)
                elif isinstance(node, ast.ClassDef):
                    interface.append(node.name)
    decorators = tuple(ast.unparse(d) for d in header.decorator_list)
    keywords = tuple((k.arg or "**", ast.unparse(k.value)) for k in header.keywords)
    return ProjectClass(name, tuple(header.bases), decorators, keywords, frozenset(names), annotations, methods,
                        assigned, body_values, _digest(*interface), _dynamic(parts), home)


_EXTRA_ALLOWED = re.compile(r"\bextra\s*[=:]\s*[^,)\n]*allow", re.I)


_ALIAS_GENERATOR = re.compile(r"\balias_generator\s*[=:]\s*(?!None\b)")


def _aliases(value: ast.AST) -> set[str] | None:
    """``Field(alias="x")`` / ``field(alias=...)``: the names a field is also accepted under;
    None when an alias is not a string literal (a variable, ``AliasChoices(...)``)."""
    found = set()
    if isinstance(value, ast.Call):
        for keyword in value.keywords:
            if keyword.arg not in ("alias", "validation_alias"):
                continue
            if not (isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str)):
                return None
            found.add(keyword.value.value)
    return found


def _dynamic(parts: list[ast.ClassDef]) -> str:
    """Why a project class's instances may carry attributes it does not declare."""
    for part in parts:
        for stmt in part.body:
            if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if _EXTRA_ALLOWED.search(ast.unparse(stmt)):
                    return "the model allows extra attributes"
                continue
            for node in ast.walk(stmt):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr":
                    return "the class sets attributes with setattr()"
                if isinstance(node, ast.Attribute) and node.attr == "__dict__":
                    return "the class writes its __dict__"
    return ""


def _self_assignments(function, names: set[str], assigned: dict, interface: list) -> None:
    positional = function.args.posonlyargs + function.args.args
    if not positional or any(_decorator(d) == "staticmethod" for d in function.decorator_list):
        return
    first = positional[0].arg
    for node in ast.walk(function):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
            if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else []
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == first \
                        and isinstance(sub.ctx, ast.Store):
                    names.add(sub.attr)
                    value = node.annotation if isinstance(node, ast.AnnAssign) else \
                        node.value if isinstance(node, ast.Assign) and target is sub else None
                    assigned.setdefault(sub.attr, []).append(
                        ("annotation" if isinstance(node, ast.AnnAssign) else "value", value, function))
                    interface.append(ast.dump(node))


def _decorator(node: ast.AST) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    try:
        return ast.unparse(target)
    except Exception:  # pragma: no cover
        return ""


@dataclass(frozen=True)
class _ClassStub:
    """The enclosing class of a method read outside its block."""

    name: str


class Inference:
    """Static answers for the expressions of one block (see the module docstring)."""

    def __init__(self, api: ApiIndex, model: ModuleModel, tree: ast.AST, text: str = "") -> None:
        self.api = api
        self.model = model
        self.tree = tree
        self.lines = text.splitlines(keepends=True)
        self._position_maps: dict = {}
        self.parents: dict[ast.AST, ast.AST] = {}
        for parent in ast.walk(tree):
            for child in ast.iter_child_nodes(parent):
                self.parents[child] = parent
        self._bindings: dict[ast.AST, dict[str, list[ast.AST]]] = {}
        self._memo: dict[ast.AST, tuple[Value, ...] | None] = {}
        self._depth = 0

    # --- entry points -------------------------------------------------------------
    def values(self, node: ast.AST) -> tuple[Value, ...] | None:
        key = node
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = None  # recursion through a cycle: unknown
        if self._depth > _MAX_DEPTH:
            return None
        self._depth += 1
        try:
            found = self._values(node)
        except RecursionError:  # pragma: no cover
            found = None
        finally:
            self._depth -= 1
        if found is not None:
            found = tuple(dict.fromkeys(found))
            if not found:
                found = None
        self._memo[key] = found
        return found

    def node_at(self, line: int, col_end: int, kind=ast.Attribute) -> ast.AST | None:
        """The node of ``kind`` ending at (line, byte column) in the block's tree."""
        for node in ast.walk(self.tree):
            if isinstance(node, kind) and node.end_lineno == line and node.end_col_offset == col_end:
                return node
        return None

    def _in_method(self, method: ast.AST) -> "Inference":
        """The inference over another member of a project class (``self.x = client`` in
        ``__init__``, read from another method's block)."""
        if method in self.parents or method is self.tree:
            return self
        found = self.model.methods.get(method)
        if found is None:
            holder = ast.Module(body=[method], type_ignores=[])
            found = self.model.methods[method] = Inference(self.api, self.model, holder)
            for klass in self.model.classes.values():  # self / cls need the enclosing class
                if klass.methods.get(method.name) is method:
                    found.parents[method] = _ClassStub(klass.name)
        return found

    # --- expressions ----------------------------------------------------------------
    def _values(self, node: ast.AST) -> tuple[Value, ...] | None:
        if isinstance(node, ast.Constant):
            value = node.value
            if value is None or value is Ellipsis:
                return None
            return (self._builtin(type(value).__name__),)
        literal = _LITERALS.get(type(node))
        if literal:
            return (self._builtin(literal),)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.Attribute):
            return self._each(self.values(node.value), lambda v: self._member(v, node.attr))
        if isinstance(node, ast.Call):
            return self._each(self.values(node.func), lambda v: self._call(v, node))
        if isinstance(node, ast.Await):
            return self.values(node.value)
        if isinstance(node, ast.NamedExpr):
            return self.values(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return (self._builtin("bool"),)
        if isinstance(node, ast.Compare):
            return self._comparison(node)
        if isinstance(node, ast.IfExp):
            return self._union([self.values(node.body), self.values(node.orelse)])
        if isinstance(node, ast.BoolOp):
            return self._union([self.values(v) for v in node.values])
        if isinstance(node, ast.BinOp):
            return self._operator(node)
        return None

    def _comparison(self, node: ast.Compare) -> tuple[Value, ...] | None:
        """``is`` / ``in`` give a bool; ``==``, ``<``... give what ``__eq__``/``__lt__`` return,
        a bool only between builtins (``(a == 1).all()`` on numpy arrays is an array)."""
        if all(isinstance(op, (ast.Is, ast.IsNot, ast.In, ast.NotIn)) for op in node.ops):
            return (self._builtin("bool"),)
        for operand in (node.left, *node.comparators):
            values = self.values(operand)
            if not values or any(v.ref is None or v.ref.module != "builtins" for v in values):
                return None
        return (self._builtin("bool"),)

    def _each(self, values, function) -> tuple[Value, ...] | None:
        if values is None:
            return None
        found: list[Value] = []
        for value in values:
            result = function(value)
            if result is None:
                return None
            found.extend(result)
        return tuple(found)

    @staticmethod
    def _union(parts) -> tuple[Value, ...] | None:
        if any(part is None for part in parts):
            return None
        return tuple(v for part in parts for v in part)

    def _builtin(self, name: str) -> Value:
        return Value(Ref("instance", "builtins", name), exact=True)

    # --- names ----------------------------------------------------------------------
    def _name(self, node: ast.Name) -> tuple[Value, ...] | None:
        name = node.id
        if self._class_body_name(node):
            return None  # ``@help.setter`` under ``def help``: the class body's name, not a module's
        scope = self._scope_of(node)
        while scope is not None:
            if isinstance(scope, ast.Lambda):
                if any(a.arg == name for a in all_args(scope.args)):
                    return None
            elif isinstance(scope, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                for generator in scope.generators:
                    if name in set(_target_names(generator.target)):
                        if isinstance(generator.target, ast.Name):
                            return self._element(generator.iter)
                        return None
            else:
                parameter = next((a for a in all_args(scope.args) if a.arg == name), None)
                if parameter is not None:
                    if self._scope_bindings(scope).get(name):
                        return None  # rebound in the body (``event = Event.objects.get(pk=event)``)
                    return self._parameter(scope, parameter)
                bindings = self._scope_bindings(scope).get(name)
                if bindings:
                    if any(isinstance(b, ast.Global) for b in bindings):
                        break
                    if any(isinstance(b, ast.Nonlocal) for b in bindings):
                        scope = self._scope_of(scope)
                        continue
                    return self._bound(bindings, name)
            scope = self._scope_of(scope)
        return self._module_name(name)

    def _class_body_name(self, node: ast.Name) -> bool:
        """Whether the name is read in a class body (a method's decorators and defaults run
        there) and the class defines that name."""
        found = class_body_reading(node, self.parents, (ast.ClassDef, _ClassStub))
        if found is None:
            return False
        parent, child = found
        project = self.model.classes.get(parent.name)
        body = getattr(parent, "body", ())
        return (project is not None and node.id in project.names) or any(
            node.id in _bound_names(stmt) for stmt in body if stmt is not child)

    def _scope_of(self, node: ast.AST):
        """The enclosing function, lambda or comprehension (class bodies are not scopes for
        the functions inside them). A function's decorators, defaults and annotations run in
        the scope around it, so only its body counts as inside it."""
        child, node = node, self.parents.get(node)
        while node is not None:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if child in node.body:
                    return node
            elif isinstance(node, ast.Lambda):
                if child is node.body:
                    return node
            elif isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                return node
            child, node = node, self.parents.get(node)
        return None

    def _scope_bindings(self, scope: ast.AST) -> dict[str, list[ast.AST]]:
        key = scope
        found = self._bindings.get(key)
        if found is None:
            found = {}
            stack = list(ast.iter_child_nodes(scope))
            while stack:
                node = stack.pop()
                if node is getattr(scope, "args", None) or node in getattr(scope, "decorator_list", ()) \
                        or node is getattr(scope, "returns", None):
                    continue
                for name in _bound_names(node):
                    found.setdefault(name, []).append(node)
                if isinstance(node, ast.ExceptHandler) or isinstance(node, ast.NamedExpr):
                    pass
                if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda,
                                         ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                    stack.extend(ast.iter_child_nodes(node))
            self._bindings[key] = found
        return found

    def _bound(self, bindings: list[ast.AST], name: str) -> tuple[Value, ...] | None:
        annotated = [b for b in bindings if isinstance(b, ast.AnnAssign)]
        if annotated:
            return self.annotation(annotated[0].annotation, self._module_of())
        parts = []
        for binding in bindings:
            parts.append(self._binding_value(binding, name))
        return self._union(parts)

    def _binding_value(self, binding: ast.AST, name: str) -> tuple[Value, ...] | None:
        if isinstance(binding, ast.Assign):
            if all(isinstance(t, ast.Name) for t in binding.targets):
                return self.values(binding.value)
            return None
        if isinstance(binding, ast.NamedExpr):
            return self.values(binding.value)
        if isinstance(binding, (ast.With, ast.AsyncWith)):
            for item in binding.items:
                if isinstance(item.optional_vars, ast.Name) and item.optional_vars.id == name:
                    return self._entered(item.context_expr, isinstance(binding, ast.AsyncWith))
            return None
        if isinstance(binding, (ast.For, ast.AsyncFor)) and isinstance(binding.target, ast.Name) \
                and not isinstance(binding, ast.AsyncFor):
            return self._element(binding.iter)
        if isinstance(binding, ast.ExceptHandler):
            classes = self.values(binding.type) if binding.type is not None else None
            return self._each(classes, self._instance_of)
        if isinstance(binding, (ast.Import, ast.ImportFrom)):
            return self._imported(binding, name)
        if isinstance(binding, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return (Value(None, method=binding),)
        return None

    def _element(self, iterable: ast.AST) -> tuple[Value, ...] | None:
        """What iterating a name annotated as a collection of X gives (``values: list[str]``)."""
        if not isinstance(iterable, ast.Name):
            return None
        annotation = self._annotation_of(iterable)
        if not isinstance(annotation, ast.Subscript):
            return None
        head = (_dotted(annotation.value) or "").rsplit(".", 1)[-1]
        inner = annotation.slice
        if head in _SEQUENCES:
            if isinstance(inner, ast.Tuple):
                return None
            return self.annotation(inner)
        if head in ("tuple", "Tuple") and isinstance(inner, ast.Tuple) and len(inner.elts) == 2 \
                and isinstance(inner.elts[1], ast.Constant) and inner.elts[1].value is Ellipsis:
            return self.annotation(inner.elts[0])
        return None

    def _annotation_of(self, name: ast.Name) -> ast.AST | None:
        """The annotation a name is declared with in its scope (a parameter or ``x: T``), if any."""
        scope = self._scope_of(name)
        while isinstance(scope, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            scope = self._scope_of(scope)
        if scope is None or isinstance(scope, ast.Lambda):
            return None
        parameter = next((a for a in all_args(scope.args) if a.arg == name.id), None)
        if parameter is not None:
            if parameter is scope.args.vararg or parameter is scope.args.kwarg \
                    or self._scope_bindings(scope).get(name.id):
                return None
            return parameter.annotation
        bindings = self._scope_bindings(scope).get(name.id, [])
        annotated = [b for b in bindings if isinstance(b, ast.AnnAssign)]
        return annotated[0].annotation if annotated and len(annotated) == len(bindings) else None

    def _parameter(self, function, parameter: ast.arg) -> tuple[Value, ...] | None:
        if parameter is function.args.vararg:
            return (self._builtin("tuple"),)
        if parameter is function.args.kwarg:
            return (self._builtin("dict"),)
        if parameter.annotation is not None:
            return self.annotation(parameter.annotation, self._module_of())
        positional = function.args.posonlyargs + function.args.args
        if not positional or positional[0] is not parameter or isinstance(function, ast.Lambda):
            return None
        klass = self.parents.get(function)
        if not isinstance(klass, (ast.ClassDef, _ClassStub)) or klass.name not in self.model.classes:
            return None
        decorators = {_decorator(d) for d in function.decorator_list}
        if "staticmethod" in decorators:
            return None
        project = self.model.classes[klass.name]
        if "classmethod" in decorators or function.name in ("__new__", "__init_subclass__", "__class_getitem__"):
            return (Value(None, project=project, instance=False),)
        return (Value(None, project=project, instance=True),)

    def _module_of(self) -> str:
        return ""

    def _module_name(self, name: str) -> tuple[Value, ...] | None:
        model = self.model
        if name in model.classes:
            if name in model.imports or name in model.bindings:
                return None  # imported or rebound too (``Base = declarative_base(cls=Base)``): which one a line sees depends on where it is
            return (Value(None, exact=True, project=model.classes[name]),)
        if name in model.functions:
            return (Value(None, method=model.functions[name]),)
        bindings = model.bindings.get(name)
        if bindings:
            if any(isinstance(b, (ast.Import, ast.ImportFrom)) for b in bindings) and len(bindings) == 1:
                return self._imported(bindings[0], name)
            return self._bound([b for b in bindings], name)
        if name in model.imports:
            return self._qualified(model.imports[name])
        builtin = self.api.expression("builtins", name)
        if builtin is not None:
            return (self._ref_value(builtin),)
        return None

    def _imported(self, statement: ast.AST, name: str) -> tuple[Value, ...] | None:
        for alias in statement.names:
            local = alias.asname or alias.name.split(".")[0]
            if local != name:
                continue
            if isinstance(statement, ast.Import):
                return self._qualified(alias.name if alias.asname else local)
            if not statement.level and statement.module and self.api.resolve(statement.module.split(".")[0]):
                return self._qualified(f"{statement.module}.{alias.name}")
            return self._workspace_name(statement.level, statement.module, alias.name)
        return None

    def _workspace_name(self, level: int, module: str | None, name: str,
                        _depth: int = 0) -> tuple[Value, ...] | None:
        """A class of another module of the project (``from .schemas import Order``, also
        through a package that re-exports it); anything else it defines is unknown."""
        home = workspace_model(self.model, level, module)
        if home is None:
            return None
        if name in home.classes:
            return (Value(None, exact=True, project=home.classes[name]),)
        bindings = home.bindings.get(name, ())
        if _depth < 4 and len(bindings) == 1 and isinstance(bindings[0], ast.ImportFrom):
            statement = bindings[0]
            for alias in statement.names:
                if (alias.asname or alias.name) == name and (statement.level or not self.api.resolve(
                        (statement.module or "").split(".")[0])):
                    return self._at(home)._workspace_name(statement.level, statement.module, alias.name, _depth + 1)
        return None

    def _home(self, project: ProjectClass) -> "Inference":
        """The inference that reads a project class in its own module (its bases, annotations
        and methods name things through that module's imports)."""
        return self._at(project.home)

    def _at(self, home: ModuleModel | None) -> "Inference":
        if home is None or home is self.model:
            return self
        found = home.inferences.get(id(self.api))
        if found is None:
            found = home.inferences[id(self.api)] = Inference(self.api, home, ast.Module(body=[], type_ignores=[]))
        return found

    def _qualified(self, dotted: str) -> tuple[Value, ...] | None:
        if dotted.startswith("."):
            return None
        ref = self.api.resolve(dotted)
        return (self._ref_value(ref),) if ref is not None else None

    def _ref_value(self, ref: Ref) -> Value:
        return Value(ref, exact=ref.kind in ("module", "class", "function"))

    # --- annotations --------------------------------------------------------------------
    def annotation(self, node: ast.AST | None, module: str = "", library: str | None = None,
                   bound: Value | None = None) -> tuple[Value, ...] | None:
        """Instances of what an annotation names. ``library``: the annotation is written in that
        library module (names resolve there), else in the checked module."""
        if node is None:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self._union_annotation([node.left, node.right], library, bound)
        if isinstance(node, ast.Constant) and node.value is None:
            return ()
        if isinstance(node, ast.Subscript):
            head = _dotted(node.value) or ""
            last = head.rsplit(".", 1)[-1]
            inner = node.slice
            elements = list(inner.elts) if isinstance(inner, ast.Tuple) else [inner]
            if last == "Optional":
                return self._union_annotation(elements, library, bound)
            if last == "Union":
                return self._union_annotation(elements, library, bound)
            if last in ("Annotated", "ClassVar", "Final"):
                return self.annotation(elements[0], module, library, bound)
            if last in ("type", "Type"):
                if library is not None:
                    # a library function returning ``type[X]`` may build the class at run time
                    # (``namedtuple``, ``make_dataclass``, ``type(...)``): its constructor and
                    # members are nowhere in the source, so nothing can be proved about them
                    return None
                classes = self.annotation(elements[0], module, library, bound)
                if not classes:
                    return None
                return tuple(Value(v.ref and Ref("class", v.ref.module, v.ref.qualname), project=v.project,
                                   declared=v.declared) for v in classes)
            node = node.value
        dotted = _dotted(node)
        if dotted is None or dotted.rsplit(".", 1)[-1] in _UNKNOWN_ANNOTATIONS:
            if dotted and dotted.rsplit(".", 1)[-1] == "Self" and bound is not None:
                return (bound,)
            return None
        if library is not None:
            ref = self.api.expression(library, dotted)
            if ref is None or ref.kind != "class" or ref.full_name.startswith(_TYPING_PREFIXES):
                return None
            if self.api.attribute(ref, "__get__") is not None:
                return None  # a descriptor: the attribute holds something else
            if self.api.is_protocol(ref):  # PEP 544 structural type: what runs has more members
                return (Value(None, unknown=f"{ref.full_name} is a Protocol"),)
            if self.api.stub_only(ref):
                return (Value(None, unknown=f"{ref.full_name} is a stub's invention"),)
            return (Value(Ref("instance", ref.module, ref.qualname), declared=True, origin=library.split(".")[0]),)
        classes = self._values(ast.parse(dotted, mode="eval").body) if "." in dotted else self._module_name(dotted)
        if not classes:
            return None
        found = []
        for value in classes:
            instance = self._instance_of(value, declared=True)
            if instance is None:
                return None
            found.extend(instance)
        return tuple(found)

    def _union_annotation(self, elements, library, bound) -> tuple[Value, ...] | None:
        parts = [self.annotation(e, "", library, bound) for e in elements]
        result = self._union(parts)
        return result if result else None

    def _instance_of(self, value: Value, declared: bool = False) -> tuple[Value, ...] | None:
        if value.project is not None and not value.instance:
            return (Value(None, declared=declared, project=value.project, instance=True,
                          origin="project" if declared else ""),)
        ref = value.ref
        if ref is None or ref.kind != "class" or ref.full_name.startswith(_TYPING_PREFIXES):
            return None
        if self.api.attribute(ref, "__get__") is not None:
            return None  # a descriptor (SQLAlchemy's Mapped[int]): the attribute holds something else
        if self.api.is_protocol(ref):  # PEP 544 structural type: what runs has more members
            return (Value(None, unknown=f"{ref.full_name} is a Protocol"),)
        return (Value(Ref("instance", ref.module, ref.qualname), declared=declared,
                      origin="project" if declared else ""),)

    # --- members ----------------------------------------------------------------------
    def _member(self, value: Value, name: str) -> tuple[Value, ...] | None:
        if value.project is not None:
            return self._project_member(value, name)
        ref = value.ref
        if ref is None:
            return None
        found = self.api.attribute(ref, name)
        if ref.kind == "module":
            return (self._ref_value(found),) if found is not None else None
        if found is None:
            if ref.kind == "instance":
                return self._data_attribute(ref, name, value)
            return None
        if found.kind == "class":
            return (Value(found, exact=True),)
        if found.kind == "function":
            if self._set_by_decorator(ref, found):
                return (Value(None, unknown=f"a class decorator of {ref.full_name} may replace {found.full_name}"),)
            if ref.kind == "instance" and self._is_property(found):
                return self._returned(found, value, ())
            return (Value(found, bound=value),)
        return None

    def _set_by_decorator(self, ref: Ref, found: Ref) -> bool:
        """Whether a class between the receiver's and the base defining the method has a class
        decorator that may set members (pandas' ``@inherit_names(["round", ...], DatetimeArray)``
        puts another ``round`` on ``DatetimeIndex`` than ``Index.round``): then which function
        runs is unknown."""
        owner = found.qualname.rpartition(".")[0]
        for klass in self.api.mro(Ref("class", ref.module, ref.qualname)):
            if klass.module == found.module and klass.qualname == owner:
                return False
            for info, stub in self.api._class_infos(klass):
                if not stub and any(not self.api._harmless(klass.module, d, _SAFE_CLASS_DECORATORS)
                                    for d in info["deco"]):
                    return True
        return False

    def _is_property(self, ref: Ref) -> bool:
        for info, _ in self.api._function_infos(ref):
            if any(d.rsplit(".", 1)[-1] in ("property", "cached_property") for d in info["deco"]):
                return True
        return False

    def _data_attribute(self, ref: Ref, name: str, owner: Value) -> tuple[Value, ...] | None:
        typed = self.api.attribute_type(ref, name)
        if typed is None:
            return None
        text, module = typed
        if text.startswith("call:"):
            built = self.api.expression(module, text[5:])
            if built is None or built.kind != "class":
                return None
            return (Value(Ref("instance", built.module, built.qualname)),)
        return self._annotation_text(text, module, owner)

    def _annotation_text(self, text: str, module: str, bound: Value | None) -> tuple[Value, ...] | None:
        try:
            node = ast.parse(text, mode="eval").body
        except SyntaxError:
            return None
        return self.annotation(node, library=module, bound=bound)

    def _project_member(self, value: Value, name: str) -> tuple[Value, ...] | None:
        project = value.project
        home = self._home(project)
        if home is not self:
            return home._project_member(value, name)
        if name in project.methods:
            method = project.methods[name]
            decorators = {_decorator(d).rsplit(".", 1)[-1] for d in method.decorator_list}
            if decorators & {"property", "cached_property"}:
                return self.annotation(method.returns) if method.returns is not None else None
            return (Value(None, method=method, bound=value),)
        if name in project.annotations:
            return self.annotation(project.annotations[name]) if value.instance else None
        if name in project.names:
            assigned = project.assigned.get(name)
            if value.instance and assigned and name not in project.body_values:
                key = (project.name, name)
                if key in self.model.active:
                    return None  # self.a = self.b; self.b = self.a
                self.model.active.add(key)
                try:
                    parts = [self.annotation(v) if how == "annotation" else
                             self._in_method(method).values(v) if v is not None else None
                             for how, v, method in assigned]
                finally:
                    self.model.active.discard(key)
                return self._union(parts)
            return None
        for base in self._project_bases(project):
            if base.project is not None:
                return self._project_member(Value(None, project=base.project, instance=value.instance), name)
            ref = base.ref
            if self.api.attribute(ref, name) is not None or self.api.attribute_type(ref, name) is not None:
                library = Value(Ref("instance" if value.instance else "class", ref.module, ref.qualname),
                                declared=value.declared)
                found = self._member(library, name)
                if found is None:
                    return None
                return tuple(Value(v.ref, v.exact, v.declared, v.project, v.instance, value, v.method)
                             if v.bound is library else v for v in found)
        return None

    def project_bases(self, project: ProjectClass) -> list[Value] | None:
        """The class's bases as values (project classes or library classes); None when one is unknown."""
        home = self._home(project)
        if home is not self:
            return home.project_bases(project)
        found = []
        for base in project.bases:
            values = self._values(base.value if isinstance(base, ast.Subscript) else base)
            if not values or len(values) != 1:
                return None
            value = values[0]
            if value.project is None and (value.ref is None or value.ref.kind != "class"):
                return None
            found.append(value)
        return found

    def _project_bases(self, project: ProjectClass) -> list[Value]:
        return self.project_bases(project) or []

    def project_names(self, project: ProjectClass, instance: bool, _depth: int = 0) -> tuple[Names, set[str]]:
        """The names a project class (or its instances) has: its own and its bases', closed
        only when nothing can add more; and the full names of its library classes (for the
        knowledge base)."""
        home = self._home(project)
        if home is not self:
            names, owners = home.project_names(project, instance, _depth)
            return Names(names.names | self.model.stored, names.closed, names.reason), owners
        names = set(project.names) | self.model.stored
        owners: set[str] = set()
        reasons = []
        for decorator in project.decorators:
            if decorator.split("(")[0].rsplit(".", 1)[-1] not in _PLAIN_CLASS_DECORATORS:
                reasons.append(f"{project.name} is decorated with @{decorator}")
        for keyword, value in project.keywords:
            if not (keyword == "metaclass" and value.rsplit(".", 1)[-1] == "ABCMeta"):
                reasons.append(f"{project.name} has the class keyword {keyword}={value}")
        if names & {"__getattr__", "__getattribute__"}:
            reasons.append(f"{project.name} defines __getattr__")
        if project.dynamic:
            reasons.append(f"{project.name}: {project.dynamic}")
        bases = self.project_bases(project)
        if bases is None or _depth > 10:
            reasons.append(f"a base of {project.name} is not understood")
            bases = []
        for base in bases:
            if base.project is not None:
                inner, inner_owners = self.project_names(base.project, instance, _depth + 1)
            else:
                ref = Ref("instance" if instance else "class", base.ref.module, base.ref.qualname)
                inner = self.api.members(ref)
                inner_owners = {k.full_name for k in self.api.mro(base.ref)}
            names |= inner.names
            owners |= inner_owners
            if not inner.closed:
                reasons.append(inner.reason)
        if reasons:
            return Names(frozenset(names), False, reasons[0]), owners
        return Names(frozenset(names), True), owners

    def constructor_keywords(self, project: ProjectClass, _depth: int = 0) -> Names:
        """The keywords ``Project(...)`` accepts: its own ``__init__`` (or a project base's), else
        the fields of a dataclass or of a PEP 681 model (pydantic: aliases too); open when the
        class takes anything (``**kwargs``, ``extra='allow'``, an unknown base or decorator)."""
        if _depth > 10:
            return Names(frozenset(), False, "class chain too deep")
        home = self._home(project)
        if home is not self:
            return home.constructor_keywords(project, _depth)
        other = [d for d in project.decorators if d.split("(")[0].rsplit(".", 1)[-1] not in _PLAIN_CLASS_DECORATORS]
        if other or "__new__" in project.methods or "__signature__" in project.names:
            return Names(frozenset(), False, f"{project.name}: its decorators or __new__ make the constructor")
        init = project.methods.get("__init__")
        if init is not None:
            if init.args.kwarg is not None:
                return Names(frozenset(), False, f"{project.name}.__init__ takes **kwargs")
            positional = init.args.posonlyargs + init.args.args
            names = {a.arg for a in positional[1:] + init.args.kwonlyargs} - {a.arg for a in init.args.posonlyargs}
            return Names(frozenset(names), True)
        bases = self.project_bases(project)
        if bases is None:
            return Names(frozenset(), False, f"a base of {project.name} is not understood")
        dataclass = any(d.split("(")[0].rsplit(".", 1)[-1] == "dataclass" for d in project.decorators)
        declarative = self.declarative(project)
        if project.dynamic or project.keywords and not declarative:
            return Names(frozenset(), False, f"{project.name}: decorators, class keywords or dynamic attributes")
        if not dataclass and not declarative:
            inherited = [b for b in bases if b.project is not None]
            if len(inherited) == 1 and len(bases) == 1:
                return self.constructor_keywords(inherited[0].project, _depth + 1)
            return Names(frozenset(), False, f"{project.name}: the constructor comes from a library class")
        names: set[str] = set()
        for base in bases:
            if base.project is not None:
                inner = self.constructor_keywords(base.project, _depth + 1)
                if not inner.closed:
                    return inner
                names |= inner.names
            elif not declarative:
                return Names(frozenset(), False, f"{project.name}: a dataclass with a library base")
            else:  # the model class's own named parameters (pydantic ``RootModel(root=...)``)
                names |= self.api.keywords(Ref("class", base.ref.module, base.ref.qualname)).names
        for name, annotation in project.annotations.items():
            text = ast.unparse(annotation)
            if "ClassVar" in text or name.startswith("_") and declarative:
                continue
            if dataclass and "KW_ONLY" in text:
                continue
            names.add(name)
            for value in project.body_values.get(name, ()):
                aliases = _aliases(value)
                if aliases is None:
                    return Names(frozenset(), False, f"{project.name}.{name}: an alias known only at run time")
                names.update(aliases)
        config = [f"{k}={v}" for k, v in project.keywords]
        config += [ast.unparse(value) for value in project.body_values.get("model_config", ())]
        if any(_EXTRA_ALLOWED.search(text) for text in config):
            return Names(frozenset(), False, f"{project.name} allows extra fields")
        if any(_ALIAS_GENERATOR.search(text) for text in config):
            return Names(frozenset(), False, f"{project.name}: an alias generator names its fields at run time")
        return Names(frozenset(names), True)

    def declarative(self, project: ProjectClass, _depth: int = 0) -> bool:
        """Whether a PEP 681 library class (a pydantic model...) is among the class's bases,
        directly or through the project's own classes: its constructor takes its fields."""
        for base in self._project_bases(project):
            if base.project is None:
                if self.api.declarative(base.ref):
                    return True
            elif _depth < 10 and self.declarative(base.project, _depth + 1):
                return True
        return False

    def library_base(self, project: ProjectClass, _depth: int = 0) -> Ref | None:
        """The first library class among the class's bases (for messages)."""
        home = self._home(project)
        if home is not self:
            return home.library_base(project, _depth)
        for base in self._project_bases(project):
            if base.project is None:
                return base.ref
            if _depth < 10:
                found = self.library_base(base.project, _depth + 1)
                if found is not None:
                    return found
        return None

    def project_subclasses(self, project: ProjectClass) -> list[ProjectClass]:
        home = self._home(project)
        found = home.project_subclasses(project) if home is not self else []
        queue = [project]
        while queue:
            current = queue.pop()
            for other in self.model.classes.values():
                if other in found or other is project:
                    continue
                if any(b.project is current for b in self._project_bases(other)):
                    found.append(other)
                    queue.append(other)
        return found

    # --- where the checks' sites are -----------------------------------------------------
    def attribute_at(self, line: int, end_col: int) -> ast.Attribute | None:
        """The attribute node whose name ends at (line, code-point column) of the block."""
        return self._positions(ast.Attribute).get((line, end_col))

    def call_at(self, func_end: tuple[int, int]) -> ast.Call | None:
        """The call whose callee ends at ``func_end`` (its last character, code points)."""
        return self._positions(ast.Call).get(func_end)

    def _positions(self, kind) -> dict:
        found = self._position_maps.get(kind)
        if found is None:
            found = {}
            for node in ast.walk(self.tree):
                if kind is ast.Attribute and isinstance(node, ast.Attribute) and node.end_lineno:
                    found[(node.end_lineno, self._column(node.end_lineno, node.end_col_offset))] = node
                elif kind is ast.Call and isinstance(node, ast.Call) and node.func.end_lineno:
                    line = node.func.end_lineno
                    found.setdefault((line, self._column(line, node.func.end_col_offset) - 1), node)
            self._position_maps[kind] = found
        return found

    def _column(self, line: int, byte_col: int) -> int:
        if not 0 < line <= len(self.lines) or self.lines[line - 1].isascii():
            return byte_col
        return len(self.lines[line - 1].encode("utf-8")[:byte_col].decode("utf-8", "replace"))

    # --- calls -------------------------------------------------------------------------
    def _call(self, value: Value, call: ast.Call) -> tuple[Value, ...] | None:
        if value.project is not None:
            return (Value(None, exact=True, project=value.project, instance=True),) if not value.instance else None
        if value.method is not None:
            returns = getattr(value.method, "returns", None)
            if returns is None:
                return None
            owner = value.bound.project if value.bound is not None else None
            reader = self._home(owner) if owner is not None else self  # names resolve where it is written
            declared = reader.annotation(returns, bound=value.bound)
            if declared and not reader._returns_agree(value.method, declared):
                return (Value(None, unknown=f"what `{value.method.name}` returns is not shown to be its annotation"),)
            return declared
        ref = value.ref
        if ref is None:
            return None
        if ref.kind == "class":
            if ref.full_name in ("builtins.type", "builtins.super", "builtins.object"):
                return None
            return (Value(Ref("instance", ref.module, ref.qualname), exact=True),)
        if ref.kind == "function":
            return self._returned(ref, value.bound, call.args)
        return None

    def _returns_agree(self, function: ast.AST, declared: tuple[Value, ...]) -> bool:
        """Whether a project function's ``return`` statements back its return annotation: each
        returned value is None or inferred as an instance of a declared class. An annotation
        the implementation does not show (``-> OrderedDict`` over ``return tree``, an XML
        element) is a claim, and a wrong one makes every member check on the result wrong."""
        if any(v.unknown or (v.project is None and (v.ref is None or v.ref.kind != "instance")) for v in declared):
            return True  # not instances of classes (a Protocol, a class object): nothing to compare
        inside = self._in_method(function)
        for node in _own_nodes(function):
            if isinstance(node, (ast.Yield, ast.YieldFrom)):
                return True  # a generator: the annotation describes the iterator
        for node in _own_nodes(function):
            if not isinstance(node, ast.Return) or node.value is None \
                    or isinstance(node.value, ast.Constant) and node.value.value is None:
                continue
            returned = inside.values(node.value)
            if not returned or not all(any(self._is_a(v, d) for d in declared) for v in returned):
                return False
        return True

    def _is_a(self, value: Value, declared: Value, _depth: int = 0) -> bool:
        """Whether ``value`` is an instance of the class ``declared`` names (or of a subclass)."""
        if value.unknown or _depth > 8:
            return False
        if declared.project is not None:
            if value.project is declared.project:
                return True
            bases = self.project_bases(value.project) if value.project is not None else None
            return any(base.project is not None and self._is_a(Value(None, project=base.project, instance=True),
                                                               declared, _depth + 1) for base in bases or ())
        if value.project is not None:
            library = self.library_base(value.project) if value.instance else None
            ref = Ref("instance", library.module, library.qualname) if library is not None else None
        else:
            ref = value.ref if value.ref is not None and value.ref.kind == "instance" else None
        return ref is not None and declared.ref.full_name in {k.full_name for k in self.api.mro(ref)}

    def _returned(self, ref: Ref, bound: Value | None, args) -> tuple[Value, ...] | None:
        signatures = self.api.signatures(ref)
        returns = {_plain(ret) for _, ret in signatures}
        if len(returns) > 1:  # overloads: one answer only when every one names the same classes
            answers = {self._returned_text(ref, text, bound) for text in sorted(returns, key=str)}
            if len(answers) == 1:
                return answers.pop()
            if any(text and self.api.restricted_type_variable(ref.module, text.strip()) for text in returns):
                # one overload returns its argument's type (``ensure_future(_FT) -> _FT``, ``_FT``
                # bound to ``Future``): which one applies depends on the bound, which jedi ignores
                return (Value(None, unknown=f"the overloads of {ref.full_name} disagree, one returns a bound TypeVar"),)
            return None
        text = next(iter(returns), None)
        return self._returned_text(ref, text, bound)

    def _returned_text(self, ref: Ref, text: str | None, bound: Value | None) -> tuple[Value, ...] | None:
        if not text:
            return None
        if re.search(r"\bSelf\b", text) and bound is None:
            return None
        owner_bound = bound if bound is not None and bound.kind == "instance" else None
        if bound is not None and bound.kind == "class" and re.fullmatch(r"(typing\.|typing_extensions\.)?Self", text):
            return self._instance_of(bound) if bound.project is None else \
                (Value(None, project=bound.project, instance=True, exact=bound.exact),)  # Order.model_validate()
        return self._annotation_text(text, ref.module, owner_bound)

    def _entered(self, node: ast.AST, asynchronous: bool) -> tuple[Value, ...] | None:
        if isinstance(node, ast.Call):
            yielded = self._yielded(node, asynchronous)
            if yielded is not False:
                return yielded
        values = self.values(node)
        method = "__aenter__" if asynchronous else "__enter__"
        return self._each(values, lambda v: self._enter(v, method))

    def _yielded(self, call: ast.Call, asynchronous: bool):
        """``with f(...) as x`` where ``f`` is a library ``@contextmanager`` /
        ``@asynccontextmanager`` generator: what it yields (``Iterator[X]`` -> X). False when
        ``f`` is not one."""
        functions = self.values(call.func)
        if not functions or len(functions) != 1 or functions[0].ref is None or functions[0].ref.kind != "function":
            return False
        ref = functions[0].ref
        decorators = {d.rsplit(".", 1)[-1] for info, _ in self.api._function_infos(ref) for d in info["deco"]}
        wanted = "asynccontextmanager" if asynchronous else "contextmanager"
        if wanted not in decorators:
            return False
        text = self.api.returns(ref)
        try:
            node = ast.parse(text, mode="eval").body if text else None
        except SyntaxError:
            return None
        if not isinstance(node, ast.Subscript) or (_dotted(node.value) or "").rsplit(".", 1)[-1] not in (
                "Iterator", "Generator", "AsyncIterator", "AsyncGenerator"):
            return None
        inner = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) else node.slice
        return self.annotation(inner, library=ref.module, bound=functions[0].bound)

    def _enter(self, value: Value, method: str) -> tuple[Value, ...] | None:
        if value.project is not None or value.ref is None or value.ref.kind != "instance":
            return None
        enter = self.api.attribute(value.ref, method)
        if enter is None or enter.kind != "function":
            return None
        if any(info.get("self_ret") for info, _ in self.api._function_infos(enter)):
            return (value,)
        return self._returned(enter, value, ())

    # --- operators ---------------------------------------------------------------------
    def _operator(self, node: ast.BinOp) -> tuple[Value, ...] | None:
        method = _OPERATORS.get(type(node.op))
        left = self.values(node.left)
        right = self.values(node.right)
        if method is None or not left or not right or len(right) != 1:
            return None
        other = right[0]
        return self._each(left, lambda v: self._dispatch(v, method, other))

    def _dispatch(self, value: Value, method: str, other: Value) -> tuple[Value, ...] | None:
        if value.project is not None or value.ref is None or value.ref.kind != "instance":
            return None
        if other.project is not None or other.ref is None or other.ref.kind != "instance":
            return None
        function = self.api.attribute(value.ref, method)
        if function is None or function.kind != "function":
            return None
        signatures = [(argument, _plain(ret)) for argument, ret in self.api.signatures(function)]
        if len({ret for _, ret in signatures}) == 1:
            return self._returned(function, value, ())
        other_classes = {k.full_name for k in self.api.mro(other.ref)}
        own = {k.full_name for k in self.api.mro(value.ref)}
        chosen = set()
        for argument, ret in signatures:
            if argument is None or ret is None:
                return None
            if _names_class(self.api, argument, function.module, other_classes, own, other.ref):
                chosen.add(ret)
        if len(chosen) != 1:
            return None
        return self._annotation_text(next(iter(chosen)), function.module, value)


def _plain(text: str | None) -> str | None:
    """``LiteralString`` is a ``str`` (PEP 675): its overloads agree with the ``str`` ones."""
    return re.sub(r"\b(typing\.|typing_extensions\.)?LiteralString\b", "str", text) if text else text


def _names_class(api: ApiIndex, text: str, module: str, classes: set[str], own: set[str], other: Ref) -> bool:
    """Whether the annotation ``text`` (one class or ``Self``) accepts an instance of ``classes``."""
    text = text.strip()
    if text in ("Self", "typing.Self", "typing_extensions.Self"):
        return other.full_name in own
    if not re.fullmatch(r"[\w.]+", text):
        return False
    ref = api.expression(module, text)
    return ref is not None and ref.kind == "class" and ref.full_name in classes


def _own_nodes(function: ast.AST):
    """The nodes of a function's body, not those of the functions, lambdas and classes in it."""
    stack = list(function.body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))
