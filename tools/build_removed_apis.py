#!/usr/bin/env python3
"""Find the public names and keywords that popular libraries removed, from their real releases.

    python tools/build_removed_apis.py [--libraries numpy,pandas] [--minors 6] [--majors 3] [--cache DIR]
                                       [--out tools/removed_apis/generated.json] [--offline]
    python tools/removed_apis/build.py      # merges the result into server/caveat/data/removed_apis.json

Run by a developer (it downloads wheels from PyPI); its output is committed. For each library
it lists the releases with ``pip index versions``, takes the last release of each of the last
``--majors`` major and ``--minors`` minor versions, downloads each wheel with
``pip download --no-deps --only-binary=:all:`` (wheels only: nothing is built or executed),
unpacks it into a folder laid out like an environment and reads it with caveat's own static
index (``caveat.providers.api.index``, the code that answers the API checks). Of every public
module (no part starting with ``_``, no tests), it records

- the module's public names (not those it imports from other distributions),
- the public members of its public classes,
- the keyword parameters of its public functions and methods,

and reports as **removed in V** what one release has and release V and every later one lack,
when the later releases answer "missing" with certainty (the module or class enumerable, the
signature closed after following ``**kwargs``). A name that comes back (numpy 2's ``np.bool``)
is not a removal, nor is a deprecation (the name is still there). Where the old release made the
name an alias of another one that still exists (``relation = relationship``, ``def
cumproduct(*a, **k): return cumprod(*a, **k)``), that name is the replacement.

The standard library: from the typeshed stubs jedi bundles, names defined only under
``if sys.version_info < (3, N)`` are removed in Python 3.N.
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "server"))

from packaging.version import InvalidVersion, Version  # noqa: E402

# The libraries whose removals AI assistants run into most (names from older majors); the
# list can be widened with --libraries.
LIBRARIES = ("numpy", "pandas", "pydantic", "SQLAlchemy", "click", "Flask", "Werkzeug", "Jinja2", "httpx",
             "requests", "PyJWT", "redis", "python-dateutil", "urllib3", "pytest", "attrs", "marshmallow",
             "aiohttp", "fastapi", "starlette", "scipy", "matplotlib", "scikit-learn")
PYTHONS = ("3.11", "3.12", "3.10", "3.9", "3.8")
_SKIP_PARTS = {"tests", "test", "conftest", "_vendor", "vendor", "vendored", "externals", "benchmarks"}


# --- releases --------------------------------------------------------------------------
def releases(name: str, minors: int, majors: int = 3) -> list[str]:
    """The last release of each of the last ``majors`` major versions and of each of the last
    ``minors`` minor versions, oldest first."""
    result = subprocess.run([sys.executable, "-m", "pip", "index", "versions", name],
                            capture_output=True, text=True, check=False)
    match = re.search(r"Available versions: (.*)", result.stdout)
    if not match:
        return []
    versions = []
    for text in match.group(1).split(","):
        try:
            version = Version(text.strip())
        except InvalidVersion:
            continue
        if not version.is_prerelease and not version.is_devrelease:
            versions.append(version)
    latest: dict[tuple[int, int], Version] = {}
    for version in versions:
        key = (version.major, version.minor)
        if key not in latest or version > latest[key]:
            latest[key] = version
    chosen = set(sorted(latest.values())[-minors:])
    last_of_major: dict[int, Version] = {}
    for version in latest.values():
        if version.major not in last_of_major or version > last_of_major[version.major]:
            last_of_major[version.major] = version
    chosen.update(sorted(last_of_major.values())[-majors:])
    first_of_major: dict[int, Version] = {}
    for version in versions:  # removals at a major release are labelled with it (2.0, not 2.9)
        if version.major not in first_of_major or version < first_of_major[version.major]:
            first_of_major[version.major] = version
    chosen.update(v for v in first_of_major.values() if v.major and v.major in {c.major for c in chosen})
    return [str(v) for v in sorted(chosen)]


def cached_releases(name: str, cache: Path) -> list[str]:
    """The releases of ``name`` a previous run read into the cache (their API snapshots), oldest first."""
    found = []
    for snapshot in cache.glob(f"{name}-*.api.json"):
        text = snapshot.name[len(name) + 1:-len(".api.json")]
        try:
            found.append(Version(text))
        except InvalidVersion:
            continue
    return [str(v) for v in sorted(found)]


def unpacked(name: str, version: str, cache: Path) -> Path | None:
    """An environment-like folder holding the release's wheel, unpacked (None: no wheel)."""
    prefix = cache / f"{name}-{version}"
    site = prefix / "lib" / "python3.11" / "site-packages"
    if (prefix / "done").exists():
        return prefix
    download = cache / "wheels" / f"{name}-{version}"
    download.mkdir(parents=True, exist_ok=True)
    wheels = list(download.glob("*.whl"))
    for python in PYTHONS:
        if wheels:
            break
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                        "--python-version", python, "-d", str(download), f"{name}=={version}"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        wheels = list(download.glob("*.whl"))
    if not wheels:
        return None
    shutil.rmtree(prefix, ignore_errors=True)
    site.mkdir(parents=True)
    (prefix / "bin").mkdir()
    (prefix / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
    with zipfile.ZipFile(wheels[0]) as archive:
        for member in archive.namelist():
            if member.endswith((".py", ".pyi", "RECORD", "METADATA", "top_level.txt", "py.typed")) \
                    and not member.startswith("/") and ".." not in member.split("/"):
                archive.extract(member, site)
    (prefix / "done").write_text(wheels[0].name)
    return prefix


# --- the public API of one release ---------------------------------------------------------
def public_api(prefix: Path, index_cache: Path) -> dict:
    """{"modules": {module: [names]}, "members": {module:Class: [names]},
    "keywords": {module:qualname: [names]}, "aliases": {module:name: target}} of one release."""
    os.environ["CAVEAT_CACHE_DIR"] = str(index_cache)
    from caveat.environment import from_path
    from caveat.providers.api.index import ApiIndex, Ref

    env = from_path(prefix, "generator")
    api = ApiIndex(env)
    site = Path(env.paths[0])
    tops = {p.name for p in site.iterdir() if p.is_dir() and p.name.isidentifier()} | \
        {p.stem for p in site.glob("*.py") if p.stem.isidentifier()}
    tops = {t for t in tops if not t.startswith("_")}
    result = {"modules": {}, "members": {}, "keywords": {}, "aliases": {}, "closed": {}}
    for module in _public_modules(site, tops):
        entry = api.module(module)
        if entry is None:
            continue
        names = api.module_names(module)
        result["closed"][module] = names.closed
        public = sorted(n for n in names.names if not n.startswith("_") and _own(api, entry, n, tops)
                        and _resolves_inside(api, Ref("module", module), n, tops))
        result["modules"][module] = public
        for name in public:
            ref = api.attribute(Ref("module", module), name)
            if ref is None or ref.module.split(".")[0] not in tops:
                continue
            alias = _alias_of(api, entry, name, module)
            if alias:
                result["aliases"][f"{module}:{name}"] = alias
            if ref.kind == "function":  # keyed by the public path: the definition may move (numpy 2's _impl modules)
                _keywords(api, ref, result, owner=f"{module}:{name}")
            elif ref.kind == "class":
                key = f"{ref.module}:{ref.qualname}"
                if key in result["members"]:
                    continue
                # what the library's own classes define (not str's methods of a class that
                # stopped deriving from str, not names assigned on other objects)
                own = {n for klass in api.mro(ref) if klass.module.split(".")[0] in tops
                       for info, _ in api._class_infos(klass) for n in info["members"]}
                result["members"][key] = sorted(n for n in own if not n.startswith("_"))
                result["closed"][key] = api.class_names(ref).closed
                result["members"].setdefault(f"{module}:{name}", result["members"][key])
                result["closed"][f"{module}:{name}"] = result["closed"][key]
                for member in result["members"][key]:
                    method = api.attribute(ref, member)
                    if method is not None and method.kind == "function":
                        _keywords(api, method, result, owner=f"{module}:{name}.{member}")
                _keywords(api, ref, result, owner=f"{module}:{name}")
    return result


def _public_modules(site: Path, tops: set[str]):
    for top in sorted(tops):
        folder = site / top
        if (site / f"{top}.py").is_file() or (site / f"{top}.pyi").is_file():
            yield top
        if not folder.is_dir():
            continue
        for current, dirs, files in os.walk(folder):
            relative = Path(current).relative_to(site).parts
            dirs[:] = sorted(d for d in dirs if d.isidentifier() and not d.startswith("_") and d not in _SKIP_PARTS)
            for file in sorted(files):
                stem, _, suffix = file.partition(".")
                if suffix not in ("py", "pyi") or not stem.isidentifier():
                    continue
                if stem == "__init__":
                    yield ".".join(relative)
                elif not stem.startswith("_") and stem not in _SKIP_PARTS and not stem.startswith("test_"):
                    yield ".".join((*relative, stem))


def _own(api, entry: dict, name: str, tops: set[str]) -> bool:
    """Not a name the module merely imports from another distribution (``os``, ``Any``)."""
    for layer in (entry.get("pyi"), entry.get("py")):
        if layer and name in layer["imports"]:
            return layer["imports"][name].split(".")[0] in tops
    return True


def _resolves_inside(api, module, name: str, tops: set[str]) -> bool:
    """The name is the distribution's own (not ``typing.Optional`` re-bound, not ``datetime``)."""
    ref = api.attribute(module, name)
    return ref is None or ref.module.split(".")[0] in tops


def _alias_of(api, entry: dict, name: str, module: str) -> str:
    """The other name ``name`` stands for in this release, if it is an alias or a forwarder."""
    for layer in (entry.get("py"), entry.get("pyi")):
        if not layer:
            continue
        value = layer["values"].get(name)
        if value and value[0] == "alias" and "." not in value[1]:
            return value[1]
        info = layer["functions"].get(name)
        if info and len(info["fwd"]) == 1 and re.fullmatch(r"\w+", info["fwd"][0]) and info["fwd"][0] != name:
            return info["fwd"][0]
    return ""


def _keywords(api, ref, result: dict, owner: str | None = None) -> None:
    key = owner or f"{ref.module}:{ref.qualname}"
    if key in result["keywords"]:
        return
    answer = api.keywords(ref)
    explicit = set()
    for info, _ in api._function_infos(ref) if ref.kind == "function" else ():
        explicit.update(info["params"])
    result["keywords"][key] = sorted(explicit or answer.names)
    result["closed"]["kw:" + key] = answer.closed
    result["keywords"]["names:" + key] = sorted(answer.names)
    if ref.kind == "function":
        result["keywords"]["defined:" + key] = [f"{ref.module}.{ref.qualname}"]


# --- comparing releases ---------------------------------------------------------------
def removals(name: str, apis: list[tuple[str, dict]]) -> list[dict]:
    """What each release has and every later release lacks, for certain."""
    found = []
    newest = apis[-1][1]
    for position, (version, api) in enumerate(apis[:-1]):
        later = apis[position + 1:]
        first = Version(later[0][0])
        removed_in = f"{first.major}.{first.minor}"  # the release line that dropped it
        for module, names in api["modules"].items():
            for attribute in names:
                if all(_lacks(other, module, attribute) for _, other in later):
                    found.append(_entry(name, module, "", attribute, "attribute", removed_in, version,
                                        _replacement(api, newest, f"{module}:{attribute}", module)))
        for key, members in api["members"].items():
            module, _, owner = key.partition(":")
            if "." in owner or module not in api["modules"] or owner not in api["modules"][module] \
                    or not _user_facing(api, module, owner):
                continue
            for member in members:
                if all(_lacks_member(other, key, member) for _, other in later):
                    found.append(_entry(name, module, owner, member, "attribute", removed_in, version, ""))
        for key, keywords in api["keywords"].items():
            if key.startswith(("names:", "defined:")):
                continue
            module, _, owner = key.partition(":")
            if module not in api["modules"] or not _user_facing(api, module, owner):
                continue
            for keyword in keywords:
                if keyword in ("self", "cls") or keyword.startswith("_"):
                    continue
                if all(_lacks_keyword(other, key, keyword) for _, other in later):
                    defined = newest["keywords"].get("defined:" + key, [f"{module}.{owner}"])[0]
                    defining_module, defining_owner = _split_defined(defined, newest)
                    found.append(_entry(name, defining_module, defining_owner, keyword, "keyword", removed_in,
                                        version, ""))
    unique = {}
    for entry in found:
        unique.setdefault((entry["module"], entry["owner"], entry["name"], entry["kind"]), entry)
    return sorted(unique.values(), key=lambda e: (e["module"], e["owner"], e["name"], e["kind"]))


def _user_facing(api: dict, module: str, owner: str) -> bool:
    """A class or function people reach: in a module at most two deep (``sqlalchemy.orm``,
    ``click.testing``) or exported by the top-level package (``pandas.DataFrame``). Members of
    the internals (``pandas.core.arrays...``) would only add names that look like removals of
    every class that happens to share a short name."""
    top = module.split(".")[0]
    return module.count(".") <= 1 or owner.split(".")[0] in api["modules"].get(top, ())


def _lacks(api: dict, module: str, name: str) -> bool:
    return module in api["modules"] and api["closed"].get(module, False) and name not in api["modules"][module]


def _lacks_member(api: dict, key: str, member: str) -> bool:
    return key in api["members"] and api["closed"].get(key, False) and member not in api["members"][key]


def _lacks_keyword(api: dict, key: str, keyword: str) -> bool:
    return key in api["keywords"] and api["closed"].get("kw:" + key, False) \
        and keyword not in api["keywords"].get("names:" + key, ())


def _split_defined(defined: str, newest: dict) -> tuple[str, str]:
    """``pandas.core.generic.NDFrame.fillna`` -> (module, qualname) using the known modules."""
    parts = defined.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module = ".".join(parts[:cut])
        if module in newest["modules"] or module in newest["closed"]:
            return module, ".".join(parts[cut:])
    return ".".join(parts[:-1]), parts[-1]


def _replacement(old: dict, newest: dict, key: str, module: str) -> str:
    target = old["aliases"].get(key, "")
    if target and target in newest["modules"].get(module, ()):
        return f"`{module}.{target}`"
    return ""


def _entry(dist: str, module: str, owner: str, name: str, kind: str, version: str, before: str,
           replacement: str) -> dict:
    return {"distribution": dist, "module": module, "owner": owner, "name": name, "kind": kind,
            "change": "removed", "version": version, "replacement": replacement,
            "reference": f"generated: {dist} {before} has it, {version} and later releases do not",
            "verified": [before, version]}


# --- the standard library, from typeshed -----------------------------------------------------
def stdlib_removals() -> list[dict]:
    """Names typeshed defines only for Pythons older than 3.N (``if sys.version_info < (3, N)``)."""
    import jedi

    root = Path(jedi.__file__).resolve().parent / "third_party" / "typeshed" / "stdlib"
    found = []
    for path in sorted(root.rglob("*.pyi")):
        relative = path.relative_to(root).with_suffix("")
        parts = [p for p in relative.parts if p != "__init__"]
        if not parts or any(p.startswith("_") for p in parts):
            continue
        module = ".".join(parts)
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        found.extend(_typeshed_scope(tree.body, module, ""))
    return found


def _version_bound(test: ast.AST) -> tuple[str, int] | None:
    """("<", minor) for ``sys.version_info < (3, N)``, (">=", minor) for ``>=``."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and ast.unparse(test.left) == "sys.version_info"):
        return None
    target = test.comparators[0]
    if not (isinstance(target, ast.Tuple) and len(target.elts) >= 2
            and all(isinstance(e, ast.Constant) for e in target.elts[:2]) and target.elts[0].value == 3):
        return None
    op = {ast.Lt: "<", ast.GtE: ">="}.get(type(test.ops[0]))
    return (op, target.elts[1].value) if op else None


def _defined(body: list[ast.stmt]) -> dict[str, ast.AST]:
    names = {}
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names[stmt.name] = stmt
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            names[stmt.target.id] = stmt
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    names[target.id] = stmt
        elif isinstance(stmt, ast.ImportFrom):
            for alias in stmt.names:
                if alias.asname and alias.asname == alias.name:  # a re-export
                    names[alias.name] = stmt
    return names


def _typeshed_scope(body: list[ast.stmt], module: str, owner: str) -> list[dict]:
    found = []
    always = _defined([s for s in body if not isinstance(s, ast.If)])
    conditional: dict[str, set[int | None]] = {}  # name -> the removal minors of branches defining it
    for stmt in body:
        if isinstance(stmt, ast.ClassDef) and not owner:
            found.extend(_typeshed_scope(stmt.body, module, stmt.name))
        if not isinstance(stmt, ast.If):
            continue
        bound = _version_bound(stmt.test)
        old_branch = stmt.body if bound and bound[0] == "<" else stmt.orelse if bound and bound[0] == ">=" else None
        new_branch = stmt.orelse if bound and bound[0] == "<" else stmt.body if bound else None
        for branch, removed in ((old_branch, bound[1] if bound else None), (new_branch, None)):
            for name in _defined(branch or []):
                conditional.setdefault(name, set()).add(removed)
        if bound is None:
            for name in _defined(stmt.body) | _defined(stmt.orelse):
                conditional.setdefault(name, set()).add(None)
    for name, removed in conditional.items():
        if name in always or name.startswith("_") or None in removed or len(removed) != 1:
            continue
        minor = removed.pop()
        found.append({"distribution": "python", "module": module, "owner": owner, "name": name,
                      "kind": "attribute", "change": "removed", "version": f"3.{minor}", "replacement": "",
                      "reference": f"generated: typeshed defines it only for Python < 3.{minor}"})
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--libraries", default=",".join(LIBRARIES))
    parser.add_argument("--minors", type=int, default=6)
    parser.add_argument("--majors", type=int, default=3)
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "caveat-removals"))
    parser.add_argument("--out", default=str(HERE / "removed_apis" / "generated.json"))
    parser.add_argument("--offline", action="store_true",
                        help="compare only the releases already read into --cache (no pip, no download)")
    args = parser.parse_args()
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    entries = []
    provenance = {}
    for name in [n.strip() for n in args.libraries.split(",") if n.strip()]:
        apis = []
        for version in cached_releases(name, cache) if args.offline else releases(name, args.minors, args.majors):
            prefix = cache / f"{name}-{version}" if args.offline else unpacked(name, version, cache)
            if prefix is None:
                print(f"{name} {version}: no wheel", file=sys.stderr)
                continue
            snapshot = cache / f"{name}-{version}.api.json"
            if snapshot.exists():
                api = json.loads(snapshot.read_text())
            else:
                api = public_api(prefix, cache / "index")
                snapshot.write_text(json.dumps(api))
            apis.append((version, api))
            print(f"{name} {version}: {len(api['modules'])} public modules", file=sys.stderr)
        if len(apis) >= 2:
            found = removals(name, apis)
            entries.extend(found)
            provenance[name] = [v for v, _ in apis]
            print(f"{name}: {len(found)} removals", file=sys.stderr)
    stdlib = stdlib_removals()
    entries.extend(stdlib)
    data = {"about": "Generated by tools/build_removed_apis.py: public names and keywords that a release of "
                     "the library had and every later release lacks (wheels from PyPI, read with caveat's "
                     "static index); the standard library from the typeshed stubs bundled with jedi.",
            "releases": provenance, "entries": entries}
    Path(args.out).write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(entries)} entries ({len(stdlib)} standard library) -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
