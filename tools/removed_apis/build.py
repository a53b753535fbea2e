#!/usr/bin/env python3
"""Build server/caveat/data/removed_apis.json from sources.toml (the knowledge base of API changes).

    python tools/removed_apis/build.py            # validate and write the JSON
    python tools/removed_apis/build.py --verify   # also check entries that name `verify` versions

How the data is produced: each entry of sources.toml was transcribed from the library's
changelog (the `reference` URL). `--verify` then checks it against the real releases: it
downloads the two wheels named by `verify = [before, after]` with
`pip download --no-deps --only-binary=:all:` (no build step, nothing executed), reads the
module's source straight from the wheel (zip) and parses it with `ast`, and asserts that the
name is defined in `before` and missing in `after` (removed) or the reverse (added). A name is
"defined" when the module (or the class `owner` in it) binds it: def/class/assignment/import/
`__all__`. Entries that fail verification are reported and the build exits 1.
"""
from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
OUT = HERE.parent.parent / "server" / "caveat" / "data" / "removed_apis.json"
GENERATED = HERE / "generated.json"  # written by tools/build_removed_apis.py
KINDS = {"attribute", "keyword", "module"}
CHANGES = {"removed", "added", "deprecated"}
REQUIRED = ("distribution", "module", "owner", "name", "kind", "change", "version", "replacement", "reference")


def load() -> list[dict]:
    data = tomllib.loads((HERE / "sources.toml").read_text(encoding="utf-8"))
    entries = data.get("change", [])
    problems = []
    seen = set()
    for number, entry in enumerate(entries, 1):
        missing = [k for k in REQUIRED if k not in entry]
        if missing:
            problems.append(f"entry {number} ({entry.get('name')}): missing {', '.join(missing)}")
            continue
        if entry["kind"] not in KINDS or entry["change"] not in CHANGES:
            problems.append(f"entry {number} ({entry['name']}): bad kind/change")
        if not entry["reference"].startswith("https://"):
            problems.append(f"entry {number} ({entry['name']}): reference must be an https URL")
        key = (entry["distribution"], entry["module"], entry["owner"], entry["name"], entry["kind"], entry["change"])
        if key in seen:
            problems.append(f"entry {number} ({entry['name']}): duplicate")
        seen.add(key)
    if problems:
        raise SystemExit("\n".join(problems))
    return entries


def _wheel(dist: str, version: str, cache: Path) -> Path:
    folder = cache / f"{dist}-{version}"
    folder.mkdir(parents=True, exist_ok=True)
    wheels = list(folder.glob("*.whl"))
    for python in ("3.11", "3.9"):  # old releases have no wheels for new Pythons
        if wheels:
            break
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                        "--python-version", python, "-d", str(folder), f"{dist}=={version}"],
                       stderr=subprocess.DEVNULL)
        wheels = list(folder.glob("*.whl"))
    return wheels[0]


def _defined(wheel: Path, module_path: str, owner: str, name: str) -> bool:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for candidate in (module_path, module_path[:-3] + "/__init__.py"):
            if candidate in names:
                source = archive.read(candidate).decode("utf-8", "replace")
                break
        else:
            return False
    tree = ast.parse(source)
    scope = tree.body
    if owner:
        classes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == owner]
        if not classes:
            return False
        scope = [stmt for cls in classes for stmt in cls.body]
    for node in scope:
        for sub in ast.walk(node) if not owner else [node]:
            if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and sub.name == name:
                return True
            if isinstance(sub, (ast.Assign, ast.AnnAssign)):
                targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
                if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                    return True
            if isinstance(sub, (ast.Import, ast.ImportFrom)):
                if any((a.asname or a.name.split(".")[0]) == name for a in sub.names):
                    return True
    return False


def verify(entries: list[dict], cache: Path) -> list[str]:
    failures = []
    for entry in entries:
        versions = entry.get("verify")
        if not versions or entry["kind"] != "attribute":
            continue
        before, after = versions
        module_path = entry.get("verify_path") or entry["module"].replace(".", "/") + ".py"
        if not entry.get("verify_path") and "/" not in module_path:
            module_path = entry["module"].replace(".", "/") + ".py"
        try:
            old = _defined(_wheel(entry["distribution"], before, cache), module_path, entry["owner"], entry["name"])
            new = _defined(_wheel(entry["distribution"], after, cache), module_path, entry["owner"], entry["name"])
        except (subprocess.CalledProcessError, IndexError, OSError, SyntaxError) as error:
            failures.append(f"{entry['distribution']} {entry['name']}: cannot verify: {error}")
            continue
        expected = (True, False) if entry["change"] == "removed" else (False, True)
        label = f"{entry['distribution']} {before}->{after} {entry['owner'] + '.' if entry['owner'] else ''}{entry['name']}"
        if (old, new) != expected:
            failures.append(f"{label}: defined before={old}, after={new}; expected {expected}")
        else:
            entry["verified"] = [before, after]
            print(f"verified {label}")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verify", action="store_true")
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "caveat-kb-wheels"))
    args = parser.parse_args()
    entries = load()
    previous = {}
    if OUT.exists():
        for old in json.loads(OUT.read_text(encoding="utf-8")).get("entries", []):
            if "verified" in old:
                previous[(old["distribution"], old["module"], old["owner"], old["name"], old["kind"])] = old["verified"]
    failures = verify(entries, Path(args.cache)) if args.verify else []
    out = []
    for entry in entries:
        record = {k: entry[k] for k in REQUIRED}
        key = (entry["distribution"], entry["module"], entry["owner"], entry["name"], entry["kind"])
        verified = entry.get("verified") or previous.get(key)
        if verified:
            record["verified"] = verified
        out.append(record)
    curated = {(e["distribution"], e["module"], e["owner"], e["name"], e["kind"]) for e in out}
    generated = json.loads(GENERATED.read_text(encoding="utf-8")) if GENERATED.exists() else {"entries": []}
    for entry in generated["entries"]:  # tools/build_removed_apis.py: the releases themselves
        key = (entry["distribution"], entry["module"], entry["owner"], entry["name"], entry["kind"])
        if key not in curated:
            out.append({k: entry[k] for k in (*REQUIRED, "verified") if k in entry})
    OUT.write_text(json.dumps({
        "about": "API changes of popular libraries and the standard library: the entries of "
                 "tools/removed_apis/sources.toml (transcribed from changelogs, checked against wheels) and "
                 "those tools/build_removed_apis.py found by comparing real releases (wheels from PyPI read "
                 "with caveat's static index; the standard library from typeshed's version conditions); "
                 "merged by tools/removed_apis/build.py.",
        "releases": generated.get("releases", {}),
        "entries": out,
    }, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(out)} entries to {OUT}")
    for failure in failures:
        print("FAILED:", failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
