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
        if code in opt_in() and (code, "request") in default_claims():  # a claim measured below the bar is off
            assert default_of(code) == "on (request data)", code
        elif code in opt_in():
            assert default_of(code) == "strict", code
    listed = {r["code"]: r for r in json.loads(caveat("rules", "--format", "json").stdout)}
    assert listed["CAV101"]["default"] == default_of("CAV101")
    row = next(r for r in caveat("rules").stdout.splitlines() if r.startswith("CAV101"))
    assert row.endswith(default_of("CAV101"))


def test_a_claim_measured_below_the_bar_leaves_the_default():
    for (code, claim), measured in MEASURED_CLAIMS.items():
        below = measured.estimated and measured.value < ON_BY_DEFAULT
        assert ((code, claim) in default_claims()) == (code in opt_in() and not below), (code, claim)


CLAIMS = '''import pickle
import subprocess

import requests
from flask import Flask, request, session

app = Flask(__name__)


@app.post("/load")
def load():
    return pickle.loads(request.get_data())


def load_row(row):
    return pickle.loads(row.payload)


@app.get("/ping")
def ping():
    return subprocess.run(f"ping -c 1 {request.args['host']}", shell=True, check=False).returncode


def ping_configured(host):
    return subprocess.run(f"ping -c 1 {host}", shell=True, check=False).returncode


@app.get("/fetch")
def fetch():
    return requests.get(request.args["url"], timeout=5).text


@app.get("/theme")
def theme():
    session["theme"] = request.args["theme"]
    return "ok"


@app.get("/calc")
def calc():
    return str(eval(request.args["expr"]))


@app.get("/snippet/<slug>")
def snippet(slug):
    record = Snippet.query.filter_by(slug=slug).first()
    return str(eval(record.code))
'''


def test_each_injection_rule_says_which_claim_its_finding_makes():
    """The shared analysis decides the claim for every rule with a source question: request data
    reaching the sink as the client's text, or a value the analysis cannot place (a helper's
    parameter, a stored record)."""
    from caveat.engine.analyzer import Engine
    from caveat.project import Settings

    found = {(f.code, f.line): f.claim for f in Engine().analyze(CLAIMS, "app.py", Settings(profile="strict")).findings
             if f.code in {"CAV132", "CAV136", "CAV137", "CAV139", "CAV143"}}
    assert found == {("CAV132", 12): "request", ("CAV132", 16): "",
                     ("CAV136", 21): "request", ("CAV136", 25): "",
                     ("CAV139", 30): "request", ("CAV143", 35): "request",
                     ("CAV137", 41): "request", ("CAV137", 47): ""}, found
