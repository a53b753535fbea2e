"""Sinks as data: where a value must not come from the client, one table per family.

Each :class:`Sink` names the call, the library it belongs to and which arguments are
dangerous. A callee is either a qualified name (``flask.redirect``, resolved through the
module's imports by ``ctx.qualified_name``), or ``.method`` for a method on an object
whose type we cannot see (``conn.search``, ``root.xpath``), which then counts only in a
module that imports one of ``imports`` (the library that makes such objects).

:func:`sink_arguments` finds the calls of a family's sinks in a block and yields the
argument expressions to test; the rules ask the taint model (``analysis/taint.py``) about
them. Adding a sink is one line here plus a fixture line.
"""
from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from caveat.rules.base import RuleContext


@dataclass(frozen=True)
class Sink:
    library: str
    callee: str                       # "pkg.func" or ".method"
    args: tuple[int, ...] = (0,)      # dangerous positional arguments
    keywords: tuple[str, ...] = ()    # ... and keywords
    imports: tuple[str, ...] = ()     # for ".method": the module must import one of these


SINKS: dict[str, tuple[Sink, ...]] = {
    # CWE-601: where the client is sent next.
    "redirect": (
        Sink("flask", "flask.redirect", (0,), ("location",)),
        Sink("werkzeug", "werkzeug.utils.redirect", (0,), ("location",)),
        Sink("quart", "quart.redirect", (0,), ("location",)),
        Sink("django", "django.shortcuts.redirect", (0,), ("to",)),
        Sink("django", "django.http.HttpResponseRedirect", (0,), ("redirect_to",)),
        Sink("django", "django.http.HttpResponsePermanentRedirect", (0,), ("redirect_to",)),
        Sink("starlette", "starlette.responses.RedirectResponse", (0,), ("url",)),
        Sink("fastapi", "fastapi.responses.RedirectResponse", (0,), ("url",)),
        Sink("bottle", "bottle.redirect", (0,), ("url",)),
        Sink("pyramid", "pyramid.httpexceptions.HTTPFound", (), ("location",)),
    ),
    # CWE-90: LDAP search filters and DNs.
    "ldap": (
        Sink("ldap3", ".search", (0, 1), ("search_base", "search_filter"), ("ldap3",)),
        Sink("python-ldap", ".search_s", (0, 2), ("base", "filterstr"), ("ldap",)),
        Sink("python-ldap", ".search_st", (0, 2), ("base", "filterstr"), ("ldap",)),
        Sink("python-ldap", ".search_ext_s", (0, 2), ("base", "filterstr"), ("ldap",)),
        Sink("python-ldap", ".search_ext", (0, 2), ("base", "filterstr"), ("ldap",)),
        Sink("python-ldap", ".search", (0, 2), ("base", "filterstr"), ("ldap",)),
    ),
    # CWE-643: XPath expressions.
    "xpath": (
        Sink("lxml", "lxml.etree.XPath", (0,), ("path",)),
        Sink("lxml", "lxml.etree.ETXPath", (0,), ("path",)),
        Sink("lxml", ".xpath", (0,), ("_path",), ("lxml",)),
        Sink("elementpath", "elementpath.select", (1,), ("path",)),
        Sink("elementpath", "elementpath.iter_select", (1,), ("path",)),
        Sink("elementpath", "elementpath.Selector", (0,), ("path",)),
        Sink("xml.etree", ".findall", (0,), ("path",), ("xml.etree", "lxml", "defusedxml")),
        Sink("xml.etree", ".iterfind", (0,), ("path",), ("xml.etree", "lxml", "defusedxml")),
        Sink("xml.etree", ".findtext", (0,), ("path",), ("xml.etree", "lxml", "defusedxml")),
    ),
}
# The objects a web framework keeps per-client server-side state in.
SESSION_OBJECTS = frozenset({"flask.session", "quart.session"})
SESSION_ATTRIBUTES = ("request.session", "self.request.session")


def sink_arguments(ctx: RuleContext, family: str) -> Iterator[tuple[ast.Call, ast.AST, Sink]]:
    """(call, dangerous argument, sink) for every call of ``family``'s sinks in the block."""
    table = SINKS[family]
    methods: dict[str, list[Sink]] = {}
    for s in table:
        if s.callee.startswith("."):
            methods.setdefault(s.callee[1:], []).append(s)
    named = {s.callee: s for s in table if not s.callee.startswith(".")}
    shorts = {name.rsplit(".", 1)[-1] for name in named} | set(methods)
    imported: dict[Sink, bool] = {}
    for call in ctx.nodes(ast.Call):
        func = call.func
        short = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if short not in shorts:
            continue
        qualified = ctx.qualified_name(func) or ""
        sink = named.get(qualified)
        if sink is None and isinstance(func, ast.Attribute) and not qualified.startswith(("os.", "re.", "str.")):
            for candidate in methods.get(short, ()):
                if candidate not in imported:
                    imported[candidate] = any(ctx.is_imported(m) for m in candidate.imports)
                if imported[candidate]:
                    sink = candidate
                    break
        if sink is None:
            continue
        for index in sink.args:
            if index < len(call.args) and not isinstance(call.args[index], ast.Starred):
                yield call, call.args[index], sink
        for kw in call.keywords:
            if kw.arg in sink.keywords:
                yield call, kw.value, sink


def is_session(ctx: RuleContext, expr: ast.AST) -> bool:
    """Is ``expr`` the framework's per-client session (``flask.session``,
    ``request.session``)?"""
    if (ctx.qualified_name(expr) or "") in SESSION_OBJECTS:
        return True
    return isinstance(expr, ast.Attribute) and ctx.dotted_name(expr) in SESSION_ATTRIBUTES


def session_stores(ctx: RuleContext) -> Iterator[tuple[ast.AST, ast.AST, ast.AST]]:
    """(statement, key, value) for ``session[key] = value`` and
    ``session.update/setdefault(...)`` on the framework's session."""
    for assign in ctx.nodes(ast.Assign):
        for target in assign.targets:
            if isinstance(target, ast.Subscript) and is_session(ctx, target.value):
                yield assign, target.slice, assign.value
    for call in ctx.nodes(ast.Call):
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in ("update", "setdefault", "__setitem__") \
                and is_session(ctx, func.value) and call.args:
            key = call.args[0] if func.attr != "update" else None
            value = call.args[1] if len(call.args) > 1 else call.args[0]
            yield call, key if key is not None else value, value
