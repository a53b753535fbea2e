"""jedi, configured so that nothing of the project runs, and the questions we ask it.

The environment is always caveat's own (``InterpreterEnvironment``); the project's
site-packages are only *paths* jedi parses files from (``jedi.Project(sys_path=...)``).
jedi loads compiled extension modules only from the environment's own base sys.path
(``Project._load_unsafe_extensions`` is False), so a compiled module of the project is
never imported. jedi's bundled third-party stubs are switched off: they describe some
version of a library, not the installed one (the project's own ``*-stubs`` packages
still count). Everything here runs under one lock: jedi is not thread-safe.
"""
from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jedi
from jedi.api.environment import InterpreterEnvironment
from jedi.inference.gradual import typeshed as _typeshed

from caveat.environment import Environment, stdlib_paths

JEDI_LOCK = threading.RLock()
TYPESHED = str(Path(jedi.__file__).resolve().parent / "third_party")
_SAFE_METACLASSES = {"ABCMeta", "type", "EnumMeta", "EnumType", "_ProtocolMeta", "ABC", "NamedTupleMeta",
                     "_TypedDictMeta"}
_DYNAMIC_MARKERS = re.compile(r"\bsetattr\s*\(\s*(self|cls|klass|obj|instance|new_cls|mod|module)\b|__dict__\s*\.\s*update|"
                              r"__dict__\s*\[|\bvars\s*\(\s*self\s*\)\s*\.\s*update|\bglobals\s*\(\s*\)\s*(\[|\.\s*update)|"
                              r"sys\.modules\s*\[[^\]]*\]\s*=|def\s+__getattr__|__getattr__\s*[,=]|lazy_loader|"
                              r"\blazy\.attach")


def _stdlib_only(version_info):  # replaces jedi's: no bundled third-party stubs
    yield _typeshed.PathInfo(str(_typeshed.TYPESHED_PATH.joinpath("stdlib")), False)


def configure_jedi() -> None:
    if _typeshed._get_typeshed_directories is not _stdlib_only:
        _typeshed._get_typeshed_directories = _stdlib_only
        _typeshed._version_cache.clear()
    jedi.settings.auto_import_modules = []  # never import a module to inspect it


_ENVIRONMENT: InterpreterEnvironment | None = None


def jedi_environment() -> InterpreterEnvironment:
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        configure_jedi()
        _ENVIRONMENT = InterpreterEnvironment()
    return _ENVIRONMENT


def make_project(root: Path, env: Environment) -> jedi.Project:
    """The server's stdlib + the project's site-packages (+ .pth paths), and the workspace."""
    sys_path: list[str] = []
    for path in [*( [str(root / "src")] if (root / "src").is_dir() else []), *stdlib_paths(), *env.paths]:
        if path not in sys_path:
            sys_path.append(path)
    return jedi.Project(str(root), sys_path=sys_path, load_unsafe_extensions=False, smart_sys_path=True)


@dataclass(frozen=True)
class Receiver:
    kind: str  # "module", "class", "instance"
    full_name: str  # jedi's full name of the module or class
    label: str  # how to name it in a message
    module_path: str | None
    library: bool  # defined outside the workspace (environment, stdlib, builtins)
    stdlib: bool


@dataclass(frozen=True)
class Members:
    names: frozenset[str]
    owners: frozenset[str]  # defining classes/modules seen among the members (full names)
    dynamic: bool  # __getattr__, unresolved bases or star imports, metaclass magic
    data_only: bool = False  # dynamic only through a __getattr__ that gives data (pandas columns)


class Session:
    """One document version: a jedi Script plus caches shared across versions."""

    def __init__(self, text: str, path: str | None, project: jedi.Project, env: Environment,
                 root: Path, member_cache: dict) -> None:
        self.script = jedi.Script(text, path=path or None, project=project, environment=jedi_environment())
        self.env = env
        self.root = root
        self.member_cache = member_cache
        self._env_paths = tuple(os.path.realpath(p) for p in env.paths)
        self._stdlib = tuple(os.path.realpath(p) for p in stdlib_paths())

    # --- classification ---------------------------------------------------
    def location_kind(self, module_path) -> str:
        """"stdlib", "environment" or "workspace" for a definition's file."""
        if module_path is None:
            return "stdlib"  # builtins and compiled stdlib
        path = os.path.realpath(str(module_path))
        if path.startswith(TYPESHED):
            return "stdlib"
        if any(path.startswith(p + os.sep) for p in self._env_paths):
            return "environment"
        if any(path.startswith(p + os.sep) for p in self._stdlib):
            return "stdlib"
        root = os.path.realpath(str(self.root))
        if path.startswith(root + os.sep):
            return "workspace"
        return "environment"

    def exists(self, line: int, col: int) -> bool:
        try:
            return bool(self.script.goto(line, col))
        except Exception:
            return True  # jedi could not answer: assume it exists

    def goto_names(self, line: int, col: int, follow_imports: bool = False) -> list:
        try:
            return self.script.goto(line, col, follow_imports=follow_imports)
        except Exception:
            return []

    def receivers(self, positions: list[tuple[int, int]]) -> list[Receiver] | None:
        """What the receiver can be; None when jedi cannot tell (say nothing)."""
        names = []
        for line, col in positions:
            if col < 0:
                continue
            try:
                names = self.script.infer(line, col)
            except Exception:
                names = []
            if names:
                break
        if not names:
            return None
        result = []
        for name in names:
            kind = name.type
            if kind not in ("module", "class", "instance"):
                return None
            full = name.full_name or name.name
            where = self.location_kind(name.module_path)
            if kind == "module":
                label = f"module `{full}`"
            elif kind == "class":
                label = f"class `{name.name}`"
            else:
                label = f"`{name.name}` object"
            result.append(Receiver(kind, full, label, str(name.module_path) if name.module_path else None,
                                   where != "workspace", where == "stdlib"))
        return result

    @staticmethod
    def literal_receiver(type_name: str) -> Receiver:
        return Receiver("instance", f"builtins.{type_name}", f"`{type_name}` object", None, True, True)

    def members(self, line: int, col: int, receivers: list[Receiver], version_key: str) -> Members | None:
        key = (self.env.key, tuple(sorted((r.kind, r.full_name, r.module_path or "") for r in receivers)), version_key)
        cached = self.member_cache.get(key)
        if cached is not None:
            return cached
        try:
            completions = self.script.complete(line, col)
        except Exception:
            return None
        names = set()
        owners = set()
        getattr_owners = set()
        for completion in completions:
            names.add(completion.name)
            full = completion.full_name or ""
            owner = full.rsplit(".", 1)[0] if "." in full else ""
            if owner:
                owners.add(owner)
            if completion.name in ("__getattr__", "__getattribute__") and not full.startswith("builtins.object"):
                if not (any(r.kind == "module" for r in receivers) and _stub_without_getattr(receivers)):
                    getattr_owners.add(owner)
        if not names:
            return None
        dynamic = bool(getattr_owners)
        if not dynamic and not all(r.full_name.startswith("builtins.") and r.module_path is None for r in receivers):
            dynamic = self._dynamic_values(line, col, receivers)
        data_only = bool(getattr_owners) and getattr_owners <= set(data_getattr_classes()) \
            and not self._dynamic_values(line, col, receivers)
        result = Members(frozenset(names), frozenset(owners), dynamic, data_only)
        if len(self.member_cache) > 5000:
            self.member_cache.clear()
        self.member_cache[key] = result
        return result

    def _dynamic_values(self, line: int, col: int, receivers: list[Receiver]) -> bool:
        """Unresolved bases, custom metaclasses, setattr tricks, star imports from compiled code."""
        try:
            names = []
            for position in ((line, col - 1), (line, col - 2)):
                if position[1] >= 0:
                    names = self.script.infer(*position)
                    if names:
                        break
            for name in names:
                for value in name._name.infer():
                    if value.api_type == "module":
                        if self._dynamic_module(value):
                            return True
                        continue
                    cls = getattr(value, "class_value", value)
                    if self._dynamic_class(cls):
                        return True
        except Exception:
            return True
        return False

    def _dynamic_module(self, value) -> bool:
        path = value.py__file__()
        if path is None:
            return False
        path = str(path)
        if path.endswith(".pyi"):
            return False
        stub = _read(os.path.splitext(path)[0] + ".pyi")
        if stub is not None and not re.search(r"^\s*def\s+__getattr__", stub, re.M):
            return False  # the package's own stub declares its members
        source = _read(path)
        if source is None:
            return True
        if _DYNAMIC_MARKERS.search(source):
            return True
        for match in re.finditer(r"^\s*from\s+(\.*)([\w.]*)\s+import\s+\*", source, re.M):
            if not _python_source_exists(path, match.group(1), match.group(2), self.env):
                return True
        return False

    def _dynamic_class(self, cls, signature: bool = False) -> bool:
        try:
            mro = list(cls.py__mro__())
        except Exception:
            return True
        for klass in mro:
            if getattr(klass, "py__name__", lambda: "")() == "object":
                continue
            if self._is_stub(klass):
                continue  # stubs declare members (a __getattr__ there shows up in completions)
            try:
                for lazy in klass.py__bases__():
                    bases = lazy.infer()
                    if not bases:
                        return True
                    if any(_same_class(b, klass) for b in bases):
                        return True  # a base resolved to the class itself (jedi maps _socket to socket)
            except Exception:
                return True
            try:
                for meta in klass.get_metaclasses():
                    if getattr(meta, "py__name__", lambda: "")() not in _SAFE_METACLASSES:
                        return True
            except Exception:
                pass
            tree = getattr(klass, "tree_node", None)
            if tree is not None and getattr(tree, "type", "") == "classdef":
                if _bases_are_calls(tree):
                    return True  # class Url(NamedTuple("Url", ...)): fields jedi cannot see
                if _DYNAMIC_MARKERS.search(_constructing_code(tree)):
                    return True
                decorators = tree.get_decorators() if signature and hasattr(tree, "get_decorators") else []
                for decorator in decorators:  # decorators may replace __init__ (attrs, pydantic-style)
                    text = decorator.get_code()
                    if "dataclass" not in text and "total_ordering" not in text and "final" not in text:
                        return True
        return False

    @staticmethod
    def _is_stub(value) -> bool:
        try:
            context = value.get_root_context()
            return bool(context.is_stub())
        except Exception:
            return False

    def signatures(self, line: int, col: int):
        try:
            return self.script.get_signatures(line, col)
        except Exception:
            return []

    def signature_is_complete(self, signature) -> bool:
        """False when the parameters shown may not be the real ones (decorators, class magic)."""
        inner = getattr(signature, "_signature", None)
        kind = type(inner).__name__
        if kind == "DataclassSignature":
            return True
        value = getattr(inner, "value", None)
        if value is None:
            return False
        if self._is_stub(value):
            return True  # stubs declare the real signature; their decorators are annotations
        if signature.type == "class":
            try:
                mro = list(value.py__mro__())
            except Exception:
                return False
            if self._dynamic_class(value, signature=True):
                return False
            for klass in mro:
                if getattr(klass, "py__name__", lambda: "")() == "object":
                    break
                tree = getattr(klass, "tree_node", None)
                if tree is None or getattr(tree, "type", "") != "classdef":
                    return False
                defined = _defined_functions(tree)
                found = [defined[n] for n in ("__init__", "__new__") if n in defined]
                if found:
                    # The first class that defines them decides; jedi may show another's.
                    shown = {p.name for p in signature.params}
                    for function in found:
                        params = _param_names(function)
                        if params is None or not params <= shown | {"self", "cls"}:
                            return False
                    return True
            return False
        tree = getattr(value, "tree_node", None)
        if tree is None or getattr(tree, "type", "") not in ("funcdef", "lambdef"):
            return False
        parent = tree.parent
        if parent is not None and parent.type == "decorated":
            for decorator in parent.children[0].children if parent.children[0].type == "decorators" else [parent.children[0]]:
                text = decorator.get_code().strip()
                if text not in ("@staticmethod", "@classmethod", "@property", "@overload", "@typing.overload",
                                "@abstractmethod", "@abc.abstractmethod", "@override", "@final") \
                        and not text.startswith(("@deprecated", "@typing_extensions.deprecated", "@warnings.deprecated")):
                    return False
        return True


_CONSTRUCTORS = {"__init__", "__new__", "__post_init__", "__init_subclass__", "__set_name__"}


def _same_class(a, b) -> bool:
    try:
        if getattr(a, "tree_node", None) is not None and a.tree_node is getattr(b, "tree_node", None):
            return True
        if a.py__name__() != b.py__name__():
            return False
        stems = []
        for value in (a, b):
            path = value.get_root_context().py__file__()
            stems.append(os.path.splitext(os.path.basename(str(path)))[0] if path else value.get_root_context().py__name__())
        return stems[0] == stems[1]
    except Exception:
        return False


def _constructing_code(classdef) -> str:
    """The class body without its ordinary methods: class-level code and constructors,
    where attributes made from data (``setattr(self, key, value)`` over kwargs) appear.
    Pickling and copying helpers restore known attributes and are left out."""
    parts = []
    suite = classdef.children[-1]
    for child in getattr(suite, "children", []):
        node = child.children[-1] if child.type == "decorated" else child
        if node.type == "async_stmt":
            node = node.children[-1]
        if node.type == "funcdef" and node.children[1].value not in _CONSTRUCTORS:
            continue
        parts.append(child.get_code())
    return "".join(parts)


@lru_cache(maxsize=1)
def data_getattr_classes() -> dict[str, str]:
    path = Path(__file__).resolve().parent.parent.parent / "data" / "data_getattr.json"
    try:
        return dict(json.loads(path.read_text(encoding="utf-8"))["classes"])
    except (OSError, ValueError, KeyError):
        return {}


def _stub_without_getattr(receivers) -> bool:
    """A package whose own stub (``__init__.pyi``) declares no ``__getattr__``: the stub is the truth."""
    for receiver in receivers:
        if receiver.kind != "module" or not receiver.module_path:
            return False
        stub = os.path.splitext(receiver.module_path)[0] + ".pyi"
        text = _read(stub)
        if text is None or re.search(r"^\s*def\s+__getattr__", text, re.M):
            return False
    return True


def _bases_are_calls(classdef) -> bool:
    """``class X(namedtuple(...))`` / ``class X(make_base())``: bases built at run time."""
    for child in classdef.children:
        if child.type == "arglist" or (child.type in ("power", "atom_expr")):
            code = child.get_code()
            if "(" in code:
                return True
    return False


def _defined_functions(classdef) -> dict:
    functions = {}
    suite = classdef.children[-1]
    for child in getattr(suite, "children", []):
        node = child
        if node.type == "decorated":
            node = node.children[-1]
        if node.type == "async_stmt":
            node = node.children[-1]
        if node.type == "funcdef":
            functions[node.children[1].value] = node
        elif node.type == "simple_stmt" and re.match(r"\s*(__init__|__new__)\s*=", node.get_code()):
            functions[re.match(r"\s*(__init__|__new__)", node.get_code()).group(1)] = None
    return functions


def _param_names(funcdef) -> set[str] | None:
    """Names a function accepts by keyword; None when it takes **kwargs (or is not a def)."""
    if funcdef is None:
        return None
    names = set()
    for param in funcdef.get_params():
        if param.star_count == 2:
            return None
        if param.star_count == 0:
            names.add(param.name.value)
    return names


def _defined_names(classdef) -> set[str]:
    names = set()
    suite = classdef.children[-1]
    for child in getattr(suite, "children", []):
        node = child
        if node.type == "decorated":
            node = node.children[-1]
        if node.type in ("funcdef", "async_funcdef"):
            names.add(node.children[1].value if node.type == "funcdef" else node.children[1].children[1].value)
        elif node.type == "simple_stmt":
            text = node.get_code().strip()
            match = re.match(r"(__init__|__new__)\s*=", text)
            if match:
                names.add(match.group(1))
    return names


_SOURCES: dict[str, tuple[float, str | None]] = {}


def _read(path: str) -> str | None:
    try:
        stamp = os.stat(path).st_mtime
    except OSError:
        return None
    cached = _SOURCES.get(path)
    if cached and cached[0] == stamp:
        return cached[1]
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = None
    if len(_SOURCES) > 2000:
        _SOURCES.clear()
    _SOURCES[path] = (stamp, text)
    return text


def _python_source_exists(module_file: str, dots: str, dotted: str, env: Environment) -> bool:
    """Whether ``from <dots><dotted> import *`` in ``module_file`` names Python source jedi can read."""
    parts = [p for p in dotted.split(".") if p]
    if dots:
        folder = os.path.dirname(module_file)
        for _ in range(len(dots) - 1):
            folder = os.path.dirname(folder)
        bases = [folder]
    else:
        bases = [*env.paths, *stdlib_paths()]
        if parts and parts[0] in ("os", "typing", "collections"):
            return True
    for base in bases:
        target = os.path.join(base, *parts)
        if os.path.isdir(target) and (os.path.isfile(os.path.join(target, "__init__.py"))
                                      or os.path.isfile(os.path.join(target, "__init__.pyi"))):
            return True
        if os.path.isfile(target + ".py") or os.path.isfile(target + ".pyi"):
            return True
    return False
