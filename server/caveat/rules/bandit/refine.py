"""Bandit tests that flag a construct, narrowed to the defect by caveat's analysis.

Some bandit tests on by default fire on a construct whatever it does: every string that
starts with ``/tmp`` (B108), every ``chmod`` whose mode has a group bit (B103), every call of
any function with ``shell=True`` (B604). On real applications most of those findings are
no defect: a pid-file default of a command-line option, a unix socket shared with the web
server's group, a wrapper that runs the command an administrator configured. Each test here
keeps a finding only when the block shows the defect the test is named after; when it cannot
tell, it says nothing (the finding is dropped, as caveat's own rules stay silent when
uncertain). The finding keeps bandit's code, message and suppressions (``# nosec B108``,
``# noqa: S108``).

``REFINED`` is the table: test id -> a predicate over the finding's node. The provider asks
:func:`keep` for each finding of a test in it (the block's own tree, so caching by block
text stays right).
"""
from __future__ import annotations

import ast
import stat
from collections.abc import Callable

from caveat.analysis import taint
from caveat.analysis.flow import scope_of, value_before
from caveat.analysis.files import PATH_BUILDER_METHODS, PATH_BUILDERS
from caveat.analysis.sinks import SINKS
from caveat.rules.base import RuleContext

TMP_DIRS = ("/tmp", "/var/tmp", "/dev/shm")  # bandit's default ``tmp_dirs``

# What a fixed path in a shared temporary folder is used for that makes it the defect (CWE-377):
# a file created, written, opened or moved there under a name any local user can predict
# (and pre-create as a symlink). Path-traversal's table of file operations, less the ones that
# only list or delete; plus writers that table does not need.
_FILE_VERBS = frozenset({"opens", "reads", "writes", "creates", "moves", "copies", "extracts", "changes"})
FILE_CALLS = frozenset({s.callee for s in SINKS["path"] if not s.callee.startswith(".") and s.role in _FILE_VERBS} | {
    "logging.FileHandler", "logging.handlers.RotatingFileHandler", "logging.handlers.TimedRotatingFileHandler",
    "logging.handlers.WatchedFileHandler", "sqlite3.connect", "tarfile.open", "zipfile.ZipFile", "os.mkfifo",
    "os.symlink", "os.link", "shelve.open", "dbm.open", "logging.basicConfig"})
FILE_METHODS = frozenset({s.callee[1:] for s in SINKS["path"] if s.receiver and s.role in _FILE_VERBS} | {
    "save", "savefig", "to_csv", "to_parquet", "to_excel", "to_json", "to_pickle", "extractall", "bind"})


def _finding_node(tree: ast.AST, issue, types: tuple[type, ...],
                  having: Callable[[ast.AST], bool] = lambda node: True) -> ast.AST | None:
    """The node bandit reported: of ``types`` (and ``having``), on its line, at its column if one is there."""
    on_line = [n for n in ast.walk(tree) if isinstance(n, types) and getattr(n, "lineno", None) in
               (issue.lineno, *(issue.linerange or ())) and having(n)]
    exact = [n for n in on_line if n.col_offset == issue.col_offset]
    return (exact or on_line or [None])[0]


# --------------------------------------------------------------------------- B108
def _tmp_path_used_for_a_file(ctx: RuleContext, issue) -> bool:
    """`open("/tmp/app.pid", "w")`, `path = "/tmp/x.db"; sqlite3.connect(path)`: a fixed name in a
    shared folder that the code creates or opens. Not a default of an option or a setting, a prefix
    compared with, `tempfile.mkstemp(dir="/tmp")` (a random name), text in a message."""
    node = _finding_node(ctx.tree, issue, (ast.Constant,))
    if node is None:
        return True  # cannot tell which string: bandit's finding stands
    return _reaches_file_call(ctx, _path_expression(ctx, node), depth=2)


def _path_expression(ctx: RuleContext, node: ast.AST) -> ast.AST:
    """The largest expression that is still a path built from ``node`` (f-strings, joins, ``/``)."""
    while True:
        parent = ctx.parent(node)
        if isinstance(parent, (ast.JoinedStr, ast.FormattedValue)) or \
                isinstance(parent, ast.BinOp) and isinstance(parent.op, (ast.Add, ast.Div, ast.Mod)):
            node = parent
        elif isinstance(parent, ast.Call) and node in parent.args and _builds_path(ctx, parent):
            node = parent
        elif isinstance(parent, ast.Attribute) and parent.attr in PATH_BUILDER_METHODS and \
                isinstance(ctx.parent(parent), ast.Call):
            node = ctx.parent(parent)
        else:
            return node


def _builds_path(ctx: RuleContext, call: ast.Call) -> bool:
    return bool(PATH_BUILDERS.match(_name(ctx, call.func)))


def _name(ctx: RuleContext, func: ast.AST) -> str:
    """The callee's qualified name; as written when the block cannot resolve it (bandit's blocks know
    the module's aliased imports only, and ``os.path.join`` means what it says)."""
    return ctx.qualified_name(func) or ctx.dotted_name(func) or ""


def _reaches_file_call(ctx: RuleContext, expr: ast.AST, depth: int) -> bool:
    parent = ctx.parent(expr)
    if isinstance(parent, ast.keyword):
        call = ctx.parent(parent)
        return isinstance(call, ast.Call) and parent.arg not in ("dir", "prefix", "suffix") and _file_call(ctx, call)
    if isinstance(parent, ast.Call) and expr in parent.args:
        return _file_call(ctx, parent)
    if isinstance(parent, ast.Attribute) and parent.value is expr and parent.attr in FILE_METHODS:
        return True  # Path("/tmp/x").write_text(...)
    if depth and isinstance(parent, (ast.Assign, ast.AnnAssign)) and parent.value is expr:
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        if len(targets) == 1 and isinstance(targets[0], ast.Name):
            return any(_reaches_file_call(ctx, _path_expression(ctx, use), depth - 1)
                       for use in _uses(ctx, targets[0]))
    return False


def _file_call(ctx: RuleContext, call: ast.Call) -> bool:
    name = _name(ctx, call.func)
    if name in FILE_CALLS:
        return True
    return isinstance(call.func, ast.Attribute) and call.func.attr in FILE_METHODS and not name.startswith("tempfile.")


def _uses(ctx: RuleContext, target: ast.Name) -> list[ast.Name]:
    """Reads of ``target``'s name after it in the same scope."""
    scope = scope_of(ctx, target)
    return [n for n in ast.walk(scope) if isinstance(n, ast.Name) and n.id == target.id
            and isinstance(n.ctx, ast.Load) and (n.lineno, n.col_offset) > (target.lineno, target.col_offset)]


# --------------------------------------------------------------------------- B103
def _world_writable(ctx: RuleContext, issue) -> bool:
    """`os.chmod(path, 0o777)`: others can replace the file. Bandit also reports group-writable and
    executable modes (`0o660` for a socket shared with the web server's group, `0o755` for a
    script): permissions chosen on purpose, not a defect. Bandit's HIGH severity is exactly S_IWOTH."""
    call = _finding_node(ctx.tree, issue, (ast.Call,), lambda n: "chmod" in (ctx.dotted_name(n.func) or ""))
    mode = call.args[1] if isinstance(call, ast.Call) and len(call.args) == 2 else None
    if isinstance(mode, ast.Constant) and isinstance(mode.value, int):
        return bool(mode.value & stat.S_IWOTH)
    return str(issue.severity).upper() == "HIGH"


# --------------------------------------------------------------------------- B604
def _shell_with_data(ctx: RuleContext, issue) -> bool:
    """`helper(f"convert {name} out.png", shell=True)`: a project's own wrapper handed a shell
    command line built from values, or the request's data itself. A constant command has nothing to inject, and a
    command passed through whole (the command an administrator configured, a parameter the wrapper
    forwards, a configured command chosen by name) is the wrapper's job."""
    call = _finding_node(ctx.tree, issue, (ast.Call,), lambda n: any(kw.arg == "shell" for kw in n.keywords))
    if not isinstance(call, ast.Call):
        return True
    command = call.args[0] if call.args else next(
        (kw.value for kw in call.keywords if kw.arg in ("args", "cmd", "command")), None)
    if command is None:
        return False
    return _interpolated(ctx, command, depth=2) or _read_from_request(ctx, command, depth=2)


def _read_from_request(ctx: RuleContext, expr: ast.AST, depth: int) -> bool:
    """The command is the client's request data itself (``request.form["cmd"]``), directly or through a
    local. Not a value a project function looked up with request data (a configured command chosen by
    name from the URL): the block cannot see what that function returns."""
    if taint.request_source(ctx, expr):
        return True
    if depth and isinstance(expr, ast.Name):
        value = value_before(ctx, expr)
        return value is not None and _read_from_request(ctx, value, depth - 1)
    return False


def _interpolated(ctx: RuleContext, expr: ast.AST, depth: int) -> bool:
    """Is ``expr`` a command line built from literal text and values (f-string, ``%``, ``+``, ``.format``,
    ``" ".join([...])``), directly or through the local it was assigned to?"""
    if isinstance(expr, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in expr.values)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Mod)):
        parts = (expr.left, expr.right)
        return any(isinstance(p, (ast.Constant, ast.JoinedStr)) for p in parts) and \
            not all(isinstance(p, ast.Constant) for p in parts)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and \
            isinstance(expr.func.value, ast.Constant) and isinstance(expr.func.value.value, str):
        return expr.func.attr in ("format", "join") and bool(expr.args or expr.keywords) and \
            not all(isinstance(a, ast.Constant) for a in expr.args)
    if depth and isinstance(expr, ast.Name):
        value = value_before(ctx, expr)
        return value is not None and _interpolated(ctx, value, depth - 1)
    return False


Refiner = Callable[[RuleContext, object], bool]
REFINED: dict[str, Refiner] = {
    "B103": _world_writable,
    "B108": _tmp_path_used_for_a_file,
    "B604": _shell_with_data,
}


def keep(issues: list, tree: ast.Module, parse_text: str, path: str, imports: dict[str, str]) -> list:
    """The bandit issues of one block that stand after refinement (the others are dropped)."""
    if not any(issue.test_id in REFINED for issue in issues):
        return issues
    ctx = RuleContext(tree, parse_text, imports, {}, path)
    return [issue for issue in issues if issue.test_id not in REFINED or REFINED[issue.test_id](ctx, issue)]
