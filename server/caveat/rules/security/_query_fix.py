"""Quick-fixes that move values out of query and template text into parameters: CAV101's
placeholders (``?``, ``%s``, ``$1``, ``:name`` by driver), and the helpers CAV102, CAV111
and CAV112 share to write string literals and name parameters."""
from __future__ import annotations

import ast
import re

from caveat.analysis.sql import LEAF, SqlUse, builder_of, driver_style, own_parts
from caveat.engine.findings import Fix
from caveat.rules import fixkit
from caveat.rules.base import RuleContext


def parameters_fix(ctx: RuleContext, use: SqlUse) -> Fix | None:
    """Replace each interpolated value of ``use``'s query by the driver's placeholder and
    pass the values as parameters (None when the query or the driver cannot be told)."""
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


def string_literal(text: str, like: str = '"') -> str:
    """A Python string literal for ``text`` using the quote style of the source
    literal ``like`` (its prefix letters and quotes)."""
    match = re.match(r"[rRbBuUfF]*('''|\"\"\"|'|\")", like.lstrip("("))
    quote = match.group(1) if match else '"'
    body = text.replace("\\", "\\\\")
    if len(quote) == 3:
        body = body.replace(quote, "\\" + quote[0] * 3)
        if body.endswith(quote[0]):
            body = body[:-1] + "\\" + quote[0]
    else:
        body = body.replace(quote, "\\" + quote).replace("\n", "\\n").replace("\r", "\\r")
    return f"{quote}{body}{quote}"


def param_name(node: ast.AST, taken: set[str]) -> str:
    base = None
    if isinstance(node, ast.Name):
        base = node.id
    elif isinstance(node, ast.Attribute):
        base = node.attr
    elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        base = node.slice.value
    elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        base = node.args[0].value
    if not base or not base.isidentifier():
        base = "value"
    base = base.lstrip("_") or "value"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}{n}", n + 1
    taken.add(name)
    return name


def with_args(call: "cst.Call", extra: list[str], replace: tuple[int, str] | None = None) -> "cst.Call":
    """``call`` with positional arguments ``extra`` appended after the positional
    ones (and argument ``replace[0]`` given the source ``replace[1]``)."""
    import libcst as cst

    args = list(call.args)
    if replace is not None:
        index, source = replace
        args[index] = args[index].with_changes(value=cst.parse_expression(source))
    new = [cst.Arg(value=cst.parse_expression(text)) for text in extra]
    if not new:
        return call.with_changes(args=args)
    insert_at = len([a for a in args if a.keyword is None and not a.star])
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    if insert_at == len(args):
        if args:
            last = args[-1]
            trailing, space = last.comma, last.whitespace_after_arg
            args[-1] = last.with_changes(comma=comma, whitespace_after_arg=cst.SimpleWhitespace(""))
            for i, arg in enumerate(new):
                new[i] = arg.with_changes(comma=comma if i < len(new) - 1 else trailing)
            new[-1] = new[-1].with_changes(whitespace_after_arg=space)
        else:
            new = [a.with_changes(comma=comma) for a in new[:-1]] + new[-1:]
        args.extend(new)
    else:
        before = args[:insert_at]
        if before:
            before[-1] = before[-1].with_changes(comma=comma)
        new = [a.with_changes(comma=comma) for a in new]
        args = before + new + args[insert_at:]
    return call.with_changes(args=args)
