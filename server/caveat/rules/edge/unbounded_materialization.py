"""## What it does

Detects code that pulls an unbounded source into memory at once where it could
stream it: `cursor.fetchall()` (and `pandas.read_sql`) on a query with no `LIMIT` and no
`WHERE` on a key, `session.query(Model).all()` / `Model.query.all()` without a filter or
limit, `list(Model.objects.all())` / `sorted(...)` of a query, `.readlines()` /
`.read().splitlines()` of a file that is then iterated once, `list()` of a cursor, a
file, a CSV reader, `os.walk` or a generator that is then iterated once,
`.content` / `.text` / `.json()` of a `requests` response opened with `stream=True`, and
redis `KEYS`.

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
- `f.read()` used as a whole (`json.loads(f.read())`), `readlines(hint)`.
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
from caveat.engine.findings import Fix, Severity
from caveat.rules.base import Rule, RuleContext
from caveat.rules.edge._common_a import keyword, resolved_call_name, value_before

_TRIGGER_ATTRS = {"fetchall", "readlines", "read", "read_text", "all", "keys", "content", "text", "json",
                  "read_sql", "read_sql_query", "read_sql_table"}
_MATERIALIZERS = {"list", "sorted", "tuple"}
_KEY_COLUMN = re.compile(
    r"\b(?:\w+\.)?(id|\w+_id|pk|uuid|\w+_uuid|key|\w+_key|email|username|user_name|slug|sku|token|\w+_token"
    r"|isbn|handle|login|code)\s*(=|\bin\b)", re.IGNORECASE)
_LIMIT = re.compile(r"\b(limit|top\s*\(?\s*\d|fetch\s+(first|next)|rownum|offset)\b", re.IGNORECASE)
_AGGREGATE = re.compile(r"^\s*select\s+(distinct\s+)?(count|sum|avg|min|max|exists)\s*\(", re.IGNORECASE)
_QUERYSET_PASSTHROUGH = {"all", "order_by", "select_related", "prefetch_related", "only", "defer", "values",
                         "values_list", "annotate", "distinct", "using", "reverse", "objects"}
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
            if attribute.attr in ("content", "text") and isinstance(attribute.ctx, ast.Load):
                self._streamed_body(ctx, attribute, reported)

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
                receiver = ctx.source(func.value) if isinstance(func.value, ast.Name) else "cursor"
                label = f"{receiver}.fetchall()" if isinstance(func.value, ast.Name) else ".fetchall()"
                self._report(ctx, call, f"`{label}` loads every row of `{_short(sql)}` (no LIMIT, no WHERE "
                             f"on a key) into memory at once; as the table grows this exhausts memory: "
                             f"iterate the cursor (`for row in {receiver}:`) or page with `fetchmany()` / "
                             f"LIMIT.", reported, fix=_iterate_directly(ctx, call, func.value))
        elif attr in ("read_sql", "read_sql_query", "read_sql_table"):
            self._read_sql(ctx, call, attr, reported)
        elif attr == "all" and not call.args:
            self._orm_all(ctx, call, func, reported)
        elif attr == "readlines" and not call.args:
            self._readlines(ctx, call, func, reported)
        elif attr in ("read", "read_text") and not call.args:
            self._read_then_split(ctx, call, func, reported)
        elif attr == "keys" and (not call.args or _is_wildcard(call.args[0])):
            name = resolved_call_name(ctx, call) or ""
            if name.startswith(_REDIS):
                self._report(ctx, call, f"`{ctx.source(func)}()` runs redis `KEYS`, which walks the whole "
                             f"keyspace, blocks the server and returns every key at once; iterate with "
                             f"`scan_iter(match=...)` instead.", reported)
        elif attr == "json" and not call.args:
            self._streamed_body(ctx, func, reported)

    def _read_sql(self, ctx: RuleContext, call: ast.Call, attr: str, reported: set[int]) -> None:
        if not (ctx.qualified_name(call.func) or "").startswith("pandas."):
            return
        if keyword(call, "chunksize") is not None or any(kw.arg is None for kw in call.keywords):
            return
        if attr == "read_sql_table":
            self._report(ctx, call, f"`{ctx.source(call.func)}()` loads the whole table into one DataFrame; "
                         f"pass `chunksize=` and process it in pieces.", reported)
            return
        first = call.args[0] if call.args else (keyword(call, "sql") or keyword(call, "con"))
        if isinstance(first, ast.keyword):
            first = first.value
        sql = _sql_text(ctx, first) if first is not None else None
        if sql is not None and _unbounded_sql(sql):
            self._report(ctx, call, f"`{ctx.source(call.func)}()` loads every row of `{_short(sql)}` (no LIMIT, "
                         f"no WHERE on a key) into one DataFrame; pass `chunksize=` or bound the query.", reported)

    def _orm_all(self, ctx: RuleContext, call: ast.Call, func: ast.Attribute, reported: set[int]) -> None:
        chain = _expanded_chain(ctx, func.value)
        if len(chain) < 2:
            return
        names = [name for name, _ in chain]
        if "objects" in names:
            return  # Django querysets are lazy: flagged where they are materialized
        if "query" not in names[1:] and not _unbounded_select_execute(ctx, func.value):
            return
        if any(name in _SQLA_BOUNDING for name in names) or any(sliced for _, sliced in chain):
            return
        self._report(ctx, call, f"`{_short(ctx.source(call), 60)}` loads every row of the table into memory "
                     f"(no filter, no limit); as the table grows this exhausts memory: page it "
                     f"(`.limit()`/`.offset()`), or stream with `.yield_per(1000)`.", reported)

    def _readlines(self, ctx: RuleContext, call: ast.Call, func: ast.Attribute, reported: set[int]) -> None:
        use = _single_iteration(ctx, call)
        if use is None:
            return
        stream = ctx.source(func.value)
        fix = _iterate_directly(ctx, call, func.value) if use is call else None
        self._report(ctx, call, f"`{stream}.readlines()` reads the whole file into a list only to iterate "
                     f"it once; iterate `{_short(stream, 30)}` directly (`for line in {_short(stream, 30)}:`), which "
                     f"reads one line at a time.", reported, fix=fix)

    def _read_then_split(self, ctx: RuleContext, call: ast.Call, func: ast.Attribute, reported: set[int]) -> None:
        if func.attr == "read" and not _is_file_like(ctx, func.value):
            return
        parent = ctx.parent(call)
        # f.read().splitlines() iterated directly
        if isinstance(parent, ast.Attribute) and parent.attr in ("splitlines", "split"):
            split_call = ctx.parent(parent)
            if not (isinstance(split_call, ast.Call) and _line_split(split_call)):
                return
            if _single_iteration(ctx, split_call) is None:
                return
        else:
            name = _assigned_name(ctx, call)
            if name is None:
                return
            uses = _loads_after(ctx, call, name)
            if len(uses) != 1:
                return
            use = uses[0]
            attr = ctx.parent(use)
            if not (isinstance(attr, ast.Attribute) and attr.attr in ("splitlines", "split")):
                return
            split_call = ctx.parent(attr)
            if not (isinstance(split_call, ast.Call) and _line_split(split_call)
                    and _is_iterated(ctx, split_call)):
                return
        stream = ctx.source(func.value)
        self._report(ctx, call, f"`{_short(stream, 30)}.{func.attr}()` reads the whole file into memory only "
                     f"to split it into lines and iterate them once; iterate the open file instead "
                     f"(`for line in f:`), which reads one line at a time.", reported)

    # --- list(x) / sorted(x) / tuple(x) --------------------------------------
    def _materializer(self, ctx: RuleContext, call: ast.Call, builtin: str, reported: set[int]) -> None:
        if builtin in ctx.imports or call.keywords and builtin != "sorted":
            return
        source = call.args[0]
        if _is_queryset(source):
            self._report(ctx, call, f"`{builtin}({_short(ctx.source(source), 40)})` loads every row of the table "
                         f"into memory (no filter, no slice); iterate `.iterator()` in chunks, or let the "
                         f"database {'sort and ' if builtin == 'sorted' else ''}page it.", reported)
            return
        if builtin == "sorted":
            return  # sorting needs every item anyway
        kind = _lazy_source(ctx, source)
        if kind is None:
            return
        use = _single_iteration(ctx, call)
        if use is None:
            return
        fix = _iterate_directly(ctx, call, source) if use is call else None
        self._report(ctx, call, f"`{builtin}({_short(ctx.source(source), 40)})` copies {kind} into memory only to "
                     f"iterate it once; iterate it directly and memory stays flat however large it gets.",
                     reported, fix=fix)

    # --- requests.get(..., stream=True).content ------------------------------
    def _streamed_body(self, ctx: RuleContext, attribute: ast.Attribute, reported: set[int]) -> None:
        receiver = attribute.value
        origin = receiver
        if isinstance(receiver, ast.Name):
            origin = value_before(ctx, receiver)
        if not isinstance(origin, ast.Call):
            return
        stream = keyword(origin, "stream")
        if stream is None or not (isinstance(stream.value, ast.Constant) and stream.value.value is True):
            return
        name = resolved_call_name(ctx, origin) or ""
        if not name.startswith("requests."):
            return
        parent = ctx.parent(attribute)
        what = f"{attribute.attr}()" if isinstance(parent, ast.Call) and parent.func is attribute else attribute.attr
        self._report(ctx, attribute, f"`.{what}` reads the whole body of a response requested with "
                     f"`stream=True` into memory, defeating the streaming; iterate "
                     f"`response.iter_content(chunk_size=...)` (or `iter_lines()`) instead.", reported)


# --- SQL ---------------------------------------------------------------------
def _query_of(ctx: RuleContext, receiver: ast.expr, fetch: ast.Call) -> str | None:
    """The SQL text executed on ``receiver`` before ``fetch``, if visible."""
    if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute) \
            and receiver.func.attr == "execute" and receiver.args:
        return _sql_text(ctx, receiver.args[0])
    if not isinstance(receiver, ast.Name):
        return None
    value = value_before(ctx, receiver)
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
            return left
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
        return _sql_text(ctx, value_before(ctx, node), depth + 1)
    return None


def _unbounded_sql(sql: str) -> bool:
    """A SELECT with no LIMIT, no aggregate, no GROUP BY and no WHERE on a key column.
    Interpolated pieces read as `` ? ``; a dynamic tail we cannot read is not judged."""
    text = " ".join(sql.split())
    if not re.match(r"^\(?\s*(select|with)\b", text, re.IGNORECASE):
        return False
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
def _chain(node: ast.AST) -> list[tuple[str, bool]]:
    """``session.query(User).order_by(x)`` -> [("session", F), ("query", F), ("order_by", F)]."""
    found: list[tuple[str, bool]] = []
    sliced = False
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            sliced = True
            node = node.value
        elif isinstance(node, ast.Attribute):
            found.append((node.attr, sliced))
            sliced = False
            node = node.value
        elif isinstance(node, ast.Name):
            found.append((node.id, sliced))
            break
        else:
            break
    found.reverse()
    return found


def _expanded_chain(ctx: RuleContext, node: ast.AST, depth: int = 0) -> list[tuple[str, bool]]:
    """``_chain``, continuing through a root variable's assigned value:
    ``q = session.query(User); q.all()`` -> [session, query]."""
    chain = _chain(node)
    root = node
    while isinstance(root, (ast.Call, ast.Attribute, ast.Subscript)):
        root = root.func if isinstance(root, ast.Call) else root.value
    if depth < 3 and isinstance(root, ast.Name):
        value = value_before(ctx, root)
        if isinstance(value, (ast.Call, ast.Attribute, ast.Subscript)):
            return _expanded_chain(ctx, value, depth + 1) + chain[1:]
    return chain


def _unbounded_select_execute(ctx: RuleContext, node: ast.AST) -> bool:
    """``session.execute(select(User)).scalars()``: an unfiltered, unlimited ``select()``."""
    while isinstance(node, (ast.Call, ast.Attribute, ast.Subscript)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "execute":
            if not node.args:
                return False
            statement = node.args[0]
            if isinstance(statement, ast.Name):
                statement = value_before(ctx, statement)
            chain = _chain(statement) if statement is not None else []
            if not chain or chain[0][0] != "select" and (ctx.qualified_name(statement) or "").rsplit(".", 1)[-1] != "select":
                return False
            return not any(name in _SQLA_BOUNDING for name, _ in chain)
        node = node.func if isinstance(node, ast.Call) else node.value
    return False


def _is_queryset(node: ast.AST) -> bool:
    """``Model.objects.all()`` / ``Model.objects.order_by(...)``: unfiltered, unsliced."""
    if not isinstance(node, ast.Call):
        return False
    chain = _chain(node)
    if len(chain) < 3 or chain[1][0] != "objects" or not chain[0][0][:1].isupper():
        return False
    return all(name in _QUERYSET_PASSTHROUGH and not sliced for name, sliced in chain[1:])


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
    scope = ctx.enclosing(node, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda) or ctx.tree
    statement = ctx.statement_of(node)
    uses = []
    for other in ast.walk(scope):
        if isinstance(other, ast.Name) and other.id == name and other.lineno >= statement.lineno:
            if ctx.statement_of(other) is statement and isinstance(other.ctx, ast.Store):
                continue
            uses.append(other)
    return uses


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


def _line_split(call: ast.Call) -> bool:
    func = call.func
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr == "splitlines":
        return True
    return len(call.args) == 1 and isinstance(call.args[0], ast.Constant) and call.args[0].value in ("\n", "\r\n")


def _iterate_directly(ctx: RuleContext, call: ast.Call, source: ast.expr) -> Fix | None:
    """``for x in <call>:`` -> ``for x in <source>:``."""
    if not _is_iterated(ctx, call):
        return None
    parent = ctx.parent(call)
    if not isinstance(parent, (ast.For, ast.AsyncFor)):
        return None
    text = ctx.source(source)
    if not text or "\n" in text:
        return None
    return Fix(f"Iterate `{_short(text, 30)}` directly", (ctx.replace(call, text),), safe=False)
