"""What the project declares and pins, read from its files (never executed).

Declarations: pyproject.toml (PEP 621 ``dependencies`` and ``optional-dependencies``,
PEP 735 ``dependency-groups``, Poetry's tables, uv/pdm dev tables, hatch environments,
``build-system.requires``), ``requirements*.txt`` (and ``requirements/*.txt``, following
``-r``/``-c``), ``setup.cfg`` (``install_requires``/``extras_require``), literal lists in
``setup.py`` (read with ``ast``) and ``Pipfile``. Pins: ``uv.lock``, ``poetry.lock``,
``pdm.lock`` (``[[package]]`` name/version), ``Pipfile.lock`` and ``==`` in requirements.
"""
from __future__ import annotations

import ast
import configparser
import json
import os
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from caveat.engine.findings import Position, TextEdit
from caveat.environment import canonical_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class Declared:
    name: str  # canonical
    specifier: str
    marker: str
    source: str  # file (and table) that declares it


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    source: str


@dataclass
class ProjectDeps:
    root: Path
    pyproject: Path | None = None
    declared: dict[str, list[Declared]] = field(default_factory=dict)
    pins: dict[str, list[Pin]] = field(default_factory=dict)
    own_names: set[str] = field(default_factory=set)  # the project's own distributions
    sources: list[str] = field(default_factory=list)  # files that declare dependencies
    dynamic: bool = False  # declarations caveat cannot read (dynamic setup.py, ...)
    poetry: bool = False
    has_project_table: bool = False
    requirements_files: list[Path] = field(default_factory=list)

    @property
    def has_declarations(self) -> bool:
        return bool(self.sources) and not self.dynamic

    def is_declared(self, dist_name: str) -> bool:
        key = canonical_name(dist_name)
        return key in self.declared or key in self.own_names

    def only_optional(self, dist_name: str) -> bool:
        """Declared, but only as an extra (optional-dependencies, extras_require)."""
        found = self.declared.get(canonical_name(dist_name), [])
        return bool(found) and all("optional-dependencies" in d.source or "extras_require" in d.source
                                   for d in found)

    def resembling(self, import_name: str) -> str | None:
        """A declared distribution whose name contains the import name or is contained in it
        (``netifaces`` from ``netifaces-plus``, ``ldap`` from ``python-ldap``): the import may
        come from it, whatever the installed metadata would say."""
        wanted = canonical_name(import_name)
        for name in (*self.declared, *self.own_names):
            for a, b in ((wanted, name), (name, wanted)):
                if len(a) >= 3 and a in b:
                    return name
        return None

    def add(self, dep: Declared) -> None:
        self.declared.setdefault(dep.name, []).append(dep)

    def pin(self, pin: Pin) -> None:
        self.pins.setdefault(pin.name, []).append(pin)


_CACHE: dict[tuple, ProjectDeps] = {}
_LOCK = threading.Lock()
_LOCKFILES = ("uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock")


def project_dependencies(root: str | Path, file_path: str | None = None) -> ProjectDeps:
    """The declarations of the project ``file_path`` belongs to (cached by file stamps)."""
    root = Path(root or os.getcwd()).resolve()
    folder = _project_folder(root, file_path)
    files = _candidate_files(folder)
    stamp = tuple((str(p), _mtime(p)) for p in files)
    key = (str(folder), stamp)
    with _LOCK:
        cached = _CACHE.get(key)
    if cached is not None:
        return cached
    deps = _read(folder, files)
    with _LOCK:
        if len(_CACHE) > 64:
            _CACHE.clear()
        _CACHE[key] = deps
    return deps


def _project_folder(root: Path, file_path: str | None) -> Path:
    """The nearest folder at or above the file (within the root) that has project files."""
    if not file_path:
        return root
    try:
        start = Path(file_path).resolve().parent
    except OSError:
        return root
    for folder in [start, *start.parents]:
        if any((folder / name).is_file() for name in ("pyproject.toml", "setup.cfg", "setup.py", "requirements.txt")):
            return folder
        if folder == root or folder == folder.parent:
            break
    return root


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def _candidate_files(folder: Path) -> list[Path]:
    files = [folder / n for n in ("pyproject.toml", "setup.cfg", "setup.py", "Pipfile", *_LOCKFILES)]
    try:
        files += sorted(p for p in folder.iterdir() if p.name.startswith("requirements") and p.suffix in (".txt", ".in"))
    except OSError:
        pass
    for sub in ("requirements", "reqs"):
        if (folder / sub).is_dir():
            files += sorted((folder / sub).glob("*.txt")) + sorted((folder / sub).glob("*.in"))
    return [f for f in files if f.is_file()]


def _read(folder: Path, files: list[Path]) -> ProjectDeps:
    deps = ProjectDeps(folder)
    for path in files:
        try:
            if path.name == "pyproject.toml":
                deps.pyproject = path
                _read_pyproject(path, deps)
            elif path.name == "setup.cfg":
                _read_setup_cfg(path, deps)
            elif path.name == "setup.py":
                _read_setup_py(path, deps)
            elif path.name == "Pipfile":
                _read_pipfile(path, deps)
            elif path.name in ("uv.lock", "poetry.lock", "pdm.lock"):
                _read_toml_lock(path, deps)
            elif path.name == "Pipfile.lock":
                _read_pipfile_lock(path, deps)
            else:
                deps.requirements_files.append(path)
                _read_requirements(path, deps, set())
        except (OSError, ValueError, tomllib.TOMLDecodeError, configparser.Error, UnicodeDecodeError):
            continue
    return deps


def _add_requirement(text: str, source: str, deps: ProjectDeps, *, pins: bool = False) -> None:
    try:
        req = Requirement(text.strip())
    except InvalidRequirement:
        return
    name = canonical_name(req.name)
    deps.add(Declared(name, str(req.specifier), str(req.marker or ""), source))
    if pins:
        for spec in req.specifier:
            if spec.operator in ("==", "===") and "*" not in spec.version:
                deps.pin(Pin(name, spec.version, source))


def _read_pyproject(path: Path, deps: ProjectDeps) -> None:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    name = str(path)
    project = data.get("project")
    if isinstance(project, dict):
        deps.has_project_table = True
        if isinstance(project.get("name"), str):
            deps.own_names.add(canonical_name(project["name"]))
        dynamic = project.get("dynamic") or []
        for item in project.get("dependencies") or []:
            if isinstance(item, str):
                _add_requirement(item, f"{name} [project.dependencies]", deps)
        for group, items in (project.get("optional-dependencies") or {}).items():
            for item in items or []:
                if isinstance(item, str):
                    _add_requirement(item, f"{name} [project.optional-dependencies.{group}]", deps)
        if "dependencies" in project or "optional-dependencies" in project:
            deps.sources.append(name)
        if "dependencies" in dynamic:
            dyn = data.get("tool", {}).get("setuptools", {}).get("dynamic", {}).get("dependencies", {})
            listed = dyn.get("file") if isinstance(dyn, dict) else None
            if listed:
                for rel in [listed] if isinstance(listed, str) else listed:
                    target = path.parent / rel
                    if target.is_file():
                        _read_requirements(target, deps, set())
                        deps.sources.append(str(target))
            else:
                deps.dynamic = True
    for group, items in (data.get("dependency-groups") or {}).items():
        deps.sources.append(name)
        for item in items or []:
            if isinstance(item, str):
                _add_requirement(item, f"{name} [dependency-groups.{group}]", deps)
    tool = data.get("tool") or {}
    poetry = tool.get("poetry")
    if isinstance(poetry, dict):
        deps.poetry = True
        if isinstance(poetry.get("name"), str):
            deps.own_names.add(canonical_name(poetry["name"]))
        tables = [("dependencies", poetry.get("dependencies")), ("dev-dependencies", poetry.get("dev-dependencies"))]
        for group, table in (poetry.get("group") or {}).items():
            if isinstance(table, dict):
                tables.append((f"group.{group}.dependencies", table.get("dependencies")))
        for label, table in tables:
            if isinstance(table, dict):
                deps.sources.append(name)
                for dep_name, spec in table.items():
                    if dep_name.lower() == "python":
                        continue
                    version = spec if isinstance(spec, str) else (spec.get("version", "") if isinstance(spec, dict) else "")
                    deps.add(Declared(canonical_name(dep_name), str(version), "", f"{name} [tool.poetry.{label}]"))
    for tool_name, key in (("uv", "dev-dependencies"), ("pdm", "dev-dependencies")):
        table = (tool.get(tool_name) or {}).get(key)
        if isinstance(table, list):
            deps.sources.append(name)
            for item in table:
                if isinstance(item, str):
                    _add_requirement(item, f"{name} [tool.{tool_name}.{key}]", deps)
        elif isinstance(table, dict):
            deps.sources.append(name)
            for group, items in table.items():
                for item in items or []:
                    if isinstance(item, str):
                        _add_requirement(item, f"{name} [tool.{tool_name}.{key}.{group}]", deps)
    for env_name, env in ((tool.get("hatch") or {}).get("envs") or {}).items():
        if isinstance(env, dict):
            for key in ("dependencies", "extra-dependencies"):
                for item in env.get(key) or []:
                    if isinstance(item, str):
                        _add_requirement(item, f"{name} [tool.hatch.envs.{env_name}]", deps)
    for item in (data.get("build-system") or {}).get("requires") or []:
        if isinstance(item, str):
            _add_requirement(item, f"{name} [build-system.requires]", deps)


_REQ_OPTION = re.compile(r"^(-r|--requirement|-c|--constraint)\s*=?\s*(\S+)")


def _read_requirements(path: Path, deps: ProjectDeps, seen: set[Path]) -> None:
    path = path.resolve()
    if path in seen:
        return
    seen.add(path)
    text = path.read_text(encoding="utf-8", errors="replace")
    declared_any = False
    logical = re.sub(r"\\\r?\n", " ", text)
    for raw in logical.splitlines():
        line = re.split(r"(^|\s)#", raw, maxsplit=1)[0].strip()
        if not line:
            continue
        option = _REQ_OPTION.match(line)
        if option:
            target = (path.parent / option.group(2))
            if target.is_file():
                _read_requirements(target, deps, seen)
            continue
        if line.startswith("-e ") or line.startswith("--editable"):
            target = line.split(None, 1)[-1].split("=", 1)[-1].strip()
            egg = re.search(r"#egg=([\w.-]+)", raw)
            if egg:
                deps.own_names.add(canonical_name(egg.group(1)))
            elif target in (".", "./"):
                pass
            continue
        if line.startswith("-"):
            continue
        line = re.sub(r"\s--hash[=\s]\S+", "", line)
        _add_requirement(line, str(path), deps, pins=True)
        declared_any = True
    if declared_any or path.name.startswith("requirements"):
        deps.sources.append(str(path))


def _read_setup_cfg(path: Path, deps: ProjectDeps) -> None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(path.read_text(encoding="utf-8", errors="replace"))
    if parser.has_option("metadata", "name"):
        deps.own_names.add(canonical_name(parser.get("metadata", "name")))
    found = False
    if parser.has_option("options", "install_requires"):
        found = True
        for line in parser.get("options", "install_requires").splitlines():
            if line.strip() and not line.strip().startswith("file:"):
                _add_requirement(line, f"{path} [options] install_requires", deps)
    if parser.has_section("options.extras_require"):
        found = True
        for extra, value in parser.items("options.extras_require"):
            for line in value.splitlines():
                if line.strip():
                    _add_requirement(line, f"{path} [options.extras_require] {extra}", deps)
    if found:
        deps.sources.append(str(path))


def _read_setup_py(path: Path, deps: ProjectDeps) -> None:
    """Literal ``install_requires``/``extras_require`` of ``setup(...)``; anything else is dynamic."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except SyntaxError:
        deps.dynamic = True
        return
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "setup"):
            continue
        for keyword in node.keywords:
            if keyword.arg == "name" and isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str):
                deps.own_names.add(canonical_name(keyword.value.value))
            if keyword.arg not in ("install_requires", "extras_require", "tests_require"):
                continue
            try:
                value = ast.literal_eval(keyword.value)
            except ValueError:
                if keyword.arg == "install_requires":
                    deps.dynamic = True
                continue
            items = value if isinstance(value, (list, tuple)) else [i for v in value.values() for i in v] if isinstance(value, dict) else []
            for item in items:
                if isinstance(item, str):
                    _add_requirement(item, f"{path} setup({keyword.arg}=...)", deps)
            deps.sources.append(str(path))


def _read_pipfile(path: Path, deps: ProjectDeps) -> None:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    for table in ("packages", "dev-packages"):
        for dep_name, spec in (data.get(table) or {}).items():
            version = spec if isinstance(spec, str) else ""
            deps.add(Declared(canonical_name(dep_name), "" if version == "*" else version, "", f"{path} [{table}]"))
            deps.sources.append(str(path))


def _read_toml_lock(path: Path, deps: ProjectDeps) -> None:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    for package in data.get("package") or []:
        if not isinstance(package, dict) or not isinstance(package.get("name"), str):
            continue
        source = package.get("source") or {}
        if isinstance(source, dict) and ("editable" in source or "virtual" in source):
            deps.own_names.add(canonical_name(package["name"]))
            continue
        if isinstance(package.get("version"), str):
            deps.pin(Pin(canonical_name(package["name"]), package["version"], str(path)))


def _read_pipfile_lock(path: Path, deps: ProjectDeps) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    for table in ("default", "develop"):
        for dep_name, spec in (data.get(table) or {}).items():
            version = spec.get("version", "") if isinstance(spec, dict) else ""
            if version.startswith("=="):
                deps.pin(Pin(canonical_name(dep_name), version[2:], str(path)))


# --- version checks ------------------------------------------------------------
def marker_applies(marker: str, python_version: tuple[int, int] | None) -> bool:
    if not marker:
        return True
    try:
        parsed = Marker(marker)
    except InvalidMarker:
        return True
    environment = {"extra": ""}
    if python_version:
        environment["python_version"] = f"{python_version[0]}.{python_version[1]}"
        environment["python_full_version"] = f"{python_version[0]}.{python_version[1]}.0"
    try:
        return parsed.evaluate(environment)
    except Exception:
        return True


def mismatch(deps: ProjectDeps, dist_name: str, installed: str,
             python_version: tuple[int, int] | None) -> tuple[str, str] | None:
    """(what the project wants, where it says so) when ``installed`` does not satisfy it."""
    key = canonical_name(dist_name)
    try:
        have = Version(installed)
    except InvalidVersion:
        return None
    pins = deps.pins.get(key, [])
    by_source: dict[str, list[str]] = {}
    for pin in pins:
        by_source.setdefault(pin.source, []).append(pin.version)
    for source, versions in by_source.items():
        parsed = []
        for version in versions:
            try:
                parsed.append(Version(version))
            except InvalidVersion:
                pass
        if parsed and have not in parsed:
            wanted = " or ".join(sorted({str(v) for v in parsed}))
            return f"=={wanted}", source
    for declared in deps.declared.get(key, []):
        if not declared.specifier or not marker_applies(declared.marker, python_version):
            continue
        if "[tool.poetry" in declared.source:
            continue  # Poetry's ^/~ constraints are not PEP 440; poetry.lock is checked instead
        if "optional-dependencies" in declared.source or "extras_require" in declared.source:
            continue  # an extra constrains only installs that select it
        try:
            spec = SpecifierSet(declared.specifier)
        except InvalidSpecifier:
            continue
        if not spec.contains(have, prereleases=True):
            return declared.specifier, declared.source
    return None


# --- the fix: add a dependency to pyproject.toml ------------------------------
def add_dependency_edits(deps: ProjectDeps, requirement: str, dist_name: str, version: str
                         ) -> tuple[str, tuple[TextEdit, ...], str] | None:
    """(file, edits, where) adding ``requirement`` to the project's declarations, or None."""
    if deps.pyproject is not None:
        try:
            text = deps.pyproject.read_text(encoding="utf-8")
        except OSError:
            return None
        if deps.has_project_table or not deps.poetry:
            edits = pep621_edits(text, requirement)
            if edits:
                return str(deps.pyproject), edits, "[project.dependencies]"
        if deps.poetry:
            edits = poetry_edits(text, dist_name, version)
            if edits:
                return str(deps.pyproject), edits, "[tool.poetry.dependencies]"
        return None
    for path in deps.requirements_files:
        if path.name == "requirements.txt":
            try:
                text = path.read_text(encoding="utf-8")
            except OSError:
                return None
            lines = text.splitlines(keepends=True)
            if not lines:
                return str(path), (TextEdit(Position(1, 0), Position(1, 0), requirement + "\n"),), path.name
            last = lines[-1]
            if last.endswith(("\n", "\r")):
                at = Position(len(lines) + 1, 0)
                return str(path), (TextEdit(at, at, requirement + "\n"),), path.name
            at = Position(len(lines), len(last))
            return str(path), (TextEdit(at, at, "\n" + requirement + "\n"),), path.name
    return None


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def _table_span(lines: list[str], table: str) -> tuple[int, int] | None:
    """(header index, end index exclusive) of ``[table]``."""
    start = None
    for index, line in enumerate(lines):
        match = _HEADER.match(line)
        if not match:
            continue
        if start is not None:
            return start, index
        if match.group(1).replace('"', "").replace(" ", "") == table:
            start = index
    return (start, len(lines)) if start is not None else None


def pep621_edits(text: str, requirement: str) -> tuple[TextEdit, ...] | None:
    lines = text.splitlines(keepends=True)
    span = _table_span(lines, "project")
    quoted = json.dumps(requirement)
    if span is None:
        if "[project." in text or "[tool.poetry" in text:
            return None
        at = Position(len(lines) + 1, 0) if not lines or lines[-1].endswith("\n") else Position(len(lines), len(lines[-1]))
        prefix = "" if not lines or lines[-1].endswith("\n") else "\n"
        return (TextEdit(at, at, f"{prefix}\n[project]\ndependencies = [\n    {quoted},\n]\n"),)
    header, end = span
    for index in range(header + 1, end):
        if re.match(r"^\s*dependencies\s*=", lines[index]):
            return _array_append(lines, index, quoted)
        if re.match(r"^\s*dynamic\s*=.*[\"']dependencies[\"']", lines[index]):
            return None
    at = Position(header + 2, 0)
    return (TextEdit(at, at, f"dependencies = [\n    {quoted},\n]\n"),)


def _array_append(lines: list[str], index: int, item: str) -> tuple[TextEdit, ...] | None:
    """Append ``item`` to the TOML array starting on line ``index`` (0-based)."""
    open_col = lines[index].index("=") + 1
    while open_col < len(lines[index]) and lines[index][open_col] in " \t":
        open_col += 1
    if open_col >= len(lines[index]) or lines[index][open_col] != "[":
        return None
    depth = 0
    quote = ""
    last_item: tuple[int, int] | None = None  # (line, col after the last value character)
    last_char = ""
    first_item_line: int | None = None
    line_no, col = index, open_col
    while line_no < len(lines):
        line = lines[line_no]
        while col < len(line):
            char = line[col]
            if quote:
                if char == "\\" and quote == '"':
                    col += 2
                    continue
                if line.startswith(quote, col):
                    col += len(quote)
                    quote = ""
                    last_item, last_char = (line_no, col), '"'
                    continue
                col += 1
                continue
            if char == "#":
                break
            if line.startswith(('"""', "'''"), col):
                quote = line[col:col + 3]
                col += 3
                continue
            if char in "\"'":
                quote = char
                if first_item_line is None and depth == 1:
                    first_item_line = line_no
                col += 1
                continue
            if char in "[{":
                depth += 1
            elif char in "]}":
                depth -= 1
                if depth == 0:
                    return _insert_item(lines, index, line_no, col, last_item, last_char, first_item_line, item)
                last_item, last_char = (line_no, col + 1), char
            elif char == ",":
                last_char = ","
            elif not char.isspace() and depth >= 1:
                last_item, last_char = (line_no, col + 1), char
            col += 1
        line_no += 1
        col = 0
    return None


def _insert_item(lines, open_line, close_line, close_col, last_item, last_char, first_item_line, item):
    if close_line == open_line:
        if last_item is None:
            text = item
        elif last_char == ",":
            text = " " + item
        else:
            text = ", " + item
        at = Position(close_line + 1, close_col)
        return (TextEdit(at, at, text),)
    edits = []
    if last_item is not None and last_char != ",":
        at = Position(last_item[0] + 1, last_item[1])
        edits.append(TextEdit(at, at, ","))
    indent_source = lines[first_item_line] if first_item_line is not None else "    "
    indent = indent_source[: len(indent_source) - len(indent_source.lstrip())] or "    "
    before = lines[close_line][:close_col]
    if before.strip():
        at = Position(close_line + 1, close_col)
        edits.append(TextEdit(at, at, ("," if last_char != "," and not edits else "") + "\n" + indent + item + ",\n"))
    else:
        at = Position(close_line + 1, 0)
        edits.append(TextEdit(at, at, indent + item + ",\n"))
    return tuple(edits)


def poetry_edits(text: str, dist_name: str, version: str) -> tuple[TextEdit, ...] | None:
    lines = text.splitlines(keepends=True)
    span = _table_span(lines, "tool.poetry.dependencies")
    if span is None:
        return None
    header, end = span
    last = header
    for index in range(header + 1, end):
        if lines[index].strip() and not lines[index].lstrip().startswith("#"):
            last = index
    at = Position(last + 2, 0)
    return (TextEdit(at, at, f'{dist_name} = ">={version}"\n'),)


def unknowable_without_environment(deps: ProjectDeps, top: str, declared: bool, known: str | None) -> str | None:
    """Why a module found nowhere says nothing when caveat checks against its own environment
    (the user gave none and none was found): the project's real environment may hold any
    package. Only a name the project declares nowhere, although it declares its dependencies,
    that no declared distribution resembles and that is not a well-known PyPI project, is a
    defect either way (not installable from the declarations, or not a package at all).
    None when the module may be reported."""
    if declared:
        return f"`{top}` is declared by the project, whose own environment is unknown"
    if known:
        return f"`{top}` is the well-known `{known}`, which the project's own environment may hold"
    if not deps.has_declarations:
        return "the project declares no dependencies caveat can read, so its environment may hold any package"
    similar = deps.resembling(top)
    if similar:
        return f"`{top}` may come from the declared `{similar}`"
    return None
