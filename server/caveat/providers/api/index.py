"""The static API index: what installed libraries define, read with ``ast``, never imported.

One index entry per *module file pair* (``mod.py`` and/or ``mod.pyi``), grouped on disk per
installed distribution *version* and shared by every project and run::

    <cache dir>/index/f<FORMAT>-<builder hash>/<dist>-<version>-<hash of RECORD>/<module>.json
    <cache dir>/index/f<FORMAT>-<builder hash>/python-<X.Y.Z>-jedi<ver>/<module>.json  (standard library)

(``<cache dir>`` is ``$CAVEAT_CACHE_DIR``, else ``$XDG_CACHE_HOME/caveat``, else
``~/.cache/caveat``.) An entry is built the first time a question needs it and written
atomically; a new release of a package is a new folder; ``FORMAT`` changes with the layout
and the builder hash with the code that builds entries (``layers.py``).
The standard library is read from the server's own runtime sources and jedi's bundled
typeshed stubs (the project's interpreter is never run).

Each module has two *layers*, ``py`` (the runtime source) and ``pyi`` (its stub), merged by
one rule: **names are the union of both layers; a stub, where there is one, decides whether
the set is closed** (stubs declare what the runtime builds dynamically; runtime sources add
what a stale stub forgot, such as numpy 1.26's ``in1d(kind=)``).

Querying it (``ApiIndex(env)``; every answer over-approximates what exists, so an answer of
"missing" is one caveat can say out loud):

- ``resolve("requests.Session")`` -> ``Ref(kind="class", module="requests.sessions",
  qualname="Session")``; follows re-exports, ``from x import *``, submodules, module-level
  instances (``DEFAULTPARSER = parser()`` -> ``kind="instance"``). ``None`` when unknown.
- ``ref_for(module, qualname)`` -> a ``Ref`` for a definition found some other way (jedi).
- ``attribute(ref, name)`` -> the ``Ref`` of a member (modules, classes through their bases).
- ``members(ref)`` -> ``Names(names, closed, reason)``: a module's names (submodules
  included) or a class's names through its bases (instances: instance attributes assigned
  as ``self.x`` in any method are included). ``closed`` is False when the set cannot be
  enumerated statically (``__getattr__``, unresolved or dynamic bases, metaclasses,
  decorators that add members, ``setattr`` on the class, star imports of compiled code);
  ``reason`` says why.
- ``keywords(ref)`` -> ``Names``: the keyword arguments a function, method or class
  (constructor) accepts, with ``**kwargs`` forwarding followed through the implementation
  (``return request("get", url, **kwargs)``, ``self.request(..., **kwargs)``,
  ``super().__init__(**kwargs)``, locals made by constructors and ``with C() as x``, across
  modules and distributions). Closed only when every forwarding path ends in a closed
  signature.
- ``bases(ref)`` / ``mro(ref)`` -> class ``Ref``s (``None`` entries are not returned; an
  unresolved base makes ``members`` open instead).
- ``subclasses(ref)`` -> the subclasses (transitively) defined in the installed
  distributions that can see the class (its own distribution and those requiring it).
- ``returns(ref)`` -> the return annotation of a function (source text) and ``return_ref``
  -> the ``Ref`` it names, when it names a class (``Optional``/``X | None`` unwrapped).
- ``signatures(ref)`` -> ``[(first argument's annotation, return annotation)]``, one per
  overload, from the layer that decides (the stub when there is one); ``is_async(ref)``;
  ``attribute_type(class_ref, name)`` -> ``(text, module)``: what a data attribute holds
  (an annotation, or ``call:C`` for ``self.name = C(...)`` in ``__init__``), through the bases;
  ``declarative(class_ref)``: a ``@dataclass_transform`` metaclass makes its subclasses
  (pydantic models), whose constructors take their declared fields.

Nothing of the project is executed: files are read and parsed with ``ast``.
"""
from __future__ import annotations

import builtins
import hashlib
import json
import logging
import os
import re
import sys
import tempfile
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from caveat.environment import Environment, canonical_name, distribution_index, stdlib_paths
from caveat.providers.api.layers import build_layer

log = logging.getLogger("caveat.api.index")

FORMAT = 2
_MAX_DEPTH = 12  # forwarding / re-export chains followed at most this deep
_SAFE_CLASS_DECORATORS = {"dataclass", "dataclasses.dataclass", "total_ordering", "functools.total_ordering",
                          "final", "typing.final", "typing_extensions.final", "runtime_checkable",
                          "typing.runtime_checkable", "unique", "enum.unique", "type_check_only",
                          "typing.type_check_only", "deprecated", "typing_extensions.deprecated",
                          "warnings.deprecated", "dataclass_transform", "typing_extensions.dataclass_transform"}
_SAFE_FUNCTION_DECORATORS = {"staticmethod", "classmethod", "property", "overload", "typing.overload",
                             "abstractmethod", "abc.abstractmethod", "override", "typing.override",
                             "typing_extensions.override", "final", "typing.final", "deprecated",
                             "typing_extensions.deprecated", "warnings.deprecated", "functools.cache",
                             "functools.lru_cache", "cache", "lru_cache", "functools.cached_property",
                             "cached_property", "wraps", "functools.wraps", "contextmanager",
                             "contextlib.contextmanager"}
# decorators known by their last name whatever the module alias (``t.overload``, ``abc.abstractmethod``)
_WELL_KNOWN_DECORATORS = {"overload", "staticmethod", "classmethod", "abstractmethod", "override", "final",
                          "cached_property", "total_ordering", "runtime_checkable", "type_check_only"}
_STRUCTURAL_BASES = {"Generic", "Protocol"}  # typing constructs: no members of their own
_SAFE_METACLASSES = {"ABCMeta", "abc.ABCMeta", "type", "EnumMeta", "enum.EnumMeta", "EnumType", "enum.EnumType"}
_BUILTIN_NAMES = frozenset(dir(builtins))


# --- references and answers ------------------------------------------------------
@dataclass(frozen=True)
class Ref:
    kind: str  # "module", "class", "function", "instance"
    module: str
    qualname: str = ""
    # classes whose own members an instance also has: a value annotated as one class but
    # built by another (``request: Request = LocalProxy(...)``: the proxy's methods too)
    also: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        return f"{self.module}.{self.qualname}" if self.qualname else self.module

    @property
    def name(self) -> str:
        return (self.qualname or self.module).rsplit(".", 1)[-1]


@dataclass(frozen=True)
class Names:
    names: frozenset[str]
    closed: bool
    reason: str = ""  # why the set is open (for the log)
    data_only: bool = False  # open only through a __getattr__ that gives data (DataFrame columns)


_OPEN = lambda reason: Names(frozenset(), False, reason)  # noqa: E731


@lru_cache(maxsize=1)
def data_getattr_classes() -> dict[str, str]:
    """Classes whose ``__getattr__`` only gives data (columns, fields), never methods."""
    path = Path(__file__).resolve().parent.parent.parent / "data" / "data_getattr.json"
    try:
        return dict(json.loads(path.read_text(encoding="utf-8"))["classes"])
    except (OSError, ValueError, KeyError):
        return {}


# --- the on-disk store -----------------------------------------------------------
def cache_root() -> Path:
    if os.environ.get("CAVEAT_CACHE_DIR"):
        base = Path(os.environ["CAVEAT_CACHE_DIR"])
    elif os.environ.get("XDG_CACHE_HOME"):
        base = Path(os.environ["XDG_CACHE_HOME"]) / "caveat"
    else:
        base = Path.home() / ".cache" / "caveat"
    return base / "index" / f"f{FORMAT}-{_builder_hash()}"


@lru_cache(maxsize=1)
def _builder_hash() -> str:
    """Entries are rebuilt when the code that builds them changes (a caveat upgrade)."""
    from caveat.providers.api import layers

    try:
        return hashlib.blake2b(Path(layers.__file__).read_bytes(), digest_size=4).hexdigest()
    except OSError:  # pragma: no cover
        return "0"


def _record_hash(location: str) -> str:
    digest = hashlib.blake2b(digest_size=8)
    for name in ("RECORD", "installed-files.txt", "SOURCES.txt"):
        try:
            digest.update(Path(location, name).read_bytes())
            return digest.hexdigest()
        except OSError:
            continue
    try:  # no file list: the metadata folder's own stamp
        stat = os.stat(location)
        digest.update(f"{stat.st_mtime_ns}-{stat.st_size}".encode())
    except OSError:
        pass
    return digest.hexdigest()


def _write_json(path: Path, data) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            # dumps, not dump: json.dump streams through the pure-Python encoder (7x slower)
            stream.write(json.dumps(data, separators=(",", ":")))
        os.replace(temporary, path)
    except OSError as error:  # a read-only cache is slower, not wrong
        log.debug("index: cannot write %s: %s", path, error)


def _read_json(path: Path):
    try:
        with open(path, encoding="utf-8") as stream:
            return json.load(stream)
    except (OSError, ValueError):
        return None


def _typeshed_stdlib() -> str | None:
    try:
        import jedi
    except ImportError:  # pragma: no cover
        return None
    path = Path(jedi.__file__).resolve().parent / "third_party" / "typeshed" / "stdlib"
    return str(path) if path.is_dir() else None


def _jedi_version() -> str:
    try:
        import jedi
        return jedi.__version__
    except ImportError:  # pragma: no cover
        return "0"


# --- the index ---------------------------------------------------------------------
class ApiIndex:
    """Questions about one environment's libraries (see the module docstring)."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.paths = tuple(env.paths)
        self.stdlib = tuple(stdlib_paths())
        self.typeshed = _typeshed_stdlib()
        self.root = cache_root()
        self._modules: dict[str, dict | None] = {}
        self._lock = threading.RLock()
        self._dists = None
        self._dependents: dict[str, set[str]] | None = None
        self._subclass_tables: dict[str, dict] = {}
        self.stats = {"built": 0, "loaded": 0}

    # --- finding files ---------------------------------------------------------
    def _files(self, module: str) -> tuple[str | None, str | None, str]:
        """(runtime .py, stub .pyi, where) of ``module``; where: "env" / "stdlib" / ""."""
        parts = module.split(".")
        from caveat.providers.api.modules import is_stdlib

        if is_stdlib(parts[0]):
            roots = [(p, "stdlib") for p in self.stdlib]
            stub_roots = [self.typeshed] if self.typeshed else []
        else:
            roots = [(p, "env") for p in self.paths]
            stub_roots = [os.path.join(p, parts[0] + "-stubs") for p in self.paths]
        runtime = stub = None
        where = ""
        for root, kind in roots:
            base = os.path.join(root, *parts)
            for candidate in (os.path.join(base, "__init__.py"), base + ".py"):
                if runtime is None and os.path.isfile(candidate):
                    runtime, where = candidate, kind
            for candidate in (os.path.join(base, "__init__.pyi"), base + ".pyi"):
                if stub is None and os.path.isfile(candidate):
                    stub, where = candidate, where or kind
            if runtime or stub:
                break
        if stub is None:
            for root in stub_roots:
                rest = parts if root == self.typeshed else parts[1:]
                base = os.path.join(root, *rest)
                for candidate in (os.path.join(base, "__init__.pyi"), base + ".pyi"):
                    if os.path.isfile(candidate):
                        stub = candidate
                        where = where or ("stdlib" if root == self.typeshed else "env")
                        break
                if stub:
                    break
        return runtime, stub, where

    def module_exists(self, module: str) -> bool:
        return self.module(module) is not None

    def _is_package_dir(self, module: str) -> str | None:
        parts = module.split(".")
        for root in (*self.paths, *self.stdlib):
            base = os.path.join(root, *parts)
            if os.path.isdir(base):
                return base
        return None

    def _store_folder(self, module: str, where: str) -> Path | None:
        if where == "stdlib":
            version = ".".join(map(str, sys.version_info[:3]))
            return self.root / f"python-{version}-jedi{_jedi_version()}"
        if self._dists is None:
            self._dists = distribution_index(self.env)
        dists = self._dists.for_module(module)
        if not dists:
            return None
        dist = dists[0]
        return self.root / f"{dist.key}-{dist.version}-{_record_hash(dist.location)}"

    def module(self, module: str) -> dict | None:
        """The merged entry of a module: ``{"py": layer|None, "pyi": layer|None, "package": bool}``."""
        with self._lock:
            if module in self._modules:
                return self._modules[module]
        entry = self._load_or_build(module)
        with self._lock:
            self._modules[module] = entry
        return entry

    def _load_or_build(self, module: str) -> dict | None:
        if not module or not all(p.isidentifier() for p in module.split(".")):
            return None
        runtime, stub, where = self._files(module)
        if runtime is None and stub is None:
            if self._is_package_dir(module):  # a namespace package: submodules only
                return {"py": None, "pyi": None, "package": True, "namespace": True}
            return None
        folder = self._store_folder(module, where)
        path = folder / f"{module}.json" if folder is not None else None
        if path is not None:
            stored = _read_json(path)
            if isinstance(stored, dict) and stored.get("files") == [runtime, stub]:
                self.stats["loaded"] += 1
                return stored
        entry = {"files": [runtime, stub],
                 "py": build_layer(runtime, module) if runtime else None,
                 "pyi": build_layer(stub, module) if stub else None,
                 "package": any(p and os.path.basename(p).startswith("__init__.") for p in (runtime, stub))}
        self.stats["built"] += 1
        if path is not None:
            _write_json(path, entry)
        return entry

    # --- names inside a module -------------------------------------------------
    @staticmethod
    def _layers(entry: dict) -> list[dict]:
        return [layer for layer in (entry.get("pyi"), entry.get("py")) if layer]

    def _submodules(self, module: str) -> set[str]:
        names = set()
        parts = module.split(".")
        roots = list(self.paths) + list(self.stdlib)
        if self.typeshed:
            roots.append(self.typeshed)
        for root in roots:
            folder = os.path.join(root, *parts)
            if not os.path.isdir(folder):
                continue
            try:
                entries = os.listdir(folder)
            except OSError:
                continue
            for entry in entries:
                stem = entry.split(".", 1)[0]
                if stem.isidentifier() and stem != "__init__" and (
                        entry.endswith((".py", ".pyi", ".so", ".pyd")) or os.path.isdir(os.path.join(folder, entry))):
                    names.add(stem)
        return names

    def module_names(self, module: str, _seen: frozenset = frozenset()) -> Names:
        entry = self.module(module)
        if entry is None:
            return _OPEN(f"module {module} not found")
        names: set[str] = set(self._submodules(module)) if entry.get("package") else set()
        if entry.get("namespace"):
            return Names(frozenset(names), True)
        stub = entry.get("pyi")
        deciding = []  # reasons the set is open, from the layer that decides
        for layer in self._layers(entry):
            names.update(layer["members"])
            names.update(layer["all"] or ())
            # A stub declares what its runtime builds at run time (compiled star imports,
            # globals() tricks, a __getattr__ that raises for unknown names); a runtime
            # __getattr__ that can return any name still opens the module.
            overridable = layer is not stub and stub is not None
            for star in layer["star"]:
                if star in _seen or len(_seen) > _MAX_DEPTH:
                    continue
                inner = self.module_names(star, _seen | {module})
                exported = self._all_names(star)  # private names listed in __all__ come too
                names.update(n for n in inner.names if not n.startswith("_") or n in exported)
                if not inner.closed and not overridable:
                    deciding.append(f"`from {star} import *`: {inner.reason}")
                elif overridable and _fills_namespace(self.module(star)):
                    # the stub cannot list what a table put there (numpy.core.numeric gets
                    # ``int64`` from numerictypes' ``globals()[key] = ...``; numeric.pyi lacks it)
                    deciding.append(f"`from {star} import *` of a module that fills its namespace at run time")
            if layer["open"] and not (overridable and "any name" not in layer["open"]):
                deciding.append(layer["open"])
        if deciding:
            return Names(frozenset(names), False, f"{module}: {deciding[0]}")
        return Names(frozenset(names), True)

    def _all_names(self, module: str) -> set[str]:
        entry = self.module(module)
        return {n for layer in self._layers(entry or {}) for n in layer["all"] or ()}

    # --- resolution --------------------------------------------------------------
    def resolve(self, dotted: str) -> Ref | None:
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            module = ".".join(parts[:cut])
            if self.module(module) is not None:
                ref: Ref | None = Ref("module", module)
                for name in parts[cut:]:
                    ref = self.attribute(ref, name)
                    if ref is None:
                        return None
                return ref
        return None

    def ref_for(self, module: str, qualname: str) -> Ref | None:
        """A definition named by its module and qualified name (as jedi reports it)."""
        if not qualname:
            return Ref("module", module) if self.module(module) is not None else None
        entry = self.module(module)
        if entry is None:
            return None
        for layer in self._layers(entry):
            if qualname in layer["classes"]:
                return Ref("class", module, qualname)
            if qualname in layer["functions"]:
                return Ref("function", module, qualname)
        return self.resolve(f"{module}.{qualname}")

    def attribute(self, ref: Ref, name: str, _depth: int = 0) -> Ref | None:
        if _depth > _MAX_DEPTH:
            return None
        if ref.kind == "module":
            return self._module_attribute(ref.module, name, _depth)
        if ref.kind in ("class", "instance"):
            for klass in self.mro(Ref("class", ref.module, ref.qualname)):
                entry = self.module(klass.module)
                for layer in self._layers(entry or {}):
                    qual = f"{klass.qualname}.{name}"
                    if qual in layer["classes"]:
                        return Ref("class", klass.module, qual)
                    if qual in layer["functions"]:
                        return Ref("function", klass.module, qual)
        return None

    def _module_attribute(self, module: str, name: str, depth: int) -> Ref | None:
        entry = self.module(module)
        if entry is None:
            return None
        for layer in self._layers(entry):
            if name in layer["classes"]:
                return Ref("class", module, name)
            if name in layer["functions"]:
                return Ref("function", module, name)
        for layer in self._layers(entry):
            if name in layer["imports"]:
                target = layer["imports"][name]
                if target != f"{module}.{name}" or self.module(target) is not None:
                    found = self._resolve_deep(target, depth + 1)
                    if found is not None:
                        return found
            if name in layer["values"]:
                how, target, *built_by = layer["values"][name]
                found = self.expression(module, target, depth=depth + 1)
                if found is not None:
                    if how == "alias":
                        return found
                    if how == "annotation":
                        if found.kind != "class":
                            return None
                        proxy = self.expression(module, built_by[0], depth + 1) if built_by and built_by[0] else None
                        also = (proxy.full_name,) if proxy is not None and proxy.kind == "class" and proxy != found else ()
                        return Ref("instance", found.module, found.qualname, also)
                    if found.kind == "class":
                        return Ref("instance", found.module, found.qualname)
                    if found.kind == "function":
                        returned = self.return_ref(found, depth + 1)
                        if returned is not None:
                            return Ref("instance", returned.module, returned.qualname)
        if self.module(f"{module}.{name}") is not None and entry.get("package"):
            return Ref("module", f"{module}.{name}")
        for layer in self._layers(entry):
            for star in layer["star"]:
                if star != module:
                    found = self._module_attribute(star, name, depth + 1) if depth < _MAX_DEPTH else None
                    if found is not None:
                        return found
        return None

    def _resolve_deep(self, dotted: str, depth: int) -> Ref | None:
        if depth > _MAX_DEPTH:
            return None
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            module = ".".join(parts[:cut])
            if self.module(module) is not None:
                ref: Ref | None = Ref("module", module)
                for name in parts[cut:]:
                    ref = self.attribute(ref, name, depth + 1)
                    if ref is None:
                        return None
                return ref
        return None

    def expression(self, module: str, dotted: str, depth: int = 0) -> Ref | None:
        """A dotted name as written in ``module`` (its imports and definitions, then builtins)."""
        if depth > _MAX_DEPTH or not dotted or dotted.startswith("?"):
            return None
        head, _, rest = dotted.partition(".")
        ref = self._module_attribute(module, head, depth)
        if ref is None and head in _BUILTIN_NAMES and module != "builtins":
            ref = self._module_attribute("builtins", head, depth)
        if ref is None:
            return None
        for name in rest.split(".") if rest else ():
            ref = self.attribute(ref, name, depth + 1)
            if ref is None:
                return None
        return ref

    # --- classes ---------------------------------------------------------------
    def _class_infos(self, ref: Ref) -> list[tuple[dict, bool]]:
        """(class info, from a stub) of each layer defining the class."""
        entry = self.module(ref.module)
        found = []
        if entry:
            for layer in self._layers(entry):
                info = layer["classes"].get(ref.qualname)
                if info is not None:
                    found.append((info, layer is entry.get("pyi")))
        return found

    def bases(self, ref: Ref) -> tuple[list[Ref], list[str]]:
        """Resolved base classes and the text of those that could not be resolved."""
        resolved: list[Ref] = []
        unresolved: list[str] = []
        scope = ref.module
        for info, _ in self._class_infos(ref):
            for base in info["bases"]:
                if base in ("object", "builtins.object") or base.rsplit(".", 1)[-1] in _STRUCTURAL_BASES:
                    continue
                target = self._class_scope_expression(ref, base)
                if target is not None and target.kind == "class":
                    if target not in resolved and target != ref:
                        resolved.append(target)
                else:
                    unresolved.append(base)
        del scope
        return resolved, unresolved

    def _class_scope_expression(self, ref: Ref, dotted: str) -> Ref | None:
        outer = ref.qualname.rpartition(".")[0]
        if outer:  # a nested class's bases may name its siblings
            sibling = self.attribute(Ref("class", ref.module, outer), dotted.split(".")[0])
            if sibling is not None and "." not in dotted:
                return sibling
        return self.expression(ref.module, dotted)

    def is_protocol(self, ref: Ref) -> bool:
        """Is the class a ``typing.Protocol`` (``Protocol`` among its own bases, as PEP 544 says;
        a class deriving from a protocol is not one)? A protocol names what callers may rely
        on, not what the object is: the value at run time has more members."""
        return any(base.split("[", 1)[0].rsplit(".", 1)[-1] == "Protocol"
                   for info, _ in self._class_infos(ref) for base in info["bases"])

    def restricted_type_variable(self, module: str, name: str) -> bool:
        """Is ``name`` a ``TypeVar`` of ``module`` with a bound or constraints (typeshed's
        ``_FT = TypeVar("_FT", bound=Future[Any])``)?"""
        for layer in self._layers(self.module(module) or {}):
            value = layer["values"].get(name)
            if value and value[0] == "call" and value[1].rsplit(".", 1)[-1] == "TypeVar":
                return "restricted" in value[2:]
        return False

    def compiled_class(self, ref: Ref) -> bool:
        """Does a class of the MRO come from a module with a stub and no Python source (a
        compiled extension: the stub is all there is, and stubs leave private names out)?"""
        for klass in self.mro(ref):
            entry = self.module(klass.module) or {}
            if entry.get("pyi") and not entry.get("py"):
                return True
        return False

    def stub_only(self, ref: Ref) -> bool:
        """Is the class a private name a stub invents that the module's runtime source does not
        define (typeshed's ``dbm._Database``, what ``dbm.open`` is declared to return; the
        object is of one of the backends' classes, with more members)? A compiled module, or
        runtime source that star-imports or changes its namespace, cannot say: False."""
        top = ref.qualname.split(".")[0]
        entry = self.module(ref.module)
        if not top.startswith("_") or not entry or not entry.get("py") or not entry.get("pyi"):
            return False
        runtime = entry["py"]
        return top not in runtime["members"] and not runtime["star"] and not runtime["open"]

    def mro(self, ref: Ref) -> list[Ref]:
        """The class and its bases, depth first (membership questions only need the set)."""
        order: list[Ref] = []
        stack = [Ref("class", ref.module, ref.qualname)]
        while stack and len(order) < 200:
            current = stack.pop(0)
            if current in order:
                continue
            order.append(current)
            stack[0:0] = self.bases(current)[0]
        return order

    def class_names(self, ref: Ref) -> Names:
        names: set[str] = set()
        reasons: list[str] = []
        data_getattr = 0
        for klass in self.mro(ref):
            infos = self._class_infos(klass)
            if not infos:
                reasons.append(f"class {klass.full_name} not found")
                continue
            from_stub = any(stub for _, stub in infos)
            _, unresolved = self.bases(klass)
            if unresolved:
                reasons.append(f"{klass.full_name}: base {unresolved[0]} not resolved")
            if all(stub for _, stub in infos):  # the implementation's own members (stubs omit some)
                names.update(n for info in self._implementation_infos(klass) for n in info["members"])
            for info, stub in infos:
                names.update(info["members"])
                deciding = stub or not from_stub
                if not deciding:
                    continue
                if info["open"] and (not stub or "__getattr__" in info["open"]):
                    reasons.append(f"{klass.full_name}: {info['open']}")
                    if "__getattr__" in info["open"] and klass.full_name in data_getattr_classes():
                        data_getattr += 1
                if stub:
                    continue  # a stub declares every member: its decorators and metaclass add none
                meta = info["meta"]
                declarative = meta and meta not in _SAFE_METACLASSES and self._declarative_metaclass(klass, meta)
                if declarative:  # the class object also has the metaclass's members
                    names.update(self.class_names(declarative).names)
                elif meta and meta not in _SAFE_METACLASSES:
                    reasons.append(f"{klass.full_name}: metaclass {meta}")
                odd = [d for d in info["deco"] if not self._harmless(klass.module, d, _SAFE_CLASS_DECORATORS)]
                if odd:
                    reasons.append(f"{klass.full_name}: decorated with @{odd[0]}")
        names |= self.assigned_elsewhere(ref)
        if reasons:
            return Names(frozenset(names), False, reasons[0], data_only=data_getattr == len(reasons))
        return Names(frozenset(names), True)

    def _implementation_infos(self, ref: Ref) -> list[dict]:
        """The runtime class behind a class only a stub defines, when the module's runtime
        source imports it from elsewhere (numpy's ``memmap``: numpy/__init__.pyi declares it,
        numpy/__init__.py imports it from numpy.core.memmap)."""
        entry = self.module(ref.module)
        runtime = (entry or {}).get("py")
        top, _, rest = ref.qualname.partition(".")
        if not runtime or top in runtime["classes"]:
            return []
        found = None
        if top in runtime["imports"]:
            found = self._resolve_deep(runtime["imports"][top], 1)
        for star in runtime["star"] if found is None else ():
            if star != ref.module:
                found = self._module_attribute(star, top, 1)
                if found is not None and found.kind == "module":  # ``from .memmap import *`` rebinds
                    found = self._module_attribute(found.module, top, 2)  # the submodule's name to its class
                if found is not None:
                    break
        for name in rest.split(".") if rest and found is not None else ():
            found = self.attribute(found, name, 1)
        if found is None or found.kind != "class" or found.module == ref.module:
            return []
        return [info for info, stub in self._class_infos(found) if not stub]

    def declarative(self, ref: Ref) -> bool:
        """Whether the class (or a base) has a ``@dataclass_transform`` metaclass (PEP 681):
        its subclasses' constructors take their declared fields."""
        for klass in self.mro(ref):
            for info, _ in self._class_infos(klass):
                meta = info["meta"]
                if meta and meta not in _SAFE_METACLASSES and self._declarative_metaclass(klass, meta):
                    return True
        return False

    def _declarative_metaclass(self, klass: Ref, meta: str) -> Ref | None:
        """A metaclass decorated with ``@dataclass_transform`` (PEP 681): the classes it makes
        have the members they declare (fields), as type checkers read them (pydantic)."""
        target = self._class_scope_expression(klass, meta)
        if target is None or target.kind != "class":
            return None
        for info, _ in self._class_infos(target):
            if info["open"] or info["meta"]:
                return None
            if any(d.rsplit(".", 1)[-1].startswith("dataclass_transform") for d in info["deco"]):
                return target
        return None

    def _harmless(self, module: str, decorator: str, known: set[str]) -> bool:
        """A decorator that returns what it decorates (by name, or as its source shows)."""
        called = decorator.endswith("()")
        name = decorator[:-2] if called else decorator
        if name in known or name.rsplit(".", 1)[-1] in _WELL_KNOWN_DECORATORS:
            return True
        target = self.expression(module, name)
        if target is None or target.kind != "function":
            return False
        return any(info.get("ident") == (2 if called else 1) for info, _ in self._function_infos(target))

    def members(self, ref: Ref) -> Names:
        if ref.kind == "module":
            return self.module_names(ref.module)
        if ref.kind in ("class", "instance"):
            names = self.class_names(ref)
            extra: set[str] = set()
            for full_name in ref.also:  # the proxy's own names; its __getattr__ forwards to `ref`
                proxy = self.resolve(full_name)
                if proxy is not None and proxy.kind == "class":
                    extra |= self.class_names(proxy).names
            return Names(names.names | extra, names.closed, names.reason, names.data_only) if extra else names
        return _OPEN(f"{ref.full_name} is a {ref.kind}")

    # --- signatures ------------------------------------------------------------------
    def _function_infos(self, ref: Ref) -> list[tuple[dict, bool]]:
        entry = self.module(ref.module)
        found = []
        if entry:
            for layer in self._layers(entry):
                info = layer["functions"].get(ref.qualname)
                if info is not None:
                    found.append((info, layer is entry.get("pyi")))
        return found

    def keywords(self, ref: Ref, _seen: frozenset = frozenset()) -> Names:
        if ref in _seen:
            return Names(frozenset(), True)  # a forwarding cycle adds nothing new
        if len(_seen) > _MAX_DEPTH:
            return _OPEN("forwarding chain too deep")
        seen = _seen | {ref}
        if ref.kind == "class":
            return self._constructor_keywords(ref, seen)
        if ref.kind != "function":
            return _OPEN(f"{ref.full_name} is a {ref.kind}")
        infos = self._function_infos(ref)
        if not infos:
            return _OPEN(f"{ref.full_name} not found")
        has_stub = any(stub for _, stub in infos)
        names: set[str] = set()
        reasons: list[str] = []
        for info, stub in infos:
            names.update(info["params"])
            names.update(info["keys"])
            deciding = stub or not has_stub
            odd = [d for d in info["deco"] if not self._harmless(ref.module, d, _SAFE_FUNCTION_DECORATORS)
                   and not d.endswith((".setter", ".getter", ".deleter"))]
            if odd and deciding and not stub:
                reasons.append(f"{ref.full_name}: decorated with @{odd[0]}")
            if not info["kw"]:
                continue
            if stub:
                reasons.append(f"{ref.full_name}: the stub takes **kwargs")
                continue
            if info["open"]:
                reasons.append(f"{ref.full_name}: {info['open']}")
            for callee in info["fwd"]:
                target = self._callee(ref, callee, info)
                if target is None:
                    reasons.append(f"{ref.full_name}: cannot follow `**kwargs` into `{callee}`")
                    continue
                inner = self.keywords(target, seen)
                names.update(inner.names)
                if not inner.closed:
                    reasons.append(inner.reason)
        if reasons:
            return Names(frozenset(names), False, reasons[0])
        return Names(frozenset(names), True)

    def _constructor_keywords(self, ref: Ref, seen: frozenset) -> Names:
        layers = self.class_names(ref)
        if not layers.closed and "not resolved" in layers.reason or "metaclass" in layers.reason \
                or "decorated" in layers.reason:
            return _OPEN(layers.reason)
        names: set[str] = set()
        found_any = False
        for method in ("__init__", "__new__"):
            for klass in self.mro(ref):
                if klass.module == "builtins" and klass.qualname == "object":
                    break
                target = Ref("function", klass.module, f"{klass.qualname}.{method}")
                if method == "__init__" and not self._function_infos(target) and any(
                        d.removesuffix("()").rsplit(".", 1)[-1] == "dataclass"
                        for info, _ in self._class_infos(klass) for d in info["deco"]):
                    return _OPEN(f"{klass.full_name} is a dataclass: its __init__ takes its fields")
                if self._function_infos(target):
                    inner = self.keywords(target, seen)
                    if not inner.closed:
                        return inner
                    names.update(inner.names)
                    found_any = True
                    break
                if not self._class_infos(klass):
                    return _OPEN(f"class {klass.full_name} not found")
        del found_any
        return Names(frozenset(names), True)

    def _callee(self, ref: Ref, callee: str, info: dict) -> Ref | None:
        """What a forwarding call in function ``ref`` calls."""
        owner = ref.qualname.rpartition(".")[0]
        klass = Ref("class", ref.module, owner) if owner and self._class_infos(Ref("class", ref.module, owner)) else None
        head, _, rest = callee.partition(".")
        if head == "super()" and klass is not None:
            for base in self.mro(klass)[1:]:
                found = self.attribute(base, rest) if rest else None
                if found is not None and found.module == base.module and found.qualname.startswith(base.qualname + "."):
                    return found
            if rest == "__init__":
                return Ref("class", "builtins", "object")  # object.__init__: no keywords
            return None
        if head in ("self", "cls") and klass is not None:
            if not rest:
                return klass if head == "cls" else None
            return self._walk(klass, rest)
        if head.endswith("()") and rest:
            constructor = self.expression(ref.module, head[:-2])
            if constructor is None or constructor.kind != "class":
                return None
            return self._walk(Ref("instance", constructor.module, constructor.qualname), rest)
        local = info.get("locals", {}).get(head)
        if local:
            with_target = local.startswith("with:")
            constructor = self.expression(ref.module, local[5:] if with_target else local)
            if constructor is None or constructor.kind != "class":
                return None
            if with_target and not self._enters_self(constructor):
                return None
            return self._walk(Ref("instance", constructor.module, constructor.qualname), rest) if rest else None
        found = self.expression(ref.module, callee)
        if found is not None and found.kind == "instance":
            return None
        return found

    def _walk(self, ref: Ref, dotted: str) -> Ref | None:
        for name in dotted.split("."):
            ref = self.attribute(ref, name)
            if ref is None:
                return None
        return ref

    def _enters_self(self, klass: Ref) -> bool:
        enter = self.attribute(klass, "__enter__")
        if enter is None or enter.kind != "function":
            return False
        return any(info["self_ret"] for info, _ in self._function_infos(enter))

    def returns(self, ref: Ref) -> str | None:
        for info, _ in self._function_infos(ref):
            if info["ret"]:
                return info["ret"]
        return None

    def signatures(self, ref: Ref) -> list[tuple[str | None, str | None]]:
        infos = self._function_infos(ref)
        deciding = [info for info, stub in infos if stub] or [info for info, _ in infos]
        return [tuple(sig) for info in deciding for sig in info.get("sigs", ())]

    def is_async(self, ref: Ref) -> bool:
        return any(info.get("async") for info, _ in self._function_infos(ref))

    def attribute_type(self, ref: Ref, name: str) -> tuple[str, str] | None:
        for klass in self.mro(Ref("class", ref.module, ref.qualname)):
            infos = self._class_infos(klass)
            deciding = [info for info, stub in infos if stub] or [info for info, _ in infos]
            for info in deciding:
                text = info.get("attrs", {}).get(name)
                if text:
                    return text, klass.module
            if any(name in info["members"] for info, _ in infos):
                return None  # defined here without a type: a subclass's annotation does not apply
        return None

    def return_ref(self, ref: Ref, depth: int = 0) -> Ref | None:
        text = self.returns(ref)
        if not text:
            return None
        text = re.sub(r"^(typing\.|t\.)?Optional\[(.*)\]$", r"\2", text.strip())
        text = re.sub(r"\s*\|\s*None$|^None\s*\|\s*", "", text)
        if not re.fullmatch(r"[\w.]+", text):
            return None
        if text in ("Self", "typing.Self", "typing_extensions.Self"):
            owner = ref.qualname.rpartition(".")[0]
            return Ref("class", ref.module, owner) if owner else None
        found = self.expression(ref.module, text, depth + 1)
        return found if found is not None and found.kind == "class" else None

    # --- subclasses --------------------------------------------------------------------
    def subclasses(self, ref: Ref, limit: int = 500) -> list[Ref]:
        """Classes deriving from ``ref`` (transitively) in the distributions that can see it."""
        ref = Ref("class", ref.module, ref.qualname)
        found: list[Ref] = []
        queue = [ref]
        tables = [self._module_table(ref.module), *self._tables_for(ref)]
        while queue and len(found) < limit:
            current = queue.pop(0)
            for table in tables:
                for module, qualname in table.get(current.name, ()):
                    candidate = Ref("class", module, qualname)
                    if candidate in found or candidate == ref:
                        continue
                    if current in self.bases(candidate)[0]:
                        found.append(candidate)
                        queue.append(candidate)
        return found

    def _module_table(self, module: str) -> dict:
        """The subclass table of the class's own module: a stub may declare members on the
        subclasses only (typeshed's ``ast.stmt.col_offset``; ``ast.AST`` has none), and the
        standard library's stubs belong to no installed distribution."""
        table: dict = {}
        for layer in self._layers(self.module(module) or {}):
            for qualname, info in layer["classes"].items():
                for base in info["bases"]:
                    table.setdefault(base.rsplit(".", 1)[-1], []).append((module, qualname))
        return table

    def _tables_for(self, ref: Ref) -> list[dict]:
        if self._dists is None:
            self._dists = distribution_index(self.env)
        from caveat.providers.api.modules import is_stdlib

        if is_stdlib(ref.module.split(".")[0]):
            keys = set(self._dists.by_key)  # anything may subclass the standard library
        else:
            owners = self._dists.for_module(ref.module)
            if not owners:
                return []
            keys = {owners[0].key} | self._dependents_of(owners[0].key)
        return [self._subclass_table(self._dists.by_key[key]) for key in sorted(keys) if key in self._dists.by_key]

    def _dependents_of(self, key: str) -> set[str]:
        if self._dependents is None:
            import importlib.metadata

            graph: dict[str, set[str]] = {}
            for dist in importlib.metadata.distributions(path=list(self.paths)):
                try:
                    name = canonical_name(dist.metadata["Name"] or "")
                    requires = dist.requires or []
                except Exception:
                    continue
                for requirement in requires:
                    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
                    if match:
                        graph.setdefault(canonical_name(match.group(1)), set()).add(name)
            self._dependents = graph
        result: set[str] = set()
        queue = [key]
        while queue:
            for dependent in self._dependents.get(queue.pop(), ()):
                if dependent not in result:
                    result.add(dependent)
                    queue.append(dependent)
        return result

    def _subclass_table(self, dist) -> dict:
        """``base name -> [(module, class qualname)]`` over a distribution's files (a text scan)."""
        return self._dist_scan(dist)["bases"]

    def _dist_scan(self, dist) -> dict:
        """One text pass over a distribution's files: the subclass table and the attribute
        names its code assigns on objects other than ``self`` (``response.connection = ...``
        in requests' adapters), which a class's own source does not show."""
        if dist.key in self._subclass_tables:
            return self._subclass_tables[dist.key]
        path = self.root / f"{dist.key}-{dist.version}-{_record_hash(dist.location)}" / "_scan.json"
        scan = _read_json(path)
        if not isinstance(scan, dict):
            table: dict = {}
            assigned: set[str] = set()
            for root in self.paths:
                for top in dist.top_level:
                    folder = os.path.join(root, *top.split("."))
                    for file, module in _python_files(folder, top):
                        _scan_file(file, module, table, assigned)
            scan = {"bases": table, "assigned": sorted(assigned)}
            _write_json(path, scan)
        self._subclass_tables[dist.key] = scan
        return scan

    def assigned_elsewhere(self, ref: Ref) -> frozenset[str]:
        """Attribute names the class's distribution assigns on objects from outside the class."""
        if is_stdlib_module(ref.module):
            return frozenset()
        if self._dists is None:
            self._dists = distribution_index(self.env)
        owners = self._dists.for_module(ref.module)
        if not owners:
            return frozenset()
        return frozenset(self._dist_scan(owners[0])["assigned"])


_CLASS_LINE = re.compile(r"^([ \t]*)class\s+(\w+)\s*\(([^)]*)\)", re.M)


def _fills_namespace(entry: dict | None) -> bool:
    """Whether a module's runtime source sets its own names from data at module level
    (``globals()[key] = ...``)."""
    runtime = (entry or {}).get("py")
    return bool(runtime and runtime.get("fills"))


def _python_files(folder: str, module: str):
    if os.path.isfile(folder + ".py"):
        yield folder + ".py", module
    if os.path.isfile(folder + ".pyi"):
        yield folder + ".pyi", module
    if not os.path.isdir(folder):
        return
    for current, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d.isidentifier() and d not in ("tests", "test")]
        relative = os.path.relpath(current, folder)
        prefix = module if relative == "." else module + "." + relative.replace(os.sep, ".")
        for name in files:
            if name.endswith((".py", ".pyi")):
                stem = name.rsplit(".", 1)[0]
                yield os.path.join(current, name), prefix if stem == "__init__" else f"{prefix}.{stem}"


_ASSIGNED = re.compile(r"\b(?!self\b|cls\b)[A-Za-z_]\w*\.(\w+)\s*(?::[^=\n]*)?=(?!=)")


def _scan_file(file: str, module: str, table: dict, assigned: set[str]) -> None:
    try:
        text = Path(file).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    assigned.update(match.group(1) for match in _ASSIGNED.finditer(text))
    for match in _CLASS_LINE.finditer(text):
        if match.group(1):
            continue  # nested classes are rare bases; skip them
        for base in match.group(3).split(","):
            base = base.split("[")[0].strip()
            if not base or "=" in base:
                continue
            name = base.rsplit(".", 1)[-1]
            if name.isidentifier():
                entry = table.setdefault(name, [])
                if [module, match.group(2)] not in entry:
                    entry.append([module, match.group(2)])


def is_stdlib_module(module: str) -> bool:
    from caveat.providers.api.modules import is_stdlib

    return is_stdlib(module.split(".")[0])


_INDEXES: dict[tuple, ApiIndex] = {}
_INDEXES_LOCK = threading.Lock()


def index_for(env: Environment) -> ApiIndex:
    """The index of an environment, shared within the process until its packages change."""
    key = (env.key, env.fingerprint())
    with _INDEXES_LOCK:
        index = _INDEXES.get(key)
        if index is None:
            for old in [k for k in _INDEXES if k[0] == env.key]:
                del _INDEXES[old]
            index = _INDEXES[key] = ApiIndex(env)
        return index


def module_for_path(index: ApiIndex, path: str | None) -> str | None:
    """The dotted module name of a library file (site-packages, stub packages, the stdlib,
    typeshed), or None for files outside them (the workspace)."""
    if path is None:
        return "builtins"
    real = os.path.realpath(path)
    roots = [*index.paths, *index.stdlib, *([index.typeshed] if index.typeshed else [])]
    for root in sorted({os.path.realpath(r) for r in roots}, key=len, reverse=True):
        if real.startswith(root + os.sep):
            relative = os.path.relpath(real, root)
            parts = relative.split(os.sep)
            parts[-1] = parts[-1].split(".", 1)[0]
            if parts[-1] == "__init__":
                parts.pop()
            if parts and parts[0].endswith("-stubs"):
                parts[0] = parts[0][: -len("-stubs")]
            if parts and all(p.isidentifier() for p in parts):
                return ".".join(parts)
            return None
    return None


def ref_from_jedi(index: ApiIndex, kind: str, full_name: str | None, module_path: str | None) -> Ref | None:
    """A jedi name (module, class, instance, function) as an index reference."""
    module = module_for_path(index, str(module_path) if module_path else None)
    if module is None or not full_name:
        return None
    if kind == "module":
        return Ref("module", module) if index.module(module) is not None else None
    if full_name == module or not full_name.startswith(module + "."):
        found = index.resolve(full_name)
    else:
        found = index.ref_for(module, full_name[len(module) + 1:])
    if found is None:
        return None
    if kind == "instance" and found.kind == "class":
        return Ref("instance", found.module, found.qualname)
    return found
