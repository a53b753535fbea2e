"""## What it does

Detects SQL identifiers and clauses - a table or column name, `ORDER BY`/
`GROUP BY` column or direction, `LIMIT`/`OFFSET` - interpolated into the query
text from a value that is not proven safe, typically while the values of the
same query are correctly passed as parameters.

## Why is this bad?
Placeholders only work for values: a driver cannot bind a column name, so
code that parameterizes the `WHERE` clause often interpolates `ORDER BY {sort}`
or `FROM {table}` instead. Whoever controls `sort` then controls the end of
the statement (`name; DROP TABLE users--`, or a `CASE WHEN (SELECT ...)` that
leaks data one bit at a time) (CWE-89).

## Example
```python
sort = request.args.get("sort", "name")
cur.execute(f"SELECT * FROM products WHERE price < ? ORDER BY {sort}", (max_price,))
```

## Use instead
```python
sort = request.args.get("sort", "name")
if sort not in {"name", "price", "created_at"}:
    abort(400)
cur.execute(f"SELECT * FROM products WHERE price < ? ORDER BY {sort}", (max_price,))
```
or, with psycopg, `sql.SQL("... ORDER BY {}").format(sql.Identifier(sort))`.

## What it does not flag
Identifiers that are constants (module constants, literals, attributes of
`self`), checked against a literal allowlist (`if sort not in ALLOWED:
abort(400)`, `col if col in ALLOWED else "id"`, `COLUMNS[key]`), converted with
`int()`, or composed with `psycopg.sql.Identifier`. A query that also
interpolates *values* is reported once, by CAV101.

## Fix safety
For `LIMIT`/`OFFSET` the fix converts the value with `int()` (safe: valid
numbers are unchanged). Where psycopg's `sql` module is imported, the query is
rewritten with `sql.SQL(...).format(sql.Identifier(...))`; this quotes the
identifier, which makes it case-sensitive in PostgreSQL, so the fix is unsafe.
Otherwise the fix inserts an allowlist guard above the query with a
placeholder entry you must complete, so it is unsafe.

## References
- https://cwe.mitre.org/data/definitions/89.html
- https://www.psycopg.org/psycopg3/docs/api/sql.html
- https://cheatsheetseries.owasp.org/cheatsheets/Query_Parameterization_Cheat_Sheet.html
"""
from __future__ import annotations

import ast
import re

from caveat.engine.findings import Fix, Severity
from caveat.rules.base import Rule, RuleContext
from caveat.analysis.sql import Part, SqlUse, builder_of, describe, origin_note, own_parts, sql_uses
from caveat.rules.security._query_fix import string_literal

DIRECTION = re.compile(r"(^|_)(dir|direction|order|sort_order|sort_dir|asc|desc|ordering)$", re.I)


class SqlIdentifierInjection(Rule):
    code = "CAV102"
    name = "sql-identifier-injection"
    category = "sql-injection"
    cwe = 89
    severity = Severity.ERROR
    fixable = True
    supersedes = ("B608", "B610", "B611")

    def check(self, ctx: RuleContext) -> None:
        for use in sql_uses(ctx):
            if use.values:
                continue  # CAV101 reports the query
            identifiers = use.identifiers
            if not identifiers:
                continue
            first = identifiers[0]
            where = _where(first)
            names = ", ".join(f"`{describe(ctx, p.node)}`" for p in identifiers[:3])
            note = next((origin_note(ctx, p.node) for p in identifiers if origin_note(ctx, p.node)), "")
            verb = "is" if len(identifiers) == 1 else "are"
            message = (f"{names}{note} {verb} interpolated {where} of the SQL passed to `{use.sink}`; "
                       "placeholders cannot bind identifiers, so check the value against an allowlist of "
                       "known names (or use `psycopg.sql.Identifier`) before building the query.")
            if first.where in ("LIMIT", "OFFSET", "TOP"):
                message = (f"{names}{note} {verb} interpolated into {first.where} of the SQL passed to "
                           f"`{use.sink}`; convert it with `int()` (or pass it as a parameter).")
            ctx.report(self, use.call, message, fix=_fix(ctx, use))


def _where(part: Part) -> str:
    keyword = part.where
    if keyword in ("FROM", "JOIN", "INTO", "UPDATE", "TABLE"):
        return f"as a table name (after {keyword})"
    if keyword in ("ORDER BY", "GROUP BY", "PARTITION BY"):
        return f"into {keyword}"
    if keyword == "SELECT":
        return "into the column list"
    if keyword == "COLUMN":
        return "as a column name"
    return "as an identifier"


def _fix(ctx: RuleContext, use: SqlUse) -> Fix | None:
    identifiers = use.identifiers
    if all(p.where in ("LIMIT", "OFFSET", "TOP") for p in identifiers):
        edits = []
        for part in identifiers:
            source = ctx.source(part.node)
            if not source or source != ast.unparse(part.node) or ctx.parent(part.node) is None:
                return None
            edits.append(ctx.replace(part.node, f"int({source})"))
        return Fix("Convert the value to `int()`", tuple(edits), safe=True)
    psycopg = _psycopg_sql(ctx)
    if psycopg is not None:
        fix = _identifier_fix(ctx, use, psycopg)
        if fix is not None:
            return fix
    return _guard_fix(ctx, use)


def _psycopg_sql(ctx: RuleContext) -> str | None:
    for local, qualified in ctx.imports.items():
        if qualified in ("psycopg.sql", "psycopg2.sql"):
            return local
    return None


def _identifier_fix(ctx: RuleContext, use: SqlUse, sql: str) -> Fix | None:
    builder = builder_of(ctx, use)
    if builder is None or builder is not use.query or not isinstance(builder, ast.JoinedStr):
        return None
    parts = own_parts(ctx, builder)
    if parts is None:
        return None
    unsafe = {id(p.node) for p in use.identifiers}
    text: list[str] = []
    args: list[str] = []
    for part in parts:
        if part.node is None:
            text.append(part.text.replace("{", "{{").replace("}", "}}"))
        elif id(part.node) in unsafe:
            text.append("{}")
            args.append(f"{sql}.Identifier({ast.unparse(part.node)})")
        else:
            return None
    literal = string_literal("".join(text), ctx.source(builder))
    if "\n" in ctx.source(builder) and not literal.startswith(('"""', "'''")):
        return None
    edit = ctx.replace(builder, f"{sql}.SQL({literal}).format({', '.join(args)})")
    return Fix(f"Compose the identifiers with `{sql}.Identifier`", (edit,), safe=False)


def _guard_fix(ctx: RuleContext, use: SqlUse) -> Fix | None:
    guards: dict[int, list[str]] = {}
    seen: set[str] = set()
    for part in use.identifiers:
        node = part.node
        if not isinstance(node, ast.Name) or node.id in seen:
            return None
        seen.add(node.id)
        if ctx.parent(node) is None:
            return None
        statement = ctx.statement_of(node)
        line = ctx.lines[statement.lineno - 1]
        if line[: statement.col_offset].strip():
            return None
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        direction = DIRECTION.search(node.id) or _follows_identifier(use, part)
        allowed = '{"ASC", "DESC", "asc", "desc"}' if direction else '{"id"}'
        comment = "" if direction else "  # caveat: list the allowed names"
        step = "    " if "\t" not in indent else "\t"
        guard = (f"{indent}if {node.id} not in {allowed}:{comment}\n"
                 f"{indent}{step}raise ValueError(f\"unsupported {node.id}: {{{node.id}!r}}\")\n")
        guards.setdefault(statement.lineno, []).append(guard)
    if not guards:
        return None
    edits = [ctx.insert(ctx.position(line, 0), "".join(texts)) for line, texts in sorted(guards.items())]
    names = ", ".join(f"`{n}`" for n in sorted(seen))
    return Fix(f"Check {names} against an allowlist first", tuple(edits), safe=False)


def _follows_identifier(use: SqlUse, part: Part) -> bool:
    index = next(i for i, p in enumerate(use.parts) if p is part)
    previous = use.parts[index - 1] if index else None
    if previous is not None and previous.node is None and not previous.text.strip() and index >= 2:
        return use.parts[index - 2].node is not None
    return False

