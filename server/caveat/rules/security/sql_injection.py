"""## What it does

Detects SQL queries whose text is built from values by f-strings, `%`, `+` or
`.format()` - directly in the call or in a variable, in a loop, or across
statements - and sent to a database: DB-API `execute`/`executemany`/
`executescript` (sqlite3, psycopg, pymysql, MySQLdb...), asyncpg `fetch*`,
SQLAlchemy `text()`/`exec_driver_sql`, pandas `read_sql*`, Django `raw()`,
`extra()` and `RawSQL`.

## Why is this bad?
A value that becomes part of the SQL text can change the statement itself:
`name = "x' OR '1'='1"` turns a lookup into a dump of the table, and stacked
statements or `UNION SELECT` read or destroy other data (CWE-89). Every driver
has parameters precisely so that values never enter the text; escaping by hand
always misses a case. It does not matter whether *this* caller passes trusted
data: the function is one refactor away from receiving user input.

## Example
```python
def find_customer(conn, customer_name):
    query = f"SELECT * FROM customers WHERE name = '{customer_name}'"
    return conn.execute(query).fetchall()
```

## Use instead
```python
def find_customer(conn, customer_name):
    query = "SELECT * FROM customers WHERE name = ?"
    return conn.execute(query, (customer_name,)).fetchall()
```

## What it does not flag
SQL-looking text that is not sent to a database (log and error messages),
constant queries, values proven safe (`int()`/`float()`/`uuid.UUID()`
conversions, `int`/`UUID`-typed route parameters, names checked against a
literal allowlist, lookups in a constant table), module constants,
placeholder lists built for parameters (`", ".join("?" * len(ids))`),
`psycopg.sql.SQL(...).format(sql.Identifier(...))`, and `WHERE` clauses joined
from constant fragments whose values go in the parameters. Identifiers
(`ORDER BY {column}`, table names, `LIMIT`) interpolated while the values are
parameterized are reported by CAV102 instead.

## Fix safety
The quick-fix replaces each interpolated value by the driver's placeholder
(`?` for sqlite3/aiosqlite/pyodbc, `%s` for psycopg/psycopg2/pymysql/MySQLdb and
Django, `$1` for asyncpg, `:name` with a dict for SQLAlchemy `text()`) and passes
the values as parameters; a quoted value (`'{name}'`, `'%{term}%'`) loses its
quotes, and the text around it inside the quotes moves into the parameter. It is
offered only when the whole query is one literal f-string/`%`/`.format()` in the
call or in a variable assigned once in the same function, the call has no
parameters yet, and the driver can be told from the imports. It is safe: the
database receives the same values, as data.

## References
- https://cwe.mitre.org/data/definitions/89.html
- https://owasp.org/www-community/attacks/SQL_Injection
- https://peps.python.org/pep-0249/#paramstyle
"""
from __future__ import annotations

import ast

from caveat.engine.findings import Fix, Severity
from caveat.rules import fixkit
from caveat.rules.base import Rule, RuleContext
from caveat.rules.security.sql_common import (
    LEAF, SqlUse, builder_of, describe, driver_style, origin_note, own_parts, param_name,
    sql_uses, string_literal, with_args)


class SqlInjection(Rule):
    code = "CAV101"
    name = "sql-injection"
    category = "sql-injection"
    cwe = 89
    severity = Severity.ERROR
    fixable = True
    supersedes = ("B608", "B610", "B611")
    replaces = ("B608", "B610", "B611")

    def check(self, ctx: RuleContext) -> None:
        for use in sql_uses(ctx):
            if use.whole_user and use.unsafe and use.unsafe[0].cls == "value":
                leaf = use.unsafe[0].node
                ctx.report(self, use.call, (
                    f"The whole SQL text passed to `{use.sink}` is `{describe(ctx, leaf)}`"
                    f"{origin_note(ctx, leaf)}: the client chooses the statement. Run fixed SQL and pass "
                    "the values as parameters."))
                continue
            values = use.values
            if not values:
                continue
            ctx.report(self, use.call, _message(ctx, use), fix=_fix(ctx, use))


def _message(ctx: RuleContext, use: SqlUse) -> str:
    values = use.values
    names = ", ".join(f"`{describe(ctx, p.node)}`" for p in values[:3]) + (" ..." if len(values) > 3 else "")
    note = next((origin_note(ctx, p.node) for p in values if origin_note(ctx, p.node)), "")
    built = f"`{use.via}` is built" if use.via else "The query is built"
    style = driver_style(ctx, use) or "qmark"
    value = describe(ctx, values[0].node) if len(describe(ctx, values[0].node)) < 25 else "value"
    key = value if value.isidentifier() else "value"
    example = {"qmark": f'"... = ?", ({value},)', "format": f'"... = %s", ({value},)',
               "numeric": f'"... = $1", {value}', "named": f'"... = :{key}", {{"{key}": {value}}}'}[style]
    extra = ""
    if use.identifiers:
        extra = f" ({', '.join('`' + describe(ctx, p.node) + '`' for p in use.identifiers[:2])} also needs an allowlist.)"
    return (f"{built} with {use.how} from {names}{note} and passed to `{use.sink}`: a quote in the value "
            f"rewrites the statement. Pass values as parameters: `{use.sink.rsplit('.', 1)[-1]}({example})`.{extra}")


def _fix(ctx: RuleContext, use: SqlUse) -> Fix | None:
    style = driver_style(ctx, use)
    if style is None or use.kind in ("extra", "sqlobj"):
        return None
    attr = use.call.func.attr if isinstance(use.call.func, ast.Attribute) else ""
    if attr in ("executescript", "executemany", "mogrify"):
        return None
    builder = builder_of(ctx, use)
    if builder is None:
        return None
    parts = own_parts(ctx, builder)
    if parts is None:
        return None
    # Classification comes from the analysed use (same leaf nodes).
    classes = {id(p.node): p for p in use.parts if p.node is not None}
    for part in parts:
        if part.node is not None and id(part.node) in classes:
            known = classes[id(part.node)]
            part.safe, part.cls = known.safe, known.cls
        elif part.node is not None and not part.safe:
            return None
    if not any(p.node is not None and not p.safe and p.cls == "value" for p in parts):
        return None
    rebuilt = _rebuild(ctx, parts, style)
    if rebuilt is None:
        return None
    sql_text, keep_fstring, params = rebuilt
    literal = string_literal(sql_text, ctx.source(builder) if isinstance(builder, ast.JoinedStr) else _first_literal(ctx, builder))
    if keep_fstring:
        literal = "f" + literal
    if "\n" in ctx.source(builder) and not literal.lstrip("f").startswith(('"""', "'''")):
        return None
    edits = []
    target_call = use.call
    if use.kind == "text":
        parent = ctx.parent(use.call)
        executes = isinstance(parent, ast.Call) and isinstance(parent.func, ast.Attribute) and \
            parent.func.attr in ("execute", "exec", "scalars", "scalar") and len(parent.args) == 1 and not parent.keywords
        mapping = "{" + ", ".join(f'"{k}": {v}' for k, v in params) + "}"
        if use.call.args and use.call.args[0] is builder:
            replace_first = (0, literal)
            if executes:
                edit = fixkit.rewrite_expression(ctx, parent, lambda c: with_args(
                    c.with_changes(args=[c.args[0].with_changes(value=with_args(c.args[0].value, [], replace_first))]),
                    [mapping]))
            else:
                bind = ", ".join(f"{k}={v}" for k, v in params)
                edit = ctx.replace(use.call, f"{ctx.source(use.call.func)}({literal}).bindparams({bind})")
            edits.append(edit)
        else:
            edits.append(ctx.replace(builder, literal))
            if executes:
                edits.append(fixkit.rewrite_expression(ctx, parent, lambda c: with_args(c, [mapping])))
            else:
                bind = ", ".join(f"{k}={v}" for k, v in params)
                edits.append(ctx.insert(ctx.end(use.call), f".bindparams({bind})"))
    else:
        if len(use.call.args) != 1 or any(kw.arg not in ("con", "conn", "connection") for kw in use.call.keywords):
            if not (use.kind == "pandas" and len(use.call.args) == 2 and not use.call.keywords):
                return None
        values = [v for _, v in params]
        if style == "numeric":
            extra = values
        elif use.kind == "pandas":
            extra = []
        else:
            extra = ["(" + ", ".join(values) + ("," if len(values) == 1 else "") + ")"]
        pandas_params = "(" + ", ".join(values) + ("," if len(values) == 1 else "") + ")"
        inline = bool(use.call.args) and use.call.args[0] is builder

        def transform(call):
            new = with_args(call, extra, (0, literal) if inline else None)
            if use.kind == "pandas":
                new = fixkit.with_keyword(new, "params", pandas_params)
            return new

        if not inline:
            edits.append(ctx.replace(builder, literal))
        edits.append(fixkit.rewrite_expression(ctx, target_call, transform))
    if any(edit is None for edit in edits):
        return None
    placeholder = {"qmark": "?", "format": "%s", "numeric": "$1", "named": ":name"}[style]
    return Fix(f"Pass the values as query parameters (`{placeholder}` placeholders)", tuple(edits), safe=True)


def _first_literal(ctx: RuleContext, builder: ast.AST) -> str:
    for node in ast.walk(builder):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return ctx.source(node) or '"'
    return '"'


def _rebuild(ctx: RuleContext, parts, style: str):
    """New SQL text with placeholders, whether it still needs to be an f-string
    (safe leaves and identifiers stay interpolated), and the (name, source)
    parameters in order. None when the quoting cannot be followed."""
    out: list[tuple[str, object]] = []  # ("text", str) / ("ph", str) / ("keep", Part)
    params: list[tuple[str, str]] = []
    taken: set[str] = set()
    parts = list(parts)
    i = 0

    def placeholder(name: str) -> str:
        return {"qmark": "?", "format": "%s", "numeric": f"${len(params)}", "named": f":{name}"}[style]

    while i < len(parts):
        part = parts[i]
        if part.node is None:
            out.append(("text", part.text))
            i += 1
            continue
        if part.safe or part.cls != "value":
            out.append(("keep", part))
            i += 1
            continue
        current = "".join(str(v) if k == "text" else LEAF for k, v in out)
        i += 1
        name = param_name(part.node, taken)
        if (current.count("'") - current.count("\\'")) % 2 == 0:
            params.append((name, ast.unparse(part.node)))
            out.append(("ph", placeholder(name)))
            continue
        # Inside a quoted SQL literal: from the quote to the closing quote becomes the parameter.
        quote_at = _last_text_quote(out)
        if quote_at is None:
            return None
        k, offset = quote_at
        inner: list[tuple[str, object]] = []
        head = str(out[k][1])[offset + 1:]
        if head:
            inner.append(("text", head))
        inner.extend(out[k + 1:])
        before = str(out[k][1])[:offset]
        out = out[:k] + ([("text", before)] if before else [])
        inner.append(("leaf", part))
        closed = False
        while i < len(parts):
            nxt = parts[i]
            i += 1
            if nxt.node is not None:
                inner.append(("leaf", nxt))
                continue
            pos = nxt.text.find("'")
            if pos < 0:
                inner.append(("text", nxt.text))
                continue
            if nxt.text[:pos]:
                inner.append(("text", nxt.text[:pos]))
            rest = nxt.text[pos + 1:]
            if rest:
                parts.insert(i, type(nxt)(text=rest))
            closed = True
            break
        if not closed or any(k == "ph" for k, _ in inner):
            return None
        if len(inner) == 1:
            source = ast.unparse(part.node)
        else:
            pieces = [str(v).replace("{", "{{").replace("}", "}}") if k == "text"
                      else "{" + ast.unparse(v.node) + "}" for k, v in inner]
            source = "f" + string_literal("".join(pieces), '"')
        params.append((name, source))
        out.append(("ph", placeholder(name)))
    keep_fstring = any(k == "keep" for k, _ in out)
    final: list[str] = []
    for kind, value in out:
        if kind == "text":
            text = str(value)
            if style == "format":
                text = text.replace("%", "%%")
            if keep_fstring:
                text = text.replace("{", "{{").replace("}", "}}")
            final.append(text)
        elif kind == "ph":
            final.append(str(value))
        else:
            final.append("{" + ast.unparse(value.node) + "}")
    return "".join(final), keep_fstring, params


def _last_text_quote(out):
    for k in range(len(out) - 1, -1, -1):
        kind, value = out[k]
        if kind == "text":
            pos = str(value).rfind("'")
            if pos >= 0:
                return k, pos
    return None
