"""File-system paths: which calls use one, where it was built, and which checks keep it
inside its directory. Shared by the path-traversal rule (CAV138) and anyone who asks
"does this call touch the file named by that value?".

The calls are rows of ``sinks.SINKS["path"]`` (``open``, ``os.remove``, ``send_file``,
``p.read_text()``...) and ``sinks.SINKS["archive"]`` (``tar.extractall``); the sources are
the shared user-input model (``analysis/taint.py``, which follows pathlib's ``/`` joins
itself) plus one source only paths have: member names read from an archive
(``zipfile.namelist()``), chosen by whoever made the archive. The guards: a containment
check (``taint.has_containment_check``), a name refused when absolute *and* when it has a
``..`` segment, and - reported as such - checks that cannot work (``p.startswith(BASE)``
before normalising, ``".." in name`` alone).
"""
from __future__ import annotations

import ast
import re
from functools import lru_cache
from typing import NamedTuple

from caveat.analysis import taint
from caveat.analysis.flow import resolved_call_name, value_before
from caveat.analysis.sinks import SINKS, Sink
from caveat.rules.base import RuleContext

ARCHIVE_LISTINGS = frozenset({"namelist", "infolist", "getmembers", "getnames", "members"})
# Calls that build or normalise a path (their result is still a path).
PATH_BUILDERS = re.compile(r"^(os\.path\.(join|abspath|normpath|realpath|expanduser)|posixpath\.join|ntpath\.join|"
                           r"pathlib\.(Pure)?(Posix|Windows)?Path|str|os\.fspath|os\.path\.\w+)$")
PATH_BUILDER_METHODS = frozenset({"joinpath", "resolve", "absolute", "with_name", "with_suffix", "expanduser",
                                  "format", "replace", "strip", "lower", "as_posix"})
FILE_OBJECT_MODULES = ("io.", "tempfile.", "gzip.", "bz2.", "lzma.", "zipfile.", "tarfile.", "urllib.request.",
                       "PIL.", "codecs.")
FILE_OBJECT_CALLS = frozenset({"open", "BytesIO", "StringIO", "urlopen", "makefile", "stream", "getvalue", "read",
                               "NamedTemporaryFile", "TemporaryFile", "SpooledTemporaryFile", "fdopen", "getbuffer",
                               "iter_content", "raw", "file"})
UNSAFE_FILTERS = ("fully_trusted", None)  # tarfile extraction filters that check nothing


class PathUse(NamedTuple):
    path: ast.AST   # the path expression
    verb: str       # what the call does with it ("opens", "deletes"...)
    sink: str       # the callee as named in messages (``flask.send_file``, ``Path.read_text``)


@lru_cache(maxsize=None)
def _index() -> tuple[dict[str, Sink], dict[str, Sink]]:
    rows = SINKS["path"]
    return ({s.callee: s for s in rows if not s.callee.startswith(".")},
            {s.callee[1:]: s for s in rows if s.callee.startswith(".")})


def path_uses(ctx: RuleContext, call: ast.Call) -> list[PathUse]:
    """The paths ``call`` opens, serves, writes, lists, moves or deletes (rows of
    ``SINKS["path"]``): a named callee by its qualified name, a ``.method`` on a receiver
    whose type we cannot name when the row's receiver condition holds."""
    named, methods = _index()
    name = ctx.qualified_name(call.func) or ""
    sink = named.get(name)
    if sink is not None:
        found = []
        for index, kw_name in zip(sink.args, sink.keywords):
            if len(call.args) > index:
                found.append(PathUse(call.args[index], sink.role, name))
            else:
                kw = next((k for k in call.keywords if k.arg == kw_name), None)
                if kw is not None:
                    found.append(PathUse(kw.value, sink.role, name))
        return found
    func = call.func
    if not isinstance(func, ast.Attribute) or name:
        return []
    sink = methods.get(func.attr)
    if sink is None:
        return []
    if sink.receiver:
        if taint.is_pathlike(ctx, func.value, strict=sink.receiver.endswith("!")):
            return [PathUse(func.value, sink.role, f"Path.{func.attr}")]
        return []
    if call.args:
        return [PathUse(call.args[0], sink.role, ast.unparse(func))]  # (also in helpers: no block source)
    return []


def path_sources(ctx: RuleContext, node: ast.AST) -> list[str]:
    """Labels of the user-input (or archive-member) sources of a path expression."""
    archive = archive_member(ctx, node)
    if archive:
        return [archive]
    return taint.user_input_sources(ctx, node, kind="path")


def archive_member(ctx: RuleContext, node: ast.AST, depth: int = 3) -> str | None:
    """``member`` in ``for member in zf.namelist()`` (or its ``.filename`` /
    ``.name``), followed through assignments."""
    for sub in ast.walk(node):
        if not isinstance(sub, ast.Name) or depth <= 0:
            continue
        for binding in taint.bindings_before(ctx, sub):
            value = binding.value
            if value is None:
                continue
            if binding.kind in ("for", "comp", "for*", "comp*"):
                if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                        and value.func.attr in ARCHIVE_LISTINGS:
                    return f"archive member names (`{sub.id}` from `{ctx.source(value.func)}()`)"
                if isinstance(value, ast.Attribute) and value.attr in ARCHIVE_LISTINGS:
                    return f"archive member names (`{sub.id}` from `{ctx.source(value)}`)"
            elif binding.kind in ("assign", "aug") and not isinstance(value, ast.Constant):
                found = archive_member(ctx, value, depth - 1)
                if found:
                    return found
    return None


def is_path_expression(ctx: RuleContext, node: ast.AST) -> bool:
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
            return is_path_expression(ctx, value)
        return True
    return isinstance(node, (ast.JoinedStr, ast.BinOp, ast.Subscript, ast.Attribute, ast.Constant))


def _upload(node: ast.AST) -> bool:
    """``request.files["f"]`` / ``request.FILES.get("f")`` / ``form.file.data``: an upload
    object (its ``.filename`` is a path; the object itself is not)."""
    return any(isinstance(sub, ast.Attribute) and sub.attr in ("files", "FILES", "file") for sub in ast.walk(node))


def builds_path(ctx: RuleContext, node: ast.AST) -> bool:
    """Is ``node`` a path being built (joined, concatenated, formatted, normalised)?"""
    if isinstance(node, (ast.BinOp, ast.JoinedStr)):
        return True
    if isinstance(node, ast.Call):
        name = ctx.qualified_name(node.func) or ""
        if PATH_BUILDERS.match(name) or name.startswith("pathlib."):
            return True
        return isinstance(node.func, ast.Attribute) and node.func.attr in ("joinpath", "resolve", "with_name",
                                                                           "with_suffix", "format")
    return False


def build_site(ctx: RuleContext, path: ast.AST, call: ast.Call) -> tuple[ast.AST, str | None]:
    """Where the path is built: the assignment of the name the sink uses (so that several
    sinks of one path can be reported once, there) and that name; else the sink, None."""
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
        if value is not None and builds_path(ctx, value):
            statement = ctx.statement_of(value)
            if isinstance(statement, (ast.Assign, ast.AnnAssign)) and ctx.enclosing_function(statement) \
                    is ctx.enclosing_function(call):
                return value, path.id
    return call, None


# --------------------------------------------------------------------------- guards

def contained(ctx: RuleContext, call: ast.Call) -> bool:
    """A containment check somewhere above ``call`` in the same function (or in a
    same-module helper it calls)."""
    function = ctx.enclosing_function(call)
    return function is not None and taint.has_containment_check(ctx, function, before=call.lineno)


def is_guarded(ctx: RuleContext, call: ast.Call) -> bool:
    """Is the path ``call`` uses kept inside its directory: a containment check, or a name
    refused when absolute and when it has a ``..`` segment?"""
    return contained(ctx, call) or rejects_dots_and_absolute(ctx, call)


def rejects_dots_and_absolute(ctx: RuleContext, call: ast.Call) -> bool:
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


def weak_check(ctx: RuleContext, call: ast.Call, path: ast.AST) -> str | None:
    """A containment attempt that does not work, guarding a path that is not
    constant: ``p.startswith(BASE)`` before normalisation, or ``".." in name``
    alone (absolute paths pass). Its description, or None."""
    function = ctx.enclosing_function(call)
    if function is None or not taint.origins(ctx, path, kind="path"):
        return None
    if all(o.kind == "env" for o in taint.origins(ctx, path, kind="path")):
        return None
    # Only a path built here (joined, concatenated, formatted) from a value that is not
    # constant: a path handed in whole was built - and maybe checked - elsewhere.
    if isinstance(path, ast.Name):
        value = value_before(ctx, path)
        if value is None or not builds_path(ctx, value):
            return None
        joined = {path.id}  # the containment test must be about the joined path itself
        parts = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
    elif builds_path(ctx, path):
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


def helper_path_uses(ctx: RuleContext, helper: ast.AST) -> list[tuple[ast.AST, list[taint.Origin]]]:
    """The unguarded path uses of a same-module helper and the origins of their paths
    (a ``taint.helper_sinks`` finder, run while the helper's parameters are markers)."""
    found = []
    for node in ast.walk(helper):
        if not isinstance(node, ast.Call):
            continue
        for path, _verb, _sink in path_uses(ctx, node):
            if is_path_expression(ctx, path) and not taint.has_containment_check(ctx, helper, before=node.lineno):
                found.append((node, list(taint.origins(ctx, path, kind="path"))))
    return found


# --------------------------------------------------------------------------- archives

@lru_cache(maxsize=None)
def _extractors() -> frozenset[str]:
    return frozenset(s.callee[1:] for s in SINKS["archive"])


def unsafe_extraction(ctx: RuleContext, call: ast.Call) -> bool:
    """``tar.extractall()`` / ``tar.extract(member)`` that writes members under the names
    the archive gives them: a tar file, no safe ``filter=``, no ``members=`` selection, no
    containment check, and (for ``extract``) no test of the member above it."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in _extractors() or not _is_tar(ctx, call):
        return False
    flt = next((k for k in call.keywords if k.arg == "filter"), None)
    if flt is not None and not (isinstance(flt.value, ast.Constant) and flt.value.value in UNSAFE_FILTERS):
        return False
    if any(k.arg == "members" for k in call.keywords) or contained(ctx, call):
        return False
    return not (func.attr == "extract" and _member_checked(ctx, call))


def _is_tar(ctx: RuleContext, call: ast.Call) -> bool:
    name = resolved_call_name(ctx, call) or ""
    receiver = call.func.value
    if name.startswith("tarfile.") or (
            ctx.imports_any("tarfile") and not name.startswith("zipfile.")
            and re.search(r"tar|tgz", (ctx.dotted_name(receiver) or "").lower()) is not None):
        return True
    if isinstance(receiver, ast.Name):
        value = value_before(ctx, receiver)
        return isinstance(value, ast.Call) and (ctx.qualified_name(value.func) or "").startswith("tarfile.")
    return False


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
