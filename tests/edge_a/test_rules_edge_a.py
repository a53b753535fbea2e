"""Behaviour of CAV201-CAV206 that fixtures cannot express: rule options, the shared
receiver resolution, messages naming the code, robustness on arbitrary text."""
from __future__ import annotations

import ast
import textwrap

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caveat.engine.analyzer import Engine
from caveat.project import Settings
from caveat.rules.base import RuleContext
from caveat.rules.edge._common_a import local_name_for, resolved_call_name, value_before, words
from caveat.rules.edge.missing_timeout import MissingTimeout

CODES = ("CAV201", "CAV202", "CAV203", "CAV204", "CAV205", "CAV206")
ENGINE = Engine()


def context(source: str, options: dict | None = None) -> RuleContext:
    source = textwrap.dedent(source)
    return RuleContext(ast.parse(source), source, {}, {}, "app.py", options=options)


def findings(source: str, *codes: str):
    analysis = ENGINE.analyze(textwrap.dedent(source), "app.py", Settings(select=codes or CODES))
    return [f for f in analysis.findings if f.code in (codes or CODES)]


# --- options ------------------------------------------------------------------------
BOTO = """
import boto3
from botocore.config import Config

def client():
    return boto3.client("s3")
"""


def test_boto3_is_opt_in() -> None:
    ctx = context(BOTO)
    MissingTimeout().check(ctx)
    assert ctx.findings == []
    ctx = context(BOTO, options={"boto3-timeouts": True})
    MissingTimeout().check(ctx)
    assert [f.code for f in ctx.findings] == ["CAV203"]
    assert "connect_timeout" in ctx.findings[0].fix.edits[0].text


def test_timeout_option_sets_the_fix_value() -> None:
    ctx = context("""
        import requests
        def get(url):
            return requests.get(url)
        """, options={"timeout": 3.5})
    MissingTimeout().check(ctx)
    (finding,) = ctx.findings
    assert "timeout=3.5" in finding.message
    assert finding.fix.edits[0].text == "requests.get(url, timeout=3.5)"


# --- shared helpers -----------------------------------------------------------------
def test_words_split_snake_and_camel_case() -> None:
    assert words("unitPrice_USD") == ["unit", "price", "usd"]
    assert words("HTTPResponse") == ["http", "response"]
    assert words("total_cents2") == ["total", "cents", "2"]


def test_attribute_and_item_stores_do_not_rebind_the_receiver() -> None:
    ctx = context("""
        import requests
        def sync(accounts):
            session = requests.Session()
            session.headers["Authorization"] = "Bearer x"
            session.verify = False
            return session.put("https://example.com")
        """)
    call = next(c for c in ctx.nodes(ast.Call) if isinstance(c.func, ast.Attribute) and c.func.attr == "put")
    assert resolved_call_name(ctx, call) == "requests.Session.put"


def test_value_before_takes_the_latest_binding_above_the_use() -> None:
    ctx = context("""
        def f():
            x = 1
            x = open("a")
            y = x
            x = 3
        """)
    use = next(n for n in ctx.nodes(ast.Name) if n.id == "x" and isinstance(n.ctx, ast.Load))
    assert isinstance(value_before(ctx, use), ast.Call)


def test_local_name_for_follows_module_imports() -> None:
    ctx = context("import decimal\nimport aiohttp as web\nfrom asyncio import sleep\n")
    assert local_name_for(ctx, "decimal.Decimal") == "decimal.Decimal"
    assert local_name_for(ctx, "aiohttp.ClientTimeout") == "web.ClientTimeout"
    assert local_name_for(ctx, "asyncio.sleep") == "sleep"
    assert local_name_for(ctx, "botocore.config.Config") is None


# --- rule behaviour the fixtures do not pin down -----------------------------------------
def test_one_defect_one_diagnostic_for_annotated_money_with_float_value() -> None:
    found = findings("""
        from dataclasses import dataclass

        @dataclass
        class Invoice:
            total_price: float = float("0")
        """, "CAV205")
    assert len(found) == 1


def test_bandit_b110_b112_b113_are_replaced() -> None:
    source = """
        import requests
        def run(items):
            for item in items:
                try:
                    requests.get(item)
                except Exception:
                    continue
            try:
                requests.get("https://example.com")
            except Exception:
                pass
        """
    analysis = ENGINE.analyze(textwrap.dedent(source), "app.py", Settings(select=("ALL",)))
    codes = sorted(f.code for f in analysis.findings)
    assert "B110" not in codes and "B112" not in codes and "B113" not in codes
    assert codes.count("CAV201") == 2 and codes.count("CAV203") == 2


def test_messages_name_the_code_involved() -> None:
    (finding,) = findings("""
        import time
        async def poll(job):
            time.sleep(2)
        """, "CAV206")
    assert "time.sleep()" in finding.message and "async def poll" in finding.message
    assert finding.fix is None  # no asyncio import: no mechanical fix


def test_blocking_call_in_sync_helper_inside_async_is_silent() -> None:
    assert findings("""
        import asyncio, requests
        async def handler(url):
            def fetch():
                return requests.get(url, timeout=5)
            return await asyncio.to_thread(fetch)
        """, "CAV206") == []


def test_fetchall_of_a_query_built_across_statements() -> None:
    (finding,) = findings("""
        def export(cur, table):
            sql = "SELECT * FROM " + table
            sql += " ORDER BY id"
            cur.execute(sql)
            return cur.fetchall()
        """, "CAV204")
    assert "fetchall" in finding.message


# --- robustness ------------------------------------------------------------------------
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("try:except Exception pass raise from async def await ()[]{}.,=\n    "
                                              "requests.get float(price) round(x, 2) with open readlines")),
               max_size=300))
def test_rules_never_fail_on_arbitrary_text(text: str) -> None:
    analysis = ENGINE.analyze(text, "fuzz.py", Settings(select=("ALL",)))
    errors = [f for f in analysis.findings if any(code in f.message for code in CODES) and "failed on lines" in f.message]
    assert not errors, errors
