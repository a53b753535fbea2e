"""Where a reviewer should look first: the security checklist items a change touches.

For each changed line of a Python file (the new version), the calls and reads on it are
sorted into four items, from the same tables the security rules use:

* user input: request data (``analysis.taint``'s request sources), ``input()``,
  ``sys.argv``/``sys.stdin``, and any changed line inside a route handler;
* authentication: JWT decoding, password hashing, login and permission helpers;
* data access: database drivers and ORMs (the SQL rules' methods and drivers), files
  opened, deserializers;
* external calls: HTTP clients (the SSRF rule's), sockets and mail, subprocesses.

Names are resolved through the file's imports (``RuleContext.qualified_name``); a file that
does not parse says nothing. Nothing here is a finding: an item says "this change reaches
this kind of code", so the reviewer knows where to read.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from caveat.analysis import sinks, taint, urls
from caveat.analysis import sql as sql_common
from caveat.analysis.flow import resolved_call_name
from caveat.rules.base import RuleContext
from caveat.rules.security import jwt_weak_validation

ITEMS = ("user input", "authentication", "data access", "external calls")

AUTH_PREFIXES = ("jwt.", "jose.", "authlib.", "passlib.", "bcrypt.", "argon2.", "flask_login.", "flask_jwt_extended.",
                 "django.contrib.auth.", "rest_framework.authentication.", "rest_framework.permissions.",
                 "rest_framework_simplejwt.", "fastapi.security.", "itsdangerous.", "oauthlib.", "werkzeug.security.",
                 "hmac.compare_digest", "secrets.compare_digest", "hashlib.pbkdf2_hmac", "hashlib.scrypt")
AUTH_CALLS = jwt_weak_validation.PYJWT_DECODE | jwt_weak_validation.JOSE_DECODE | jwt_weak_validation.AUTHLIB_DECODE
AUTH_NAMES = re.compile(r"(^|_)(login_required|permission_required|requires?_auth\w*|authenticate|authori[sz]e\w*|"
                        r"check_password|verify_password|set_password|hash_password|verify_token|decode_token|"
                        r"get_current_user|has_perm\w*|is_authenticated|login_user|logout_user)$", re.I)
DATA_PREFIXES = tuple(f"{driver}." for driver, _ in sql_common.DRIVERS) + (
    "sqlalchemy.", "peewee.", "pymongo.", "motor.", "redis.", "elasticsearch.", "pickle.", "shelve.", "marshal.",
    "dill.", "joblib.load", "yaml.load", "yaml.unsafe_load", "shutil.")
DATA_CALLS = frozenset({"open", "io.open", "builtins.open", "os.remove", "os.unlink", "os.rename"}) \
    | frozenset(sql_common.SQL_FUNCTIONS)
DATA_METHODS = sql_common.SQL_METHODS - {"fetch", "query", "sql"}  # names too generic on an unknown receiver
EXTERNAL_PREFIXES = urls.CLIENT_PREFIXES + ("urllib.request.", "http.client.", "smtplib.", "ftplib.", "socket.",
                                            "paramiko.", "boto3.", "botocore.", "grpc.", "xmlrpc.client.",
                                            "websocket.", "websockets.", "subprocess.", "pexpect.")
EXTERNAL_CALLS = frozenset(s.callee for s in sinks.SINKS["url"] if s.role == "url") | frozenset(
    s.callee for s in sinks.SINKS["command"] if not s.callee.startswith("."))  # processes started
LOCAL_INPUT = frozenset({"input", "sys.argv", "sys.stdin", "getpass.getpass"})


@dataclass(frozen=True)
class Touch:
    item: str
    path: str
    line: int
    what: str  # a short label: the call's name, the request field


def touches(path: str, text: str, changed: frozenset[int] | None) -> list[Touch]:
    """The checklist items the ``changed`` lines of ``text`` (None: all of them) reach, one per
    (item, line, label)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return []
    functions = {node.name: node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    ctx = RuleContext(tree, text, {}, functions, path)
    found: dict[tuple[str, int, str], Touch] = {}

    def add(item: str, node: ast.AST, what: str) -> None:
        found.setdefault((item, node.lineno, what), Touch(item, path, node.lineno, what))

    def on_change(node: ast.AST) -> bool:
        return changed is None or getattr(node, "lineno", 0) in changed

    for node in ctx.nodes(ast.Call):
        if on_change(node):
            _classify_call(ctx, node, add)
    for node in ctx.nodes(ast.Attribute, ast.Subscript, ast.Call):
        parent = ctx.parent(node)
        if on_change(node) and not isinstance(parent, (ast.Attribute, ast.Subscript)) \
                and not (isinstance(parent, ast.Call) and parent.func is node):
            label = taint.request_source(ctx, node)
            if label:
                add("user input", node, label)
    for node in ctx.nodes(ast.Attribute):
        if on_change(node) and ctx.qualified_name(node) in LOCAL_INPUT:
            add("user input", node, ctx.qualified_name(node))
    for func in ctx.nodes(ast.FunctionDef, ast.AsyncFunctionDef):
        lines = changed is None or any(func.lineno <= line <= func.end_lineno for line in changed)
        if lines and taint.is_route_handler(ctx, func):
            add("user input", func, f"route handler {func.name}()")
        if lines and any(AUTH_NAMES.search(_name(d) or "") for d in func.decorator_list):
            add("authentication", func, f"{func.name}() behind {_name(func.decorator_list[0])}")
    return sorted(found.values(), key=lambda t: (ITEMS.index(t.item), t.line, t.what))


def _classify_call(ctx: RuleContext, call: ast.Call, add) -> None:
    name = resolved_call_name(ctx, call)
    short = call.func.attr if isinstance(call.func, ast.Attribute) else (name or "")
    if name in LOCAL_INPUT:
        add("user input", call, f"{name}()")
    if name and (name in AUTH_CALLS or name.startswith(AUTH_PREFIXES)) or AUTH_NAMES.search(_name(call.func) or ""):
        add("authentication", call, f"{name or _name(call.func)}()")
    if name and (name in DATA_CALLS or name.startswith(DATA_PREFIXES)):
        add("data access", call, f"{name}()")
    elif isinstance(call.func, ast.Attribute) and short in DATA_METHODS \
            and sql_common.DB_RECEIVER.search(_name(call.func.value) or ""):
        add("data access", call, f"{_name(call.func)}()")
    elif isinstance(call.func, ast.Attribute) and _name(call.func.value or "").endswith(".objects"):
        add("data access", call, f"{_name(call.func)}()")  # a Django manager
    if name and (name in EXTERNAL_CALLS or name.startswith(EXTERNAL_PREFIXES)):
        add("external calls", call, f"{name}()")


def _name(node: ast.AST | None) -> str:
    """``a.b.c`` for a dotted expression, ``f`` for a call of ``f``, else ""."""
    if isinstance(node, ast.Call):
        node = node.func
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""
