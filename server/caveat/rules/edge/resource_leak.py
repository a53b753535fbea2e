"""## What it does

Detects files, sockets, database connections, HTTP responses, archives, temporary
files and child processes that a function opens and does not close on every path:
never closed at all, closed with a plain `.close()` that an exception before it skips,
used inline (`json.load(open(p))`, reported as info), `with sqlite3.connect(...)`
(whose context manager commits but does not close), `subprocess.Popen` never waited
for, and `tempfile.mkstemp()` file descriptors that are thrown away or never closed.

## Why is this bad?

An exception between `open()` and `close()` leaves the handle open until the garbage
collector gets to it - never, on some interpreters, and only at exit if a traceback
keeps the frame alive. In a long-running service each failed request then leaks a
file descriptor or a database connection until the process hits `Too many open
files` or the pool is exhausted; unflushed writes can be lost (CWE-772, CWE-404).

## Example
```python
def load(path):
    f = open(path)
    data = json.load(f)   # raises on bad JSON: f is never closed
    f.close()
    return data

def save(rows):
    conn = sqlite3.connect(DB)
    conn.executemany("INSERT INTO t VALUES (?, ?)", rows)
    conn.commit()
```

## Use instead
```python
def load(path):
    with open(path) as f:
        return json.load(f)

def save(rows):
    with closing(sqlite3.connect(DB)) as conn, conn:
        conn.executemany("INSERT INTO t VALUES (?, ?)", rows)
```

## What it does not flag
- `with` statements (including `contextlib.closing(...)` and `ExitStack.enter_context`).
- Handles closed in a `finally:` block or an `except` handler, or closed right after
  they were opened.
- Handles whose ownership moves elsewhere: returned, yielded, stored on `self` or in
  a container, handed to a constructor or to a function of the same module, or whose
  `.close` is registered as a callback.
- Inline temporaries are reported at *info* severity only: `open(p).read()` and
  `json.load(open(p))` leave closing to the garbage collector, which CPython runs at
  once (ruff's SIM115 does not flag them at all); PyPy and exceptions keeping the
  frame alive delay it. `open(p, "a").close()` and wrappers that take ownership
  (`TextIOWrapper(open(p, "rb"))`, `Reader(open(p))`) are not reported.
- `Popen` objects that are waited for (`wait`/`communicate`/`kill`/`terminate`/`poll`)
  anywhere in the function, or used in `with`.
- Module- and class-level handles (they live as long as the program by design).

## Fix safety
Where the code is `f = open(...)` followed by statements and `f.close()` in the same
block, the fix turns it into `with open(...) as f:` around those statements (without
a `close()` it wraps up to the last statement that uses `f`). The handle is now also
closed when an exception occurs, and closed earlier if it was used after the last
statement; offered as an unsafe fix. Database drivers whose `with` only commits
(sqlite3, psycopg2) get no automatic fix.

## References
- https://cwe.mitre.org/data/definitions/772.html
- https://cwe.mitre.org/data/definitions/404.html
- https://docs.python.org/3/reference/compound_stmts.html#the-with-statement
- https://docs.astral.sh/ruff/rules/open-file-with-context-handler/
"""
from __future__ import annotations

import ast

from caveat.analysis.flow import scope_of, walk_scope
from caveat.analysis.guards import loads_of
from caveat.engine.findings import Fix, Position, Severity, TextEdit
from caveat.rules.base import Rule, RuleContext
from caveat.rules.edge._common_b import alone_on_lines, segment

# qualified name -> (what, `with` closes it)
_HANDLES = {
    "open": ("file", True), "io.open": ("file", True), "codecs.open": ("file", True),
    "gzip.open": ("file", True), "bz2.open": ("file", True), "lzma.open": ("file", True),
    "tarfile.open": ("archive", True), "zipfile.ZipFile": ("archive", True), "shelve.open": ("shelf", True),
    "dbm.open": ("database", True), "wave.open": ("file", True),
    "tempfile.NamedTemporaryFile": ("temporary file", True), "tempfile.TemporaryFile": ("temporary file", True),
    "tempfile.SpooledTemporaryFile": ("temporary file", True),
    "socket.socket": ("socket", True), "socket.create_connection": ("socket", True),
    "socket.create_server": ("socket", True),
    "urllib.request.urlopen": ("HTTP response", True),
    "sqlite3.connect": ("database connection", False), "psycopg2.connect": ("database connection", False),
    "psycopg.connect": ("database connection", True), "pymysql.connect": ("database connection", False),
    "MySQLdb.connect": ("database connection", False), "mysql.connector.connect": ("database connection", False),
    "pyodbc.connect": ("database connection", False), "cx_Oracle.connect": ("database connection", False),
    "oracledb.connect": ("database connection", False), "duckdb.connect": ("database connection", False),
    "pymssql.connect": ("database connection", False),
    "smtplib.SMTP": ("SMTP connection", True), "smtplib.SMTP_SSL": ("SMTP connection", True),
    "ftplib.FTP": ("FTP connection", True), "ftplib.FTP_TLS": ("FTP connection", True),
    "imaplib.IMAP4": ("IMAP connection", False), "imaplib.IMAP4_SSL": ("IMAP connection", False),
    "poplib.POP3": ("POP3 connection", False), "poplib.POP3_SSL": ("POP3 connection", False),
    "http.client.HTTPConnection": ("HTTP connection", False), "http.client.HTTPSConnection": ("HTTP connection", False),
    "aiohttp.ClientSession": ("HTTP session", False), "httpx.Client": ("HTTP client", True),
    "httpx.AsyncClient": ("HTTP client", False),
    "subprocess.Popen": ("child process", True),
}
_FD_SOURCES = {"tempfile.mkstemp": "file descriptor from `mkstemp()`", "os.open": "file descriptor from `os.open()`"}
_CLOSERS = {"close", "aclose", "quit", "logout", "cleanup", "disconnect", "dispose", "terminate", "shutdown_and_close"}
_OWNER_ATTRS = {"cursor", "makefile", "fileno"}
_WITH_ONLY_COMMITS = {"sqlite3.connect", "psycopg2.connect"}
_WAITERS = {"wait", "communicate", "kill", "terminate", "poll"}
_MANAGERS = {"closing", "enter_context", "enter_async_context", "push", "callback", "push_async_callback",
             "register", "addCleanup", "finalize", "aclosing"}


class ResourceLeak(Rule):
    code = "CAV234"
    name = "resource-leak"
    category = "resource-leak"
    cwe = 772
    fixable = True

    def check(self, ctx: RuleContext) -> None:
        for call in ctx.nodes(ast.Call):
            qualified = _qualified(ctx, call)
            if qualified is None:
                continue
            if qualified in _FD_SOURCES:
                self._fd(ctx, call, qualified)
                continue
            what, with_closes = _HANDLES[qualified] if qualified in _HANDLES else ("file", True)
            parent = ctx.parent(call)
            if isinstance(parent, ast.Await):
                parent = ctx.parent(parent)
            scope = scope_of(ctx, call)
            if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if isinstance(parent, ast.withitem) and parent.context_expr is call and not with_closes \
                    and qualified in _WITH_ONLY_COMMITS:
                self._with_commits(ctx, scope, parent, call, qualified)
                continue
            if not (isinstance(parent, ast.Assign) and len(parent.targets) == 1
                    and isinstance(parent.targets[0], ast.Name)):
                self._inline(ctx, call, what, qualified)
                continue
            name = parent.targets[0].id
            verdict = _lifetime(ctx, scope, parent, name, commits_only=qualified in _WITH_ONLY_COMMITS,
                                process=qualified == "subprocess.Popen")
            if verdict is None:
                continue
            label = _label(ctx, call)
            remedy = (f"use `with {label} as {name}:`" if with_closes
                      else f"use `with contextlib.closing({label}) as {name}:` or close it in `finally:`")
            if verdict == "never":
                message = (f"`{name} = {label}` opens a {what} that this function never closes, so it leaks "
                           f"until garbage collection; {remedy}.")
            else:
                message = (f"`{name} = {label}` is closed only on the normal path: if anything between opening and "
                           f"`{name}.{verdict}()` raises, the {what} stays open; use `with` or close it in `finally:`.")
            ctx.report(self, call, message, fix=_fix(ctx, parent, name, call, with_closes, verdict))

    def _with_commits(self, ctx: RuleContext, scope: ast.AST, item: ast.withitem, call: ast.Call,
                      qualified: str) -> None:
        """``with sqlite3.connect(db) as conn:`` commits or rolls back, and never closes."""
        name = item.optional_vars.id if isinstance(item.optional_vars, ast.Name) else None
        if name is not None:
            for node in loads_of(ctx, name, scope):
                parent = ctx.parent(node)
                if isinstance(parent, ast.Attribute) and parent.attr in _CLOSERS:
                    return
                if _classify_value(ctx, node) == "managed":
                    return
        module = qualified.split(".")[0]
        ctx.report(self, call, f"`with {_label(ctx, call)}` only commits or rolls back: {module}'s connection "
                               f"context manager does not close the connection, so it stays open until garbage "
                               f"collection; use `with contextlib.closing({_label(ctx, call)}) as conn:`.")

    def _inline(self, ctx: RuleContext, call: ast.Call, what: str, qualified: str) -> None:
        """``open(p).read()``, ``json.load(open(p))``, ``for line in open(p):``."""
        if qualified == "subprocess.Popen":
            return
        parent = ctx.parent(call)
        if isinstance(parent, ast.Attribute) and parent.value is call:
            if parent.attr in _CLOSERS or parent.attr in ("__enter__", "name", "fileno"):
                return
        elif isinstance(parent, ast.Call) and any(a is call for a in parent.args):
            func = parent.func
            callee = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if callee in _MANAGERS or callee.lstrip("_")[:1].isupper():
                return  # handed to a manager or to a wrapper object that owns it
        elif not (isinstance(parent, (ast.For, ast.AsyncFor, ast.comprehension)) and parent.iter is call):
            return
        if ctx.enclosing(call, ast.withitem) is not None:
            return
        label = _label(ctx, call)
        ctx.report(self, call, f"`{label}` is used without being closed: the {what} stays open until the temporary "
                               f"is garbage-collected (at once on CPython, later on PyPy or when an exception keeps "
                               f"the frame alive); use `with {label} as ...:`.", severity=Severity.INFO)

    def _fd(self, ctx: RuleContext, call: ast.Call, qualified: str) -> None:
        what = _FD_SOURCES[qualified]
        parent = ctx.parent(call)
        if isinstance(parent, ast.Subscript) and parent.value is call:
            index = parent.slice
            if isinstance(index, ast.Constant) and index.value == 1:
                ctx.report(self, call, f"`{_label(ctx, call)}[1]` throws away the open {what}, which is never "
                                       f"closed; unpack both (`fd, path = ...`) and `os.close(fd)`, or use "
                                       f"`NamedTemporaryFile(delete=False)` in a `with`.")
            return
        if not isinstance(parent, ast.Assign) or len(parent.targets) != 1:
            return
        target = parent.targets[0]
        if isinstance(target, ast.Tuple) and target.elts and isinstance(target.elts[0], ast.Name):
            fd = target.elts[0].id
        elif isinstance(target, ast.Name) and qualified == "os.open":
            fd = target.id
        else:
            return
        scope = scope_of(ctx, call)
        if fd == "_":
            ctx.report(self, call, f"The {what} is bound to `_` and never closed; keep it and `os.close()` it "
                                   f"(or wrap it with `os.fdopen(fd, ...)` in a `with`).")
            return
        for node in walk_scope(scope):
            if isinstance(node, ast.Call) and any(isinstance(a, ast.Name) and a.id == fd for a in node.args):
                callee = ctx.qualified_name(node.func) or ""
                if callee in ("os.close", "os.fdopen", "open", "io.open", "socket.socket", "socket.fromfd") or (
                        isinstance(node.func, ast.Attribute) and node.func.attr in _MANAGERS):
                    return
            if isinstance(node, (ast.Return, ast.Yield)) and node.value is not None and any(
                    isinstance(n, ast.Name) and n.id == fd for n in ast.walk(node.value)):
                return
            if isinstance(node, ast.Assign) and any(isinstance(t, (ast.Attribute, ast.Subscript)) for t in node.targets) \
                    and any(isinstance(n, ast.Name) and n.id == fd for n in ast.walk(node.value)):
                return
        ctx.report(self, call, f"The {what} `{fd}` is never closed (`os.close({fd})`), so every call leaks a "
                               f"descriptor; close it, or wrap it with `os.fdopen({fd}, ...)` in a `with`.")


def _qualified(ctx: RuleContext, call: ast.Call) -> str | None:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if name is None:
        return None
    if name == "open" and isinstance(func, ast.Attribute):
        qualified = ctx.qualified_name(func)
        if qualified in _HANDLES:
            return qualified
        receiver = func.value
        if isinstance(receiver, ast.Call) and (ctx.qualified_name(receiver.func) or "").endswith("Path"):
            return "pathlib.Path.open"
        if isinstance(receiver, ast.Name) and "path" in receiver.id.lower() and qualified is None:
            return "pathlib.Path.open"
        return None
    if name not in ("open", "connect", "socket", "create_connection", "create_server", "urlopen", "ZipFile",
                    "NamedTemporaryFile", "TemporaryFile", "SpooledTemporaryFile", "SMTP", "SMTP_SSL", "FTP",
                    "FTP_TLS", "IMAP4", "IMAP4_SSL", "POP3", "POP3_SSL", "HTTPConnection", "HTTPSConnection",
                    "ClientSession", "Client", "AsyncClient", "mkstemp", "Popen"):
        return None
    qualified = ctx.qualified_name(func)
    if qualified in _HANDLES or qualified in _FD_SOURCES:
        return qualified
    if qualified == "urllib.request.urlopen" or qualified == "urllib2.urlopen":
        return "urllib.request.urlopen"
    return None


def _label(ctx: RuleContext, call: ast.Call) -> str:
    text = segment(ctx, call)
    if len(text) <= 40 and "\n" not in text:
        return text
    func = segment(ctx, call.func)
    return f"{func}(...)" if len(func) <= 36 else "..."


def _lifetime(ctx: RuleContext, scope: ast.AST, binding: ast.Assign, name: str, *, commits_only: bool = False,
              process: bool = False) -> str | None:
    """None when the handle is managed (with / finally / handed over); "never" when it
    is never closed; the closer's name when it is closed only on the normal path."""
    plain_closes: list[ast.Call] = []
    handed_over = False
    target = binding.targets[0]
    later_bindings = [n.lineno for n in walk_scope(scope) if isinstance(n, ast.Name) and n.id == name
                      and not isinstance(n.ctx, ast.Load) and n is not target and n.lineno > binding.lineno]
    horizon = min(later_bindings, default=None)
    for node in walk_scope(scope):
        if not isinstance(node, ast.Name) or node.id != name or not isinstance(node.ctx, ast.Load):
            continue
        if node.lineno < binding.lineno or (horizon is not None and node.lineno > horizon):
            continue
        item = ctx.enclosing(node, ast.withitem)
        if item is not None and _manages(item.context_expr, node) and not (commits_only and item.context_expr is node):
            return None
        if process and isinstance(ctx.parent(node), ast.Attribute) and ctx.parent(node).attr in _WAITERS:
            return None  # the child is waited for
        use = _classify(ctx, node)
        if use == "managed":
            return None
        if use == "owner":
            handed_over = True
        elif isinstance(use, ast.Call):
            if _in_finally_or_handler(ctx, use):
                return None
            plain_closes.append(use)
    for node in walk_scope(scope):
        if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            return None
    if plain_closes:
        first = min(plain_closes, key=lambda c: (c.lineno, c.col_offset))
        if _next_statement(ctx, binding) is ctx.statement_of(first):
            return None  # closed right away: nothing in between can raise
        return first.func.attr if isinstance(first.func, ast.Attribute) else "close"
    if handed_over:
        return None
    return "never"


def _manages(expr: ast.expr, name: ast.Name) -> bool:
    """``with f:`` / ``with closing(f):`` manage ``f``; ``with f.get(url):`` does not."""
    if expr is name:
        return True
    # with closing(f), with io.TextIOWrapper(f), with codecs.getwriter("utf-8")(f):
    # a wrapper used as a context manager closes what it wraps
    return isinstance(expr, ast.Call) and any(a is name for a in expr.args)


def _classify(ctx: RuleContext, name: ast.Name):
    """How one load of the handle is used: "managed" (with/closing/returned/stored),
    "owner" (maybe handed to code that closes it), a close call, or None."""
    parent = ctx.parent(name)
    if isinstance(parent, ast.Attribute) and parent.value is name:
        grand = ctx.parent(parent)
        is_call = isinstance(grand, ast.Call) and grand.func is parent
        if parent.attr in _CLOSERS and is_call:
            return grand
        if parent.attr in _CLOSERS or parent.attr == "__exit__":
            return "managed"  # .close handed over as a callback
        if parent.attr in _OWNER_ATTRS and is_call:
            return _classify_value(ctx, grand)
        if parent.attr in ("__enter__",):
            return "managed"
        return None
    if isinstance(parent, ast.Call) and any(a is name for a in parent.args) or (
            isinstance(parent, ast.keyword) and isinstance(ctx.parent(parent), ast.Call)):
        call = parent if isinstance(parent, ast.Call) else ctx.parent(parent)
        func = call.func
        callee = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if callee in _MANAGERS:
            return "managed"
        qualified = ctx.qualified_name(func)
        if qualified in ("os.close",):
            return call
        value_use = _classify_value(ctx, call)
        if value_use == "managed":
            return "managed"
        if qualified is None and (callee.lstrip("_")[:1].isupper() or callee in ctx.module_functions or
                                  (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                                   and func.value.id in ("self", "cls"))):
            return "owner"
        if isinstance(func, ast.Attribute) and func.attr in ("append", "add", "put", "insert", "setdefault",
                                                               "appendleft", "update"):
            return "managed"
        return None
    return _classify_value(ctx, name)


def _classify_value(ctx: RuleContext, node: ast.AST):
    """Does ``node`` (the handle, or a value built directly from it) leave the function?"""
    current = node
    for _ in range(4):
        parent = ctx.parent(current)
        if isinstance(parent, (ast.Tuple, ast.List, ast.Dict, ast.Starred, ast.keyword)) or (
                isinstance(parent, ast.Call) and current is not parent.func):
            current = parent
            continue
        if isinstance(parent, (ast.Return, ast.Yield, ast.YieldFrom)):
            return "managed"
        if isinstance(parent, (ast.Assign, ast.AnnAssign)) and parent.value is current:
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            if any(isinstance(t, (ast.Attribute, ast.Subscript)) for t in targets):
                return "managed"
        return None
    return None


def _in_finally_or_handler(ctx: RuleContext, node: ast.AST) -> bool:
    child = node
    for ancestor in ctx.ancestors(node):
        if isinstance(ancestor, ast.ExceptHandler):
            return True
        if (isinstance(ancestor, ast.Try) or type(ancestor).__name__ == "TryStar") and any(
                s is child for s in ancestor.finalbody):
            return True
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return False
        child = ancestor
    return False


def _next_statement(ctx: RuleContext, stmt: ast.stmt) -> ast.stmt | None:
    parent = ctx.parent(stmt)
    for field in ("body", "orelse", "finalbody"):
        stmts = getattr(parent, field, None)
        if isinstance(stmts, list):
            for index, s in enumerate(stmts):
                if s is stmt:
                    return stmts[index + 1] if index + 1 < len(stmts) else None
    return None


# --------------------------------------------------------------------------- fix
def _fix(ctx: RuleContext, binding: ast.Assign, name: str, call: ast.Call, with_closes: bool,
         verdict: str) -> Fix | None:
    if not with_closes or isinstance(ctx.parent(call), ast.Await) or not alone_on_lines(ctx, binding):
        return None
    parent = ctx.parent(binding)
    stmts = next((getattr(parent, f) for f in ("body", "orelse", "finalbody")
                  if isinstance(getattr(parent, f, None), list) and any(s is binding for s in getattr(parent, f))), None)
    if stmts is None:
        return None
    start = next(i for i, s in enumerate(stmts) if s is binding)
    later = stmts[start + 1:]
    uses = [i for i, s in enumerate(later) if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(s))]
    if not uses:
        return None
    close_index = None
    if verdict != "never":
        for i, s in enumerate(later):
            if (isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and isinstance(s.value.func, ast.Attribute)
                    and s.value.func.attr == verdict and isinstance(s.value.func.value, ast.Name)
                    and s.value.func.value.id == name):
                close_index = i
                break
        if close_index is None or close_index == 0 or any(i > close_index for i in uses):
            return None
        body = later[:close_index]
        end_stmt = later[close_index]
    else:
        body = later[: uses[-1] + 1]
        end_stmt = body[-1]
    scope = scope_of(ctx, binding)
    # the handle must not be used anywhere outside the wrapped statements
    wrapped = {id(n) for s in body for n in ast.walk(s)} | {id(n) for n in ast.walk(end_stmt)}
    for node in walk_scope(scope):
        if isinstance(node, ast.Name) and node.id == name and id(node) not in wrapped and node is not binding.targets[0]:
            return None
    for s in body:
        for n in ast.walk(s):
            if isinstance(n, (ast.Constant, ast.JoinedStr)) and getattr(n, "end_lineno", n.lineno) != n.lineno:
                return None
    if not alone_on_lines(ctx, end_stmt):
        return None
    indent = ctx.indent_of(binding)
    unit = "\t" if indent.startswith("\t") else "    "
    first_body_line = (binding.end_lineno or binding.lineno) + 1
    last_body_line = (end_stmt.end_lineno or end_stmt.lineno) if verdict == "never" else end_stmt.lineno - 1
    lines = ctx.lines[first_body_line - 1: last_body_line]
    text = "".join(unit + line if line.strip() else line for line in lines)
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    header = f"{indent}with {segment(ctx, call)} as {name}:\n"
    last_line = end_stmt.end_lineno or end_stmt.lineno
    end_col = len(ctx.lines[last_line - 1].rstrip("\r\n"))
    edit = TextEdit(Position(binding.lineno, 0), Position(last_line, end_col), header + text)
    return Fix(f"Open `{name}` in a `with` block", (edit,), safe=False)
