"""## What it does

Detects blocking calls made directly inside an `async def`: `time.sleep`, synchronous
HTTP (`requests`, `urllib.request.urlopen`, `urllib3`, httpx's sync API and `httpx.Client`),
`subprocess` / `os.system` / `os.popen`, blocking sockets and DNS lookups, synchronous
database drivers (`sqlite3.connect`, `psycopg2.connect`, `pymysql.connect`, an un-awaited
`cursor.execute(...)`, redis and boto3 client calls), SMTP/FTP connections, `open()` and
pathlib file I/O, `pandas.read_*`, `shutil` tree copies, and `input()`.

## Why is this bad?

An event loop runs every task on one thread. A blocking call inside a coroutine does
not yield: while `requests.get` waits for a slow server, or `time.sleep(5)` sleeps,
*every* other request, websocket and background task on that loop is frozen. Under
load, latency spikes across the whole service and health checks time out (CWE-400).

## Example
```python
async def notify(user):
    time.sleep(1)
    response = requests.post(WEBHOOK_URL, json={"user": user.id}, timeout=10)
    return response.status_code
```

## Use instead
```python
async def notify(user):
    await asyncio.sleep(1)
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(WEBHOOK_URL, json={"user": user.id})
    return response.status_code
```
(or keep the sync library and run it off the loop:
`await asyncio.to_thread(requests.post, WEBHOOK_URL, json=..., timeout=10)`).

## What it does not flag
- Calls inside a nested synchronous `def` or `lambda` (typically handed to
  `run_in_executor` / `asyncio.to_thread`), and anything inside the arguments of
  `asyncio.to_thread(...)`, `loop.run_in_executor(...)`, `anyio.to_thread.run_sync(...)`
  or `run_in_threadpool(...)`.
- Awaited calls (`await path.read_text()` is an async path library, not pathlib),
  `httpx.AsyncClient`, aiohttp, aiofiles, asyncpg, aiosqlite...
- `time.sleep(0)`.
- `cursor.execute(...)` on a cursor it cannot trace is only reported when the call is not
  awaited and used as a statement (or chained into `.fetchone()`): an async driver's
  `execute` is always awaited.
- `open()` of a literal configuration file path (`open("config.json")`): a small,
  local read that finishes in microseconds; so are reads of a file the package ships with
  (a path built from `__file__`, `importlib.resources.files(...)`, `pkg_resources`).
- `subprocess.Popen(...)` itself: it returns once the child is started. Its
  `communicate()` / `wait()` are the blocking part and are reported.
- Cheap metadata syscalls (`os.path.exists`, `os.getcwd`, `os.environ`), which ruff's
  ASYNC240 reports.
- Methods of clients built outside the function are only reported when the module's
  imports make them unambiguous: a `session`/`self.session` called with a URL in a module
  that uses `requests` and no async HTTP client, boto3 operations (`upload_file`,
  `get_object`, ...) in a module importing boto3 but not aioboto3, and redis commands on a
  `*redis*` client in a module importing `redis` but not `redis.asyncio`.
- Constructing a client whose calls are the blocking part (`requests.Session()`,
  `redis.Redis()`, `boto3.client()`): the calls on it are reported instead.

Overlaps ruff's ASYNC210/212/220/221/222/230/251; caveat resolves sessions and clients
bound to variables, covers DB drivers, sockets, boto3 and redis, and names the async
alternative.

## Fix safety
`time.sleep(x)` becomes `await asyncio.sleep(x)` when the module imports `asyncio`;
this is safe: it pauses the coroutine for the same time without freezing the loop. The
other calls have no mechanical fix; the message names the async alternative.

## References
- https://cwe.mitre.org/data/definitions/400.html
- https://docs.python.org/3/library/asyncio-dev.html#running-blocking-code
- https://docs.astral.sh/ruff/rules/#flake8-async-async
"""
from __future__ import annotations

import ast

from caveat.analysis.packaged import is_packaged_path, opened_for_reading
from caveat.engine.findings import Fix, Severity
from caveat.rules.base import Rule, RuleContext
from caveat.rules.edge._common_a import (
    imports_module,
    local_name_for,
    requests_session_call,
    resolved_call_name,
    source,
    terminal_name,
)

_HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request", "stream", "send")
_HTTP = "an async HTTP client (`httpx.AsyncClient`, aiohttp) or `await asyncio.to_thread(...)`"
_PROCESS = "`asyncio.create_subprocess_exec(...)` or `await asyncio.to_thread(...)`"
_FILE = "`aiofiles` / `anyio.open_file`, or `await asyncio.to_thread(...)`"
_DB = "an async driver (asyncpg, aiosqlite, aiomysql, redis.asyncio) or `await asyncio.to_thread(...)`"
_SOCKET = "`asyncio.open_connection(...)` / `loop.getaddrinfo(...)`"

# qualified name -> (what it does, the alternative)
_BLOCKING: dict[str, tuple[str, str]] = {
    "time.sleep": ("sleeps on the event loop's thread", "`await asyncio.sleep(...)`"),
    "input": ("waits for the terminal", "`await asyncio.to_thread(input, ...)`"),
    "urllib.request.urlopen": ("waits for the network", _HTTP),
    "urllib.request.urlretrieve": ("waits for the network", _HTTP),
    "urllib3.request": ("waits for the network", _HTTP),
    "subprocess.run": ("waits for a child process", _PROCESS),
    "subprocess.call": ("waits for a child process", _PROCESS),
    "subprocess.check_call": ("waits for a child process", _PROCESS),
    "subprocess.check_output": ("waits for a child process", _PROCESS),
    "subprocess.getoutput": ("waits for a child process", _PROCESS),
    "subprocess.getstatusoutput": ("waits for a child process", _PROCESS),
    "os.system": ("waits for a shell command", _PROCESS),
    "os.popen": ("waits for a shell command", _PROCESS),
    "os.wait": ("waits for a child process", _PROCESS),
    "os.waitpid": ("waits for a child process", _PROCESS),
    "os.spawnl": ("waits for a child process", _PROCESS),
    "os.spawnv": ("waits for a child process", _PROCESS),
    "socket.create_connection": ("waits for a TCP connection", _SOCKET),
    "socket.getaddrinfo": ("waits for a DNS lookup", _SOCKET),
    "socket.gethostbyname": ("waits for a DNS lookup", _SOCKET),
    "socket.gethostbyname_ex": ("waits for a DNS lookup", _SOCKET),
    "socket.gethostbyaddr": ("waits for a DNS lookup", _SOCKET),
    "sqlite3.connect": ("opens a synchronous database connection", _DB),
    "psycopg2.connect": ("opens a synchronous database connection", _DB),
    "psycopg.connect": ("opens a synchronous database connection", _DB),
    "pymysql.connect": ("opens a synchronous database connection", _DB),
    "MySQLdb.connect": ("opens a synchronous database connection", _DB),
    "mysql.connector.connect": ("opens a synchronous database connection", _DB),
    "smtplib.SMTP": ("connects to the mail server synchronously", "`aiosmtplib` or `await asyncio.to_thread(...)`"),
    "smtplib.SMTP_SSL": ("connects to the mail server synchronously",
                         "`aiosmtplib` or `await asyncio.to_thread(...)`"),
    "ftplib.FTP": ("connects to the FTP server synchronously", "`aioftp` or `await asyncio.to_thread(...)`"),
    "open": ("does blocking file I/O", _FILE),
    "io.open": ("does blocking file I/O", _FILE),
    "codecs.open": ("does blocking file I/O", _FILE),
    "shutil.copytree": ("copies a directory tree synchronously", "`await asyncio.to_thread(shutil.copytree, ...)`"),
    "shutil.rmtree": ("deletes a directory tree synchronously", "`await asyncio.to_thread(shutil.rmtree, ...)`"),
    "shutil.copyfile": ("copies a file synchronously", "`await asyncio.to_thread(shutil.copyfile, ...)`"),
    "shutil.copy": ("copies a file synchronously", "`await asyncio.to_thread(shutil.copy, ...)`"),
    "shutil.copy2": ("copies a file synchronously", "`await asyncio.to_thread(shutil.copy2, ...)`"),
    "shutil.make_archive": ("builds an archive synchronously", "`await asyncio.to_thread(shutil.make_archive, ...)`"),
}
_BLOCKING.update({f"requests.{verb}": ("waits for the network", _HTTP) for verb in _HTTP_VERBS})
_BLOCKING.update({f"pandas.read_{kind}": ("reads and parses a whole file synchronously",
                                          "`await asyncio.to_thread(pandas.read_..., ...)`")
                  for kind in ("csv", "excel", "parquet", "json", "feather", "table", "sql", "sql_query", "pickle")})
_BLOCKING.update({f"httpx.{verb}": ("waits for the network", "`httpx.AsyncClient`") for verb in _HTTP_VERBS})
# Methods of objects built in the same function: constructor prefix -> (what, alternative)
_CLIENT_METHODS: dict[str, tuple[str, str]] = {
    "requests.Session.": ("waits for the network", _HTTP),
    "requests.session.": ("waits for the network", _HTTP),
    "requests.sessions.Session.": ("waits for the network", _HTTP),
    "httpx.Client.": ("waits for the network", "`httpx.AsyncClient`"),
    "urllib3.PoolManager.": ("waits for the network", _HTTP),
    "redis.Redis.": ("waits for a synchronous redis round trip", "`redis.asyncio`"),
    "redis.StrictRedis.": ("waits for a synchronous redis round trip", "`redis.asyncio`"),
    "redis.from_url.": ("waits for a synchronous redis round trip", "`redis.asyncio`"),
    "boto3.client.": ("waits for a synchronous AWS call", "`aioboto3` or `await asyncio.to_thread(...)`"),
    "boto3.resource.": ("waits for a synchronous AWS call", "`aioboto3` or `await asyncio.to_thread(...)`"),
    "socket.socket.": ("blocks on the socket", _SOCKET),
    "subprocess.Popen.": ("waits for a child process", _PROCESS),
    "sqlite3.connect.": ("runs a synchronous database query", _DB),
    "psycopg2.connect.": ("runs a synchronous database query", _DB),
    "pymysql.connect.": ("runs a synchronous database query", _DB),
}
_CHEAP_METHODS = {"close", "settimeout", "setblocking", "setsockopt", "fileno", "getsockname", "mount",
                  "cursor", "poll", "pid", "returncode", "headers", "pipeline", "kill", "terminate",
                  "send_signal", "get_paginator", "get_waiter", "meta", "Bucket", "Table", "Object",
                  "generate_presigned_url", "rollback", "row_factory", "set_session", "autocommit"}
_BLOCKING_SOCKET_METHODS = {"connect", "accept", "recv", "recv_into", "recvfrom", "send", "sendall", "sendto",
                            "makefile", "sendfile"}
_PROCESS_METHODS = {"wait", "communicate"}
_DB_CALLS = {"execute", "executemany", "executescript"}
_BOTO3_OPERATIONS = {"upload_file", "download_file", "upload_fileobj", "download_fileobj", "put_object",
                     "get_object", "delete_object", "list_objects", "list_objects_v2", "head_object",
                     "copy_object", "send_message", "receive_message", "delete_message", "publish",
                     "put_item", "get_item", "update_item", "delete_item", "batch_write_item", "invoke",
                     "start_execution", "put_record", "put_records", "send_email", "get_secret_value",
                     "get_parameter"}
_REDIS_COMMANDS = {"get", "set", "setex", "delete", "incr", "decr", "expire", "hget", "hset", "hgetall",
                   "lpush", "rpush", "lpop", "rpop", "sadd", "smembers", "zadd", "zrange", "publish",
                   "exists", "keys", "mget", "mset", "ttl"}
_PATH_METHODS = {"read_text", "write_text", "read_bytes", "write_bytes"}
_OFFLOADERS = {"asyncio.to_thread", "anyio.to_thread.run_sync", "starlette.concurrency.run_in_threadpool",
               "fastapi.concurrency.run_in_threadpool", "asgiref.sync.sync_to_async", "trio.to_thread.run_sync"}
_CONFIG_SUFFIXES = (".json", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".conf", ".env", ".pem", ".crt", ".key")


class BlockingInAsync(Rule):
    code = "CAV206"
    name = "blocking-in-async"
    category = "blocking-in-async"
    cwe = 400
    severity = Severity.WARNING
    fixable = True

    def check(self, ctx: RuleContext) -> None:
        if not ctx.nodes(ast.AsyncFunctionDef):
            return
        for call in ctx.nodes(ast.Call):
            function = ctx.enclosing(call, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
            if not isinstance(function, ast.AsyncFunctionDef):
                continue
            found = self._blocking(ctx, call)
            if found is None or _offloaded(ctx, call, function):
                continue
            label, what, alternative = found
            fix = _sleep_fix(ctx, call) if label == "time.sleep" else None
            ctx.report(self, call, f"`{_display(ctx, call)}` inside `async def {function.name}` {what}: every "
                       f"other task on the event loop is frozen until it returns; use {alternative}.", fix=fix)

    def _blocking(self, ctx: RuleContext, call: ast.Call) -> tuple[str, str, str] | None:
        if isinstance(ctx.parent(call), ast.Await):
            return None
        name = ctx.qualified_name(call.func)
        if name is not None:
            entry = _BLOCKING.get(name)
            if entry is None:
                return None
            if name == "time.sleep" and call.args and isinstance(call.args[0], ast.Constant) \
                    and call.args[0].value == 0:
                return None
            if name in ("open", "io.open", "codecs.open") and (_config_file(call) or _reads_packaged(ctx, call)):
                return None
            return name, *entry
        func = call.func
        if not isinstance(func, ast.Attribute):
            return None
        if func.attr in _PATH_METHODS and not call.args[1:]:
            if func.attr.startswith("read_") and is_packaged_path(ctx, func.value):
                return None  # a resource the package ships with
            return f".{func.attr}", "does blocking file I/O", _FILE
        name = resolved_call_name(ctx, call)
        if name is None and func.attr in _DB_CALLS and _sync_statement(ctx, call):
            return f".{func.attr}", "runs a database query synchronously (an async driver's call would be awaited)", _DB
        if name is None:
            return _untraced_client_call(ctx, call, func)
        if name is None or func.attr in _CHEAP_METHODS:
            return None
        for prefix, entry in _CLIENT_METHODS.items():
            if name.startswith(prefix):
                if prefix == "socket.socket." and func.attr not in _BLOCKING_SOCKET_METHODS:
                    return None
                if prefix == "subprocess.Popen." and func.attr not in _PROCESS_METHODS:
                    return None
                return name, *entry
        return None


def _untraced_client_call(ctx: RuleContext, call: ast.Call, func: ast.Attribute) -> tuple[str, str, str] | None:
    """Clients built outside the function (module level, ``self``) that are synchronous by
    the module's own imports: a requests session, a boto3 client, a sync redis client."""
    if requests_session_call(ctx, call):
        return f".{func.attr}", "waits for the network (a requests session)", _HTTP
    if func.attr in _BOTO3_OPERATIONS and imports_module(ctx, "boto3") and not imports_module(ctx, "aioboto3"):
        return f".{func.attr}", "waits for a synchronous AWS call (boto3)", \
            "`aioboto3` or `await asyncio.to_thread(...)`"
    receiver = terminal_name(func.value) or ""
    if "redis" in receiver.lower() and func.attr in _REDIS_COMMANDS and imports_module(ctx, "redis") \
            and not ctx.imports_any("redis.asyncio", "aioredis"):
        return f".{func.attr}", "waits for a synchronous redis round trip", "`redis.asyncio`"
    return None


def _sync_statement(ctx: RuleContext, call: ast.Call) -> bool:
    """``cur.execute(...)`` used as a statement, or chained into ``.fetchone()``, without
    ``await``: only a synchronous driver works that way."""
    receiver = call.func.value
    root = receiver
    while isinstance(root, ast.Attribute):
        root = root.value
    if isinstance(receiver, ast.Name) and receiver.id in ("self", "cls"):
        return False
    if not isinstance(root, ast.Name):
        return False
    parent = ctx.parent(call)
    if isinstance(parent, ast.Expr):
        return True
    return isinstance(parent, ast.Attribute) and parent.attr in ("fetchone", "fetchall", "fetchmany") \
        and not isinstance(ctx.parent(ctx.parent(parent)), ast.Await)


def _display(ctx: RuleContext, call: ast.Call) -> str:
    name = ctx.dotted_name(call.func) or source(ctx, call.func)
    if len(name) > 40:
        name = "..." + name[-37:]
    return f"{name}()"


def _config_file(call: ast.Call) -> bool:
    if not call.args:
        return False
    path = call.args[0]
    return isinstance(path, ast.Constant) and isinstance(path.value, str) and path.value.endswith(_CONFIG_SUFFIXES)


def _reads_packaged(ctx: RuleContext, call: ast.Call) -> bool:
    """``open(os.path.join(os.path.dirname(__file__), "res", "x.js"))``: reading a file the package ships."""
    return bool(call.args) and opened_for_reading(call) and is_packaged_path(ctx, call.args[0])


def _offloaded(ctx: RuleContext, call: ast.Call, function: ast.AsyncFunctionDef) -> bool:
    """Inside the arguments of ``asyncio.to_thread(...)`` / ``loop.run_in_executor(...)``."""
    for ancestor in ctx.ancestors(call):
        if ancestor is function:
            return False
        if isinstance(ancestor, ast.Call):
            func = ancestor.func
            if isinstance(func, ast.Attribute) and func.attr == "run_in_executor":
                return True
            if (ctx.qualified_name(func) or "") in _OFFLOADERS:
                return True
    return False


def _sleep_fix(ctx: RuleContext, call: ast.Call) -> Fix | None:
    asyncio = local_name_for(ctx, "asyncio")
    if asyncio is None or "." in asyncio or not isinstance(ctx.parent(call), ast.Expr):
        return None
    args = ", ".join(source(ctx, arg) for arg in call.args)
    return Fix(f"Use `await {asyncio}.sleep(...)`", (ctx.replace(call, f"await {asyncio}.sleep({args})"),), safe=True)
