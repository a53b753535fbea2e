"""The project's Python environment, found and read without running it.

Discovery order (the first that exists wins):

1. the ``python`` setting (editor, ``[tool.caveat]`` or ``caveat check --python``):
   an interpreter path or a virtual-environment folder;
2. ``VIRTUAL_ENV`` (an activated venv), then ``CONDA_PREFIX``;
3. ``UV_PROJECT_ENVIRONMENT`` (uv's project environment, relative to the root);
4. a ``.venv`` / ``venv`` / ``env`` folder in the workspace root (uv's and Poetry's
   in-project convention, and the venv tutorial's);
5. Poetry's virtualenv cache (``{cache-dir}/virtualenvs/<name>-<hash>-py3.X``);
6. caveat's own environment (the interpreter the server runs on).

Nothing of the project is executed: no interpreter is started, no ``.pth`` file is
run. Site-packages are found from the folder layout and ``pyvenv.cfg``; ``.pth`` files
are *read* for plain path lines (editable installs), never for ``import`` lines;
installed distributions come from ``importlib.metadata.distributions(path=...)``,
which only reads ``*.dist-info`` / ``*.egg-info`` files.
"""
from __future__ import annotations

import ast
import base64
import hashlib
import importlib.metadata
import os
import re
import sys
import sysconfig
import threading
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_VENV_NAMES = (".venv", "venv", "env", ".env")


def canonical_name(name: str) -> str:
    """PEP 503 normalisation: ``Python_Dateutil`` -> ``python-dateutil``."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Distribution:
    name: str  # as published (``PyYAML``)
    version: str
    top_level: tuple[str, ...]  # import names it provides (``yaml``)
    location: str

    @property
    def key(self) -> str:
        return canonical_name(self.name)


@dataclass(frozen=True)
class Environment:
    """Where the project's packages live. Hashable; ``key`` identifies it in caches."""

    prefix: str
    site_packages: tuple[str, ...]
    python_version: tuple[int, int] | None
    source: str  # how it was found, said to the user
    own: bool = False  # the fallback: caveat's own environment, no project environment was found
    interpreter: str | None = None
    extra_paths: tuple[str, ...] = ()  # from .pth path lines and editable finders

    @property
    def key(self) -> tuple:
        return (self.prefix, self.site_packages, self.extra_paths)

    @property
    def paths(self) -> tuple[str, ...]:
        """Where third-party modules of this environment are found."""
        return self.site_packages + tuple(p for p in self.extra_paths if p not in self.site_packages)

    @property
    def version_text(self) -> str:
        return f"Python {self.python_version[0]}.{self.python_version[1]}" if self.python_version else "Python ?"

    def describe(self) -> str:
        """``/proj/.venv (Python 3.12, .venv in the workspace)``"""
        return f"{self.prefix} ({self.version_text}, {self.source})"

    def fingerprint(self) -> tuple:
        """Changes when packages are installed or removed (folder modification times)."""
        stamps = []
        for path in self.site_packages:
            try:
                stamps.append(os.stat(path).st_mtime_ns)
            except OSError:
                stamps.append(0)
        return tuple(stamps)


# --- discovery ---------------------------------------------------------------
def discover(python_setting: str | None, root: str | Path | None,
             environ: dict[str, str] | None = None) -> tuple[Environment, list[str]]:
    """The project's environment and notes about the discovery (problems, choice)."""
    environ = dict(os.environ if environ is None else environ)
    root_path = Path(root).resolve() if root else Path.cwd()
    notes: list[str] = []

    candidates: list[tuple[Path, str]] = []
    if python_setting:
        # Absolute and normalised, never resolved: a venv's bin/python is a symlink to the
        # base interpreter, and following it would leave the venv.
        setting = Path(os.path.expanduser(python_setting))
        if not setting.is_absolute():
            setting = root_path / setting
        env = from_path(Path(os.path.normpath(setting)), "the `python` setting")
        if env is not None:
            return env, notes
        notes.append(f"the `python` setting {python_setting!r} is neither an interpreter nor a virtual "
                     f"environment caveat can read; looking for one elsewhere")
    own = Path(sys.prefix).resolve()
    for var in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        # caveat's own environment activated (a pre-commit hook runs in one) says nothing
        # about the project's: look further, it stays the last resort.
        if environ.get(var) and Path(environ[var]).resolve() != own:
            candidates.append((Path(environ[var]), var))
    if environ.get("UV_PROJECT_ENVIRONMENT"):
        uv = Path(os.path.expanduser(environ["UV_PROJECT_ENVIRONMENT"]))
        candidates.append((uv if uv.is_absolute() else root_path / uv, "UV_PROJECT_ENVIRONMENT"))
    for name in _VENV_NAMES:
        candidates.append((root_path / name, f"{name} in the workspace"))
    for path in _poetry_cache_envs(root_path, environ):
        candidates.append((path, "Poetry's virtualenv cache"))
    for path, source in candidates:
        env = from_path(path, source)
        if env is not None:
            return env, notes
    return own_environment(), notes


def from_path(path: Path, source: str) -> Environment | None:
    """An interpreter (``.../bin/python``) or an environment folder, read from disk."""
    if path.is_file() or (path.is_symlink() and not path.is_dir()):
        interpreter = path
        prefix = path.parent.parent if path.parent.name in ("bin", "Scripts") else path.parent
    elif path.is_dir():
        interpreter = None
        prefix = path
    else:
        return None
    cfg = _read_pyvenv_cfg(prefix)
    version = _cfg_version(cfg) or _version_from_name(interpreter.name if interpreter else "")
    site = _site_packages(prefix, version)
    if cfg.get("include-system-site-packages", "").lower() == "true" and cfg.get("home"):
        base = Path(cfg["home"])
        base_prefix = base.parent if base.name in ("bin", "Scripts") else base
        site += tuple(p for p in _site_packages(base_prefix, version) if p not in site)
    if not site:
        return None
    if version is None:
        version = _version_from_site(site[0])
    if interpreter is None:
        for candidate in ("bin/python", "bin/python3", "Scripts/python.exe"):
            if (prefix / candidate).exists():
                interpreter = prefix / candidate
                break
    return Environment(str(prefix.absolute()), site, version, source, False,
                       str(interpreter) if interpreter else None, _extra_paths(site))


def own_environment() -> Environment:
    """caveat's own interpreter: the fallback when the project has no environment."""
    site = tuple(p for p in sys.path if p and ("site-packages" in p or "dist-packages" in p) and os.path.isdir(p))
    extra = tuple(p for p in sys.path if p and p not in site and p not in stdlib_paths() and os.path.isdir(p)
                  and os.path.abspath(p) != os.getcwd())
    return Environment(sys.prefix, site, sys.version_info[:2],
                       "caveat's own environment: no project environment found", True, sys.executable, extra)


def stdlib_paths() -> tuple[str, ...]:
    """The server's standard library folders (never the project's: it may not be safe)."""
    return _stdlib_paths()


_STDLIB: tuple[str, ...] | None = None


def _stdlib_paths() -> tuple[str, ...]:
    global _STDLIB
    if _STDLIB is None:
        paths = []
        for key in ("stdlib", "platstdlib"):
            value = sysconfig.get_paths().get(key)
            if value and value not in paths:
                paths.append(value)
        for entry in sys.path:
            if (entry and "site-packages" not in entry and "dist-packages" not in entry and entry not in paths
                    and any(entry.startswith(p) for p in paths)):
                paths.append(entry)  # lib-dynload
            elif entry.endswith(".zip") and entry not in paths:
                paths.append(entry)
        _STDLIB = tuple(p for p in paths if os.path.exists(p))
    return _STDLIB


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _read_pyvenv_cfg(prefix: Path) -> dict[str, str]:
    try:
        text = (prefix / "pyvenv.cfg").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    values = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip().lower()] = value.strip()
    return values


def _cfg_version(cfg: dict[str, str]) -> tuple[int, int] | None:
    for key in ("version_info", "version"):
        match = re.match(r"(\d+)\.(\d+)", cfg.get(key, ""))
        if match:
            return int(match.group(1)), int(match.group(2))
    return None


def _version_from_name(name: str) -> tuple[int, int] | None:
    match = re.search(r"python(\d)\.(\d+)", name)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _version_from_site(site: str) -> tuple[int, int] | None:
    return _version_from_name(site.replace(os.sep, "/"))


def _site_packages(prefix: Path, version: tuple[int, int] | None) -> tuple[str, ...]:
    found: list[str] = []
    windows = prefix / "Lib" / "site-packages"
    if windows.is_dir():
        found.append(str(windows))
    for lib in ("lib", "lib64"):
        folder = prefix / lib
        if not folder.is_dir():
            continue
        names = sorted((p.name for p in folder.glob("python3*") if p.is_dir()), reverse=True)
        if version is not None:
            wanted = f"python{version[0]}.{version[1]}"
            names = [n for n in names if n == wanted] or names
        for name in names[:1]:
            for sub in ("site-packages", "dist-packages"):
                candidate = folder / name / sub
                if candidate.is_dir() and str(candidate) not in found:
                    found.append(str(candidate))
        debian = folder / "python3" / "dist-packages"
        if debian.is_dir() and str(debian) not in found:
            found.append(str(debian))
    # lib64 is often a symlink to lib: keep one.
    unique: list[str] = []
    seen: set[str] = set()
    for path in found:
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            unique.append(path)
    return tuple(unique)


_FINDER_MAPPING = re.compile(r"^MAPPING\s*(?::[^=]*)?=\s*", re.M)


def _extra_paths(site_packages: tuple[str, ...]) -> tuple[str, ...]:
    """Folders that ``.pth`` files add (path lines only) and editable-install finders map.

    Lines starting with ``import`` are code: never run, never read further. setuptools'
    ``__editable___*_finder.py`` files hold a literal ``MAPPING`` dict, parsed with
    ``ast.literal_eval``.
    """
    extra: list[str] = []
    for site in site_packages:
        try:
            entries = sorted(os.listdir(site))
        except OSError:
            continue
        for entry in entries:
            path = os.path.join(site, entry)
            if entry.endswith(".pth"):
                try:
                    lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
                except OSError:
                    continue
                for line in lines:
                    line = line.strip()
                    if not line or line.startswith(("#", "import ", "import\t")):
                        continue
                    folder = line if os.path.isabs(line) else os.path.join(site, line)
                    folder = os.path.normpath(folder)
                    if os.path.isdir(folder) and folder not in extra and folder not in site_packages:
                        extra.append(folder)
            elif entry.startswith("__editable__") and entry.endswith("_finder.py"):
                for folder in _editable_finder_paths(path):
                    if folder not in extra:
                        extra.append(folder)
    return tuple(extra)


def _editable_finder_paths(path: str) -> list[str]:
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    match = _FINDER_MAPPING.search(text)
    if not match:
        return []
    try:
        node = ast.parse(text[match.end():].split("\n\n", 1)[0].strip(), mode="eval")
        mapping = ast.literal_eval(node.body)
    except (SyntaxError, ValueError):
        return []
    folders = []
    if isinstance(mapping, dict):
        for target in mapping.values():
            if isinstance(target, str):
                parent = os.path.dirname(target.rstrip("/\\")) if not target.endswith(".py") else os.path.dirname(target)
                if os.path.isdir(parent):
                    folders.append(parent)
    return folders


def _poetry_cache_envs(root: Path, environ: dict[str, str]) -> list[Path]:
    """Poetry's out-of-project venvs: ``<sanitized name>-<8 chars of b64(sha256(root))>-py3.X``."""
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return []
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return []
    poetry = data.get("tool", {}).get("poetry")
    if not isinstance(poetry, dict):
        return []
    name = poetry.get("name") or data.get("project", {}).get("name")
    if not isinstance(name, str):
        return []
    sanitized = re.sub(r'[ $`!*@"\\\r\n\t]', "_", name.lower())[:42]
    digest = base64.urlsafe_b64encode(hashlib.sha256(str(root).encode()).digest()).decode()[:8]
    folders = []
    if environ.get("POETRY_VIRTUALENVS_PATH"):
        folders.append(Path(environ["POETRY_VIRTUALENVS_PATH"]))
    if environ.get("POETRY_CACHE_DIR"):
        folders.append(Path(environ["POETRY_CACHE_DIR"]) / "virtualenvs")
    home = Path(environ.get("HOME", os.path.expanduser("~")))
    cache = Path(environ["XDG_CACHE_HOME"]) if environ.get("XDG_CACHE_HOME") else home / ".cache"
    folders += [cache / "pypoetry" / "virtualenvs", home / "Library" / "Caches" / "pypoetry" / "virtualenvs"]
    found = []
    for folder in folders:
        if folder.is_dir():
            found.extend(sorted(folder.glob(f"{sanitized}-{digest}-py*"), reverse=True))
    return found


# --- installed distributions -------------------------------------------------
@dataclass
class DistributionIndex:
    """Installed distributions of one environment and the import names they provide."""

    by_key: dict[str, Distribution] = field(default_factory=dict)
    by_import: dict[str, list[Distribution]] = field(default_factory=dict)  # "yaml", "google.cloud"

    def for_module(self, module: str) -> list[Distribution]:
        """Distributions providing ``module`` (dotted), most specific first."""
        parts = module.split(".")
        if len(parts) > 1:
            found = self.by_import.get(".".join(parts[:2]))
            if found:
                return found
        return self.by_import.get(parts[0], [])

    def get(self, name: str) -> Distribution | None:
        return self.by_key.get(canonical_name(name))


_INDEX_LOCK = threading.Lock()
_INDEXES: dict[tuple, tuple[tuple, DistributionIndex]] = {}


def distribution_index(env: Environment) -> DistributionIndex:
    """Read (and cache until site-packages changes) the environment's distributions."""
    stamp = env.fingerprint()
    with _INDEX_LOCK:
        cached = _INDEXES.get(env.key)
        if cached and cached[0] == stamp:
            return cached[1]
    index = _read_index(env)
    with _INDEX_LOCK:
        _INDEXES[env.key] = (stamp, index)
    return index


def _read_index(env: Environment) -> DistributionIndex:
    index = DistributionIndex()
    for dist in importlib.metadata.distributions(path=list(env.paths)):
        try:
            name = dist.metadata["Name"]
        except Exception:  # a broken METADATA file must not break the others
            continue
        if not name or canonical_name(name) in index.by_key:
            continue  # the first on the path wins, like the import system
        top = _top_level(dist)
        location = str(getattr(dist, "_path", ""))
        record = Distribution(name, dist.version or "", tuple(sorted(top)), location)
        index.by_key[record.key] = record
        for module in top:
            index.by_import.setdefault(module, []).append(record)
    return index


def _top_level(dist: importlib.metadata.Distribution) -> set[str]:
    """Import names from RECORD (``pkg/__init__.py``, ``mod.py``, ``ns/sub/...``), else top_level.txt."""
    names: set[str] = set()
    try:
        files = dist.files or []
    except Exception:
        files = []
    packages_with_init: set[str] = set()
    for file in files:
        parts = file.parts
        if not parts or parts[0] in ("..", "__pycache__") or parts[0].endswith((".dist-info", ".egg-info", ".data")):
            continue
        first = parts[0]
        if len(parts) == 1:
            if first.endswith((".py", ".pyi")):
                stem = first.rsplit(".", 1)[0]
                if stem != "__init__":
                    names.add(stem)
            elif first.endswith((".so", ".pyd")):
                names.add(first.split(".", 1)[0])
            continue
        if first.endswith("-stubs"):
            names.add(first[: -len("-stubs")])
            continue
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", first):
            continue
        names.add(first)
        if parts[1] == "__init__.py":
            packages_with_init.add(first)
        if len(parts) > 2 and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", parts[1]):
            names.add(f"{first}.{parts[1]}")
    # Two-part names only matter for namespace packages (google.cloud, ...).
    names = {n for n in names if "." not in n or n.split(".")[0] not in packages_with_init}
    if not any("." not in n for n in names):
        try:
            text = dist.read_text("top_level.txt") or ""
        except Exception:
            text = ""
        names.update(line.strip().replace("/", ".") for line in text.splitlines() if line.strip())
    return names


# --- module lookup on disk -----------------------------------------------------
_EXTENSIONS = (".py", ".pyi")


def module_location(name: str, paths: tuple[str, ...] | list[str]) -> str | None:
    """Where the top-level module ``name`` lives among ``paths`` (no import, no execution)."""
    for folder in paths:
        found = _in_folder(folder, name)
        if found:
            return found
    return None


def _in_folder(folder: str, name: str) -> str | None:
    base = os.path.join(folder, name)
    if os.path.isdir(base) or os.path.isdir(base + "-stubs"):
        return base
    for ext in _EXTENSIONS:
        if os.path.isfile(base + ext):
            return base + ext
    try:
        entries = _listdir(folder)
    except OSError:
        return None
    prefix = name + "."
    for entry in entries:
        if entry.startswith(prefix) and entry.endswith((".so", ".pyd")):
            return os.path.join(folder, entry)
    return None


_LISTINGS: dict[str, tuple[float, tuple[str, ...]]] = {}


def _listdir(folder: str) -> tuple[str, ...]:
    stamp = os.stat(folder).st_mtime
    cached = _LISTINGS.get(folder)
    if cached and cached[0] == stamp:
        return cached[1]
    entries = tuple(os.listdir(folder))
    _LISTINGS[folder] = (stamp, entries)
    return entries


def submodule_exists(package_dir: str, dotted_rest: list[str]) -> bool | None:
    """Whether ``package/a/b`` exists on disk; None when it cannot be told (not a folder)."""
    folder = package_dir
    if not os.path.isdir(folder):
        return None
    for part in dotted_rest:
        found = _in_folder(folder, part)
        if found is None:
            return False
        if not os.path.isdir(found):
            return part == dotted_rest[-1]
        folder = found
    return True
