"""The shared flow helpers rules rely on."""
import ast

from caveat.analysis.flow import resolved_call_name, value_before
from caveat.rules.base import RuleContext


def context(source: str) -> RuleContext:
    return RuleContext(ast.parse(source), source, {}, {})


def test_stores_into_an_object_do_not_rebind_it():
    ctx = context(
        "import requests\n"
        "def f(url):\n"
        "    session = requests.Session()\n"
        "    session.headers['X'] = '1'\n"
        "    session.verify = False\n"
        "    a, (b, *session_rest) = 1, (2, 3)\n"
        "    return session.get(url)\n"
    )
    call = [c for c in ctx.nodes(ast.Call) if ctx.dotted_name(c) == "session.get"][0]
    assert resolved_call_name(ctx, call) == "requests.Session.get"


def test_tuple_and_starred_targets_rebind():
    ctx = context("def f(x):\n    y = 1\n    y, z = x\n    return y\n")
    use = [n for n in ctx.nodes(ast.Name) if n.id == "y" and isinstance(n.ctx, ast.Load)][0]
    assert value_before(ctx, use) is None  # unpacked: no single value


def test_source_slices_unicode_and_multiline():
    source = "x = f('é', 2)\ny = g(\n    'ü',\n)\n"
    ctx = context(source)
    calls = ctx.nodes(ast.Call)
    assert sorted(ctx.source(c) for c in calls) == sorted(["f('é', 2)", "g(\n    'ü',\n)"])
