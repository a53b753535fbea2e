"""## What it does

Detects file paths built from user input (or from names inside an archive)
that are opened, served, written, listed, moved or deleted without a
containment check: `open(os.path.join(BASE, filename))`,
`(UPLOAD_DIR / name).read_text()`, `send_file(f"reports/{name}")`,
`upload.save(os.path.join(DIR, upload.filename))`, `os.remove(...)`,
`shutil.rmtree(...)`, `FileResponse(path)`; Zip Slip (`for name in
zf.namelist(): open(os.path.join(dest, name), "wb")`); and
`tarfile.extractall()` / `extract()` without `filter=`. A path built in one
statement and used by several calls is reported once, where it is built. A
containment check that cannot work - `path.startswith(BASE)` before
normalising, or `".." in name` alone - is reported even when the name is not
known to be user input.

## Why is this bad?
`os.path.join(BASE, "../../etc/passwd")` leaves `BASE`, and
`os.path.join(BASE, "/etc/passwd")` ignores it altogether; pathlib's `/` does
the same. A crafted name reads configuration and keys, overwrites code, or
deletes data. Archives carry names like `../../.ssh/authorized_keys`,
absolute paths and symlinks.

## Example
```python
@app.get("/download")
def download():
    return send_file(os.path.join(REPORTS, request.args["name"]))
```

## Use instead
```python
@app.get("/download")
def download():
    return send_from_directory(REPORTS, request.args["name"])
# or: path = (REPORTS / name).resolve(); if not path.is_relative_to(REPORTS): abort(404)
```

## What it does not flag
Paths checked for containment in the same function (`resolve()` +
`is_relative_to`/`relative_to`, `os.path.commonpath`, `realpath(...)
.startswith(base)`, `safe_join`, an `is_safe_path`-style helper), names passed
through `secure_filename` or `os.path.basename`, names checked against an
allowlist or a full-match regex, `send_from_directory`, constant paths, and
`tarfile.extractall(filter="data")` or with a `members=` selection. A check
for `".."` alone is not enough (absolute paths) and is not counted.

## Fix safety
`send_file(os.path.join(DIR, name))` -> `send_from_directory(DIR, name)` and
`extractall(...)` -> `extractall(..., filter="data")` are unsafe fixes:
requests and archives that escaped the directory now fail (404,
`tarfile.FilterError`).

## References
- https://cwe.mitre.org/data/definitions/22.html
- https://docs.python.org/3/library/tarfile.html#extraction-filters
- https://security.snyk.io/research/zip-slip-vulnerability
"""
from __future__ import annotations

import ast
import re

from caveat.analysis import taint
from caveat.analysis.flow import resolved_call_name, value_before
from caveat.engine.findings import Fix, Severity
from caveat.rules.base import Rule, RuleContext
from caveat.rules.security._names import imports_any
from caveat.rules.fixkit import keyword, rewrite_expression, single_edit_fix, with_keyword
from caveat.rules.security._paths import path_sources

# qualified name -> (verb, positions of path arguments, keyword names)
SINKS: dict[str, tuple[str, tuple[int, ...], tuple[str, ...]]] = {
    "open": ("opens", (0,), ("file",)), "io.open": ("opens", (0,), ("file",)),
    "codecs.open": ("opens", (0,), ("filename",)), "os.open": ("opens", (0,), ("path",)),
    "aiofiles.open": ("opens", (0,), ("file",)), "builtins.open": ("opens", (0,), ("file",)),
    "os.remove": ("deletes", (0,), ("path",)), "os.unlink": ("deletes", (0,), ("path",)),
    "os.rmdir": ("deletes", (0,), ("path",)), "os.removedirs": ("deletes", (0,), ("name",)),
    "shutil.rmtree": ("deletes", (0,), ("path",)), "os.listdir": ("lists", (0,), ("path",)),
    "os.scandir": ("lists", (0,), ("path",)), "os.walk": ("lists", (0,), ("top",)),
    "os.rename": ("moves", (0, 1), ("src", "dst")), "os.replace": ("moves", (0, 1), ("src", "dst")),
    "shutil.move": ("moves", (0, 1), ("src", "dst")), "shutil.copy": ("copies", (0, 1), ("src", "dst")),
    "shutil.copy2": ("copies", (0, 1), ("src", "dst")), "shutil.copyfile": ("copies", (0, 1), ("src", "dst")),
    "shutil.copytree": ("copies", (0, 1), ("src", "dst")),
    "flask.send_file": ("serves", (0,), ("path_or_file", "filename_or_fp")),
    "flask.helpers.send_file": ("serves", (0,), ("path_or_file",)),
    "fastapi.responses.FileResponse": ("serves", (0,), ("path",)),
    "starlette.responses.FileResponse": ("serves", (0,), ("path",)),
    "aiohttp.web.FileResponse": ("serves", (0,), ("path",)),
    "PIL.Image.open": ("opens", (0,), ("fp",)), "shutil.unpack_archive": ("extracts", (0, 1), ("filename", "extract_dir")),
    "os.makedirs": ("creates", (0,), ("name",)), "os.mkdir": ("creates", (0,), ("path",)),
    "os.chmod": ("changes", (0,), ("path",)),
}
PATH_METHODS = {"open": "opens", "read_text": "reads", "read_bytes": "reads", "write_text": "writes",
                "write_bytes": "writes", "unlink": "deletes", "rmdir": "deletes", "iterdir": "lists",
                "touch": "creates", "mkdir": "creates", "rename": "moves", "replace": "moves"}
# Calls that build or normalise a path (their result is still a path).
PATH_BUILDERS = re.compile(r"^(os\.path\.(join|abspath|normpath|realpath|expanduser)|posixpath\.join|ntpath\.join|"
                           r"pathlib\.(Pure)?(Posix|Windows)?Path|str|os\.fspath|os\.path\.\w+)$")
PATH_BUILDER_METHODS = frozenset({"joinpath", "resolve", "absolute", "with_name", "with_suffix", "expanduser",
                                  "format", "replace", "strip", "lower", "as_posix"})
CHECK_CALLS = re.compile(r"(^|\.)(is_relative_to|relative_to|commonpath|commonprefix|safe_join|is_safe_path|"
                         r"safe_path|is_within\w*|within_directory|ensure_within\w*|is_subpath|is_inside\w*|"
                         r"contained_in|check_path\w*|validate_path\w*|_?safe_join|is_path_safe|assert_within\w*)$")
NORMALISERS = ("realpath", "abspath", "normpath", "resolve")


class PathTraversal(Rule):
    code = "CAV138"
    name = "path-traversal"
    category = "path-traversal"
    cwe = 22
    severity = Severity.ERROR
    fixable = True
    supersedes = ("B202",)
    replaces = ("B202",)  # bandit flags every extractall once tarfile is imported, zipfile's included

    def check(self, ctx: RuleContext) -> None:
        done: set[int] = set()  # one finding per built path, however many sinks use it
        for call in ctx.nodes(ast.Call):
            name = ctx.qualified_name(call.func) or ""
            func = call.func
            if isinstance(func, ast.Attribute) and func.attr in ("extractall", "extract"):
                self._extractall(ctx, call)
                continue
            sink = SINKS.get(name)
            if sink is not None:
                verb, positions, keywords = sink
                for index, kw_name in zip(positions, keywords):
                    arg = call.args[index] if len(call.args) > index else (
                        keyword(call, kw_name).value if keyword(call, kw_name) else None)
                    if arg is not None and self._check_path(ctx, call, arg, verb, name, done):
                        break
                continue
            if isinstance(func, ast.Attribute):
                if func.attr in PATH_METHODS and not name and _looks_like_path(ctx, func.value):
                    self._check_path(ctx, call, func.value, PATH_METHODS[func.attr], f"Path.{func.attr}", done)
                elif func.attr == "save" and call.args and not name:
                    self._check_path(ctx, call, call.args[0], "writes", ctx.source(func), done)

    # --- paths ---------------------------------------------------------------------------
    def _check_path(self, ctx: RuleContext, call: ast.Call, path: ast.AST, verb: str, sink: str,
                    done: set[int]) -> bool:
        if not _is_path_expression(ctx, path):
            return False
        sources = taint.remote_only(path_sources(ctx, path))
        weak = None
        if not sources:
            weak = _weak_check(ctx, call, path)
            if weak is None:
                return False
        elif _contained(ctx, call):
            return False
        site, variable = _build_site(ctx, path, call)
        if id(site) in done:
            return True
        done.add(id(site))
        label = ctx.source(call.func) or sink
        if len(label) > 32 and isinstance(call.func, ast.Attribute):
            label = f".{call.func.attr}"
        subject = f"`{label}` {verb} a path built from" if variable is None else \
            f"`{variable}` reaches `{label}` (which {verb} it) and is built from"
        if weak is not None:
            message = (f"{subject} `{ctx.source(path)}`, and the only check is {weak}: `../` segments or an absolute "
                       f"path pass it. Normalise first, then check: `os.path.realpath(p)` with "
                       f"`os.path.commonpath([p, BASE]) == BASE`, or `Path.resolve()` with `is_relative_to(BASE)`.")
            ctx.report(self, site, message, severity=Severity.WARNING)
            return True
        source = sources[0]
        if source.startswith("archive member"):
            message = (f"{subject} {source}: a crafted archive with names like `../../.ssh/authorized_keys` writes "
                       f"outside the target directory (Zip Slip). Resolve each path and check it stays inside the "
                       f"destination before using it.")
        elif sink.endswith("send_file"):
            message = (f"{subject} {source} without a containment check: `../` sequences or an absolute path read any "
                       f"file the server can. Use `send_from_directory(DIRECTORY, filename)`, or resolve the path and "
                       f"check `is_relative_to(DIRECTORY)`.")
        else:
            message = (f"{subject} {source} without a containment check: `../` sequences or an absolute path escape "
                       f"the intended directory. Resolve it and check it, e.g. `p = (BASE / name).resolve()` then "
                       f"`if not p.is_relative_to(BASE): abort(404)`, or reduce the name with "
                       f"`werkzeug.utils.secure_filename`.")
        fix = _send_from_directory_fix(ctx, call, path) if sink.endswith("send_file") and site is call else None
        ctx.report(self, site, message, fix=fix)
        return True

    # --- archives --------------------------------------------------------------------------
    def _extractall(self, ctx: RuleContext, call: ast.Call) -> None:
        name = resolved_call_name(ctx, call) or ""
        receiver = call.func.value
        is_tar = name.startswith("tarfile.") or (
            imports_any(ctx, "tarfile") and not name.startswith("zipfile.")
            and re.search(r"tar|tgz", (ctx.dotted_name(receiver) or "").lower()) is not None)
        if not is_tar and isinstance(receiver, ast.Name):
            value = value_before(ctx, receiver)
            is_tar = isinstance(value, ast.Call) and (ctx.qualified_name(value.func) or "").startswith("tarfile.")
        if not is_tar:
            return
        flt = keyword(call, "filter")
        if flt is not None and not (isinstance(flt.value, ast.Constant) and flt.value.value in ("fully_trusted", None)):
            return
        if keyword(call, "members") is not None or _contained(ctx, call):
            return
        if call.func.attr == "extract" and _member_checked(ctx, call):
            return
        fix = single_edit_fix('Extract with filter="data"',
                              rewrite_expression(ctx, call, lambda e: with_keyword(e, "filter", '"data"')), safe=False)
        ctx.report(self, call, f"`{ctx.source(call.func)}()` extracts every member as named in the archive: `../` names, "
                               f"absolute paths and symlinks write outside the target directory. Pass "
                               f"`filter=\"data\"` (Python 3.12+, and security releases of 3.8-3.11).", fix=fix)


def _build_site(ctx: RuleContext, path: ast.AST, call: ast.Call) -> tuple[ast.AST, str | None]:
    """Where the path is built: the assignment of the name the sink uses (reported
    there, so that several sinks of one path give one finding), else the sink."""
    for _ in range(3):  # os.path.dirname(target), str(target), target.parent
        if isinstance(path, ast.Call) and len(path.args) == 1 and isinstance(path.args[0], (ast.Name, ast.Call, ast.Attribute)) \
                and PATH_BUILDERS.match(ctx.qualified_name(path.func) or ""):
            path = path.args[0]
        elif isinstance(path, ast.Attribute) and path.attr in ("parent", "parents", "name", "stem"):
            path = path.value
        else:
            break
    if isinstance(path, ast.Name):
        value = value_before(ctx, path)
        if value is not None and _builds_path(ctx, value):
            statement = ctx.statement_of(value)
            if isinstance(statement, (ast.Assign, ast.AnnAssign)) and ctx.enclosing_function(statement) \
                    is ctx.enclosing_function(call):
                return value, path.id
    return call, None


def _builds_path(ctx: RuleContext, node: ast.AST) -> bool:
    if isinstance(node, (ast.BinOp, ast.JoinedStr)):
        return True
    if isinstance(node, ast.Call):
        name = ctx.qualified_name(node.func) or ""
        if PATH_BUILDERS.match(name) or name.startswith("pathlib."):
            return True
        return isinstance(node.func, ast.Attribute) and node.func.attr in ("joinpath", "resolve", "with_name",
                                                                           "with_suffix", "format")
    return False


def _weak_check(ctx: RuleContext, call: ast.Call, path: ast.AST) -> str | None:
    """A containment attempt that does not work, guarding a path that is not
    constant: ``p.startswith(BASE)`` before normalisation, or ``".." in name``
    alone (absolute paths pass)."""
    function = ctx.enclosing_function(call)
    if function is None or not taint.origins(ctx, path, kind="path"):
        return None
    if all(o.kind == "env" for o in taint.origins(ctx, path, kind="path")):
        return None
    # Only a path built here (joined, concatenated, formatted) from a value that is not
    # constant: a path handed in whole was built - and maybe checked - elsewhere.
    if isinstance(path, ast.Name):
        value = value_before(ctx, path)
        if value is None or not _builds_path(ctx, value):
            return None
        joined = {path.id}  # the containment test must be about the joined path itself
        parts = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
    elif _builds_path(ctx, path):
        joined = set()
        parts = {n.id for n in ast.walk(path) if isinstance(n, ast.Name)}
    else:
        return None
    for node in ast.walk(function):
        if getattr(node, "lineno", 0) > call.lineno:
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "startswith" \
                and isinstance(node.func.value, ast.Name) and node.func.value.id in joined and node.args \
                and not (isinstance(node.args[0], ast.Constant) and not str(node.args[0].value).startswith("/")) \
                and not _normalised(ctx, node.func.value):
            return f"`{ctx.source(node)}` on a path that was never normalised"
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn)) \
                and isinstance(node.left, ast.Constant) and node.left.value == ".." \
                and isinstance(node.comparators[0], ast.Name) and node.comparators[0].id in parts | joined:
            return f"`{ctx.source(node)}`"
    return None


def _member_checked(ctx: RuleContext, call: ast.Call) -> bool:
    """``tar.extract(member)`` inside an ``if`` that tests the member's name or type."""
    for ancestor in ctx.ancestors(call):
        if isinstance(ancestor, ast.If):
            text = ctx.source(ancestor.test)
            if any(word in text for word in ("name", "isfile", "isreg", "issym", "islnk", "..", "startswith")):
                return True
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return False
    return False


def _looks_like_path(ctx: RuleContext, node: ast.AST) -> bool:
    """``Path(...)``, ``BASE / name``, or a name bound to one of those."""
    if isinstance(node, ast.Attribute) and node.attr == "parent":
        return _looks_like_path(ctx, node.value)
    if isinstance(node, ast.Name):
        value = value_before(ctx, node)
        if value is None:
            return False
        node = value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return True
    if isinstance(node, ast.Call):
        name = ctx.qualified_name(node.func) or ""
        if name.startswith("pathlib.") or name.endswith(("Path", "PurePath")):
            return True
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("resolve", "joinpath", "absolute", "with_name",
                                                                       "with_suffix", "expanduser"):
            return _looks_like_path(ctx, node.func.value)
    return False


def _is_path_expression(ctx: RuleContext, node: ast.AST) -> bool:
    """A string or path, not a file object (``io.BytesIO(...)``, an upload)."""
    if isinstance(node, ast.Call):
        name = ctx.qualified_name(node.func) or ""
        if PATH_BUILDERS.match(name) or name.startswith("pathlib."):
            return True
        if isinstance(node.func, ast.Attribute) and node.func.attr in PATH_BUILDER_METHODS:
            return True
        if name.endswith(("safe_join",)):
            return False
        return False
    if isinstance(node, ast.Name):
        value = value_before(ctx, node)
        if isinstance(value, ast.Call):
            return _is_path_expression(ctx, value)
        return True
    return isinstance(node, (ast.JoinedStr, ast.BinOp, ast.Subscript, ast.Attribute, ast.Constant))


def _contained(ctx: RuleContext, call: ast.Call) -> bool:
    """A containment check somewhere above the sink in the same function."""
    function = ctx.enclosing_function(call)
    if function is None:
        return False
    for node in ast.walk(function):
        if not isinstance(node, ast.Call) or getattr(node, "lineno", 0) > call.lineno or node is call:
            continue
        name = ctx.qualified_name(node.func) or ctx.dotted_name(node.func) or (
            node.func.attr if isinstance(node.func, ast.Attribute) else "")
        if CHECK_CALLS.search(name):
            return True
        if isinstance(node.func, ast.Attribute) and node.func.attr == "startswith" and _normalised(ctx, node.func.value):
            return True
    return False


def _normalised(ctx: RuleContext, node: ast.AST) -> bool:
    """``os.path.realpath(p)``, ``p.resolve()``, ``str(p.resolve())`` or a name bound to one."""
    if isinstance(node, ast.Name):
        value = value_before(ctx, node)
        return value is not None and _normalised(ctx, value)
    text = ctx.source(node)
    return any(word in text for word in NORMALISERS)


def _send_from_directory_fix(ctx: RuleContext, call: ast.Call, path: ast.AST) -> Fix | None:
    if not (isinstance(path, ast.Call) and (ctx.qualified_name(path.func) or "") == "os.path.join"
            and len(path.args) == 2 and len(call.args) == 1 and path is call.args[0]):
        return None
    if ctx.imports.get("send_from_directory") == "flask.send_from_directory":
        func = "send_from_directory"
    elif ctx.imports.get("flask") == "flask":
        func = "flask.send_from_directory"
    else:
        return None
    directory, filename = (ctx.source(a) for a in path.args)
    keywords = "".join(f", {ctx.source(k)}" for k in call.keywords)
    return Fix("Serve it with send_from_directory (refuses paths outside the directory)",
               (ctx.replace(call, f"{func}({directory}, {filename}{keywords})"),), safe=False)
