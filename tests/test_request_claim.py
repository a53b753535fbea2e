"""A finding whose tainted value is proven to come from the remote request makes a narrower claim
than its rule ("request data reaches the sink" vs "a value not proven constant reaches it"): the
default set reports that claim of rules the precision policy keeps opt-in (CAV101, CAV113, CAV138,
CAV140; CAV133's digests proven stored as secrets), the strict profile and a rule selected by code
report the whole rule, and `caveat rules` says which part is on."""
from __future__ import annotations

import json
from pathlib import Path

from caveat.rules import default_claims, default_of, opt_in
from caveat.rules.meta import MEASURED_CLAIMS, ON_BY_DEFAULT
from tests.test_cli import caveat

APP = '''import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.get("/customers")
def customers():
    conn = sqlite3.connect("shop.db")
    try:
        return {"rows": conn.execute(f"SELECT id FROM customers WHERE name = '{request.args['name']}'").fetchall()}
    finally:
        conn.close()


def find_customer(conn, customer_name):
    return conn.execute(f"SELECT id FROM customers WHERE name = '{customer_name}'").fetchall()
'''


def _lines(stdout: str, code: str) -> list[int]:
    return sorted(f["line"] for f in json.loads(stdout) if f["code"] == code)


def test_the_default_reports_the_request_claim_and_not_the_rest(tmp_path: Path):
    (tmp_path / "app.py").write_text(APP)  # a plain folder: the default set on every line
    default = caveat("check", "--no-api", "--format", "json", "app.py", cwd=tmp_path)
    assert _lines(default.stdout, "CAV101") == [12], default.stdout + default.stderr
    strict = caveat("check", "--no-api", "--format", "json", "--profile", "strict", "app.py", cwd=tmp_path)
    assert _lines(strict.stdout, "CAV101") == [12, 18]
    by_code = caveat("check", "--no-api", "--format", "json", "--select", "CAV101", "app.py", cwd=tmp_path)
    assert _lines(by_code.stdout, "CAV101") == [12, 18]
    ignored = caveat("check", "--no-api", "--format", "json", "--ignore", "CAV101", "app.py", cwd=tmp_path)
    assert _lines(ignored.stdout, "CAV101") == []


def test_rules_listing_names_the_claim_that_is_on():
    for code in ("CAV101", "CAV113", "CAV138", "CAV140"):
        if code in opt_in():
            assert default_of(code) == "on (request data)", code
    listed = {r["code"]: r for r in json.loads(caveat("rules", "--format", "json").stdout)}
    assert listed["CAV101"]["default"] == default_of("CAV101")
    row = next(r for r in caveat("rules").stdout.splitlines() if r.startswith("CAV101"))
    assert row.endswith(default_of("CAV101"))


def test_a_claim_measured_below_the_bar_leaves_the_default():
    for (code, claim), measured in MEASURED_CLAIMS.items():
        below = measured.estimated and measured.value < ON_BY_DEFAULT
        assert ((code, claim) in default_claims()) == (code in opt_in() and not below), (code, claim)
