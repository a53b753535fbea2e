"""SQL analysis shared by CAV101 (values), CAV102 (identifiers) and the rules that build
on them; not a rule.

For every call that sends SQL text to a database (the rows of ``sinks.SINKS["sql"]``:
DB-API ``execute``/``executemany``/``executescript``, asyncpg ``fetch*``, SQLAlchemy
``text()`` / ``exec_driver_sql``, pandas ``read_sql*``, Django ``raw()``/``extra()``/
``RawSQL``, duckdb ``sql()``) the query expression is *flattened* into constant text and
dynamic leaves, following assignments, ``+=`` in loops and branches, f-strings,
``%``, ``.format`` and ``" AND ".join(parts)``. Each leaf that the shared taint
model cannot prove constant is classified by its SQL context: a *value* (inside
quotes, after ``=``/``LIKE``/``IN (``, a whole clause) or an *identifier*
(after ``FROM``/``JOIN``/``ORDER BY``/``LIMIT``..., before ``= ?``).
The result is memoized on the rule context so both rules share one pass.
"""
from __future__ import annotations

import ast
import re
import string
from dataclasses import dataclass, field

from caveat.analysis import taint
from caveat.analysis.sinks import PARAMSTYLES, SINKS
from caveat.rules.base import RuleContext

SQL_METHODS = frozenset(s.callee[1:] for s in SINKS["sql"] if s.callee.startswith("."))
SQL_FUNCTIONS = {s.callee: s.role for s in SINKS["sql"] if not s.callee.startswith(".")}
_ROLES = {s.callee[1:]: s.role for s in SINKS["sql"] if s.callee.startswith(".")}
_SHORT_FUNCTIONS = frozenset(name.rsplit(".", 1)[-1] for name in SQL_FUNCTIONS)
_QUERY_KEYWORDS = frozenset(k for s in SINKS["sql"] for k in s.keywords if s.role != "extra")
_EXTRA_KEYWORDS = tuple(next(s for s in SINKS["sql"] if s.role == "extra").keywords)
# Receivers that are databases whatever the query looks like.
DB_RECEIVER = re.compile(r"(^|_|\.)(cur|cursor|conn|connection|db|database|session|engine|con|sess|"
                         r"pool|client|tx|transaction|dbh|sqlite|pg|mysql)s?$", re.I)
SQL_TEXT = re.compile(
    r"\b(select\b[\s\S]*\bfrom\b|select\s+(\*|count\s*\(|\w+\s*(,|from\b))|insert\s+(or\s+\w+\s+)?into\b|"
    r"update\s+\S+\s+set\b|delete\s+from\b|create\s+(temp\w*\s+)?(table|index|view|unique|schema|database)\b|"
    r"drop\s+(table|index|view|database|schema)\b|alter\s+table\b|truncate\s+(table\s+)?\S|pragma\s+\w|"
    r"replace\s+into\b|merge\s+into\b|grant\s+\w|revoke\s+\w|vacuum\b|attach\s+database\b|"
    r"where\s+\S+\s*(=|<|>|like\b|in\b|is\b)|order\s+by\s|group\s+by\s|values\s*\()",
    re.I)
IDENT_BEFORE = re.compile(
    r"(\bfrom|\bjoin|\binto|\bupdate|\btable|\bexists|\bindex|\bview|\bdatabase|\bschema|\border\s+by|"
    r"\bgroup\s+by|\bpartition\s+by|\blimit|\boffset|\btop|\bselect|\bdistinct|\bon\s+table|\bdescribe|"
    r"\btruncate|\bpragma|\breturning|\basc|\bdesc|\bnulls\s+(first|last)|\bfetch\s+first|\bcolumn|"
    r"\brename\s+to|\badd|\bdrop|\bcount\s*\(\s*(distinct\s+)?|\bsum\s*\(|\bavg\s*\(|\bmin\s*\(|\bmax\s*\(|"
    r"\bdistinct\s+on\s*\(|[.`\"\[])\s*$",
    re.I)
LIST_KEYWORD = re.compile(r"\b(select|order\s+by|group\s+by|from|values|in|set|where|and|or|by|returning|"
                          r"insert\s+into\s+\S+\s*\(|into)\b[^\x00]*$", re.I)
IDENT_AFTER = re.compile(r"^\s*(=|<>|!=|<=|>=|<|>|\blike\b|\bilike\b|\bin\b|\bis\b|\bbetween\b|\bnot\s+in\b)",
                         re.I)
DIRECTION_AFTER = re.compile(r"^\s*(asc|desc)\b", re.I)
PLACEHOLDER = {"qmark": "?", "format": "%s", "numeric": "$", "named": ":"}
DRIVERS = PARAMSTYLES
LEAF = "\x00"
OPAQUE = "\x01"  # template text defined elsewhere (a module constant)


@dataclass
class Part:
    text: str = ""
    node: ast.AST | None = None
    safe: bool = False
    cls: str = ""  # "value" or "identifier" for unsafe leaves
    where: str = ""  # the SQL keyword before an unsafe leaf ("ORDER BY", "FROM", "LIMIT"...)


@dataclass
class SqlUse:
    """One call that sends SQL text: the query expression and what is in it."""

    call: ast.Call          # the sink call (execute, text, read_sql...)
    query: ast.AST          # the query argument
    sink: str               # "cursor.execute", "text", "pandas.read_sql" ...
    kind: str               # "method", "text", "pandas", "rawsql", "extra", "duckdb"
    parts: list[Part]
    unsafe: list[Part] = field(default_factory=list)
    whole_user: bool = False  # the whole query text is user input
    how: str = ""             # "an f-string", "`%` formatting", ...
    via: str | None = None    # the variable the query was built in

    @property
    def values(self) -> list[Part]:
        return [p for p in self.unsafe if p.cls == "value"]

    @property
    def identifiers(self) -> list[Part]:
        return [p for p in self.unsafe if p.cls == "identifier"]


def sql_uses(ctx: RuleContext) -> list[SqlUse]:
    return taint.block_memo(ctx, "sql_uses", lambda: _find(ctx))


# --------------------------------------------------------------------------- sinks

def _find(ctx: RuleContext) -> list[SqlUse]:
    uses: list[SqlUse] = []
    for call in ctx.nodes(ast.Call):
        func = call.func
        attr = func.attr if isinstance(func, ast.Attribute) else None
        if attr is None and not isinstance(func, ast.Name):
            continue
        if attr is not None and attr not in SQL_METHODS and attr not in _SHORT_FUNCTIONS:
            continue
        if isinstance(func, ast.Name) and func.id not in _SHORT_FUNCTIONS:
            continue
        found = _sink(ctx, call)
        if found is not None:
            uses.append(found)
    return uses


def _sink(ctx: RuleContext, call: ast.Call) -> SqlUse | None:
    qualified = ctx.qualified_name(call.func) or ""
    dotted = ctx.dotted_name(call.func) or ""
    kind = SQL_FUNCTIONS.get(qualified)
    if kind is None and qualified.startswith("sqlalchemy") and qualified.endswith((".text", ".literal_column")):
        kind = "text"
    if kind is None and qualified.endswith(".RawSQL"):
        kind = "rawsql"
    if kind is None and qualified.startswith(("pandas", "polars")) and qualified.endswith(("read_sql", "read_sql_query", "read_database")):
        kind = "pandas"
    attr = call.func.attr if isinstance(call.func, ast.Attribute) else ""
    if kind is None:
        if not isinstance(call.func, ast.Attribute):
            return None
        role = _ROLES.get(attr, "method")
        if role == "pandas":
            kind = "pandas"
        elif role == "extra":
            return _extra(ctx, call, dotted)
        else:
            kind = "method"
    query = _query_arg(call)
    if query is None:
        return None
    parts = flatten(ctx, query)
    text = "".join(p.text if p.node is None else LEAF for p in parts)
    sql_like = bool(SQL_TEXT.search(text.replace(LEAF, " x ").replace(OPAQUE, " ")))
    if OPAQUE in text and re.search(r"(?i)sql|query|select|insert|update|delete|stmt|where", ctx.source(query) + _bound_source(ctx, query)):
        sql_like = True
    receiver = ctx.dotted_name(call.func.value) if isinstance(call.func, ast.Attribute) else None
    if kind == "method":
        role = _ROLES.get(attr, "method")
        if role == "raw" and not (sql_like or (receiver or "").endswith("objects")):
            return None
        if role == "sql_text":
            if not sql_like:
                return None
        elif not sql_like and not DB_RECEIVER.search(receiver or ""):
            return None
        if receiver is not None and (receiver.startswith(("subprocess", "os", "self.executor", "executor"))
                                     or "pool" in receiver.lower() and "thread" in receiver.lower()):
            return None
    elif not sql_like and not any(p.node is not None for p in parts):
        return None
    sink = dotted or qualified or "execute"
    use = SqlUse(call, query, sink, kind, parts, how=_how(ctx, query))
    if isinstance(query, ast.Name):
        use.via = query.id
    _classify(ctx, use, sql_like)
    return use


def _bound_source(ctx: RuleContext, query: ast.AST) -> str:
    if isinstance(query, ast.Name):
        return " ".join(ctx.source(b.value) for b in taint.bindings_before(ctx, query) if b.value is not None)
    return ""


def _extra(ctx: RuleContext, call: ast.Call, dotted: str) -> SqlUse | None:
    """Django ``QuerySet.extra(where=[...], select={...}, order_by=[...], tables=[...])``."""
    for kw in call.keywords:
        if kw.arg not in _EXTRA_KEYWORDS:
            continue
        pieces: list[ast.AST] = []
        value = kw.value
        if isinstance(value, (ast.List, ast.Tuple)):
            pieces = list(value.elts)
        elif isinstance(value, ast.Dict):
            pieces = [v for v in value.values if v is not None]
        else:
            pieces = [value]
        for piece in pieces:
            parts = flatten(ctx, piece)
            use = SqlUse(call, piece, dotted or "extra", "extra", parts, how=_how(ctx, piece))
            _classify(ctx, use, True, identifier=kw.arg in ("order_by", "tables"))
            if use.unsafe or use.whole_user:
                return use
    return None


def _query_arg(call: ast.Call) -> ast.AST | None:
    for kw in call.keywords:
        if kw.arg in _QUERY_KEYWORDS:
            return kw.value
    if call.args and not isinstance(call.args[0], ast.Starred):
        return call.args[0]
    return None


def _how(ctx: RuleContext, query: ast.AST) -> str:
    node = query
    if isinstance(node, ast.Name):
        bindings = [b for b in taint.bindings_before(ctx, node) if b.value is not None and b.kind in ("assign", "aug")]
        if any(b.kind == "aug" for b in bindings):
            return "`+=`"
        if bindings:
            node = bindings[0].value
    if isinstance(node, ast.JoinedStr):
        return "an f-string"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return "`%` formatting"
    if isinstance(node, ast.BinOp):
        return "string concatenation"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return "`.format()`"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "join":
        return "`join()`"
    return "string building"


# --------------------------------------------------------------------------- flattening

def flatten(ctx: RuleContext, expr: ast.AST, depth: int = 0, seen: frozenset[str] = frozenset()) -> list[Part]:
    """Constant text and dynamic leaves of a string expression, in order."""
    if depth > 8:
        return [Part(node=expr)]
    if isinstance(expr, ast.Constant):
        return [Part(text=expr.value if isinstance(expr.value, str) else str(expr.value))]
    if isinstance(expr, ast.JoinedStr):
        parts: list[Part] = []
        for value in expr.values:
            if isinstance(value, ast.Constant):
                parts.append(Part(text=str(value.value)))
            elif isinstance(value, ast.FormattedValue):
                sub = _leaf_or_flatten(ctx, value.value, depth, seen)
                if value.format_spec is not None and taint._numeric_spec(value.format_spec):
                    sub = [Part(text=p.text) if p.node is None else Part(node=p.node, safe=True) for p in sub]
                parts.extend(sub)
        return parts
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        return flatten(ctx, expr.left, depth + 1, seen) + flatten(ctx, expr.right, depth + 1, seen)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod) and isinstance(expr.left, ast.Constant) \
            and isinstance(expr.left.value, str):
        return _percent(ctx, expr.left.value, expr.right, depth, seen)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        if expr.func.attr in ("format", "format_map") and isinstance(expr.func.value, ast.Constant) \
                and isinstance(expr.func.value.value, str):
            return _format(ctx, expr.func.value.value, expr, depth, seen)
        if expr.func.attr == "join" and len(expr.args) == 1:
            sep = flatten(ctx, expr.func.value, depth + 1, seen)
            return _join(ctx, sep, expr.args[0], depth, seen)
        if expr.func.attr in ("strip", "rstrip", "lstrip") and not expr.args:
            return flatten(ctx, expr.func.value, depth + 1, seen)
        if expr.func.attr == "replace" and len(expr.args) == 2:
            # x.replace("\n", "<br>") / TEMPLATE.replace("{table}", table): the new text joins in.
            return flatten(ctx, expr.func.value, depth + 1, seen) + flatten(ctx, expr.args[1], depth + 1, seen)
        if expr.func.attr == "format" and isinstance(expr.func.value, (ast.Name, ast.Attribute)) and \
                taint.UPPER.match(expr.func.value.id if isinstance(expr.func.value, ast.Name) else expr.func.value.attr):
            # A module-constant template defined elsewhere: its text is unknown, its arguments are leaves.
            parts = [Part(text=OPAQUE)]
            for arg in [*expr.args, *(kw.value for kw in expr.keywords)]:
                parts.extend(_leaf_or_flatten(ctx, arg, depth, seen))
                parts.append(Part(text=OPAQUE))
            return parts
    if isinstance(expr, ast.Name) and expr.id not in seen:
        expanded = _expand_name(ctx, expr, depth, seen | {expr.id})
        if expanded is not None:
            return expanded
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and depth < 4:
        inlined = _inline_helper(ctx, expr, depth, seen)
        if inlined is not None:
            return inlined
    return [Part(node=expr)]


def _inline_helper(ctx: RuleContext, call: ast.Call, depth: int, seen: frozenset[str]) -> list[Part] | None:
    """``make_query("users", value)`` with ``def make_query(table, v): return f"... {table} ... '{v}'"``:
    the helper's text, its parameters replaced by the call's arguments."""
    helper = ctx.module_functions.get(call.func.id)
    if not isinstance(helper, (ast.FunctionDef, ast.AsyncFunctionDef)) or call.func.id in seen:
        return None
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    if taint.is_sanitized(ctx, call, kind="sql"):
        return None  # ``identifier(name)``: a quoting helper's result is one safe leaf
    returns = [n for n in ast.walk(helper) if isinstance(n, ast.Return) and n.value is not None]
    if len(returns) != 1 or not _builder(returns[0].value):
        return None
    taint.read_helper(ctx, helper)
    params = [a.arg for a in helper.args.posonlyargs + helper.args.args]
    given: dict[str, ast.AST] = {params[i]: arg for i, arg in enumerate(call.args) if i < len(params)}
    given.update({k.arg: k.value for k in call.keywords if k.arg})
    parts: list[Part] = []
    for part in flatten(ctx, returns[0].value, depth + 1, seen | {call.func.id}):
        node = part.node
        if isinstance(node, ast.Name) and node.id in params and taint.function_of(ctx, node) is helper:
            argument = given.get(node.id)
            if argument is None:
                parts.append(Part(node=node, safe=True))  # a default value
            else:
                parts.extend(_leaf_or_flatten(ctx, argument, depth + 1, seen))
        else:
            parts.append(part)
    return parts


def _leaf_or_flatten(ctx: RuleContext, node: ast.AST, depth: int, seen: frozenset[str]) -> list[Part]:
    if isinstance(node, (ast.Name, ast.JoinedStr, ast.BinOp)) or (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("join", "format")):
        return flatten(ctx, node, depth + 1, seen)
    return [Part(node=node)]


def _builder(value: ast.AST | None) -> bool:
    """Does this assigned value build a string (so its pieces matter)?"""
    if value is None:
        return False
    if isinstance(value, ast.Constant):
        return isinstance(value.value, str)
    if isinstance(value, ast.JoinedStr):
        return True
    if isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Mod)):
        return True
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in ("format", "join", "strip"):
        return True
    return False


def _expand_name(ctx: RuleContext, name: ast.Name, depth: int, seen: frozenset[str]) -> list[Part] | None:
    bindings = taint.bindings_before(ctx, name)
    if not bindings or any(b.kind not in ("assign", "aug") for b in bindings):
        return None
    if not all(_builder(b.value) for b in bindings):
        return None
    if any(b.kind == "aug" and not isinstance(b.stmt.op, ast.Add) for b in bindings):
        return None
    if taint.is_constant(ctx, name, kind="sql"):
        # Constant pieces still give the text context (``query = "SELECT ..."``).
        pass
    parts: list[Part] = []
    for b in bindings:
        sub = flatten(ctx, b.value, depth + 1, seen)
        if parts and b.kind == "assign":
            parts.append(Part(text=" "))
        parts.extend(sub)
    return parts


def _percent(ctx: RuleContext, template: str, right: ast.AST, depth: int, seen: frozenset[str]) -> list[Part]:
    values = list(right.elts) if isinstance(right, ast.Tuple) else [right]
    mapping = right if isinstance(right, ast.Dict) else None
    parts: list[Part] = []
    position = 0
    index = 0
    for match in re.finditer(r"%(\((\w+)\))?[-#0 +]*(\*|\d+)?(\.\d+)?([diouxXeEfFgGcrsa%])", template):
        parts.append(Part(text=template[position:match.start()]))
        position = match.end()
        conv = match.group(5)
        if conv == "%":
            parts.append(Part(text="%"))
            continue
        node: ast.AST | None = None
        if match.group(2) and mapping is not None:
            for key, value in zip(mapping.keys, mapping.values):
                if isinstance(key, ast.Constant) and key.value == match.group(2):
                    node = value
        elif match.group(2):
            node = right
        elif index < len(values):
            node = values[index]
            index += 1
        if node is None:
            parts.append(Part(text=match.group(0)))
            continue
        if conv in "diouxXeEfFgGc":
            parts.append(Part(node=node, safe=True))
        else:
            parts.extend(_leaf_or_flatten(ctx, node, depth, seen))
    parts.append(Part(text=template[position:]))
    return [p for p in parts if p.node is not None or p.text]


def _format(ctx: RuleContext, template: str, call: ast.Call, depth: int, seen: frozenset[str]) -> list[Part]:
    parts: list[Part] = []
    auto = 0
    keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg}
    mapping = None
    if isinstance(call.func, ast.Attribute) and call.func.attr == "format_map" and len(call.args) == 1:
        # ``"<h1>{title}</h1>".format_map(data)``: each field is a value of the mapping.
        mapping = call.args[0]
        if isinstance(mapping, ast.Dict):
            keywords = {k.value: v for k, v in zip(mapping.keys, mapping.values)
                        if isinstance(k, ast.Constant) and isinstance(k.value, str)}
            mapping = None
    try:
        pieces = list(string.Formatter().parse(template))
    except ValueError:
        return [Part(node=call)]
    for literal, field_name, spec, _conv in pieces:
        if literal:
            parts.append(Part(text=literal))
        if field_name is None:
            continue
        head = re.match(r"\w*", field_name).group(0)
        node: ast.AST | None
        if mapping is not None:
            node = mapping
        elif head == "":
            node = call.args[auto] if auto < len(call.args) else None
            auto += 1
        elif head.isdigit():
            i = int(head)
            node = call.args[i] if i < len(call.args) else None
        else:
            node = keywords.get(head)
        if node is None or isinstance(node, ast.Starred):
            parts.append(Part(node=call))
            continue
        if spec and re.fullmatch(r"[-+ #0,_]*\d*(\.\d+)?[dfeEgGn%xXob]", spec):
            parts.append(Part(node=node, safe=True))
        elif head == field_name:
            parts.extend(_leaf_or_flatten(ctx, node, depth, seen))
        else:
            parts.append(Part(node=node))
    return parts


def _join(ctx: RuleContext, sep: list[Part], iterable: ast.AST, depth: int, seen: frozenset[str]) -> list[Part]:
    elements: list[ast.AST] | None = None
    if isinstance(iterable, (ast.List, ast.Tuple)):
        elements = list(iterable.elts)
    elif isinstance(iterable, (ast.ListComp, ast.GeneratorExp)):
        elements = [iterable.elt]
    elif isinstance(iterable, ast.Name):
        bindings = taint.bindings_before(ctx, iterable)
        if bindings and all(b.kind in ("assign", "mutate", "aug") for b in bindings):
            elements = []
            for b in bindings:
                if isinstance(b.value, (ast.List, ast.Tuple)):
                    elements.extend(b.value.elts)
                elif isinstance(b.value, (ast.ListComp, ast.GeneratorExp)):
                    elements.append(b.value.elt)
                elif b.kind == "mutate" and b.value is not None and not isinstance(b.value, (ast.List, ast.Tuple)):
                    elements.append(b.value)
                elif b.value is not None:
                    return [Part(node=iterable)]
    if elements is None:
        return [Part(node=iterable)]
    parts: list[Part] = []
    for i, element in enumerate(elements):
        if i:
            parts.extend(Part(text=p.text, node=p.node, safe=p.safe) for p in sep)
        parts.extend(flatten(ctx, element, depth + 1, seen))
    return parts or [Part(text="")]


# --------------------------------------------------------------------------- classification

def _classify(ctx: RuleContext, use: SqlUse, sql_like: bool, identifier: bool = False) -> None:
    parts = use.parts
    for part in parts:
        if part.node is not None and not part.safe:
            part.safe = _safe_leaf(ctx, part.node)
    leaves = [p for p in parts if p.node is not None]
    if not any(p.text.strip() for p in parts) and len(leaves) == 1 and not is_sql_object(ctx, leaves[0].node):
        # No SQL text of our own: the whole query is one value.
        leaf = leaves[0]
        if not leaf.safe and taint.is_user_input(ctx, leaf.node, kind="sql"):
            use.whole_user = True
            leaf.cls = "identifier" if identifier or _order_context(ctx, use.call) else "value"
            use.unsafe = [leaf]
        return
    if not sql_like and use.kind == "method":
        return
    previous_identifier = False
    for i, part in enumerate(parts):
        if part.node is None:
            continue
        if part.safe:
            previous_identifier = False
            continue
        before = "".join(p.text if p.node is None else LEAF for p in parts[:i])
        after = "".join(p.text if p.node is None else LEAF for p in parts[i + 1:])
        part.cls = "identifier" if identifier else _context(before, after, previous_identifier)
        keyword = re.findall(r"\b(from|join|into|update|table|column|order\s+by|group\s+by|partition\s+by|limit|offset|"
                             r"top|select|where|set|values|like|having|and|or|in|on)\b", before, re.I)
        part.where = " ".join(keyword[-1].upper().split()) if keyword else ""
        previous_identifier = part.cls == "identifier"
        use.unsafe.append(part)


def is_sql_object(ctx: RuleContext, node: ast.AST, depth: int = 0) -> bool:
    """A ``text()`` / ``sql.SQL()`` / ``select()`` object (checked where it is built)."""
    if isinstance(node, ast.Name) and depth < 3:
        values = [b.value for b in taint.bindings_before(ctx, node) if b.kind == "assign"]
        return bool(values) and all(v is not None and is_sql_object(ctx, v, depth + 1) for v in values)
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not (
            ctx.qualified_name(node.func) or "").startswith(("sqlalchemy", "psycopg")):
        node = node.func.value  # text(...).bindparams(...), select(...).where(...)
    if isinstance(node, ast.Call):
        qualified = ctx.qualified_name(node.func) or ""
        return qualified.startswith(("sqlalchemy", "psycopg.sql", "psycopg2.sql", "django.db.models"))
    return False


def _order_context(ctx: RuleContext, call: ast.Call) -> bool:
    parent = ctx.parent(call)
    return isinstance(parent, ast.Call) and isinstance(parent.func, ast.Attribute) and parent.func.attr in (
        "order_by", "group_by")


def _safe_leaf(ctx: RuleContext, node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        qualified = ctx.qualified_name(node.func) or ""
        if qualified.startswith(("psycopg.sql.", "psycopg2.sql.")):
            return True
    return taint.is_constant(ctx, node, kind="sql")


def _context(before: str, after: str, previous_identifier: bool) -> str:
    quotes = before.count("'") - before.count("\\'")
    if quotes % 2 == 1:
        return "value"
    if before.count('"') % 2 == 1 or before.count("`") % 2 == 1:
        return "identifier"
    tail = before.rstrip()
    if IDENT_AFTER.match(after) or DIRECTION_AFTER.match(after):
        return "identifier"
    if previous_identifier and before.endswith((" ", LEAF)) and tail.endswith(LEAF):
        return "identifier"
    if IDENT_BEFORE.search(tail):
        if re.search(r"\b(in|values)\s*\($", tail, re.I):
            return "value"
        return "identifier"
    if tail.endswith(",") or tail.endswith(LEAF + ","):
        keyword = LIST_KEYWORD.search(tail[:-1])
        if keyword and re.match(r"select|order|group|from|returning|insert|by|into", keyword.group(1), re.I):
            return "identifier"
        return "value"
    return "value"


# --------------------------------------------------------------------------- drivers and messages

def driver_style(ctx: RuleContext, use: SqlUse) -> str | None:
    """Placeholder style of the driver in use: qmark (?), format (%s), numeric ($1),
    named (:name); None when it cannot be told."""
    if use.kind == "text":
        return "named"
    if use.kind in ("rawsql", "extra"):
        return "format"
    if isinstance(use.call.func, ast.Attribute) and use.call.func.attr == "raw":
        return "format"
    modules = {q.split(".")[0] for q in ctx.imports.values()}
    attr = use.call.func.attr if isinstance(use.call.func, ast.Attribute) else ""
    if attr in ("fetch", "fetchrow", "fetchval") and "asyncpg" in modules:
        return "numeric"
    receiver = (ctx.dotted_name(use.call.func.value) or "") if attr else ""
    if "sqlalchemy" in modules and use.kind == "method" and "cur" not in receiver.lower():
        return None  # a Session/Connection wants text() and a dict
    styles = {style for module, style in DRIVERS if module in modules}
    if "django" in modules and ({"psycopg2", "psycopg"} & modules or len(styles) == 1):
        styles = {"format"}
    if "sqlalchemy" in modules and use.kind in ("pandas", "method") and not styles:
        return None
    if len(styles) == 1:
        return styles.pop()
    return None


def describe(ctx: RuleContext, node: ast.AST) -> str:
    text = ctx.source(node) or ast.unparse(node)
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:37] + "..."


def parts_claim(ctx: RuleContext, parts: list[Part], kind: str = "sql") -> str:
    """``taint.REQUEST`` when one of ``parts`` is proven to carry data of the remote request
    (:func:`taint.request_claim`), else "": the claim a finding about these parts makes."""
    return max((taint.request_claim_of(ctx, part.node, taint.user_input_sources(ctx, part.node, kind=kind))
                for part in parts if part.node is not None), default="")


def origin_note(ctx: RuleContext, node: ast.AST) -> str:
    sources = taint.user_input_sources(ctx, node, kind="sql")
    if sources:
        return f" (user input: {', '.join(sources[:2])})"
    return ""


# --------------------------------------------------------------------------- where the query is built (for fixes)

def builder_of(ctx: RuleContext, use: SqlUse) -> ast.AST | None:
    """The single literal-building expression of the query, in this block: the query
    argument itself, or the value of the one assignment of the variable it names."""
    query = use.query
    if isinstance(query, ast.Name):
        bindings = taint.bindings_before(ctx, query)
        if len(bindings) != 1 or bindings[0].kind != "assign" or bindings[0].value is None:
            return None
        if ctx.parent(bindings[0].stmt) is None or not isinstance(bindings[0].stmt, ast.Assign):
            return None
        if len(bindings[0].stmt.targets) != 1:
            return None
        query = bindings[0].value
    if isinstance(query, ast.JoinedStr):
        return query
    if isinstance(query, ast.BinOp) and isinstance(query.op, (ast.Mod, ast.Add)):
        return query
    if isinstance(query, ast.Call) and isinstance(query.func, ast.Attribute) and query.func.attr == "format":
        return query
    return None


def own_parts(ctx: RuleContext, builder: ast.AST) -> list[Part] | None:
    """The builder's parts when every leaf sits inside it (no variable expanded)."""
    parts = flatten(ctx, builder, seen=frozenset(n.id for n in ast.walk(builder) if isinstance(n, ast.Name)))
    if any(OPAQUE in p.text for p in parts):
        return None
    start = (builder.lineno, builder.col_offset)
    end = (builder.end_lineno, builder.end_col_offset)
    for part in parts:
        if part.node is not None:
            where = (getattr(part.node, "lineno", 0), getattr(part.node, "col_offset", 0))
            if not start <= where <= end:
                return None
    return parts
