"""The shared user-input model: each ``sink(x)`` line says what ``x`` must be.

``# user``: user input; ``# unknown``: not user input but not proven constant;
``# const``: proven developer-controlled (constant or sanitized).
"""
from __future__ import annotations

import re

import pytest

from caveat.analysis import taint
from tests.security_a.helpers import context, sinks

FLASK = '''
import re, sys, shlex, html
from flask import Flask, request, abort
app = Flask(__name__)
ALLOWED = {"name", "date"}

def get_q():
    return request.args.get("q", "")

def wrap(x):
    return "<" + x + ">"

def check_column(col):
    if col not in ALLOWED:
        raise ValueError(col)

@app.route("/items/<int:item_id>/<name>")
def show(item_id, name):
    sink(item_id)  # const
    sink(name)  # user
    q = request.args.get("q")
    sink(f"select {q}")  # user
    col = request.args["sort"]
    if col not in ALLOWED:
        abort(400)
    sink(col)  # const
    n = int(request.args["n"])
    sink(n)  # const
    s = ""
    for tag in request.args.getlist("tag"):
        s += f" {tag}"
    sink(s)  # user
    sink(get_q())  # user
    sink(wrap(name))  # user
    sink(wrap("x"))  # const
    h = request.headers.get("X-Token")
    sink(h.strip().lower())  # user
    sink(len(h))  # const
    sink(h.startswith("Bearer"))  # const
    sink(sys.argv[1])  # user
    parts = []
    parts.append(name)
    sink(" ".join(parts))  # user
    d = "a" if col in ALLOWED else name
    sink(d)  # user
    e = name if name in ALLOWED else "id"
    sink(e)  # const
    sink(shlex.quote(name))  # user
    sink("?, " * len(parts))  # const
    sink(", ".join("?" for _ in parts))  # const
    sink(", ".join(["%s"] * len(parts)))  # const
    body = request.get_json()
    sink(body["email"])  # user
    sink(request.json.get("x"))  # user
    sink(f"{n:d}")  # const

@app.post("/x")
def post_view():
    term = request.form["term"]
    if re.fullmatch(r"[a-z]+", term):
        sink(term)  # const
    sink(term)  # user
    other = request.form["other"]
    check_column(other)
    sink(other)  # const
    word = request.form["word"]
    if not word.isalnum():
        return "bad", 400
    sink(word)  # const
    sink(request.cookies.get("sid"))  # user
    sink(request.args.get("page", 1, type=int))  # const
    url = request.form["url"]
    parsed = urlparse(url)
    if parsed.hostname not in ALLOWED:
        abort(400)
    sink(url)  # const
    target = request.form["target"]
    if urlparse(target).scheme not in ("http", "https"):
        abort(400)
    sink(target)  # user
    role = request.form["role"]
    if g.user.role in ALLOWED:
        sink(role)  # user

def helper(conn, value):
    sink(value)  # unknown
    x = input()
    sink(x)  # user
    sink(TABLE)  # const
    sink(conn.cursor().fetchone()[0])  # unknown

def flask_helper(request, target):
    # a plain function taking ``request`` in a Flask module is a helper, not a view
    sink(target)  # unknown
    sink(request.args["page"])  # user
'''

DJANGO = '''
from django.shortcuts import render

def django_view(request, slug):
    sink(slug)  # user
    sink(request.GET.get("page"))  # user
    sink(request.user.id)  # const
'''

FASTAPI = '''
from typing import Optional
from fastapi import FastAPI, Depends, Query, Request
from uuid import UUID
router = FastAPI()

@router.get("/users/{user_id}")
async def read(user_id: int, q: str, tag: Optional[str] = None, db=Depends(get_db), token: UUID = None,
               limit: int = Query(10), name: str = Query(None, pattern="^[a-z]+$")):
    sink(user_id)  # const
    sink(q)  # user
    sink(tag)  # user
    sink(db)  # const
    sink(token)  # const
    sink(limit)  # const
    sink(name)  # const

@router.post("/items")
async def create(item: Item, request: Request):
    sink(item.name)  # user
    data = await request.json()
    sink(data["x"])  # user
    form = await request.form()
    sink(form.get("y"))  # user

class ItemView(MethodView):
    def get(self, item_id):
        sink(item_id)  # user
        sink(self.request.GET["q"])  # user
'''

CLI = '''
import argparse, os, sys

def main():
    parser = argparse.ArgumentParser()
    args = parser.parse_args()
    sink(args.path)  # user
    sink(os.environ.get("HOME"))  # const
    for line in sys.stdin:
        sink(line)  # user
    loop_total = ""
    for i in range(3):
        loop_total = loop_total + str(i)
    sink(loop_total)  # const
    name = "static"
    name = sys.argv[1]
    sink(name)  # user
    name2 = sys.argv[1]
    name2 = "static"
    sink(name2)  # const
'''


def cases(source: str):
    ctx = context(source)
    lines = source.strip("\n").splitlines()
    for expr in sinks(ctx):
        line = ctx.lines[expr.lineno - 1]
        expected = re.search(r"#\s*(user|unknown|const)", line).group(1)
        yield ctx, expr, expected, line.strip()
    del lines


ALL = [case for source in (FLASK, DJANGO, FASTAPI, CLI) for case in cases(source)]


@pytest.mark.parametrize("ctx,expr,expected,line", ALL, ids=[f"{c[3]}@{c[1].lineno}" for c in ALL])
def test_origin(ctx, expr, expected, line) -> None:
    user = taint.is_user_input(ctx, expr)
    constant = taint.is_constant(ctx, expr)
    got = "user" if user else ("const" if constant else "unknown")
    assert got == expected, (line, taint.unsafe_origins(ctx, expr))


def test_sources_are_named() -> None:
    ctx = context(FLASK)
    named = {ctx.source(e): taint.user_input_sources(ctx, e) for e in sinks(ctx)}
    assert named['f"select {q}"'] == ["request.args['q']"]
    assert named["name"] == ["parameter `name` of route handler `show`"]


def test_kind_specific_escapers() -> None:
    ctx = context(FLASK)
    quoted = next(e for e in sinks(ctx) if ctx.source(e) == "shlex.quote(name)")
    assert taint.is_user_input(ctx, quoted)
    assert not taint.is_user_input(ctx, quoted, kind="shell")
    assert taint.is_sanitized(ctx, quoted, kind="shell")


def test_env_only_when_asked() -> None:
    ctx = context(CLI)
    env = next(e for e in sinks(ctx) if "environ" in ctx.source(e))
    assert not taint.is_user_input(ctx, env)
    assert taint.is_user_input(ctx, env, include_env=True)


QUOTED = '''
from flask import request

def view():
    text = request.args["text"]
    if not text.startswith("'") or not text.endswith("'") or "'" in text[1:-1]:
        return "a quoted literal, please"
    sink(text)  # one quoted literal

    other = request.args["other"]
    if not other.startswith("'") or not other.endswith('"') or "'" in other[1:-1]:
        return "no"
    sink(other)  # the ends differ

    third = request.args["third"]
    if third.startswith("'") and third.endswith("'"):
        sink(third)  # quotes inside may close it
    if third.startswith('"') and third.endswith('"') and '"' not in third[1:-1]:
        sink(third)  # one quoted literal
'''


def test_a_quoted_literal_guard_makes_a_value_safe_as_code_only() -> None:
    ctx = context(QUOTED)
    found = {(e.lineno, ctx.lines[e.lineno - 1].split("#")[1].strip()): e for e in sinks(ctx)}
    for (_, why), expr in found.items():
        literal = why == "one quoted literal"
        assert taint.is_user_input(ctx, expr, kind="code") is not literal, why
        assert taint.is_user_input(ctx, expr, kind="sql"), why  # still any text inside SQL
        assert taint.is_user_input(ctx, expr), why


DOTS = '''
import os
from flask import request
BASE = "/srv/files"

def view():
    name = request.args["name"]
    if "../" in name:
        return "no"
    sink(f"{BASE}/{name}")  # safe: after the directory
    sink(BASE + "/" + name)  # safe: after the directory
    sink(f"reports/{name}.txt")  # safe: after the directory
    sink(os.path.join(BASE, name))  # unsafe: an absolute name replaces BASE
    sink(f"/{name}")  # unsafe: the directory is the root
    sink(f"{name}")  # unsafe: nothing before it

def other():
    name = request.args["name"]
    if name.startswith("/"):
        return "no"
    sink(f"{BASE}/{name}")  # unsafe: no dots check
'''


def test_a_dots_check_keeps_a_name_inside_the_directory_it_follows_in_a_string() -> None:
    ctx = context(DOTS)
    for expr in sinks(ctx):
        why = ctx.lines[expr.lineno - 1].split("#")[1].strip()
        safe = why.startswith("safe")
        assert taint.is_user_input(ctx, expr, kind="path") is not safe, why
        assert taint.is_user_input(ctx, expr, kind="shell"), why  # still any text in a command


WRAPPED = '''
from flask import request
from myapp.http import RequestWrapper, Paginator

def view():
    wrapped = RequestWrapper(request)
    sink(wrapped.get_query_parameter("q"))  # user
    sink(wrapped.get_cookie("session_hint"))  # user
    sink(wrapped.get_safe_value("q"))  # not client data by its name
    pages = Paginator(request.args)
    sink(pages.get_param("page"))  # user
    other = RequestWrapper(config)
    sink(other.get_query_parameter("q"))  # not built from the request
'''


def test_an_accessor_of_an_object_built_from_the_request_is_client_data() -> None:
    ctx = context(WRAPPED)
    for expr in sinks(ctx):
        why = ctx.lines[expr.lineno - 1].split("#")[1].strip()
        assert taint.is_user_input(ctx, expr) is (why == "user"), why


def test_names_that_merely_contain_safe_are_not_sanitizers() -> None:
    ctx = context('''
import base64
from flask import request

def view():
    token = request.args["token"]
    sink(base64.urlsafe_b64decode(token))  # user: decoding is not checking
    sink(yaml_unsafe_load(token))  # user
    sink(safe_join("/srv", token))  # sanitized
''')
    for expr in sinks(ctx):
        why = ctx.lines[expr.lineno - 1].split("#")[1].strip()
        assert taint.is_user_input(ctx, expr) is why.startswith("user"), why
