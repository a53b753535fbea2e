#!/usr/bin/env python3
"""Check every label of the API holdout against the real, pinned libraries.

    python bench/detection/api/holdout/verify.py [--env DIR] [--verbose]

Creates the pinned environment (``project/requirements.txt``) at ``--env`` (default
``/tmp/caveat-api-holdout-env``) when it is missing or out of date, then checks the claim
that every ``# expect:`` / ``# ok:`` label of ``project/`` carries after its ``--``.  The
claims are evaluated *in that environment's interpreter* by introspection (import, getattr,
``inspect.signature``, or a call whose effect is harmless: a TypeError raised while binding
arguments, a connection refused on 127.0.0.1 port 9).  The holdout modules themselves are
never imported or run; facts about classes they define (dataclass and pydantic fields) are
read from their source with ``ast``.

Claim grammar (after ``--``; several claims joined by `` && ``; `` ## `` starts free text)::

    has EXPR NAME         getattr(EXPR, NAME) succeeds            lacks EXPR NAME   it fails
    mod DOTTED            the module imports                     nomod DOTTED      ModuleNotFoundError
    accepts EXPR NAME     NAME is a named parameter of EXPR's signature
    rejects EXPR NAME     no parameter NAME and no **kwargs in EXPR's signature
    raises EXC: STMT      STMT raises EXC (or a subclass: any class name in its MRO)
    runs: STMT            STMT raises nothing
    runs-until EXC: STMT  STMT gets past argument binding and fails only with EXC
    field CLASS NAME      NAME is a field of the dataclass / pydantic model CLASS of this file
    nofield CLASS NAME    it is not (and the class accepts no extra keywords)
    undeclared MOD        MOD imports in the env and its distribution is not in pyproject.toml
    declared MOD          MOD imports and its distribution is declared
    stdlib MOD            MOD is a standard-library module
    local MOD             MOD is a module of the project itself
    true: EXPR            EXPR evaluates to True
    manual: TEXT          evidence checked by hand, written out (listed in the output)

Each claim must also match the code: the NAME (or the last part of MOD) must appear in the
labelled statement.  Expect labels need a claim of the right polarity for their category
(``lacks``/``raises``/``nomod`` for a missing attribute or a removed API, ``rejects``/``raises``
for an unknown keyword, ``nomod`` for a hallucinated module, ``undeclared`` for an undeclared
dependency).  Exit status 0 when every claim holds.
"""
from __future__ import annotations

import argparse
import ast
import io
import json
import os
import re
import subprocess
import sys
import tokenize
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE / "project"
DEFAULT_ENV = Path("/tmp/caveat-api-holdout-env")
sys.path.insert(0, str(HERE.parent.parent))  # bench/detection: labels.py, tool_maps.py

import labels as corpus_labels  # noqa: E402

API_CATEGORIES = ("hallucinated-attribute", "hallucinated-module", "unknown-keyword-argument", "removed-api",
                  "undeclared-dependency", "version-mismatch")
corpus_labels.CATEGORIES = API_CATEGORIES

# Which claim kinds prove an expect label of each category.
PROVES = {
    "hallucinated-attribute": {"lacks", "raises", "nomod"},
    "removed-api": {"lacks", "raises", "nomod", "rejects"},
    "hallucinated-module": {"nomod"},
    "unknown-keyword-argument": {"rejects", "raises", "nofield"},
    "undeclared-dependency": {"undeclared"},
    "version-mismatch": {"manual"},
}
NAMED = {"has", "lacks", "accepts", "rejects", "field", "nofield"}
MODULAR = {"mod", "nomod", "undeclared", "declared", "stdlib", "local"}
STATEMENT = {"raises", "runs", "runs-until", "true"}

CLAIM_RE = re.compile(r"^(?P<kind>[a-z-]+)(?:\s+(?P<exc>[A-Za-z_][\w.]*))?\s*(?::\s*(?P<body>.*)|\s+(?P<args>.*))?$")


# ------------------------------------------------------------------ the environment

def requirements(requirements_file: Path) -> list[str]:
    lines = requirements_file.read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def ensure_env(prefix: Path, requirements_file: Path = PROJECT / "requirements.txt") -> Path:
    """A venv with exactly the pinned requirements; reinstalled when the requirements change."""
    marker = prefix / ".caveat-holdout"
    wanted = "\n".join(requirements(requirements_file))
    if marker.exists() and marker.read_text() == wanted:
        return prefix
    if not (prefix / "pyvenv.cfg").exists():
        print(f"creating {prefix}", file=sys.stderr)
        venv.EnvBuilder(with_pip=True, symlinks=True).create(prefix)
    subprocess.run([str(prefix / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r",
                    str(requirements_file)], check=True,
                   env=dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1"))
    marker.write_text(wanted)
    return prefix


# ------------------------------------------------------------------ reading the labels

def label_notes(path: Path) -> list[dict]:
    """Every label comment of one file with its note and the text of the labelled statement."""
    source = path.read_text(encoding="utf-8")
    rel = path.relative_to(PROJECT).as_posix()
    corpus_labels.parse_file(path, rel)  # validates the grammar and placement
    tree = ast.parse(source)
    index = corpus_labels._statement_index(tree)
    lines = source.splitlines()
    comments = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT and lines[tok.start[0] - 1][: tok.start[1]].strip() == "":
            comments[tok.start[0]] = tok.string.strip()
    out = []
    for row, text in sorted(comments.items()):
        m = corpus_labels.LABEL_RE.match(text)
        if not m:
            continue
        target = row + 1
        while target in comments:
            target += 1
        start, end = corpus_labels._node_range(index[target])
        note = text.split("--", 1)[1].strip() if "--" in text else ""
        out.append({"path": rel, "line": row, "kind": m["kind"],
                    "categories": [c.strip() for c in m["cats"].split(",")],
                    "note": note, "statement": "\n".join(lines[start - 1: end])})
    return out


def parse_claims(note: str) -> list[dict]:
    claims_text = note.split(" ## ", 1)[0].strip()
    if not claims_text:
        return []
    claims = []
    for part in claims_text.split(" && "):
        part = part.strip()
        if part.startswith("manual:"):
            claims.append({"kind": "manual", "body": part.split(":", 1)[1].strip()})
            continue
        m = CLAIM_RE.match(part)
        if not m:
            raise ValueError(f"cannot read claim {part!r}")
        kind = m["kind"]
        claim = {"kind": kind, "text": part}
        if kind in STATEMENT:
            if m["body"] is None:
                raise ValueError(f"{kind} needs ': STATEMENT' in {part!r}")
            claim["body"] = m["body"]
            claim["exc"] = m["exc"]
        elif kind in NAMED:
            args = ((m["exc"] or "") + " " + (m["args"] or "")).strip()
            expr, _, name = args.rpartition(" ")
            if not expr or not name:
                raise ValueError(f"{kind} needs EXPR NAME in {part!r}")
            claim["expr"], claim["name"] = expr.strip(), name.strip()
        elif kind in MODULAR:
            claim["name"] = ((m["exc"] or "") + (m["args"] or "")).strip()
        else:
            raise ValueError(f"unknown claim kind {kind!r} in {part!r}")
        claims.append(claim)
    return claims


# ------------------------------------------------------------------ static facts about project classes

def class_fields(path: Path, class_name: str) -> tuple[set[str], bool] | None:
    """Annotated fields of a dataclass or pydantic model defined in PATH (bases in the same file
    included), and whether it may accept extra keywords (its own __init__, extra='allow')."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    classes = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
    if class_name not in classes:
        return None
    fields: set[str] = set()
    open_ = False
    todo = [class_name]
    while todo:
        node = classes[todo.pop()]
        for stmt in node.body:
            if (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
                    and "ClassVar" not in ast.unparse(stmt.annotation)):
                fields.add(stmt.target.id)
            if isinstance(stmt, ast.FunctionDef) and stmt.name == "__init__":
                open_ = True
            if "extra" in ast.unparse(stmt) and "allow" in ast.unparse(stmt):
                open_ = True
        for base in node.bases:
            if isinstance(base, ast.Name) and base.id in classes:
                todo.append(base.id)
    return fields, open_


def declared_distributions() -> set[str]:
    import tomllib
    data = tomllib.loads((PROJECT / "pyproject.toml").read_text())
    reqs = list(data["project"].get("dependencies", []))
    for group in data["project"].get("optional-dependencies", {}).values():
        reqs.extend(group)
    names = set()
    for req in reqs:
        names.add(re.split(r"[<>=!~\[; ]", req, 1)[0].lower().replace("_", "-"))
    return names


# ------------------------------------------------------------------ evaluation inside the environment

RUNNER = r'''
import importlib, importlib.util, importlib.metadata, inspect, io, json, re, sys, warnings
warnings.simplefilter("ignore")
DOTTED = re.compile(r"[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+")

def ns_for(text):
    ns = {"io": io}
    for chain in DOTTED.findall(text):
        parts = chain.split(".")
        for i in range(len(parts), 0, -1):
            try:
                importlib.import_module(".".join(parts[:i]))
            except Exception:
                continue
            break
    for word in set(re.findall(r"\b[A-Za-z_]\w*\b", text)):
        if word in ns or word in dir(__builtins__):
            continue
        try:
            ns[word] = importlib.import_module(word)
        except Exception:
            pass
    return ns

def evaluate(expr):
    return eval(expr, ns_for(expr))

def mro_names(exc):
    return [c.__name__ for c in type(exc).__mro__]

def check(c):
    k = c["kind"]
    if k in ("has", "lacks"):
        obj = evaluate(c["expr"])
        try:
            getattr(obj, c["name"])
            found, why = True, "found"
        except Exception as e:
            found, why = False, f"{type(e).__name__}: {str(e)[:120]}"
        return (found if k == "has" else not found), why
    if k in ("mod", "nomod"):
        try:
            importlib.import_module(c["name"])
            ok, why = True, "imports"
        except ModuleNotFoundError as e:
            ok, why = False, f"ModuleNotFoundError: {e}"
        return (ok if k == "mod" else not ok), why
    if k in ("accepts", "rejects"):
        sig = inspect.signature(evaluate(c["expr"]))
        params = sig.parameters
        named = c["name"] in params and params[c["name"]].kind in (
            inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        var = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        if k == "accepts":
            return named, str(sig)[:160]
        return (not named and not var), str(sig)[:160]
    if k in ("raises", "runs", "runs-until"):
        try:
            exec(c["body"], ns_for(c["body"]))
        except BaseException as e:
            names = mro_names(e)
            why = f"{type(e).__name__}: {str(e)[:160]}"
            if k == "raises":
                return c["exc"] in names, why
            if k == "runs-until":
                return c["exc"] in names and "TypeError" not in names, why
            return False, why
        return k == "runs", "ran without an exception"
    if k == "true":
        value = evaluate(c["body"])
        return value is True, repr(value)[:160]
    if k in ("undeclared", "declared"):
        spec = importlib.util.find_spec(c["name"])
        if spec is None:
            return False, "not installed"
        dists = importlib.metadata.packages_distributions().get(c["name"], [])
        return True, json.dumps(dists)
    if k == "stdlib":
        return c["name"] in sys.stdlib_module_names, ""
    raise ValueError(k)

claims = json.load(sys.stdin)
out = []
for c in claims:
    try:
        ok, why = check(c)
    except Exception as e:
        ok, why = False, f"claim failed to evaluate: {type(e).__name__}: {e}"
    out.append([ok, why])
print(json.dumps(out))
'''


def run_in_env(env: Path, claims: list[dict]) -> list[tuple[bool, str]]:
    result = subprocess.run([str(env / "bin" / "python"), "-c", RUNNER], input=json.dumps(claims),
                            capture_output=True, text=True, cwd="/tmp", timeout=900, check=False)
    if result.returncode != 0:
        raise SystemExit(f"the claim runner failed:\n{result.stderr[-3000:]}")
    return [tuple(x) for x in json.loads(result.stdout.strip().splitlines()[-1])]


# Import names -> the distribution a label is about (for the per-library tally).
DISTRIBUTIONS = {"requests": "requests", "urllib3": "urllib3", "certifi": "certifi", "httpx": "httpx",
                 "pandas": "pandas", "numpy": "numpy", "pydantic": "pydantic", "jwt": "PyJWT",
                 "flask": "Flask", "werkzeug": "Werkzeug", "markupsafe": "MarkupSafe", "jinja2": "Jinja2",
                 "itsdangerous": "itsdangerous", "sqlalchemy": "SQLAlchemy", "click": "click",
                 "dateutil": "python-dateutil", "boto3": "boto3", "botocore": "botocore",
                 "s3transfer": "s3transfer", "redis": "redis", "pytest": "pytest", "_pytest": "pytest",
                 "typing_extensions": "typing_extensions", "ujson": "ujson"}
BUILTINS = {"str", "bytes", "list", "dict", "set", "sorted", "int"}


def library_of(entry: dict) -> str:
    """The distribution (or stdlib / builtins) a label's first checkable claim is about."""
    for claim in entry.get("claims", []):
        text = claim.get("expr") or claim.get("body") or claim.get("name") or ""
        if claim["kind"] == "local":
            return "project"
        words = re.findall(r"[A-Za-z_]\w*", text.replace("from ", "").replace("import ", ""))
        if claim["kind"] in ("field", "nofield"):
            tree = ast.parse((PROJECT / entry["path"]).read_text(encoding="utf-8"))
            bases = [ast.unparse(b) for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == words[0]
                     for b in n.bases]
            return "pydantic" if "BaseModel" in bases else "stdlib"
        if not words or claim["kind"] == "manual":
            continue
        if words[0] in DISTRIBUTIONS:
            return DISTRIBUTIONS[words[0]]
        if words[0] in BUILTINS or text.startswith(('"', "'")):
            return "builtins"
        return "stdlib"
    return "(manual)"


def dist_key(name: str) -> str:
    return name.lower().replace("_", "-")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", default=str(DEFAULT_ENV))
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    env = ensure_env(Path(args.env))

    files = sorted(p for p in PROJECT.rglob("*.py") if "__pycache__" not in p.parts)
    entries = [e for p in files for e in label_notes(p)]
    problems: list[str] = []
    env_claims: list[dict] = []
    owners: list[tuple[dict, dict]] = []
    declared = declared_distributions()
    for entry in entries:
        where = f"{entry['path']}:{entry['line']}"
        try:
            claims = parse_claims(entry["note"])
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
            continue
        entry["claims"] = claims
        if not claims:
            problems.append(f"{where}: no claim after '--'")
            continue
        if entry["kind"] == "expect":
            kinds = {c["kind"] for c in claims}
            for category in entry["categories"]:
                if not kinds & PROVES[category]:
                    problems.append(f"{where}: expect {category} needs one of {sorted(PROVES[category])}")
        for claim in claims:
            name = claim.get("name")
            if name and claim["kind"] in NAMED | MODULAR:
                needle = name.rsplit(".", 1)[-1]
                if not re.search(rf"\b{re.escape(needle)}\b", entry["statement"]):
                    problems.append(f"{where}: claim names {needle!r}, which is not in the statement")
            if claim["kind"] in ("field", "nofield"):
                facts = class_fields(PROJECT / entry["path"], claim["expr"])
                if facts is None:
                    problems.append(f"{where}: no class {claim['expr']} in {entry['path']}")
                    continue
                fields, open_ = facts
                holds = (claim["name"] in fields) if claim["kind"] == "field" else (
                    claim["name"] not in fields and not open_)
                claim["result"] = (holds, f"fields {sorted(fields)}{' (open)' if open_ else ''}")
            elif claim["kind"] == "local":
                top = claim["name"].split(".")[0]
                holds = (PROJECT / top).is_dir() or (PROJECT / f"{top}.py").is_file()
                claim["result"] = (holds, "project module" if holds else "not in the project")
            elif claim["kind"] == "manual":
                claim["result"] = (True, "manual evidence")
            else:
                env_claims.append(claim)
                owners.append((entry, claim))
    for (entry, claim), result in zip(owners, run_in_env(env, env_claims)):
        ok, why = result
        if ok and claim["kind"] in ("undeclared", "declared"):
            dists = {dist_key(d) for d in json.loads(why)}
            is_declared = bool(dists & declared)
            ok = is_declared if claim["kind"] == "declared" else (bool(dists) and not is_declared)
            why = f"distributions {sorted(dists)}, declared: {is_declared}"
        claim["result"] = (ok, why)

    counts: dict[tuple[str, str], int] = {}
    manual = []
    for entry in entries:
        for category in entry["categories"]:
            counts[(entry["kind"], category)] = counts.get((entry["kind"], category), 0) + 1
        for claim in entry.get("claims", []):
            ok, why = claim.get("result", (False, "not evaluated"))
            where = f"{entry['path']}:{entry['line']}"
            if claim["kind"] == "manual":
                manual.append(f"{where}: {claim['body']}")
            if not ok:
                problems.append(f"{where}: {entry['kind']} {','.join(entry['categories'])}: claim "
                                f"{claim.get('text', claim['kind'])!r} does not hold ({why})")
            elif args.verbose:
                print(f"ok  {where} {claim.get('text', claim['kind'])} -> {why}")

    print(f"{len(files)} files, {len(entries)} labels, "
          f"{sum(len(e.get('claims', [])) for e in entries)} claims checked in {env}")
    for category in API_CATEGORIES:
        print(f"  {category:<26} expect {counts.get(('expect', category), 0):>4}   ok {counts.get(('ok', category), 0):>4}")
    print(f"  {'all':<26} expect {sum(v for (k, _), v in counts.items() if k == 'expect'):>4}   "
          f"ok {sum(v for (k, _), v in counts.items() if k == 'ok'):>4}")
    per_library: dict[str, list[int]] = {}
    for entry in entries:
        tally = per_library.setdefault(library_of(entry), [0, 0])
        tally[0 if entry["kind"] == "expect" else 1] += len(entry["categories"])
    print("labels per library (expect / ok):")
    for library, (n_expect, n_ok) in sorted(per_library.items(), key=lambda kv: (-kv[1][0], kv[0])):
        print(f"  {library:<26} expect {n_expect:>4}   ok {n_ok:>4}")
    if manual:
        print(f"{len(manual)} claims rest on manual evidence:")
        for line in manual:
            print(f"  {line}")
    if problems:
        print(f"\n{len(problems)} problems:")
        for line in problems:
            print(f"  {line}")
        return 1
    print("every claim holds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
