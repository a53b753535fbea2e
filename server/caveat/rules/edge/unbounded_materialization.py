"""## What it does

Detects code that pulls an unbounded source into memory at once where it could
stream it:
- `cursor.fetchall()` (and `pandas.read_sql`) on a query with no `LIMIT` and no `WHERE`
  on a key; SQLAlchemy `session.query(M)...all()` / `session.scalars(select(M)...).all()`
  and Django / boto3 `....objects.all()|filter(...)` querysets materialized with
  `list()`/`set()`/`len()`/a comprehension/a `for` loop, when nothing limits them to a key
  or a slice; pymongo `list(collection.find(...))` and motor `.to_list(None)`;
- asyncpg `await conn.fetch("SELECT ...")` and awaited `cursor.fetchall()` (aiosqlite,
  aiomysql) on such a query; `session.execute(select(M))` / `db.select(M)` statements;
- whole reads of what a client sends - an upload (`await upload.read()`,
  `request.files["f"].read()`), a request body (`await request.body()`,
  `request.get_data()`) - with no size check before, unless the body is one document
  parsed or verified whole (`json.loads(...)`, a signature check);
- `json.load(fh)` of a file that is not the program's own, whose records are then
  iterated once (JSON Lines or `ijson` would stream them);
- `.readlines()` of a file, and whole reads (`f.read()`, `Path.read_text()`,
  `sys.stdin.read()`, an S3 object's `["Body"].read()`, `await request.body()`,
  `await upload.read()`) whose result is only scanned - split into lines, counted,
  searched with `re.finditer`, hashed, measured, sliced or copied - never parsed as a
  whole document;
- `list()` of a cursor, a file, a CSV reader, `os.walk` or a generator that is then
  iterated once;
- HTTP response bodies read whole and then sliced (`resp.text[:500]`) or size-checked
  (`len(resp.content) > LIMIT`), `.content`/`.text`/`.json()` of a response requested
  with `stream=True`; redis `KEYS`.

## Why is this bad?

Code written against a demo database or a small sample file works; in production the
table has ten million rows and the log file is 4 GB. Materializing it all costs memory
proportional to the data, a long pause before the first row is processed, and an
out-of-memory kill when the data keeps growing (CWE-400, CWE-770). Iterating the cursor
or file, paging the query, or streaming the response keeps memory flat.

## Example
```python
cursor.execute("SELECT id, email FROM users")
for row in cursor.fetchall():
    send_newsletter(row)

with open(log_path) as handle:
    for line in handle.readlines():
        parse(line)
```

## Use instead
```python
cursor.execute("SELECT id, email FROM users")
for row in cursor:          # or: while rows := cursor.fetchmany(1000)
    send_newsletter(row)

with open(log_path) as handle:
    for line in handle:
        parse(line)
```

## What it does not flag
- Queries bounded by `LIMIT`/`TOP`/`FETCH FIRST`, by a `WHERE` equality on a key column
  (`id`, `*_id`, `uuid`, `email`, `username`, `slug`, `sku`...), or aggregates
  (`SELECT COUNT(*) ...`); queries whose text it cannot see.
- `.fetchone()`, `.fetchmany(n)`, `.first()`, `.get()`, sliced or filtered querysets
  and SQLAlchemy queries with `.filter`/`.where`/`.limit`.
- Lists that are used more than once, indexed, measured, returned or passed on (the
  list is the point), and `list(d.keys())`-style copies of in-memory containers.
- Uploads and request bodies read with a bound (`read(MAX + 1)`), after a
  `Content-Length`/`.size` check, or parsed/verified as one document.
- Whole reads parsed as a document (`json.loads(f.read())`, templates, XML), membership
  tests (`b"marker" in f.read()`), bounded reads (`read(65536)`, `readlines(hint)`), and
  files opened from a literal path or a path built from `__file__` / `importlib.resources`
  (a config or data file the program ships with).
- The output pipes of a child process the program started (`p.stdout.readlines()`): the
  command bounds it, and `communicate()` would read it whole too.
- Excerpts of a response body inside log calls, `print` or a raised exception.
- Schema introspection queries (`information_schema`, `pg_*`, `sqlite_master`).
- `sorted()` of a generator or file (sorting needs all items anyway); only `sorted()` of
  a database query is flagged (sort in the database instead).
- Responses read whole without `stream=True` (the download is already in memory).

## Fix safety
Where the change is mechanical the fix iterates the source directly:
`for row in cursor.fetchall():` -> `for row in cursor:`, `for line in f.readlines():` ->
`for line in f:`, `for x in list(gen):` -> `for x in gen:`. It is unsafe: code in the loop
that uses the cursor or file again, or that relied on a snapshot, behaves differently.

## References
- https://cwe.mitre.org/data/definitions/400.html
- https://cwe.mitre.org/data/definitions/770.html
- https://peps.python.org/pep-0249/#fetchall
- https://docs.djangoproject.com/en/stable/ref/models/querysets/#iterator
"""
from __future__ import annotations

import ast
import re

from caveat.analysis.flow import walk_scope
from caveat.analysis.packaged import is_packaged_path
from caveat.engine.findings import Fix, Severity
from caveat.rules.base import Rule, RuleContext
from caveat.rules.edge._common_a import (
    keyword,
    resolved_call_name,
    scope_bindings,
    source,
    value_before,
)

_TRIGGER_ATTRS = {"load", "fetch", "fetchall", "readlines", "read", "read_text", "read_bytes", "all", "keys", "json", "body", "to_list",
                  "get_data", "read_sql", "read_sql_query", "read_sql_table"}
_MATERIALIZERS = {"list", "sorted", "tuple", "set", "len"}
_KEY_COLUMN = re.compile(
    r"\b(?:\w+\.)?(id|\w+_id|pk|uuid|\w+_uuid|key|\w+_key|email|username|user_name|slug|sku|token|\w+_token"
    r"|isbn|handle|login|code)\s*(=|\bin\b)", re.IGNORECASE)
_LIMIT = re.compile(r"\b(limit|top\s*\(?\s*\d|fetch\s+(first|next)|rownum|offset)\b", re.IGNORECASE)
_CATALOG = re.compile(r"\b(information_schema|pg_\w+|sqlite_master|"
                      r"sqlite_schema|sqlite_sequence|all_tables|user_tables|user_tab_\w+|all_constraints|"
                      r"user_constraints|sys\.\w+|pragma_\w+)\b", re.IGNORECASE)
_AGGREGATE = re.compile(r"^\s*select\s+(distinct\s+)?(count|sum|avg|min|max|exists)\s*\(", re.IGNORECASE)
_SQLA_BOUNDING = {"filter", "filter_by", "where", "limit", "get", "first", "one", "one_or_none", "slice",
                  "offset", "paginate", "scalar", "yield_per", "fetchmany", "join_from", "having",
                  "get_or_404", "first_or_404", "execution_options", "partitions"}
_FILE_OPENERS = {"open", "io.open", "codecs.open", "gzip.open", "bz2.open", "lzma.open",
                 "urllib.request.urlopen", "tempfile.TemporaryFile", "tempfile.NamedTemporaryFile",
                 "tempfile.SpooledTemporaryFile", "sys.stdin", "fileinput.input"}
_LAZY_SOURCES = {"os.walk", "os.scandir", "glob.iglob", "csv.reader", "csv.DictReader", "os.fwalk",
                 "itertools.count", "itertools.cycle", "itertools.repeat", "pathlib.Path.rglob"}
_REDIS = ("redis.Redis", "redis.StrictRedis", "redis.from_url", "redis.client.Redis", "redis.Redis.from_url",
          "redis.asyncio.Redis", "redis.asyncio.from_url")


class UnboundedMaterialization(Rule):
    code = "CAV204"
    name = "unbounded-materialization"
    category = "unbounded-materialization"
    cwe = 400
    severity = Severity.WARNING
    fixable = True

    def check(self, ctx: RuleContext) -> None:
        reported: set[int] = set()
        for call in ctx.nodes(ast.Call):
            func = call.func
            if isinstance(func, ast.Attribute) and func.attr in _TRIGGER_ATTRS:
                self._attribute_call(ctx, call, func, reported)
            elif isinstance(func, ast.Name) and func.id in _MATERIALIZERS and len(call.args) == 1:
                self._materializer(ctx, call, func.id, reported)
        for attribute in ctx.nodes(ast.Attribute):
            if attribute.attr in ("content", "text") and isinstance(attribute.ctx, ast.Load) \
                    and _body_use_worth_checking(ctx, attribute):
                self._streamed_body(ctx, attribute, reported)
        if ".objects" in ctx.text:
            for node in ctx.nodes(ast.For, ast.AsyncFor, ast.comprehension):
                self._iterated_queryset(ctx, node.iter, reported)

    def _report(self, ctx: RuleContext, node: ast.AST, message: str, reported: set[int],
                fix: Fix | None = None) -> None:
        line = node.lineno
        if line in reported:
            return
        reported.add(line)
        ctx.report(self, node, message, fix=fix)

    # --- x.fetchall(), f.readlines(), query.all(), r.keys() ------------------
    def _attribute_call(self, ctx: RuleContext, call: ast.Call, func: ast.Attribute, reported: set[int]) -> None:
        attr = func.attr
        if attr == "fetchall" and not call.args:
            sql = _query_of(ctx, func.value, call)
            if sql is not None and _unbounded_sql(sql):
                receiver = source(ctx, func.value) if isinstance(func.value, ast.Name) else "cursor"
                label = f"{receiver}.fetchall()" if isinstance(func.value, ast.Name) else ".fetchall()"
                self._report(ctx, call, f"`{label}` loads every row of `{_short(sql)}` (no LIMIT, no WHERE "
                             f"on a key) into memory at once; as the table grows this exhausts memory: "
                             f"iterate the cursor (`for row in {receiver}:`) or page with `fetchmany()` / "
                             f"LIMIT.", reported, fix=_iterate_directly(ctx, call, func.value))
        elif attr == "fetch" and call.args and isinstance(ctx.parent(call), ast.Await):
            # asyncpg: `await conn.fetch("SELECT ...")` returns every row as a list
            sql = _sql_text(ctx, call.args[0])
            if sql is not None and _unbounded_sql(sql):
                self._report(ctx, call, f"`{_short(source(ctx, func), 30)}()` loads every row of `{_short(sql)}` "
                             f"(no LIMIT, no WHERE on a key) into a list at once; iterate a server-side cursor "
                             f"(`async for row in conn.cursor(...)` inside a transaction) or page with LIMIT.",
                             reported)
        elif attr in ("read_sql", "read_sql_query", "read_sql_table"):
            self._read_sql(ctx, call, attr, reported)
        elif attr == "all" and not call.args and ("query" in ctx.text or "select(" in ctx.text):
            self._orm_all(ctx, call, func, reported)
        elif attr == "readlines" and not call.args:
            self._readlines(ctx, call, func, reported)
        elif attr in ("read", "read_text", "read_bytes", "body", "get_data") and not call.args \
                and not any(kw.arg in ("size", "n", "length") for kw in call.keywords):
            self._whole_read(ctx, call, func, reported)
        elif attr == "keys" and (not call.args or _is_wildcard(call.args[0])):
            name = resolved_call_name(ctx, call) or ""
            if name.startswith(_REDIS):
                self._report(ctx, call, f"`{source(ctx, func)}()` runs redis `KEYS`, which walks the whole "
                             f"keyspace, blocks the server and returns every key at once; iterate with "
                             f"`scan_iter(match=...)` instead.", reported)
        elif attr == "to_list" and _to_list_unbounded(call) and _unbounded_mongo_find(ctx, func.value):
            self._report(ctx, call, f"`{_short(source(ctx, call), 50)}` loads every matching document into memory "
                         f"(no limit); pass a `length`, or iterate the cursor with `async for`.", reported)
        elif attr == "json" and not call.args:
            self._streamed_body(ctx, func, reported)
        elif attr == "load" and len(call.args) == 1 and ctx.qualified_name(func) == "json.load":
            self._record_document(ctx, call, reported)

    def _record_document(self, ctx: RuleContext, call: ast.Call, reported: set[int]) -> None:
        """``records = json.load(fh); for r in records:`` - a file of records, parsed whole
        only to walk it once."""
        handle = call.args[0]
        if not _is_file_like(ctx, handle) or _owned_file(ctx, handle) or _single_iteration(ctx, call) is None:
            return
        self._report(ctx, call, f"`{_short(source(ctx, call), 40)}` parses the whole file into memory only to "
                     f"iterate its records once; a user-sized file can be gigabytes: store one record per "
                     f"line (JSON Lines) and read it line by line, or stream it with `ijson`.", reported)

    def _read_sql(self, ctx: RuleContext, call: ast.Call, attr: str, reported: set[int]) -> None:
        if not (ctx.qualified_name(call.func) or "").startswith("pandas."):
            return
        if keyword(call, "chunksize") is not None or any(kw.arg is None for kw in call.keywords):
            return
        if attr == "read_sql_table":
            self._report(ctx, call, f"`{source(ctx, call.func)}()` loads the whole table into one DataFrame; "
                         f"pass `chunksize=` and process it in pieces.", reported)
            return
        first = call.args[0] if call.args else (keyword(call, "sql") or keyword(call, "con"))
        if isinstance(first, ast.keyword):
            first = first.value
        sql = _sql_text(ctx, first) if first is not None else None
        if sql is not None and _unbounded_sql(sql):
            self._report(ctx, call, f"`{source(ctx, call.func)}()` loads every row of `{_short(sql)}` (no LIMIT, "
                         f"no WHERE on a key) into one DataFrame; pass `chunksize=` or bound the query.", reported)

    def _orm_all(self, ctx: RuleContext, call: ast.Call, func: ast.Attribute, reported: set[int]) -> None:
        """SQLAlchemy: ``session.query(M)...all()``, ``session.scalars(select(M)...).all()``."""
        if _unbounded_sqlalchemy(ctx, func.value):
            self._report(ctx, call, f"`{_short(source(ctx, call), 60)}` loads every matching row into memory (no "
                         f"limit, no filter on a key); as the table grows this exhausts memory: page it "
                         f"(`.limit()`/`.offset()`), or stream with `.yield_per(1000)`.", reported)

    def _readlines(self, ctx: RuleContext, call: ast.Call, func: ast.Attribute, reported: set[int]) -> None:
        if _owned_file(ctx, func.value) or _list_is_edited(ctx, call):
            return
        stream = _short(source(ctx, func.value), 30)
        use = _single_iteration(ctx, call)
        fix = _iterate_directly(ctx, call, func.value) if use is call else None
        if use is not None:
            advice = f"iterate `{stream}` directly (`for line in {stream}:`), which reads one line at a time"
        else:
            advice = (f"iterate `{stream}` line by line instead (`collections.deque({stream}, maxlen=n)` for "
                      f"the last lines, `itertools.islice` for the first)")
        self._report(ctx, call, f"`{stream}.readlines()` reads the whole file into a list, however large it "
                     f"is; {advice}.", reported, fix=fix)

    def _whole_read(self, ctx: RuleContext, call: ast.Call, func: ast.Attribute, reported: set[int]) -> None:
        what = _whole_source(ctx, call, func)
        if what is None:
            return
        node = ctx.parent(call) if isinstance(ctx.parent(call), ast.Await) else call
        use = _consumers(ctx, node)
        if what in _UNTRUSTED_SOURCES:
            # the client decides how big it is: any whole read is the defect, unless the
            # body is one document (parsed or verified whole) or its size was checked
            if use == "parse" or _size_checked(ctx, call):
                return
            self._report(ctx, call, f"`{_short(source(ctx, call), 40)}` reads {what} into memory at once with "
                         f"no size limit: a client can send gigabytes; check the size first (Content-Length / "
                         f"`.size`) and read in bounded chunks (`read(65536)` in a loop, or `request.stream()`).",
                         reported)
            return
        if use != "scan":
            return
        self._report(ctx, call, f"`{_short(source(ctx, call), 40)}` reads {what} into memory at once, only to "
                     f"scan it (split, count, search, hash, measure); its size is not under your control, so "
                     f"process it in chunks or line by line instead (iterate the file, `read(65536)` in a "
                     f"loop, or `request.stream()`).", reported)

    # --- list(x) / sorted(x) / tuple(x) --------------------------------------
    def _materializer(self, ctx: RuleContext, call: ast.Call, builtin: str, reported: set[int]) -> None:
        if builtin in ctx.imports or call.keywords and builtin != "sorted":
            return
        src_node = call.args[0]
        if ".objects" in ctx.text and _unbounded_queryset(ctx, src_node):
            advice = "use `.count()`" if builtin == "len" else \
                f"iterate `.iterator()` in chunks, or let the database {'sort and ' if builtin == 'sorted' else ''}page it"
            self._report(ctx, call, f"`{builtin}({_short(source(ctx, src_node), 40)})` loads every matching row into "
                         f"memory (no slice, no filter on a key); {advice}.", reported)
            return
        if builtin in ("list", "tuple", "sorted") and _unbounded_mongo_find(ctx, src_node):
            self._report(ctx, call, f"`{builtin}({_short(source(ctx, src_node), 40)})` loads every matching document "
                         f"into memory (no filter on a key, no `.limit()`); iterate the cursor (it fetches in "
                         f"batches) or page with `.limit()`/`.skip()`.", reported)
            return
        if builtin in ("sorted", "len", "set"):
            return  # sorting needs every item anyway
        kind = _lazy_source(ctx, src_node)
        if kind is None:
            return
        use = _single_iteration(ctx, call)
        if use is None:
            return
        fix = _iterate_directly(ctx, call, src_node) if use is call else None
        self._report(ctx, call, f"`{builtin}({_short(source(ctx, src_node), 40)})` copies {kind} into memory only to "
                     f"iterate it once; iterate it directly and memory stays flat however large it gets.",
                     reported, fix=fix)

    def _iterated_queryset(self, ctx: RuleContext, src_node: ast.AST, reported: set[int]) -> None:
        """``for o in Order.objects.all():`` / ``{o.id for o in bucket.objects.all()}``."""
        if not isinstance(src_node, (ast.Call, ast.Name, ast.Attribute)):
            return
        if _unbounded_queryset(ctx, src_node):
            self._report(ctx, src_node, f"iterating `{_short(source(ctx, src_node), 40)}` fetches every matching row "
                         f"into memory first (the queryset caches them all); use `.iterator(chunk_size=2000)`, "
                         f"slice it, or filter on a key.", reported)

    # --- requests.get(..., stream=True).content ------------------------------
    def _streamed_body(self, ctx: RuleContext, attribute: ast.Attribute, reported: set[int]) -> None:
        receiver = attribute.value
        origin = receiver
        if isinstance(receiver, ast.Name):
            origin = value_before(ctx, receiver)
        if isinstance(origin, ast.Await):
            origin = origin.value
        if not isinstance(origin, ast.Call):
            return
        parent = ctx.parent(attribute)
        is_call = isinstance(parent, ast.Call) and parent.func is attribute
        stream = keyword(origin, "stream")
        if stream is not None and isinstance(stream.value, ast.Constant) and stream.value.value is True:
            name = resolved_call_name(ctx, origin) or ""
            if not name.startswith("requests."):
                return
            what = f"{attribute.attr}()" if is_call else attribute.attr
            self._report(ctx, attribute, f"`.{what}` reads the whole body of a response requested with "
                         f"`stream=True` into memory, defeating the streaming; iterate "
                         f"`response.iter_content(chunk_size=...)` (or `iter_lines()`) instead.", reported)
            return
        if is_call or attribute.attr not in ("content", "text") or not _http_call(ctx, origin):
            return
        self._scanned_body(ctx, attribute, origin, reported)

    def _scanned_body(self, ctx: RuleContext, attribute: ast.Attribute, origin: ast.Call,
                      reported: set[int]) -> None:
        """``resp.text[:500]`` / ``len(resp.content) > LIMIT``: the whole body was read first."""
        parent = ctx.parent(attribute)
        if isinstance(parent, ast.Subscript) and parent.value is attribute and isinstance(parent.slice, ast.Slice):
            if _in_diagnostics(ctx, parent):
                return
            self._report(ctx, parent, f"`{_short(source(ctx, parent), 40)}` slices the body after the whole "
                         f"response was read into memory: a large or hostile response is downloaded in full "
                         f"first; request it with `stream=True` and read at most what you need "
                         f"(`next(resp.iter_content(LIMIT))`).", reported)
            return
        if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.func.id == "len" \
                and isinstance(ctx.parent(parent), ast.Compare):
            self._report(ctx, origin, f"`{_short(source(ctx, origin), 40)}` downloads the whole response body "
                         f"before `len(...{attribute.attr})` checks its size: the limit does not protect "
                         f"memory; stream the response and stop reading past the limit (or check "
                         f"`Content-Length` first).", reported)


_HTTP_VERBS = {"get", "post", "put", "patch", "delete", "head", "options", "request", "send", "urlopen"}
_LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "print"}


def _body_use_worth_checking(ctx: RuleContext, attribute: ast.Attribute) -> bool:
    """Cheap filter before resolving the receiver: a slice, a ``len()``, or a stream=True block."""
    parent = ctx.parent(attribute)
    if isinstance(parent, ast.Subscript) and isinstance(parent.slice, ast.Slice):
        return True
    if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.func.id == "len":
        return True
    return "stream=True" in ctx.text


def _http_call(ctx: RuleContext, call: ast.Call) -> bool:
    """A call that returns an HTTP response (requests, httpx, a client's `.get(...)`)."""
    name = resolved_call_name(ctx, call) or ""
    if name.startswith(("requests.", "httpx.", "urllib3.", "aiohttp.")):
        return True
    func = call.func
    return isinstance(func, ast.Attribute) and func.attr in _HTTP_VERBS and bool(call.args or call.keywords) \
        and not (ctx.qualified_name(func) or "").startswith(("os.", "dict.", "json."))


def _in_diagnostics(ctx: RuleContext, node: ast.AST) -> bool:
    """Inside a log call, print, or a raised exception: a truncated excerpt for humans."""
    for ancestor in ctx.ancestors(node):
        if isinstance(ancestor, ast.Raise):
            return True
        if isinstance(ancestor, ast.Call):
            func = ancestor.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in _LOG_METHODS:
                return True
        if isinstance(ancestor, ast.stmt):
            return False
    return False


# --- SQL ---------------------------------------------------------------------
def _query_of(ctx: RuleContext, receiver: ast.expr, fetch: ast.Call) -> str | None:
    """The SQL text executed on ``receiver`` before ``fetch``, if visible."""
    if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute) \
            and receiver.func.attr == "execute" and receiver.args:
        return _sql_text(ctx, receiver.args[0])
    if not isinstance(receiver, ast.Name):
        return None
    value = value_before(ctx, receiver)
    if isinstance(value, ast.Await):
        value = value.value  # aiosqlite / aiomysql: `cur = await conn.execute(...)`
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "execute" \
            and value.args:
        return _sql_text(ctx, value.args[0])
    scope = ctx.enclosing(fetch, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda) or ctx.tree
    latest: ast.Call | None = None
    for node in walk_scope(scope):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "execute" \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == receiver.id \
                and node.args and node.lineno <= fetch.lineno:
            if latest is None or (node.lineno, node.col_offset) > (latest.lineno, latest.col_offset):
                latest = node
    return _sql_text(ctx, latest.args[0]) if latest is not None else None


def _sql_text(ctx: RuleContext, node: ast.AST | None, depth: int = 0) -> str | None:
    if node is None or depth > 3:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            else:
                parts.append(" ? ")
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        left = _sql_text(ctx, node.left, depth + 1)
        if isinstance(node.op, ast.Mod):
            return re.sub(r"%(\([^)]*\))?[sdifr]", " ? ", left) if left is not None else None
        right = _sql_text(ctx, node.right, depth + 1)
        if left is None and right is None:
            return None
        return (left or " ? ") + (right or " ? ")
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "format":
            return _sql_text(ctx, func.value, depth + 1)
        if (ctx.qualified_name(func) or "").endswith(".text") or (isinstance(func, ast.Name) and func.id == "text"):
            return _sql_text(ctx, node.args[0], depth + 1) if node.args else None
        return None
    if isinstance(node, ast.Name):
        return _name_text(ctx, node, depth)
    return None


def _name_text(ctx: RuleContext, name: ast.Name, depth: int) -> str | None:
    """The text a variable holds at ``name``: its last assignment plus the ``+=`` pieces
    appended after it (``sql = "SELECT ..."; sql += " ORDER BY id"``)."""
    scope = ctx.enclosing(name, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda) or ctx.tree
    entries = [e for e in scope_bindings(ctx, scope).get(name.id, ()) if e[0] < name.lineno]
    pieces: list[str] = []
    for _, node, value in reversed(entries):
        if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add):
            piece = _sql_text(ctx, node.value, depth + 1)
            pieces.append(piece if piece is not None else " ? ")
            continue
        if value is None:
            return None
        base = _sql_text(ctx, value, depth + 1)
        return None if base is None else base + "".join(reversed(pieces))
    return None


def _unbounded_sql(sql: str) -> bool:
    """A SELECT with no LIMIT, no aggregate, no GROUP BY and no WHERE on a key column.
    Interpolated pieces read as `` ? ``; a dynamic tail we cannot read is not judged."""
    text = " ".join(sql.split())
    if not re.match(r"^\(?\s*(select|with)\b", text, re.IGNORECASE):
        return False
    if _CATALOG.search(text):
        return False  # schema introspection: bounded by the size of the schema
    if _LIMIT.search(text) or _AGGREGATE.search(text) or re.search(r"\bgroup\s+by\b", text, re.IGNORECASE):
        return False
    where = re.search(r"\bwhere\b(.*)", text, re.IGNORECASE)
    if where:
        return not _KEY_COLUMN.search(where.group(1)) and "?" not in where.group(1).split("=")[0]
    tail = re.search(r"\bfrom\s+\S+(.*)", text, re.IGNORECASE)
    return tail is not None and "?" not in tail.group(1)


def _short(text: str, limit: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_wildcard(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value in ("*", b"*")


# --- ORM chains --------------------------------------------------------------
_KEY_NAME = re.compile(r"^(id|pk|uuid|guid|key|email|username|user_name|login|slug|sku|token|handle|isbn|code"
                       r"|number)$|_(id|pk|uuid|key|token|email|slug|code|number|no)$")
_NON_KEY_FIELDS = {"status", "state", "type", "kind", "category", "level", "country", "city", "region", "active",
                   "enabled", "visible", "published", "deleted", "archived", "role", "source", "channel", "tag",
                   "tags", "language", "currency", "date", "created_at", "updated_at", "prefix", "q", "search",
                   "query", "priority", "flag", "flags", "newsletter", "verified", "paid", "plan"}
_RANGE_LOOKUPS = {"gt", "gte", "lt", "lte", "range", "contains", "icontains", "startswith", "istartswith",
                  "endswith", "iendswith", "isnull", "regex", "iregex", "year", "month", "day", "week_day",
                  "date", "ne", "not"}
_QUERYSET_PASSTHROUGH = {"all", "order_by", "select_related", "prefetch_related", "only", "defer", "values",
                         "values_list", "annotate", "distinct", "using", "reverse", "filter", "exclude",
                         "objects"}


def _call_chain(node: ast.AST) -> list[tuple[str, ast.Call | None, bool]]:
    """``a.b(x).c[:5]`` -> [("a", None, F), ("b", <call>, F), ("c", None, T)], root first."""
    found: list[tuple[str, ast.Call | None, bool]] = []
    call: ast.Call | None = None
    sliced = False
    while True:
        if isinstance(node, ast.Call):
            call, node = node, node.func
        elif isinstance(node, ast.Subscript):
            sliced, node = True, node.value
        elif isinstance(node, ast.Attribute):
            found.append((node.attr, call, sliced))
            call, sliced, node = None, False, node.value
        elif isinstance(node, ast.Name):
            found.append((node.id, call, sliced))
            break
        else:
            break
    found.reverse()
    return found


def _resolved_chain(ctx: RuleContext, node: ast.AST, depth: int = 0) -> list[tuple[str, ast.Call | None, bool]]:
    """``_call_chain`` continuing through the root variable: ``qs = M.objects.all(); qs.filter()``."""
    chain = _call_chain(node)
    root = node
    while isinstance(root, (ast.Call, ast.Attribute, ast.Subscript)):
        root = root.func if isinstance(root, ast.Call) else root.value
    if depth < 3 and isinstance(root, ast.Name) and chain:
        value = value_before(ctx, root)
        if isinstance(value, (ast.Call, ast.Attribute, ast.Subscript)):
            return _resolved_chain(ctx, value, depth + 1) + chain[1:]
    return chain


def _field_bounds(field: str, value: ast.AST | None) -> bool:
    """Does ``field == value`` (or ``field__in=value``) pin the query to a few rows?"""
    parts = field.lower().split("__")
    lookup = parts[-1] if len(parts) > 1 and parts[-1] in _RANGE_LOOKUPS | {"exact", "iexact", "in"} else ""
    name = parts[-2] if lookup else parts[-1]
    if lookup in _RANGE_LOOKUPS:
        return False
    if _KEY_NAME.search(name):
        return True
    constant = value is None or isinstance(value, ast.Constant)
    return not constant and name not in _NON_KEY_FIELDS and not name.startswith(("is_", "has_"))


def _filter_bounds(call: ast.Call | None) -> bool:
    """A ``filter``/``where`` call that restricts the rows to a key (shapes it cannot read
    count as bounding, to stay quiet)."""
    if call is None:
        return True
    if any(kw.arg is None for kw in call.keywords):
        return True
    if any(_field_bounds(kw.arg, kw.value) for kw in call.keywords):
        return True
    return any(_expression_bounds(arg) for arg in call.args)


def _expression_bounds(node: ast.AST) -> bool:
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        left = node.left
        name = left.attr if isinstance(left, ast.Attribute) else left.id if isinstance(left, ast.Name) else None
        if name is None:
            return True
        if isinstance(node.ops[0], (ast.Eq, ast.In, ast.Is)):
            return _field_bounds(name, node.comparators[0])
        return False
    if isinstance(node, ast.BoolOp):
        parts = [_expression_bounds(value) for value in node.values]
        return any(parts) if isinstance(node.op, ast.And) else all(parts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return False
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name == "and_":
            return any(_expression_bounds(arg) for arg in node.args)
        if name == "or_":
            return all(_expression_bounds(arg) for arg in node.args)
        if name == "in_" and isinstance(func, ast.Attribute):
            inner = func.value
            field = inner.attr if isinstance(inner, ast.Attribute) else getattr(inner, "id", "")
            return bool(_KEY_NAME.search(field.lower()))
        if name in ("is_", "isnot", "is_not", "like", "ilike", "contains", "startswith", "between", "not_"):
            return False
        if name == "Q":
            return _filter_bounds(node)
    return True


def _unbounded_queryset(ctx: RuleContext, node: ast.AST) -> bool:
    """Django ``Model.objects...`` / boto3 ``bucket.objects...`` chains with no slice,
    no ``.iterator()`` and no filter on a key."""
    chain = _resolved_chain(ctx, node)
    names = [name for name, _, _ in chain]
    if "objects" not in names[1:]:
        return False
    start = names.index("objects", 1)
    before = chain[start - 1]
    # Django: `Model.objects`; boto3: `...Bucket(name).objects`
    if not (before[0][:1].isupper() or before[1] is not None):
        return False
    tail = chain[start + 1:]
    if not tail:
        return False  # a bare manager `Model.objects` is not iterable
    for name, call, sliced in tail:
        if sliced or name not in _QUERYSET_PASSTHROUGH:
            return False
        if name == "filter" and _filter_bounds(call):
            return False
    return True


def _unbounded_sqlalchemy(ctx: RuleContext, node: ast.AST) -> bool:
    """The receiver of ``.all()``: ``session.query(M)...`` or ``session.execute/scalars(select(M)...)``
    with no limit and no filter on a key."""
    chain = _resolved_chain(ctx, node)
    names = [name for name, _, _ in chain]
    statement: list[tuple[str, ast.Call | None, bool]] | None = None
    rest = chain
    if "query" in names[1:]:
        statement = chain[names.index("query", 1):]
    else:
        for index, (name, call, _) in enumerate(chain):
            if name in ("execute", "scalars") and call is not None and call.args:
                first = call.args[0]
                if isinstance(first, ast.Name):
                    first = value_before(ctx, first)
                inner = _resolved_chain(ctx, first) if first is not None else []
                # `select(M)` or `db.select(M)` (Flask-SQLAlchemy's namespace)
                start = next((i for i, (n, c, _) in enumerate(inner[:2]) if n == "select" and c is not None), None)
                if start is not None:
                    statement = inner[start:]
                    rest = chain[index + 1:]
                break
    if statement is None:
        return False
    for name, call, sliced in [*statement, *rest]:
        if sliced or name in _SQLA_BOUNDING - {"filter", "filter_by", "where"}:
            return False
        if name in ("filter", "filter_by", "where") and _filter_bounds(call):
            return False
    return True


def _to_list_unbounded(call: ast.Call) -> bool:
    length = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "length"), None)
    return length is None or (isinstance(length, ast.Constant) and length.value is None)


def _unbounded_mongo_find(ctx: RuleContext, node: ast.AST) -> bool:
    """``collection.find()`` / ``db.users.find({"active": True})``: no key filter, no limit."""
    if not ctx.imports_any("pymongo", "motor", "mongoengine"):
        return False
    chain = _resolved_chain(ctx, node)
    names = [name for name, _, _ in chain]
    if "find" not in names[1:]:
        return False
    index = names.index("find", 1)
    find = chain[index][1]
    if find is None:
        return False
    for name, _, sliced in chain[index + 1:]:
        if sliced or name in ("limit", "skip", "batch_size", "next"):
            return False
        if name not in ("sort", "projection", "hint", "max_time_ms", "allow_disk_use", "collation"):
            return False
    if any(kw.arg == "limit" for kw in find.keywords):
        return False
    query = find.args[0] if find.args else next((k.value for k in find.keywords if k.arg == "filter"), None)
    if query is None or (isinstance(query, ast.Dict) and not query.keys):
        return True
    if isinstance(query, ast.Dict):
        return not any(isinstance(k, ast.Constant) and isinstance(k.value, str)
                       and _field_bounds(k.value.lstrip("_") or "id", v) for k, v in zip(query.keys, query.values))
    return False


# --- whole reads -------------------------------------------------------------
_OWNED_SUFFIXES = (".json", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".conf", ".env", ".txt", ".md", ".rst",
                   ".pem", ".crt", ".key", ".html", ".sql", ".j2", ".tpl")
# Uses that process the data piece by piece - what streaming would do without holding it
# all. Membership tests and `.find()` are left out: looking for a marker in a small source
# or config file is the common case.
_SCAN_METHODS = {"splitlines", "split", "rsplit", "count", "finditer", "findall"}
_FOLLOW_METHODS = {"decode", "encode", "strip", "lstrip", "rstrip", "lower", "upper", "casefold", "replace"}
_SCAN_FUNCTIONS = {"len", "sum", "set", "list", "sorted", "enumerate", "collections.Counter", "Counter",
                   "zlib.crc32", "zlib.adler32", "binascii.crc32"}
_SCAN_PREFIXES = ("hashlib.", "re.finditer", "re.findall", "re.sub", "re.subn", "re.split")
_PARSE_HINTS = ("load", "parse", "fromstring", "from_string", "template", "beautifulsoup", "markdown", "read_string",
                "message_from", "unpack", "decrypt", "decompress", "literal_eval", "compile", "exec", "eval",
                "render", "validate", "model_validate", "b64", "encode", "json", "yaml", "toml", "xml", "image",
                "stringio", "bytesio", "document", "reader", "verify", "signature", "construct_event")


def _whole_source(ctx: RuleContext, call: ast.Call, func: ast.Attribute) -> str | None:
    """What ``call`` reads whole, when its size is outside the program's control."""
    receiver = func.value
    attr = func.attr
    awaited = isinstance(ctx.parent(call), ast.Await)
    if attr in ("body", "get_data"):
        name = terminal(receiver)
        return "the whole request body" if name and "request" in name.lower() or name == "req" else None
    if attr in ("read_text", "read_bytes"):
        return None if _owned_path(receiver, ctx) else "the whole file"
    # attr == "read"
    if ctx.qualified_name(receiver) in ("sys.stdin", "sys.stdin.buffer"):
        return "all of standard input"
    if isinstance(receiver, ast.Subscript) and isinstance(receiver.slice, ast.Constant) \
            and receiver.slice.value == "Body":
        return "the whole S3 object"
    if isinstance(receiver, ast.Attribute) and receiver.attr in ("raw", "stream"):
        return "the whole response body" if receiver.attr == "raw" else "the whole request body"
    upload = value_before(ctx, receiver) if isinstance(receiver, ast.Name) else receiver
    if isinstance(upload, ast.Subscript) and terminal(upload.value) == "files" or (
            isinstance(upload, ast.Call) and isinstance(upload.func, ast.Attribute) and upload.func.attr == "get"
            and terminal(upload.func.value) == "files"):
        return "the whole uploaded file"
    if _is_file_like(ctx, receiver):
        return None if _owned_file(ctx, receiver) else "the whole file"
    if awaited and isinstance(receiver, ast.Name) and _is_parameter(ctx, receiver):
        return "the whole upload/stream"
    return None


_UNTRUSTED_SOURCES = {"the whole request body", "the whole uploaded file", "the whole upload/stream"}
_SIZE_WORDS = re.compile(r"content[-_]length|\.size\b|max_content|\bst_size\b", re.IGNORECASE)


def _size_checked(ctx: RuleContext, call: ast.Call) -> bool:
    """A size test (``Content-Length``, ``upload.size``) earlier in the function."""
    function = ctx.enclosing(call, ast.FunctionDef, ast.AsyncFunctionDef)
    if function is None:
        return False
    for node in walk_scope(function):
        if isinstance(node, (ast.If, ast.Assert, ast.While)) and node.lineno < call.lineno \
                and _SIZE_WORDS.search(source(ctx, node.test)):
            return True
    return False


def terminal(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _is_parameter(ctx: RuleContext, name: ast.Name) -> bool:
    function = ctx.enclosing(name, ast.FunctionDef, ast.AsyncFunctionDef)
    if function is None:
        return False
    args = function.args
    return any(a.arg == name.id for a in args.posonlyargs + args.args + args.kwonlyargs) \
        and value_before(ctx, name) is None


def _owned_path(node: ast.AST, ctx: RuleContext) -> bool:
    """``Path("settings.toml")`` / ``open("config.json")``: a literal path to a file the
    program ships with."""
    if isinstance(node, ast.Name):
        node = value_before(ctx, node)
    if isinstance(node, ast.Call) and node.args:
        first = node.args[0]
        return isinstance(first, ast.Constant) and isinstance(first.value, str) or is_packaged_path(ctx, first)
    return is_packaged_path(ctx, node) if node is not None else False


def _owned_file(ctx: RuleContext, node: ast.AST) -> bool:
    """A file object opened from a literal path (or a known small config file), from a file the package
    ships with (``__file__``, ``importlib.resources``), or the output pipe of a child process the program
    started (``p.stdout``: what ``communicate()`` reads whole anyway)."""
    if _child_output(ctx, node):
        return True
    origin = value_before(ctx, node) if isinstance(node, ast.Name) else node
    if isinstance(origin, ast.Call) and origin.args:
        first = origin.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return True
        if isinstance(first, ast.Name) and "config" in first.id.lower():
            return True
        if is_packaged_path(ctx, first):
            return True
    return False


def _child_output(ctx: RuleContext, node: ast.AST) -> bool:
    """``p.stdout`` / ``proc.stderr`` of a process object (``sys.stdin`` and friends are not one)."""
    return isinstance(node, ast.Attribute) and node.attr in ("stdout", "stderr") \
        and not (ctx.qualified_name(node) or "").startswith("sys.")


def _list_is_edited(ctx: RuleContext, call: ast.Call) -> bool:
    """``lines = f.readlines(); lines[3] = ...; f.writelines(lines)``: the list is the point."""
    name = _assigned_name(ctx, call)
    if name is None:
        return False
    for use in _loads_after(ctx, call, name):
        parent = ctx.parent(use)
        if isinstance(parent, ast.Subscript) and isinstance(parent.ctx, (ast.Store, ast.Del)):
            return True
        if isinstance(parent, ast.Attribute) and parent.attr in ("append", "insert", "pop", "remove", "sort",
                                                                  "reverse", "extend", "__setitem__"):
            return True
        grand = ctx.parent(parent) if parent is not None else None
        if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Attribute) \
                and parent.func.attr == "writelines":
            return True
        if isinstance(grand, ast.Call) and isinstance(grand.func, ast.Attribute) and grand.func.attr == "writelines":
            return True
    return False


def _use_kind(ctx: RuleContext, node: ast.AST, depth: int = 0) -> str | None:
    """How the value at ``node`` is consumed: "scan", "parse" or None (unknown)."""
    parent = ctx.parent(node)
    if depth > 4 or parent is None:
        return None
    if isinstance(parent, ast.Attribute) and parent.value is node:
        call = ctx.parent(parent)
        if not (isinstance(call, ast.Call) and call.func is parent):
            return None
        if parent.attr in _SCAN_METHODS:
            return "scan"
        if parent.attr in _FOLLOW_METHODS:
            return _use_kind(ctx, call, depth + 1)
        return None
    if isinstance(parent, (ast.For, ast.AsyncFor, ast.comprehension)) and parent.iter is node:
        return "scan"
    if isinstance(parent, ast.Call) and node in parent.args:
        func = parent.func
        qualified = ctx.qualified_name(func) or ctx.dotted_name(func) or ""
        short = qualified.rsplit(".", 1)[-1]
        if qualified in _SCAN_FUNCTIONS or qualified.startswith(_SCAN_PREFIXES):
            return "scan"
        if isinstance(func, ast.Attribute) and func.attr in ("update", "write", "finditer", "findall", "sub",
                                                              "split"):
            return "scan"
        attr = func.attr if isinstance(func, ast.Attribute) else ""
        if any(hint in qualified.lower() or hint in attr.lower() for hint in _PARSE_HINTS) or short[:1].isupper():
            return "parse"
        return None
    if isinstance(parent, ast.Subscript) and parent.value is node and isinstance(parent.slice, ast.Slice):
        return "scan"
    return None


def _consumers(ctx: RuleContext, node: ast.AST) -> str | None:
    """"scan" when the read value is only scanned, "parse" when some use needs it whole
    (parsed or verified as one document), None when unknown."""
    direct = _use_kind(ctx, node)
    if direct is not None:
        return direct
    name = _assigned_name(ctx, node)
    if name is None:
        return None
    kinds = {_use_kind(ctx, use) for use in _loads_after(ctx, node, name) if isinstance(use.ctx, ast.Load)}
    if "parse" in kinds:
        return "parse"
    return "scan" if "scan" in kinds else None


# --- files and lazy sources --------------------------------------------------
def _is_file_like(ctx: RuleContext, node: ast.AST) -> bool:
    origin = node
    if isinstance(node, ast.Name):
        origin = value_before(ctx, node)
    if isinstance(origin, ast.Call):
        name = ctx.qualified_name(origin.func) or ""
        if name in _FILE_OPENERS or (isinstance(origin.func, ast.Attribute) and origin.func.attr == "open"):
            return True
    return ctx.qualified_name(node) == "sys.stdin"


def _lazy_source(ctx: RuleContext, node: ast.AST) -> str | None:
    """What ``node`` lazily yields, when iterating it directly would stream."""
    if isinstance(node, ast.Name):
        origin = value_before(ctx, node)
        if isinstance(origin, ast.Call):
            described = _lazy_call(ctx, origin)
            if described:
                return described
        if node.id in ("cursor", "cur") and origin is None:
            return "every row of the cursor"
        return None
    if isinstance(node, ast.Call):
        return _lazy_call(ctx, node)
    return None


def _lazy_call(ctx: RuleContext, call: ast.Call) -> str | None:
    name = ctx.qualified_name(call.func) or ""
    if name in _LAZY_SOURCES or name.endswith((".rglob", ".iglob")):
        return f"everything `{ctx.dotted_name(call.func)}()` yields"
    if name in _FILE_OPENERS:
        return "every line of the file"
    func = call.func
    if isinstance(func, ast.Attribute):
        if func.attr == "execute":
            return "every row of the query"
        if func.attr == "cursor":
            return "every row of the cursor"
        if func.attr in ("rglob", "iterdir", "iter_lines", "iter_content", "iterator", "scan_iter",
                         "yield_per", "paginate"):
            return f"everything `.{func.attr}()` yields"
    if isinstance(func, ast.Name) and func.id in ctx.module_functions:
        helper = ctx.module_functions[func.id]
        if any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in ast.walk(helper)):
            return f"everything the generator `{func.id}()` yields"
    return None


# --- use analysis --------------------------------------------------------------
def _assigned_name(ctx: RuleContext, node: ast.AST) -> str | None:
    parent = ctx.parent(node)
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
        return parent.targets[0].id
    if isinstance(parent, ast.AnnAssign) and isinstance(parent.target, ast.Name):
        return parent.target.id
    return None


def _loads_after(ctx: RuleContext, node: ast.AST, name: str) -> list[ast.Name]:
    """Uses of ``name`` after the statement holding ``node`` binds it, up to the next
    rebinding (straight-line approximation, in source order)."""
    scope = ctx.enclosing(node, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda) or ctx.tree
    statement = ctx.statement_of(node)
    end = statement.end_lineno or statement.lineno
    found = sorted((other for other in ast.walk(scope)
                    if isinstance(other, ast.Name) and other.id == name and other.lineno >= statement.lineno),
                   key=lambda n: (n.lineno, n.col_offset))
    uses = []
    for other in found:
        if ctx.statement_of(other) is statement and isinstance(other.ctx, ast.Store):
            continue
        if isinstance(other.ctx, ast.Store) and other.lineno > end:
            if _exclusive_branches(ctx, statement, ctx.statement_of(other)):
                continue  # `if ...: x = a  else: x = b` - both reach the later uses
            break
        uses.append(other)
    return uses


def _exclusive_branches(ctx: RuleContext, first: ast.stmt, second: ast.stmt) -> bool:
    """``first`` in the body of an ``if`` and ``second`` in its ``else`` (or a later handler)."""
    first_path = {id(a): a for a in ctx.ancestors(first)}
    child = second
    for ancestor in ctx.ancestors(second):
        if id(ancestor) in first_path and isinstance(ancestor, (ast.If, ast.Try)):
            in_first = _branch_of(ctx, ancestor, first)
            in_second = _branch_of(ctx, ancestor, child)
            return in_first is not None and in_second is not None and in_first != in_second
        child = ancestor
    return False


def _branch_of(ctx: RuleContext, compound: ast.AST, node: ast.AST) -> str | None:
    for field in ("body", "orelse", "handlers", "finalbody"):
        for stmt in getattr(compound, field, []) or []:
            if stmt is node or any(a is stmt for a in ctx.ancestors(node)):
                return field
    return None


def _is_iterated(ctx: RuleContext, node: ast.AST) -> bool:
    parent = ctx.parent(node)
    if isinstance(parent, (ast.For, ast.AsyncFor)) and parent.iter is node:
        return True
    return isinstance(parent, ast.comprehension) and parent.iter is node


def _single_iteration(ctx: RuleContext, node: ast.AST) -> ast.AST | None:
    """The node that is iterated exactly once: ``node`` itself (``for x in node``) or
    the one use of the name it is assigned to. None otherwise."""
    if _is_iterated(ctx, node):
        return node
    name = _assigned_name(ctx, node)
    if name is None:
        return None
    uses = _loads_after(ctx, node, name)
    if len(uses) != 1 or not isinstance(uses[0].ctx, ast.Load):
        return None
    use = uses[0]
    if not _is_iterated(ctx, use):
        return None
    loop = ctx.parent(use)
    if isinstance(loop, (ast.For, ast.AsyncFor)) and _in_loop_between(ctx, node, loop):
        return None
    return use


def _in_loop_between(ctx: RuleContext, start: ast.AST, loop: ast.AST) -> bool:
    """The materialized list is iterated inside an enclosing loop (iterated many times)."""
    for ancestor in ctx.ancestors(loop):
        if isinstance(ancestor, (ast.For, ast.AsyncFor, ast.While)):
            return not any(a is ancestor for a in ctx.ancestors(start))
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            break
    return False


def _iterate_directly(ctx: RuleContext, call: ast.Call, src_node: ast.expr) -> Fix | None:
    """``for x in <call>:`` -> ``for x in <source>:``."""
    if not _is_iterated(ctx, call):
        return None
    parent = ctx.parent(call)
    if not isinstance(parent, (ast.For, ast.AsyncFor)):
        return None
    text = source(ctx, src_node)
    if not text or "\n" in text:
        return None
    return Fix(f"Iterate `{_short(text, 30)}` directly", (ctx.replace(call, text),), safe=False)
