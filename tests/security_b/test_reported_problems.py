"""Regression tests for problems reported against the shared user-input model and
the security rules (each failed before its fix)."""
from __future__ import annotations

import ast
import textwrap

import pytest

from caveat.analysis import taint
from caveat.analysis.paths import is_settings_path, is_test_path
from caveat.rules.base import RuleContext
from tests.security_a.helpers import context, sinks
from tests.security_b.test_generalisation import lines_for


def _sink_values(source: str, path: str = "app.py") -> list[tuple[str, bool]]:
    ctx = context(source, path)
    return [(ctx.source(s), taint.is_user_input(ctx, s, kind="path")) for s in sinks(ctx)]


# --- 1. pathlib's ``/`` is a path join ------------------------------------------------------

def test_path_division_is_a_join_that_carries_user_input() -> None:
    found = _sink_values('''
    from pathlib import Path
    from flask import request
    BASE = "/srv/files"
    ROOT = Path(BASE)

    @app.get("/f")
    def f():
        name = request.args["name"]
        sink(Path(BASE) / name)
        sink(ROOT / "reports" / name)
        target = ROOT / name
        sink(target)
        sink(ROOT.joinpath(name).with_suffix(".txt"))
        sink(name / ROOT)
        total = int(request.args["total"])
        sink(total / 2)
        sink(Path(BASE) / "static.txt")
    ''')
    assert found == [("Path(BASE) / name", True), ('ROOT / "reports" / name', True), ("target", True),
                     ('ROOT.joinpath(name).with_suffix(".txt")', True), ("name / ROOT", True),
                     ("total / 2", False), ('Path(BASE) / "static.txt"', False)]


def test_path_join_keeps_unknown_origins_but_arithmetic_does_not() -> None:
    ctx = context('''
    from pathlib import Path

    def build(base_dir: Path, name, count, size):
        sink(base_dir / name)
        sink(count / size)
        sink(count / 3)
    ''')
    values = [taint.is_constant(ctx, s) for s in sinks(ctx)]
    assert values == [False, True, True]


def test_path_join_reaches_command_and_path_rules() -> None:
    source = '''
    import subprocess
    from pathlib import Path
    from flask import Flask, request

    app = Flask(__name__)
    EXPORTS = Path("/srv/exports")

    @app.get("/show")
    def show():
        name = request.args["name"]
        return (EXPORTS / name).read_text()  #!

    @app.get("/count")
    def count():
        name = request.args["name"]
        return subprocess.check_output(f"wc -l {EXPORTS / name}", shell=True)
    '''
    found, marked = lines_for("CAV138", source)
    assert found == marked
    assert lines_for("CAV136", source)[0], "the joined path reaches the shell command"


# --- 2. ``req`` is a request only with evidence ---------------------------------------------

def test_fastapi_body_model_named_req_keeps_its_taint() -> None:
    source = '''
    from fastapi import FastAPI
    from fastapi.responses import FileResponse
    from pydantic import BaseModel

    app = FastAPI()

    class ExportRequest(BaseModel):
        filename: str

    @app.post("/exports")
    async def export(req: ExportRequest):
        return FileResponse(f"/srv/exports/{req.filename}")  #!
    '''
    found, marked = lines_for("CAV138", source)
    assert found == marked


def test_plain_function_with_a_req_parameter_is_not_a_route_handler() -> None:
    # pip-style code: ``req`` is an install requirement, not an HTTP request.
    source = '''
    import os
    import shutil

    def _copy_source_tree(req, location, name):
        target = os.path.join(location, name)
        shutil.copytree(req.source_dir, target)
        with open(os.path.join(location, req.name + ".txt"), "w") as fh:
            fh.write(req.link.url)
    '''
    found, _ = lines_for("CAV138", source)
    assert not found
    ctx = context('''
    def install(req, options):
        sink(req.link.url)
        sink(options)
    ''')
    assert [taint.is_user_input(ctx, s) for s in sinks(ctx)] == [False, False]
    assert not taint.is_route_handler(ctx, ctx.tree.body[0])


def test_req_with_request_evidence_is_still_a_request() -> None:
    ctx = context('''
    def search(req):
        sink(req.args.get("q"))

    from aiohttp import web

    async def handle(req: web.Request):
        sink(req.match_info["name"])

    def django_view(req, slug):
        sink(req.GET["page"])
        sink(slug)
    ''')
    assert [taint.is_user_input(ctx, s) for s in sinks(ctx)] == [True, True, True, True]


# --- 3. length-only validators do not sanitize ----------------------------------------------

VALIDATORS = '''
import os
import re
from flask import Flask, request, abort

app = Flask(__name__)
BASE = "/srv/files"

def validate_filename(name):
    if len(name) > 255:
        raise ValueError("file name too long")
    return name

def validate_slug(slug):
    if not re.fullmatch(r"[a-z0-9-]+", slug):
        raise ValueError("bad slug")
    return slug

def check_name_length(name):
    if not name or len(name) > 64:
        abort(400)

@app.get("/a")
def a():
    name = validate_filename(request.args["name"])
    return open(os.path.join(BASE, name)).read()  #!

@app.get("/b")
def b():
    slug = validate_slug(request.args["slug"])
    return open(os.path.join(BASE, slug)).read()

@app.get("/c")
def c():
    name = request.args["name"]
    check_name_length(name)
    return open(os.path.join(BASE, name)).read()  #!
'''


def test_length_only_validators_are_not_sanitizers() -> None:
    found, marked = lines_for("CAV138", VALIDATORS)
    assert found == marked


# --- 4. the memo cannot outlive its block ---------------------------------------------------

def test_taint_memo_is_not_served_to_a_rebound_context() -> None:
    first = "value = 'constant'\nsink(value)\n"
    second = "value = input()\nsink(value)\n"
    tree = ast.parse(first)
    ctx = RuleContext(tree, first, {}, {}, "app.py")
    assert not taint.is_user_input(ctx, sinks(ctx)[0])
    # The engine reuses contexts: the same object re-initialised for another block.
    RuleContext.__init__(ctx, ast.parse(second), second, {}, {}, "app.py")
    assert taint.is_user_input(ctx, sinks(ctx)[0])


def test_memo_follows_rebound_module_functions() -> None:
    text = "def view():\n    sink(helper())\n"
    constant = ast.parse("def helper():\n    return 'x'\n").body[0]
    user = ast.parse("def helper():\n    return input()\n").body[0]
    ctx = RuleContext(ast.parse(text), text, {}, {"helper": constant}, "app.py")
    assert not taint.is_user_input(ctx, sinks(ctx)[0])
    ctx.module_functions = {"helper": user}  # rebound to another module context
    assert taint.is_user_input(ctx, sinks(ctx)[0])


# --- 5. a template built from input: one diagnostic -----------------------------------------

def test_interpolated_template_is_reported_once() -> None:
    source = '''
    from flask import Flask, request, render_template_string

    app = Flask(__name__)

    @app.get("/hello")
    def hello():
        name = request.args.get("name", "there")
        return render_template_string(f"<h1>Hello {name}!</h1>")  # CAV111

    @app.post("/preview")
    def preview():
        return render_template_string(request.form["template"])  # CAV137
    '''
    lines = textwrap.dedent(source).splitlines()
    for code in ("CAV111", "CAV137"):
        found, _ = lines_for(code, source)
        assert found == {i for i, line in enumerate(lines, 1) if line.endswith(f"# {code}")}, code


# --- 6. bandit's B612 is code injection -----------------------------------------------------

def test_logging_config_listen_is_code_injection() -> None:
    from caveat.rules.bandit.catalog import CATEGORY, bandit_rules

    assert CATEGORY["B612"] == "code-injection"
    assert bandit_rules()["B612"].category == "code-injection"


# --- 7. one definition of a test file -------------------------------------------------------

@pytest.mark.parametrize("path, expected", [
    ("tests/test_api.py", True),
    ("/home/me/project/tests/helpers/factories.py", True),
    ("project/test/conftest.py", True),
    ("pkg/api_test.py", True),
    ("src/app/testing/utils.py", True),
    ("tests/fixtures/rules/security/hardcoded_secret.py", False),
    ("bench/detection/corpus/security/x.py", False),
    ("src/app/contest.py", False),
    ("src/app/latest/views.py", False),
    ("C:\\work\\tests\\test_x.py", True),
])
def test_test_path_definition(path: str, expected: bool) -> None:
    assert is_test_path(path) is expected


def test_settings_path_definition() -> None:
    assert is_settings_path("proj/settings.py") and is_settings_path("proj/settings/prod.py")
    assert not is_settings_path("proj/app/views.py")


def test_secret_rule_uses_the_shared_test_path_definition() -> None:
    source = '''
    API_TOKEN = "f3a9c1e7b5d2a8c4e6f0b1d3a7c9e2f4"
    '''
    assert not lines_for("CAV130", source, "project/tests/helpers/factories.py")[0]
    assert lines_for("CAV130", source, "project/app/factories.py")[0]
