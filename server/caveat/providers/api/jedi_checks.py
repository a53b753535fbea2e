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

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import jedi
from parso import cache as parso_cache
from jedi.api.environment import InterpreterEnvironment
from jedi.inference.gradual import typeshed as _typeshed

from caveat.environment import Environment, stdlib_paths

JEDI_LOCK = threading.RLock()
TYPESHED = str(Path(jedi.__file__).resolve().parent / "third_party")


def _stdlib_only(version_info):  # replaces jedi's: no bundled third-party stubs
    yield _typeshed.PathInfo(str(_typeshed.TYPESHED_PATH.joinpath("stdlib")), False)


def configure_jedi() -> None:
    if _typeshed._get_typeshed_directories is not _stdlib_only:
        _typeshed._get_typeshed_directories = _stdlib_only
        _typeshed._version_cache.clear()
    jedi.settings.auto_import_modules = []  # never import a module to inspect it
    # No guessing a parameter's type from the calls jedi finds (in this file and others) or a
    # list's items from its ``append`` calls: those searches parse much of the project and
    # its libraries, and their answers are guesses, where caveat reports only what it proves.
    # (Annotations, defaults and pytest fixtures still give a parameter's type.)
    jedi.settings.dynamic_params = False
    jedi.settings.dynamic_params_for_other_modules = False
    jedi.settings.dynamic_array_additions = False


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


class _SharedStates:
    """jedi's inference state (its module cache and memoized inferences), shared by the Scripts
    of one project whose sys.path is the same: each new Script otherwise infers the libraries
    it touches from scratch, which was most of jedi's cost on a whole project. A state is
    dropped when a workspace module it loaded changed on disk (library modules change only
    with the environment, which makes a new project), and after ``MAX_SCRIPTS`` Scripts
    (bounded memory in a long-running server)."""

    MAX_SCRIPTS = 400
    MAX_STATES = 6

    def __init__(self) -> None:
        self.project = None
        self.states: OrderedDict = OrderedDict()  # sys.path -> [state, scripts served, {path: watched}]

    def adopt(self, script: jedi.Script, project: jedi.Project, root: Path, library_paths: tuple[str, ...]) -> None:
        """Give ``script`` the shared state of its sys.path (or make its own the shared one)."""
        if project is not self.project:
            self.project, self.states = project, OrderedDict()
        fresh = script._inference_state
        key = tuple(project._get_sys_path(fresh))  # depends on the script's folder
        entry = self.states.get(key)
        if entry is not None and (entry[1] >= self.MAX_SCRIPTS or self._changed(entry, root, library_paths)):
            del self.states[key]
            entry = None
        if entry is None:
            entry = self.states[key] = [fresh, 0, {}]
            if len(self.states) > self.MAX_STATES:
                self.states.popitem(last=False)
        self.states.move_to_end(key)
        entry[1] += 1
        script._inference_state = entry[0]

    @staticmethod
    def _changed(entry: list, root: Path, library_paths: tuple[str, ...]) -> bool:
        """Whether a workspace module the state holds is older than its file: parso's cache of
        the file no longer holds the tree the state inferred, or the file changed after that
        tree was parsed (parso's own test)."""
        state, _, watched = entry
        prefix = os.path.realpath(str(root)) + os.sep
        parsed = parso_cache.parser_cache.get(state.grammar._hashed, {})
        for values in list(state.module_cache._name_cache.values()):
            for value in values:
                node = getattr(value, "tree_node", None)
                try:
                    path = value.py__file__()
                except Exception:
                    continue
                if node is None or path is None:
                    continue
                if path not in watched:
                    real = os.path.realpath(path)
                    watched[path] = real.startswith(prefix) and not real.startswith(library_paths)
                if not watched[path]:
                    continue  # a library module: it changes only with the environment
                item = parsed.get(path)
                if item is None or item.node is not node or _mtime(path) > item.change_time:
                    return True
        return False


def _mtime(path) -> float:
    try:
        return os.path.getmtime(path)
    except OSError:
        return float("inf")


SHARED_STATES = _SharedStates()  # used under JEDI_LOCK


class Session:
    """One document version: a jedi Script plus caches shared across versions."""

    def __init__(self, text: str, path: str | None, project: jedi.Project, env: Environment,
                 root: Path, member_cache: dict) -> None:
        self.script = jedi.Script(text, path=path or None, project=project, environment=jedi_environment())
        SHARED_STATES.adopt(self.script, project, root, tuple(os.path.realpath(p) for p in env.paths))
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
            return False  # constructors: the static index answers
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
