"""Sinks as data: where a value must not come from the client, one table per family.

Each :class:`Sink` names the call, the library it belongs to and which arguments are
dangerous. A callee is either a qualified name (``flask.redirect``, resolved through the
module's imports by ``ctx.qualified_name``, or through one receiver assignment:
``env = jinja2.Environment(); env.from_string(...)`` is ``jinja2.Environment.from_string``),
or ``.method`` for a method on an object whose type we cannot see (``conn.search``,
``root.xpath``), which then counts only in a module that imports one of ``imports`` (the
library that makes such objects) and when the receiver, if known, comes from one of them.
``role`` tells a rule which shape of sink this is when a family has several (a shell
command vs. a program name; ``eval`` vs. a template); ``note`` is a word for its message.

:func:`sink_calls` finds the calls of a family's sinks in a block; :func:`argument` and
:func:`sink_arguments` give the expressions to test; the rules ask the taint model
(``analysis/taint.py``) about them. Adding a sink is one line here plus a fixture line
(``docs/CONTRIBUTING-RULES.md``).
"""
from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from caveat.analysis.flow import resolved_call_name
from caveat.rules.base import RuleContext


@dataclass(frozen=True)
class Sink:
    library: str
    callee: str                       # "pkg.func" or ".method"
    args: tuple[int, ...] = (0,)      # dangerous positional arguments
    keywords: tuple[str, ...] = ()    # ... and keywords
    imports: tuple[str, ...] = ()     # for ".method": the module must import one of these
    role: str = ""                    # the sink's shape within its family (see each table)
    note: str = ""                    # a phrase for the rule's message
    receiver: str = ""                # for ".method": the receiver must be a "path" (pathlib), or
                                      # "path!" (shown to be one: ``str`` has the method too)


class SinkCall(NamedTuple):
    call: ast.Call
    sink: Sink
    name: str     # the callee's qualified name as resolved here ("" for an unknown receiver)


_PICKLE = " (it uses pickle)"
_OBJECTS = " (it rebuilds arbitrary objects)"
_SHELLS = ("os.system", "os.popen", "os.popen2", "os.popen3", "os.popen4", "os.posix_spawn_shell")
_PROGRAMS = ("os.execl", "os.execle", "os.execlp", "os.execlpe", "os.execv", "os.execve", "os.execvp",
             "os.execvpe", "os.startfile", "os.posix_spawn", "os.posix_spawnp")
_SPAWNS = ("os.spawnl", "os.spawnle", "os.spawnlp", "os.spawnlpe", "os.spawnv", "os.spawnve", "os.spawnvp",
           "os.spawnvpe")
_FABRIC = ("fabric", "invoke", "fabric2")
_DATA = ("data", "file", "filename", "filepath_or_buffer", "string", "fp")  # the serialized bytes / file
_QUERY = ("sql", "query", "statement", "operation", "stmt", "sql_query", "raw_query")  # the query's keywords
_HTTP_IMPORTS = ("requests", "httpx", "aiohttp", "urllib3", "niquests")
# Libraries whose objects' methods named like the "url" family's "verb" rows fetch
# (``requests.Session().get``, ``tornado.httpclient.AsyncHTTPClient().fetch``).
HTTP_CLIENTS = ("requests", "httpx", "aiohttp", "urllib3", "niquests", "treq", "tornado.httpclient", "httplib2")
# Database drivers and the placeholders they take (PEP 249 paramstyle).
PARAMSTYLES = (
    ("sqlite3", "qmark"), ("aiosqlite", "qmark"), ("pyodbc", "qmark"), ("duckdb", "qmark"),
    ("psycopg2", "format"), ("psycopg", "format"), ("pymysql", "format"), ("MySQLdb", "format"),
    ("mysql", "format"), ("aiomysql", "format"), ("aiopg", "format"), ("django", "format"),
    ("pgdb", "format"), ("asyncpg", "numeric"),
)
SINKS: dict[str, tuple[Sink, ...]] = {
    # CWE-78. role "shell": the argument is run by a shell; "subprocess": a shell only with
    # ``shell=True`` (else an argument list or a program); "program": the argument names the
    # program; "remote": a shell on another host.
    "command": (
        *(Sink("os", name, (0,), ("cmd", "command"), role="shell") for name in _SHELLS),
        *(Sink("popen2", f"popen2.{name}", (0,), ("cmd", "command"), role="shell")
          for name in ("popen2", "popen3", "popen4", "Popen3", "Popen4")),
        Sink("commands", "commands.getoutput", (0,), ("cmd", "command"), role="shell"),
        Sink("commands", "commands.getstatusoutput", (0,), ("cmd", "command"), role="shell"),
        Sink("subprocess", "subprocess.getoutput", (0,), ("cmd", "command"), role="shell"),
        Sink("subprocess", "subprocess.getstatusoutput", (0,), ("cmd", "command"), role="shell"),
        Sink("asyncio", "asyncio.create_subprocess_shell", (0,), ("cmd", "command"), role="shell"),
        Sink("pexpect", "pexpect.run", (0,), ("cmd", "command"), role="shell"),
        Sink("pexpect", "pexpect.spawn", (0,), ("cmd", "command"), role="shell"),
        Sink("pexpect", "pexpect.popen_spawn.PopenSpawn", (0,), ("cmd", "command"), role="shell"),
        *(Sink("subprocess", f"subprocess.{name}", (0,), ("args",), role="subprocess")
          for name in ("Popen", "call", "check_call", "check_output", "run")),
        *(Sink("os", name, (0,), role="program") for name in _PROGRAMS),
        *(Sink("os", name, (1,), role="program") for name in _SPAWNS),
        Sink("asyncio", "asyncio.create_subprocess_exec", (0,), role="program"),
        Sink("sh", "sh.Command", (0,), role="program"),
        Sink("paramiko", ".exec_command", (0,), ("command", "cmd"), ("paramiko",), role="remote"),
        *(Sink("fabric/invoke", f".{name}", (0,), ("command", "cmd"), _FABRIC, role="remote")
          for name in ("run", "sudo", "local")),
        Sink("spur", ".run", (0,), ("command", "cmd"), ("spur",), role="remote"),
    ),
    # CWE-94/95. role "eval": Python source; "import": a module name; "runner": a file or
    # module run as a script; "template": template source; "expression": a library's
    # expression language that reaches Python objects; "listen": takes configuration
    # (which names callables) from the network.
    "code": (
        *(Sink("builtins", name, (0,), ("source",), role="eval")
          for name in ("eval", "exec", "compile", "execfile", "builtins.eval", "builtins.exec", "builtins.compile")),
        *(Sink("importlib", name, (0,), ("name",), role="import")
          for name in ("__import__", "builtins.__import__", "importlib.import_module", "importlib.__import__")),
        Sink("runpy", "runpy.run_path", (0,), role="runner"),
        Sink("runpy", "runpy.run_module", (0,), role="runner"),
        Sink("flask", "flask.render_template_string", (0,), ("source",), role="template"),
        Sink("quart", "quart.render_template_string", (0,), ("source",), role="template"),
        Sink("jinja2", "jinja2.Environment.from_string", (0,), ("source",), role="template"),
        Sink("jinja2", "jinja2.environment.Environment.from_string", (0,), ("source",), role="template"),
        Sink("jinja2", "jinja2.Template", (0,), ("source",), role="template"),
        Sink("jinja2", "jinja2.environment.Template", (0,), ("source",), role="template"),
        Sink("mako", "mako.template.Template", (0,), ("source",), role="template"),
        Sink("pandas", "pandas.eval", (0,), ("expr",), role="expression"),
        Sink("numexpr", "numexpr.evaluate", (0,), ("expr",), role="expression"),
        Sink("sympy", "sympy.sympify", (0,), ("expr",), role="expression"),
        Sink("sympy", "sympy.parse_expr", (0,), ("expr",), role="expression"),
        Sink("sympy", "sympy.parsing.sympy_parser.parse_expr", (0,), ("expr",), role="expression"),
        Sink("pandas", ".query", (0,), ("expr",), ("pandas",), role="expression", note="DataFrame.query"),
        Sink("pandas", ".eval", (0,), ("expr",), ("pandas",), role="expression", note="DataFrame.eval"),
        Sink("logging", "logging.config.listen", (), role="listen"),
    ),
    # CWE-502. role "pickle": the bytes name the objects to build; "shelve": a file of
    # pickles; "yaml": always unsafe (note: the safe replacement); "yaml_load": unsafe
    # unless a safe ``Loader`` (note: the safe function); "torch" / "numpy": unsafe unless
    # ``weights_only=True`` / with ``allow_pickle=True``; "ruamel": ``YAML(typ="unsafe").load``.
    "deserialization": (
        *(Sink("pickle", name, (0,), _DATA, role="pickle") for name in (
            "pickle.loads", "pickle.load", "pickle.Unpickler", "_pickle.loads", "_pickle.load", "cPickle.loads",
            "cPickle.load", "six.moves.cPickle.loads", "six.moves.cPickle.load")),
        *(Sink("dill", name, (0,), _DATA, role="pickle") for name in ("dill.loads", "dill.load", "dill.Unpickler")),
        Sink("cloudpickle", "cloudpickle.loads", (0,), _DATA, role="pickle"),
        Sink("cloudpickle", "cloudpickle.load", (0,), _DATA, role="pickle"),
        Sink("marshal", "marshal.loads", (0,), _DATA, role="pickle"),
        Sink("marshal", "marshal.load", (0,), _DATA, role="pickle"),
        Sink("joblib", "joblib.load", (0,), _DATA, role="pickle", note=_PICKLE),
        Sink("scikit-learn", "sklearn.externals.joblib.load", (0,), _DATA, role="pickle", note=_PICKLE),
        Sink("pandas", "pandas.read_pickle", (0,), _DATA, role="pickle", note=_PICKLE),
        Sink("shelve", "shelve.open", (0,), _DATA, role="shelve"),
        Sink("shelve", "shelve.DbfilenameShelf", (0,), _DATA, role="shelve"),
        Sink("jsonpickle", "jsonpickle.decode", (0,), _DATA, role="pickle", note=_OBJECTS),
        Sink("jsonpickle", "jsonpickle.unpickler.decode", (0,), _DATA, role="pickle", note=_OBJECTS),
        Sink("jsonpickle", "jsonpickle.unpickler.Unpickler", (0,), _DATA, role="pickle", note=_OBJECTS),
        Sink("PyYAML", "yaml.unsafe_load", (0,), ("stream",), role="yaml", note="yaml.safe_load"),
        Sink("PyYAML", "yaml.unsafe_load_all", (0,), ("stream",), role="yaml", note="yaml.safe_load_all"),
        Sink("PyYAML", "yaml.full_load", (0,), ("stream",), role="yaml", note="yaml.safe_load"),
        Sink("PyYAML", "yaml.full_load_all", (0,), ("stream",), role="yaml", note="yaml.safe_load_all"),
        Sink("PyYAML", "yaml.load", (0,), ("stream",), role="yaml_load", note="yaml.safe_load"),
        Sink("PyYAML", "yaml.load_all", (0,), ("stream",), role="yaml_load", note="yaml.safe_load_all"),
        Sink("torch", "torch.load", (0,), ("f",), role="torch"),
        Sink("torch", "torch.serialization.load", (0,), ("f",), role="torch"),
        Sink("numpy", "numpy.load", (0,), role="numpy"),
        Sink("ruamel.yaml", "ruamel.yaml.YAML.load", (0,), role="ruamel"),
        Sink("ruamel.yaml", "ruamel.yaml.main.YAML.load", (0,), role="ruamel"),
    ),
    # CWE-22: calls that use a file-system path (``analysis/files.py``). role: what the call
    # does with it, for the message; positional ``args`` pair with ``keywords`` by order.
    # ``.method`` rows with ``receiver="path"`` use the receiver as the path (``p.read_text()``).
    "path": (
        *(Sink("builtins", name, (0,), ("file",), role="opens") for name in ("open", "io.open", "builtins.open")),
        Sink("codecs", "codecs.open", (0,), ("filename",), role="opens"),
        Sink("os", "os.open", (0,), ("path",), role="opens"),
        Sink("aiofiles", "aiofiles.open", (0,), ("file",), role="opens"),
        Sink("Pillow", "PIL.Image.open", (0,), ("fp",), role="opens"),
        *(Sink("os", name, (0,), ("path",), role="deletes") for name in ("os.remove", "os.unlink", "os.rmdir")),
        Sink("os", "os.removedirs", (0,), ("name",), role="deletes"),
        Sink("shutil", "shutil.rmtree", (0,), ("path",), role="deletes"),
        Sink("os", "os.listdir", (0,), ("path",), role="lists"),
        Sink("os", "os.scandir", (0,), ("path",), role="lists"),
        Sink("os", "os.walk", (0,), ("top",), role="lists"),
        *(Sink(name.split(".")[0], name, (0, 1), ("src", "dst"), role="moves")
          for name in ("os.rename", "os.replace", "shutil.move")),
        *(Sink("shutil", name, (0, 1), ("src", "dst"), role="copies")
          for name in ("shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree")),
        Sink("shutil", "shutil.unpack_archive", (0, 1), ("filename", "extract_dir"), role="extracts"),
        Sink("os", "os.makedirs", (0,), ("name",), role="creates"),
        Sink("os", "os.mkdir", (0,), ("path",), role="creates"),
        Sink("os", "os.chmod", (0,), ("path",), role="changes"),
        Sink("flask", "flask.send_file", (0,), ("path_or_file",), role="serves"),
        Sink("flask", "flask.helpers.send_file", (0,), ("path_or_file",), role="serves"),
        *(Sink(name.split(".")[0], name, (0,), ("path",), role="serves") for name in (
            "fastapi.responses.FileResponse", "starlette.responses.FileResponse", "aiohttp.web.FileResponse")),
        *(Sink("pathlib", f".{name}", (), receiver="path", role=verb) for name, verb in (
            ("open", "opens"), ("read_text", "reads"), ("read_bytes", "reads"), ("write_text", "writes"),
            ("write_bytes", "writes"), ("unlink", "deletes"), ("rmdir", "deletes"), ("iterdir", "lists"),
            ("touch", "creates"), ("mkdir", "creates"), ("rename", "moves"))),
        Sink("pathlib", ".replace", (), receiver="path!", role="moves"),
        Sink("werkzeug", ".save", (0,), role="writes", note="an upload's save"),
    ),
    # CWE-22: archives extracted under the names their members carry (``analysis/files.py``).
    "archive": (
        Sink("tarfile", ".extractall", (), ("members", "filter"), ("tarfile",), role="all"),
        Sink("tarfile", ".extract", (0,), ("member", "filter"), ("tarfile",), role="member"),
    ),
    # CWE-918: calls that fetch a URL or connect to a host (``analysis/urls.py``). role "url": the
    # argument is the URL or host; "base_url": a client bound to the server in ``base_url=``, which
    # every later call goes to; "verb": an HTTP client's method (``session.get(url)``), on an object
    # of one of ``HTTP_CLIENTS`` or, in a module importing one of ``imports``, a receiver named
    # like a client (``self.session``, ``http_client``).
    "url": (
        *(Sink(name.split(".")[0], name, (0,), ("url",), role="url") for name in (
            "urllib.request.urlopen", "urllib.request.Request", "urllib.request.urlretrieve",
            "urllib.request.build_opener.open", "urllib2.urlopen", "six.moves.urllib.request.urlopen",
            "http.client.HTTPConnection", "http.client.HTTPSConnection", "httplib2.Http.request",
            "tornado.httpclient.HTTPRequest", "feedparser.parse", "websocket.create_connection", "websockets.connect",
            "socket.create_connection", "smtplib.SMTP", "smtplib.SMTP_SSL", "ftplib.FTP", "telnetlib.Telnet")),
        *(Sink(name.split(".")[0], name, (), ("base_url",), role="base_url") for name in (
            "httpx.Client", "httpx.AsyncClient", "aiohttp.ClientSession", "niquests.Session", "niquests.AsyncSession")),
        *(Sink("HTTP clients", f".{verb}", (0,), ("url",), _HTTP_IMPORTS, role="verb") for verb in (
            "get", "post", "put", "patch", "delete", "head", "options", "ws_connect", "fetch")),
        Sink("HTTP clients", ".request", (1,), ("url",), _HTTP_IMPORTS, role="verb"),  # request(method, url)
        Sink("httpx", ".stream", (1,), ("url",), _HTTP_IMPORTS, role="verb"),  # (requests' stream is a keyword)
    ),
    # CWE-89: calls that send SQL text (``analysis/sql.py``). role, for a named callee: what
    # kind of query object it takes ("text": SQLAlchemy ``text()``, "pandas", "rawsql": Django,
    # "duckdb", "sqlobj": ``psycopg.sql.SQL``); for a ``.method``: "method" (a database
    # receiver, or SQL-looking text), "sql_text" (a name too generic: only SQL-looking text),
    # "raw" (Django ``Manager.raw``), "extra" (``QuerySet.extra``), "pandas" (``read_sql``).
    "sql": (
        *(Sink("SQLAlchemy", name, (0,), _QUERY, role="text") for name in (
            "sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text", "sqlalchemy.literal_column",
            "sqlalchemy.sql.expression.literal_column", "sqlalchemy.sql.literal_column")),
        *(Sink("pandas", name, (0,), _QUERY, role="pandas")
          for name in ("pandas.read_sql", "pandas.read_sql_query", "pandas.io.sql.read_sql")),
        Sink("django", "django.db.models.expressions.RawSQL", (0,), _QUERY, role="rawsql"),
        Sink("django", "django.db.models.RawSQL", (0,), _QUERY, role="rawsql"),
        *(Sink("duckdb", name, (0,), _QUERY, role="duckdb") for name in ("duckdb.sql", "duckdb.query", "duckdb.execute")),
        Sink("psycopg", "psycopg.sql.SQL", (0,), _QUERY, role="sqlobj"),
        Sink("psycopg2", "psycopg2.sql.SQL", (0,), _QUERY, role="sqlobj"),
        *(Sink("DB-API", f".{name}", (0,), _QUERY, role="method") for name in (
            "execute", "executemany", "executescript", "exec_driver_sql", "execute_sql", "fetchrow", "fetchval",
            "execute_fetchall")),
        *(Sink("DB-API", f".{name}", (0,), _QUERY, role="sql_text") for name in (
            "sql", "query", "fetch", "mogrify", "run_sql", "select_one", "select_all", "copy_expert")),
        Sink("django", ".raw", (0,), _QUERY, role="raw"),
        Sink("django", ".extra", (), ("where", "select", "order_by", "tables"), role="extra"),
        Sink("pandas", ".read_sql", (0,), _QUERY, role="pandas"),
        Sink("pandas", ".read_sql_query", (0,), _QUERY, role="pandas"),
    ),
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


@lru_cache(maxsize=None)
def _index(family: str) -> tuple[dict[str, Sink], dict[str, tuple[Sink, ...]], frozenset[str]]:
    table = SINKS[family]
    methods: dict[str, list[Sink]] = {}
    for s in table:
        if s.callee.startswith("."):
            methods.setdefault(s.callee[1:], []).append(s)
    named = {s.callee: s for s in table if not s.callee.startswith(".")}
    shorts = frozenset({name.rsplit(".", 1)[-1] for name in named} | set(methods))
    return named, {k: tuple(v) for k, v in methods.items()}, shorts


def sink_calls(ctx: RuleContext, family: str) -> Iterator[SinkCall]:
    """Every call of one of ``family``'s sinks in the block."""
    named, methods, shorts = _index(family)
    imported: dict[Sink, bool] = {}
    for call in ctx.nodes(ast.Call):
        func = call.func
        short = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if short not in shorts:
            continue
        direct = qualified = ctx.qualified_name(func) or ""
        sink = named.get(qualified)
        if sink is None and isinstance(func, ast.Attribute):
            qualified = qualified or resolved_call_name(ctx, call) or ""
            sink = named.get(qualified)
            if sink is None and not qualified.startswith(("os.", "re.", "str.")):
                for candidate in methods.get(short, ()):
                    if qualified and not qualified.startswith(candidate.imports) and (direct or _library(qualified)):
                        continue  # a function of another module (``asyncio.run``), or a receiver another library made
                    if candidate not in imported:
                        imported[candidate] = any(ctx.is_imported(m) for m in candidate.imports)
                    if imported[candidate]:
                        sink = candidate
                        break
        if sink is not None:
            yield SinkCall(call, sink, qualified)


@lru_cache(maxsize=None)
def _libraries() -> frozenset[str]:
    """Top-level modules caveat knows as libraries: the standard library and every sink table's."""
    roots = {s.callee.split(".")[0] for table in SINKS.values() for s in table if not s.callee.startswith(".")}
    roots |= {m.split(".")[0] for table in SINKS.values() for s in table for m in s.imports}
    return frozenset(roots | set(sys.stdlib_module_names))


def _library(qualified: str) -> bool:
    """Was the receiver of ``qualified`` (``requests.Session.run``) made by a library we know, rather
    than by the project's own code (``helpers.ldap.get_connection.search``, which may wrap the sink's)?"""
    return qualified.split(".")[0] in _libraries()


def arguments(call: ast.Call, sink: Sink) -> Iterator[ast.AST]:
    """The dangerous argument expressions of one sink call (starred ones skipped)."""
    for index in sink.args:
        if index < len(call.args) and not isinstance(call.args[index], ast.Starred):
            yield call.args[index]
    for kw in call.keywords:
        if kw.arg in sink.keywords:
            yield kw.value


def argument(call: ast.Call, sink: Sink) -> ast.AST | None:
    """The sink's first dangerous argument: by position if the call has positional
    arguments (a starred one hides it), else by keyword."""
    if call.args:
        index = sink.args[0] if sink.args else 0
        if index < len(call.args) and not isinstance(call.args[index], ast.Starred):
            return call.args[index]
        return None
    for kw in call.keywords:
        if kw.arg in sink.keywords:
            return kw.value
    return None


def sink_arguments(ctx: RuleContext, family: str) -> Iterator[tuple[ast.Call, ast.AST, Sink]]:
    """(call, dangerous argument, sink) for every call of ``family``'s sinks in the block."""
    for found in sink_calls(ctx, family):
        for arg in arguments(found.call, found.sink):
            yield found.call, arg, found.sink


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
