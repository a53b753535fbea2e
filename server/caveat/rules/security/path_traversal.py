"""## What it does

Detects file paths built from user input (or from names inside an archive)
that are opened, served, written, listed, moved or deleted without a
containment check: `open(os.path.join(BASE, filename))`,
`(UPLOAD_DIR / name).read_text()`, `send_file(f"reports/{name}")`,
`upload.save(os.path.join(DIR, upload.filename))`, `os.remove(...)`,
`shutil.rmtree(...)`, `FileResponse(path)`, `STORAGE.joinpath(name)`,
`open(data.get("path"))`; a same-module helper that joins its parameter into
a path it uses (`save_upload(f, f.filename)`), reported at the call; Zip Slip (`for name in
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
.startswith(base)`, `safe_join`, `root in p.parents`, or a same-module helper
that does one - also when the helper returns the checked path), names rejected
when absolute *and* when they have a `..` segment, names passed
through `secure_filename` or `os.path.basename`, names checked against an
allowlist or a full-match regex, `send_from_directory`, constant paths, and
`tarfile.extractall(filter="data")` or with a `members=` selection. A check
for `".."` alone is not enough where an absolute name replaces the directory
(`os.path.join(BASE, name)`, `BASE / name`) and is not counted there; it is
where the name follows the directory in a string (`f"{BASE}/{name}"`).

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
STR_METHODS = frozenset({"replace"})  # also a str method: the receiver must be shown to be a Path


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
            func = call.func
            if isinstance(func, ast.Attribute) and func.attr in ("extractall", "extract"):
                self._extractall(ctx, call)
                continue
            if isinstance(func, ast.Name) and func.id in ctx.module_functions:
                self._through_helper(ctx, call)
                continue
            for path, verb, sink in _sink_paths(ctx, call):
                if self._check_path(ctx, call, path, verb, sink, done):
                    break

    def _through_helper(self, ctx: RuleContext, call: ast.Call) -> None:
        """``save_upload(f, f.filename)`` where the same-module helper joins its parameter
        into a path it opens/writes/deletes without a containment check: reported at the
        call, where the input enters."""
        if _contained(ctx, call):
            return
        for found in taint.helper_sinks(ctx, call, self.code, lambda helper: _paths_in(ctx, helper), kind="path"):
            sources = taint.remote_only(found.sources)
            if not sources:
                continue
            ctx.report(self, call, f"`{found.helper.name}()` builds a file path from its `{found.param}` argument and "
                                   f"uses it (`{ast.unparse(found.sink.func)}` inside it) without a containment check, "
                                   f"and this call passes {sources[0]}: `../` sequences or an absolute path escape "
                                   f"the intended directory. Reduce the name with `secure_filename`, or resolve the "
                                   f"path in the helper and check `is_relative_to(BASE)`.")
            return

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
        elif _contained(ctx, call) or _rejects_dots_and_absolute(ctx, call):
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


def _sink_paths(ctx: RuleContext, call: ast.Call) -> list[tuple[ast.AST, str, str]]:
    """(path argument, verb, sink name) for a call that opens/serves/writes/deletes a path."""
    name = ctx.qualified_name(call.func) or ""
    func = call.func
    sink = SINKS.get(name)
    if sink is not None:
        verb, positions, keywords = sink
        found = []
        for index, kw_name in zip(positions, keywords):
            arg = call.args[index] if len(call.args) > index else (
                keyword(call, kw_name).value if keyword(call, kw_name) else None)
            if arg is not None:
                found.append((arg, verb, name))
        return found
    if isinstance(func, ast.Attribute) and not name:
        if func.attr in PATH_METHODS and taint.is_pathlike(ctx, func.value, strict=func.attr in STR_METHODS):
            return [(func.value, PATH_METHODS[func.attr], f"Path.{func.attr}")]
        if func.attr == "save" and call.args:
            return [(call.args[0], "writes", ast.unparse(func))]  # (also in helpers: no block source)
    return []


def _paths_in(ctx: RuleContext, helper: ast.AST) -> list[tuple[ast.AST, list[taint.Origin]]]:
    """The path sinks of a same-module helper and the origins of their paths (run by
    ``taint.helper_sinks`` while the helper's parameters are markers)."""
    found = []
    for node in ast.walk(helper):
        if not isinstance(node, ast.Call):
            continue
        for path, _verb, _sink in _sink_paths(ctx, node):
            if _is_path_expression(ctx, path) and not taint.has_containment_check(ctx, helper, before=node.lineno):
                found.append((node, list(taint.origins(ctx, path, kind="path"))))
    return found


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
                and not taint.is_normalised(ctx, node.func.value):
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


def _is_path_expression(ctx: RuleContext, node: ast.AST) -> bool:
    """A string or path, not a file object (``io.BytesIO(...)``, an upload)."""
    if isinstance(node, ast.Call):
        name = ctx.qualified_name(node.func) or ""
        if PATH_BUILDERS.match(name) or name.startswith("pathlib."):
            return True
        if isinstance(node.func, ast.Attribute) and node.func.attr in PATH_BUILDER_METHODS:
            return True
        if name.startswith(FILE_OBJECT_MODULES) or name in ("open", "io.open") or name.endswith(("safe_join",)):
            return False
        short = name.rsplit(".", 1)[-1] if name else (ctx.dotted_name(node.func) or "").rsplit(".", 1)[-1]
        if short in FILE_OBJECT_CALLS:
            return False
        # A value read whole (``data.get("path")``, a helper's result): a path unless it
        # is an upload (``request.files.get("f")``).
        return not _upload(node)
    if isinstance(node, ast.Name):
        bindings = taint.bindings_before(ctx, node)
        value = bindings[-1].value if bindings and bindings[-1].kind == "assign" else None
        if isinstance(value, ast.Call):
            return _is_path_expression(ctx, value)
        return True
    return isinstance(node, (ast.JoinedStr, ast.BinOp, ast.Subscript, ast.Attribute, ast.Constant))


FILE_OBJECT_MODULES = ("io.", "tempfile.", "gzip.", "bz2.", "lzma.", "zipfile.", "tarfile.", "urllib.request.",
                       "PIL.", "codecs.")
FILE_OBJECT_CALLS = frozenset({"open", "BytesIO", "StringIO", "urlopen", "makefile", "stream", "getvalue", "read",
                               "NamedTemporaryFile", "TemporaryFile", "SpooledTemporaryFile", "fdopen", "getbuffer",
                               "iter_content", "raw", "file"})


def _upload(node: ast.AST) -> bool:
    """``request.files["f"]`` / ``request.FILES.get("f")`` / ``form.file.data``: an upload
    object (its ``.filename`` is a path; the object itself is not)."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and sub.attr in ("files", "FILES", "file"):
            return True
    return False


def _contained(ctx: RuleContext, call: ast.Call) -> bool:
    """A containment check somewhere above the sink in the same function (or in a
    same-module helper it calls)."""
    function = ctx.enclosing_function(call)
    return function is not None and taint.has_containment_check(ctx, function, before=call.lineno)


def _rejects_dots_and_absolute(ctx: RuleContext, call: ast.Call) -> bool:
    """``if name.startswith("/") or ".." in name.split("/"): continue`` above the sink: a
    name refused when it is absolute *and* when it has a ``..`` segment cannot leave
    the directory (either test alone is not enough and is not counted)."""
    function = ctx.enclosing_function(call)
    if function is None:
        return False
    for node in ast.walk(function):
        if not isinstance(node, ast.If) or node.lineno > call.lineno or not taint._terminates(node.body):
            continue
        dots = absolute = False
        for sub in ast.walk(node.test):
            if isinstance(sub, ast.Compare) and isinstance(sub.left, ast.Constant) and sub.left.value == ".." \
                    and isinstance(sub.ops[0], ast.In):
                dots = True
            elif isinstance(sub, ast.Call):
                name = ctx.dotted_name(sub.func) or ""
                if name.endswith("isabs") or (name.endswith("startswith") and sub.args and isinstance(
                        sub.args[0], ast.Constant) and sub.args[0].value in ("/", "\\")):
                    absolute = True
        if dots and absolute:
            return True
    return False


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
