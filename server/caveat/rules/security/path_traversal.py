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

## Default set
`caveat check` with no flag reports the findings about data of the remote request (a request
attribute, a route's URL parameter) that reaches the path as the client's own text; the rest
of the rule (a value not proven to be the request's text: a helper's parameter, configuration, a
record's field) is in the strict profile, with new code and `--select CAV138`.

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

from caveat.analysis import files, taint
from caveat.engine.findings import Fix, Severity
from caveat.rules.base import Rule, RuleContext
from caveat.rules.fixkit import rewrite_expression, single_edit_fix, with_keyword

ESCAPE = "`../` sequences or an absolute path"
MESSAGES = {  # by what the path is built from / where it goes
    "archive": "{subject} {source}: a crafted archive with names like `../../.ssh/authorized_keys` writes outside "
               "the target directory (Zip Slip). Resolve each path and check it stays inside the destination before "
               "using it.",
    "serve": "{subject} {source} without a containment check: " + ESCAPE + " read any file the server can. Use "
             "`send_from_directory(DIRECTORY, filename)`, or resolve the path and check `is_relative_to(DIRECTORY)`.",
    "use": "{subject} {source} without a containment check: " + ESCAPE + " escape the intended directory. Resolve "
           "it and check it, e.g. `p = (BASE / name).resolve()` then `if not p.is_relative_to(BASE): abort(404)`, or "
           "reduce the name with `werkzeug.utils.secure_filename`.",
    "weak": "{subject} `{path}`, and the only check is {weak}: " + ESCAPE + " pass it. Normalise first, then check: "
            "`os.path.realpath(p)` with `os.path.commonpath([p, BASE]) == BASE`, or `Path.resolve()` with "
            "`is_relative_to(BASE)`.",
}


class PathTraversal(Rule):
    code = "CAV138"
    name = "path-traversal"
    category = "path-traversal"
    cwe = 22
    severity = Severity.ERROR
    fixable = True
    supersedes = ("B202",)
    replaces = ("B202",)  # bandit flags every extractall once tarfile is imported, zipfile's included
    claims = (taint.REQUEST,)

    def check(self, ctx: RuleContext) -> None:
        done: set[int] = set()  # one finding per built path, however many sinks use it
        for call in ctx.nodes(ast.Call):
            func = call.func
            if isinstance(func, ast.Attribute) and func.attr in ("extractall", "extract"):
                if files.unsafe_extraction(ctx, call):
                    ctx.report(self, call, f"`{ctx.source(func)}()` extracts every member as named in the archive: "
                                           f"`../` names, absolute paths and symlinks write outside the target "
                                           f"directory. Pass `filter=\"data\"` (Python 3.12+, and security releases of "
                                           f"3.8-3.11).", fix=_filter_fix(ctx, call))
            elif isinstance(func, ast.Name) and func.id in ctx.module_functions:
                self._through_helper(ctx, call)
            else:
                any(self._check_path(ctx, call, use, done) for use in files.path_uses(ctx, call))

    def _through_helper(self, ctx: RuleContext, call: ast.Call) -> None:
        """``save_upload(f, f.filename)`` where the same-module helper joins its parameter
        into a path it uses without a containment check: reported at the call."""
        if files.contained(ctx, call):
            return
        for found in taint.helper_sinks(ctx, call, self.code, lambda h: files.helper_path_uses(ctx, h), kind="path"):
            sources = taint.remote_only(found.sources)
            if sources:
                ctx.report(self, call, f"`{found.helper.name}()` builds a file path from its `{found.param}` argument "
                                       f"and uses it (`{ast.unparse(found.sink.func)}` inside it) without a "
                                       f"containment check, and this call passes {sources[0]}: {ESCAPE} escape the "
                                       f"intended directory. Reduce the name with `secure_filename`, or resolve the "
                                       f"path in the helper and check `is_relative_to(BASE)`.",
                           claim=taint.call_claim(ctx, call, sources))
                return

    def _check_path(self, ctx: RuleContext, call: ast.Call, use: files.PathUse, done: set[int]) -> bool:
        """Report ``use`` if its path comes from input unguarded (or has only a weak check)."""
        if not files.is_path_expression(ctx, use.path):
            return False
        sources = taint.remote_only(files.path_sources(ctx, use.path))
        weak = None if sources else files.weak_check(ctx, call, use.path)
        if (not sources and weak is None) or (sources and files.is_guarded(ctx, call)):
            return False
        site, variable = files.build_site(ctx, use.path, call)
        if id(site) in done:
            return True
        done.add(id(site))
        label = ctx.source(call.func) or use.sink
        if len(label) > 32 and isinstance(call.func, ast.Attribute):
            label = f".{call.func.attr}"
        subject = f"`{label}` {use.verb} a path built from" if variable is None else \
            f"`{variable}` reaches `{label}` (which {use.verb} it) and is built from"
        if weak is not None:
            ctx.report(self, site, MESSAGES["weak"].format(subject=subject, path=ctx.source(use.path), weak=weak),
                       severity=Severity.WARNING)
            return True
        shape = "archive" if sources[0].startswith("archive member") else \
            "serve" if use.sink.endswith("send_file") else "use"
        fix = _send_from_directory_fix(ctx, call, use.path) if shape == "serve" and site is call else None
        ctx.report(self, site, MESSAGES[shape].format(subject=subject, source=sources[0]), fix=fix,
                   claim=taint.request_claim_of(ctx, use.path, sources))
        return True


def _filter_fix(ctx: RuleContext, call: ast.Call) -> Fix | None:
    return single_edit_fix('Extract with filter="data"',
                           rewrite_expression(ctx, call, lambda e: with_keyword(e, "filter", '"data"')), safe=False)


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
