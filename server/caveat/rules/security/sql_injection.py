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

## Default set
`caveat check` with no flag reports the findings about data of the remote request (a request
attribute, a route's URL parameter) that reaches the query as the client's own text; the rest
of the rule (a value not proven to be the request's text: a helper's parameter, configuration, a
record's field) is in the strict profile, with new code and `--select CAV101`.

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

from caveat.analysis import taint
from caveat.analysis.sql import SqlUse, describe, driver_style, origin_note, parts_claim, sql_uses
from caveat.engine.findings import Severity
from caveat.rules.base import Rule, RuleContext
from caveat.rules.security._query_fix import parameters_fix


class SqlInjection(Rule):
    code = "CAV101"
    name = "sql-injection"
    category = "sql-injection"
    cwe = 89
    severity = Severity.ERROR
    fixable = True
    supersedes = ("B608", "B610", "B611")
    replaces = ("B608", "B610", "B611")
    claims = (taint.REQUEST,)

    def check(self, ctx: RuleContext) -> None:
        for use in sql_uses(ctx):
            if use.whole_user and use.unsafe and use.unsafe[0].cls == "value":
                leaf = use.unsafe[0].node
                ctx.report(self, use.call, (
                    f"The whole SQL text passed to `{use.sink}` is `{describe(ctx, leaf)}`"
                    f"{origin_note(ctx, leaf)}: the client chooses the statement. Run fixed SQL and pass "
                    "the values as parameters."), claim=parts_claim(ctx, use.unsafe[:1]))
                continue
            values = use.values
            if not values:
                continue
            ctx.report(self, use.call, _message(ctx, use), fix=parameters_fix(ctx, use), claim=parts_claim(ctx, values))


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
