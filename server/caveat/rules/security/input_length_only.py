"""## What it does

Detects input whose *length* is validated but whose *content* is not: an
`if len(x) > N: abort(400)` (also `len(data["url"])`, `len(request.form.get("name"))`)
(or `raise`, `return`, resetting `x`) on a request
value or in a validator (`validate_*`, `clean_*`), FastAPI `Query(max_length=)`
parameters, pydantic `Field(max_length=)` / `constr(max_length=)` fields and
Django/DRF `CharField(max_length=)` form fields without a pattern, and
truncation with `value[:100]` - when the value is structured (a URL, file name or
path, host, user name, identifier, signature, e-mail, command, query...) or
reaches a dangerous sink (SQL text, a shell command, a file path, a template or
markup, a URL that is fetched, a redirect, a regular expression, `eval`).
Two weaker checks count when the value then reaches such a sink: a presence
check (`if not q: abort(400)`, `if q is None: ...`) and a call of a
same-module validator that only measures (`validate_input(q)` whose body is
`if len(value) > n: raise`).

## Why is this bad?
A length limit looks like validation and reassures reviewers, but it stops
nothing that matters: `' OR 1=1--` is 10 characters, `; rm -rf ~` is 10,
`../../etc/passwd` is 16, `javascript:alert(1)` is 19, `http://169.254.169.254/`
is 23, and a 64-character signature of zeros has the right length (CWE-20). A
structured value needs a content check: an allowlist, `re.fullmatch`,
`int()`, a parser (`urlparse` + scheme/host checks), a typed field
(`EmailStr`, `HttpUrl`, `URLField`, `SlugField`), or a comparison.

## Example
```python
@app.post("/hooks")
def register_hook():
    callback = request.json["callback"]
    if len(callback) > 500:
        abort(400)
    hooks.save(owner=g.user, callback=callback)
```

## Use instead
```python
@app.post("/hooks")
def register_hook():
    callback = request.json["callback"]
    parts = urlparse(callback)
    if len(callback) > 500 or parts.scheme != "https" or parts.hostname not in PARTNER_HOSTS:
        abort(400)
    hooks.save(owner=g.user, callback=callback)
```

## What it does not flag
Free text (bio, description, comment, message, title, note) that reaches no
sink, password minimum lengths, values whose content is also checked
(allowlist, regex, `isalnum()`, `startswith`, comparison, a validator call -
a same-module validator is read, and one that only measures length does not
count - `int()`), fields with `pattern=`/`regex=` or a typed field, values that reach
sinks only in safe forms (SQL parameters, argument lists, `secure_filename`,
`escape`), and length checks that are not validation (no rejection).

## Fix safety
No fix: the right content rule depends on what the value is.

## References
- https://cwe.mitre.org/data/definitions/20.html
- https://cheatsheetseries.owasp.org/cheatsheets/Input_Validation_Cheat_Sheet.html
"""
from __future__ import annotations

import ast
import re

from caveat.analysis import taint
from caveat.analysis.flow import walk_scope
from caveat.engine.findings import Severity
from caveat.rules.base import Rule, RuleContext
from caveat.analysis.sql import sql_uses

SHELL = frozenset({"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput",
                   "commands.getoutput", "os.execl", "os.spawnl", "pty.spawn"})
SUBPROCESS = frozenset({"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
                        "subprocess.Popen", "asyncio.create_subprocess_shell"})
PATHS = re.compile(r"^(open|io\.open|os\.(open|remove|unlink|rmdir|removedirs|makedirs|mkdir|rename|replace|"
                   r"listdir|scandir|stat|chmod|walk)|os\.path\.(join|exists|isfile|getsize)|shutil\.\w+|"
                   r"pathlib\.Path|flask\.send_file|fastapi\.responses\.FileResponse|starlette\.responses\.FileResponse|"
                   r"django\.http\.FileResponse|aiofiles\.open|tarfile\.open|zipfile\.ZipFile)$")
TEMPLATES = frozenset({"flask.render_template_string", "jinja2.Template", "markupsafe.Markup", "flask.Markup",
                       "django.utils.safestring.mark_safe", "django.template.Template", "mako.template.Template"})
URLS = re.compile(r"^(requests|httpx)\.(get|post|put|patch|delete|head|options|request|stream)$|"
                  r"^urllib\.request\.(urlopen|Request|urlretrieve)$|^(requests|httpx)\.\w*(Session|Client)\.\w+$|"
                  r"^aiohttp\.ClientSession\.(get|post|put|request)$")
CODE = frozenset({"eval", "exec", "compile"})
# Functions whose first argument is compiled as a regular expression (a pattern from
# input is a denial of service: catastrophic backtracking).
REGEX = frozenset(f"{module}.{func}" for module in ("re", "regex")
                  for func in ("compile", "match", "search", "fullmatch", "findall", "finditer", "sub", "subn", "split"))
SINK_KIND = {"redirect": "a redirect", "sql": "SQL", "shell": "a shell command", "path": "a file path", "html": "a template",
             "url": "a URL that is fetched", "code": "`eval`", "regex": "a regular expression"}


REDIRECTS = frozenset({"flask.redirect", "quart.redirect", "django.shortcuts.redirect", "django.http.HttpResponseRedirect",
                       "fastapi.responses.RedirectResponse", "starlette.responses.RedirectResponse",
                       "werkzeug.utils.redirect", "bottle.redirect"})
STRUCTURED = frozenset({
    "url", "uri", "urls", "link", "href", "website", "homepage", "site", "callback", "webhook", "endpoint",
    "redirect", "next", "returnto", "return", "continue", "destination", "dest", "target", "file", "filename",
    "filepath", "path", "paths", "dir", "directory", "folder", "host", "hostname", "domain", "ip", "addr",
    "address", "server", "username", "login", "handle", "slug", "identifier", "id", "uid", "uuid", "code",
    "signature", "sig", "digest", "checksum", "hash", "email", "mail", "command", "cmd", "sql",
    "sort", "column", "selector", "extension", "ext", "token", "nonce", "otp", "table", "html", "markup",
    "template", "regex", "regexp", "expr", "expression", "script",
})
# Values checked by matching them against a stored one: a lookup or comparison is their content check.
MATCHED = frozenset({"token", "signature", "sig", "nonce", "otp", "code", "hash", "digest", "checksum"})
# Free text and secrets: a length limit is the right rule for them.
FREE_TEXT = frozenset({"password", "passphrase", "passwd", "pwd", "secret", "bio", "description", "desc",
                       "comment", "comments", "message", "msg", "body", "text", "note", "notes", "title",
                       "summary", "subject", "about", "feedback", "reason", "name", "nickname", "display",
                       "caption", "label", "content", "answer", "review"})
VALIDATOR_FUNC = re.compile(r"^_?(validate|clean|check|ensure|verify|sanitize|normalize|parse)(_|$)", re.I)
CONTENT_CALL = re.compile(
    r"(valid|check|verify|compare_digest|fullmatch|match|search|urlparse|urlsplit|ip_address|ip_network|^int$|"
    r"^float$|uuid|UUID|Decimal|secure_filename|basename|quote|escape|saniti[sz]|normali[sz]|literal_eval|"
    r"fromisoformat|strptime|isalnum|isdigit|isalpha|isidentifier|isdecimal|isnumeric|startswith|endswith)")
INPUT_BASES = re.compile(r"(BaseModel|Schema|Form|ModelForm|Serializer|ModelSerializer|SQLModel|Struct|Request|"
                         r"Payload|Input|Body|Params|Query|Model)$")
FIELD_CALLS = re.compile(r"(^|\.)(Field|constr|StringConstraints|CharField|Query|Path|Form|Body|Header|Cookie|"
                         r"StringField|TextField|Str|String)$")
TYPED_FIELDS = re.compile(r"(EmailStr|HttpUrl|AnyUrl|AnyHttpUrl|UUID|IPv\w*Address|IPvAnyAddress|Literal|"
                          r"EmailField|URLField|SlugField|RegexField|UUIDField|IPAddressField|GenericIPAddressField|"
                          r"IntegerField|ChoiceField|Enum)")
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
# Text of a presence check (``if not q:``, ``if q is None:``, ``if q == "":``).
PRESENCE_MARKERS = ("if not ", "is None", '== ""', "== ''")


def _structured(*names: str) -> bool:
    for name in names:
        words = {w.lower() for w in _WORDS.findall(name)}
        if words & STRUCTURED and not (words & FREE_TEXT):
            return True
    return False


class InputLengthOnly(Rule):
    code = "CAV125"
    name = "input-length-only"
    category = "input-length-only"
    cwe = 20
    severity = Severity.WARNING
    fixable = False

    def check(self, ctx: RuleContext) -> None:
        markers = ("len(", "ength", "[:", *PRESENCE_MARKERS,
                   *(f"{name}(" for name in ctx.module_functions if VALIDATOR_FUNC.match(name)))
        if not any(marker in ctx.text for marker in markers):
            return
        self._fields(ctx)
        for func in ctx.nodes(ast.FunctionDef, ast.AsyncFunctionDef):
            text = "".join(ctx.lines[func.lineno - 1:func.end_lineno])
            if not any(marker in text for marker in markers):
                continue
            checks = _length_checks(ctx, func)
            if not checks:
                continue
            sinks = None
            for name, node, how, keys, sink_only in checks:
                if _content_checked(ctx, func, name):
                    continue
                reached = None
                if sinks is None:
                    sinks = _sinks(ctx, func)
                assigned = _assigned_nodes(func, name)
                for sink_expr, kind, label in sinks:
                    if _reaches(ctx, sink_expr, name, kind, assigned):
                        reached = (kind, label)
                        break
                if reached is not None:
                    ctx.report(self, node, (
                        f"`{name}` is only checked for {sink_only or 'length'} ({how}) before it reaches {SINK_KIND[reached[0]]} "
                        f"(`{reached[1]}`): a short value can still carry an injection. Check its content too "
                        "(allowlist, `re.fullmatch`, `int()`) or use the safe API."))
                elif _structured(name, *keys) and not sink_only:
                    ctx.report(self, node, (
                        f"`{name}` is only checked for length ({how}); its content is never validated, so any "
                        "characters within the limit pass (`../`, `javascript:`, quotes, `-` options). Check the "
                        "format too (allowlist, `re.fullmatch`, a parser or a typed field)."))

    def _fields(self, ctx: RuleContext) -> None:
        """Declarative fields of input models: ``filename: str = Field(max_length=255)``."""
        for node in ctx.nodes(ast.AnnAssign, ast.Assign):
            owner = ctx.parent(node)
            if not isinstance(owner, ast.ClassDef):
                continue
            dotted = [ctx.dotted_name(b) or "" for b in owner.bases]
            if any(d.endswith(("models.Model", "db.Model", "Base")) or d == "Model" for d in dotted):
                continue  # database models: max_length is a column size
            if not any(INPUT_BASES.search(d.rsplit(".", 1)[-1]) for d in dotted):
                continue
            target = node.target if isinstance(node, ast.AnnAssign) else (node.targets[0] if len(node.targets) == 1 else None)
            if not isinstance(target, ast.Name):
                continue
            pieces = [p for p in (getattr(node, "annotation", None), node.value) if p is not None]
            limit = _length_limit(ctx, pieces)
            if limit is None or not _structured(target.id):
                continue
            ctx.report(self, node, (
                f"`{target.id}` is only constrained by length ({limit}); its content is never validated, so "
                "any characters within the limit pass. Add a `pattern=`/`regex=`, or use a typed field "
                "(`HttpUrl`, `EmailStr`, `URLField`, `SlugField`...)."))


def _length_limit(ctx: RuleContext, pieces: list[ast.AST]) -> str | None:
    """``max_length=255`` when ``pieces`` constrain only the length."""
    found = None
    for piece in pieces:
        if TYPED_FIELDS.search(ctx.source(piece)):
            return None
        for call in ast.walk(piece):
            if not isinstance(call, ast.Call):
                continue
            name = ctx.dotted_name(call.func) or ""
            if name.startswith("models.") or name.startswith("db."):
                return None  # a database column size, not input validation
            keywords = {kw.arg for kw in call.keywords}
            for kw in call.keywords:
                if kw.arg in ("validators", "validate"):
                    checks = _validator_names(ctx, kw.value)
                    if checks and all(LENGTH_ONLY_VALIDATORS.match(c) for c in checks) and \
                            any(c.endswith("Length") for c in checks):
                        found = f"`{ctx.source(kw.value)}`"
                    else:
                        return None
            if keywords & {"pattern", "regex", "choices"}:
                return None
            if FIELD_CALLS.search(name) and keywords & {"max_length", "min_length"}:
                kw = next(k for k in call.keywords if k.arg in ("max_length", "min_length"))
                found = f"`{kw.arg}={ctx.source(kw.value)}`"
    return found


LENGTH_ONLY_VALIDATORS = re.compile(r"^(Length|DataRequired|InputRequired|Optional|NotBlank|Required)$")


def _validator_names(ctx: RuleContext, node: ast.AST) -> list[str]:
    """``[Length(max=50), DataRequired()]`` / ``validate.Length(max=50)`` -> ["Length", "DataRequired"]."""
    items = node.elts if isinstance(node, (ast.List, ast.Tuple)) else [node]
    names = []
    for item in items:
        if not isinstance(item, ast.Call):
            return []
        names.append((ctx.dotted_name(item.func) or "?").rsplit(".", 1)[-1])
    return names


def _length_checks(ctx: RuleContext, func) -> list[tuple[str, ast.AST, str, list[str], str | None]]:
    """(name, node to report, description, key names, sink-only) for each length-only
    validation in ``func``: ``if len(x) > N: abort()``, and - counted only when the value
    then reaches a sink, sink-only saying what was checked - ``if not x: abort()``
    ("emptiness") and ``validate_input(x)`` where that helper only measures ("length")."""
    found: list[tuple[str, ast.AST, str, list[str], str | None]] = []
    seen: set[str] = set()
    handler = taint.handler_info(ctx, func)
    validator = bool(VALIDATOR_FUNC.match(func.name))
    field_names: list[str] = []
    for deco in func.decorator_list:
        if isinstance(deco, ast.Call) and re.search(r"(validator|validates)$", ctx.dotted_name(deco.func) or ""):
            validator = True
            field_names.extend(a.value for a in deco.args if isinstance(a, ast.Constant) and isinstance(a.value, str))
    defaults = _defaults(func)
    for arg in func.args.args + func.args.kwonlyargs:
        if handler is None or arg.arg not in handler.user_params:
            continue
        pieces = [p for p in (defaults.get(arg.arg), arg.annotation) if p is not None]
        limit = _length_limit(ctx, pieces) if pieces else None
        if limit is not None and arg.arg not in seen:
            seen.add(arg.arg)
            found.append((arg.arg, arg, limit, [], None))
    for node in walk_scope(func):
        test = node.test if isinstance(node, (ast.If, ast.Assert)) else None
        if test is not None:
            rejects = isinstance(node, ast.Assert) or taint._terminates(node.body)
            for compare in ast.walk(test):
                if not isinstance(compare, ast.Compare):
                    continue
                for side in [compare.left, *compare.comparators]:
                    name = _len_of(ctx, side)
                    key = _key(name) if name is not None else None
                    if key is None or key in seen:
                        continue
                    resets = isinstance(node, ast.If) and any(
                        _key(t) == key for stmt in node.body if isinstance(stmt, ast.Assign) for t in stmt.targets)
                    if not (rejects or resets):
                        continue
                    read = _keyed_read(name)
                    if read is None and _collection(ctx, name):
                        continue  # counting items (argv, uploaded files, a list) is not string validation
                    base = name if isinstance(name, ast.Name) else (read[0] if read else name.value)
                    if not taint.is_user_input(ctx, name) and not (validator and isinstance(base, ast.Name)):
                        continue
                    seen.add(key)
                    keys = (_keys(ctx, base) if isinstance(base, ast.Name) else []) + field_names
                    if isinstance(name, ast.Attribute):
                        keys.append(name.attr)
                    if read is not None:
                        keys.append(read[1])
                    found.append((key, node, f"`{' '.join(ctx.source(compare).split())}`", keys, None))
            if rejects:
                for name in _emptiness_tested(test):
                    key = _key(name)
                    if key is None or key in seen or not taint.is_user_input(ctx, name) or _collection(ctx, name):
                        continue
                    seen.add(key)
                    found.append((key, node, f"`{' '.join(ctx.source(test).split())}`", [], "emptiness"))
        if isinstance(node, (ast.Expr, ast.Assign)) and isinstance(node.value, ast.Call):
            measured = _measuring_helper_call(ctx, node)
            if measured is not None and measured[0] not in seen:
                seen.add(measured[0])
                found.append((measured[0], node, measured[1], [], "length"))
                continue
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = node.value
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "strip":
                value = value.func.value
            if isinstance(value, ast.Subscript) and isinstance(value.slice, ast.Slice) and \
                    value.slice.lower is None and value.slice.upper is not None and value.slice.step is None \
                    and isinstance(value.slice.upper, ast.Constant) and taint.is_user_input(ctx, value.value):
                target = node.targets[0].id
                if target not in seen:
                    seen.add(target)
                    keys = [k.value for k in ast.walk(value) if isinstance(k, ast.Constant) and isinstance(k.value, str)]
                    found.append((target, node, f"truncated with `[:{ctx.source(value.slice.upper)}]`", keys, None))
    return found


def _measuring_helper_call(ctx: RuleContext, stmt: ast.Expr | ast.Assign) -> tuple[str, str] | None:
    """``validate_input(report)`` / ``customer = validate_input(request.args["c"])``: a
    same-module validator that only measures its argument (``if len(value) > n: raise``).
    Returns the validated name and a description; the helper itself is reported only
    for structured names, so the call counts when the value then reaches a sink."""
    call = stmt.value
    if not (isinstance(call.func, ast.Name) and VALIDATOR_FUNC.match(call.func.id) and call.args):
        return None
    helper = ctx.module_functions.get(call.func.id)
    if not isinstance(helper, (ast.FunctionDef, ast.AsyncFunctionDef)) or taint.is_trusted_validator(ctx, call.func):
        return None
    if _structured(helper.name, *(a.arg for a in helper.args.args)):
        return None  # ``validate_username``: reported inside the helper, once
    if not any(_len_of(ctx, node) is not None for node in ast.walk(helper) if isinstance(node, ast.Call)):
        return None
    if isinstance(stmt, ast.Assign):
        if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
            return None
        name = stmt.targets[0].id
    else:
        name = _key(call.args[0])
    if name is None or not taint.is_user_input(ctx, call.args[0]):
        return None
    return name, f"`{call.func.id}()`, which only measures it"


def _emptiness_tested(test: ast.AST) -> list[ast.AST]:
    """The values a test that only checks presence rejects when empty: ``not q``,
    ``q is None``, ``q == ""``, ``not q or len(q) > 100`` -> [q]; nothing when the test
    also looks at anything else (then it is not an emptiness-only check)."""
    found: list[ast.AST] = []
    for value in (test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or) else [test]):
        if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.Not) and _key(value.operand) is not None:
            found.append(value.operand)
        elif isinstance(value, ast.Compare) and len(value.ops) == 1 and _key(value.left) is not None \
                and isinstance(value.ops[0], (ast.Is, ast.Eq)) and isinstance(value.comparators[0], ast.Constant) \
                and value.comparators[0].value in (None, ""):
            found.append(value.left)
        elif not (isinstance(value, ast.Compare) and any(isinstance(side, ast.Call) and isinstance(side.func, ast.Name)
                                                         and side.func.id == "len"
                                                         for side in (value.left, *value.comparators))):
            return []
    return found


def _collection(ctx: RuleContext, node: ast.AST) -> bool:
    """Is the measured value a list/dict (``sys.argv``, ``request.files``, ``getlist()``)?"""
    if isinstance(node, ast.Attribute):
        return (ctx.dotted_name(node) or "") in ("sys.argv",) or node.attr in ("files", "FILES", "argv", "args")
    for binding in taint.bindings_before(ctx, node):
        value = binding.value
        if isinstance(value, (ast.List, ast.Dict, ast.Set, ast.Tuple, ast.ListComp, ast.DictComp, ast.SetComp)):
            return True
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in (
                "getlist", "split", "keys", "values", "items", "splitlines", "to_dict", "get_json", "json"):
            return True
        if isinstance(value, ast.Call) and (ctx.dotted_name(value.func) or "") in ("list", "dict", "set", "sorted"):
            return True
        if isinstance(value, (ast.Attribute, ast.Subscript)) and (ctx.dotted_name(value) or "").endswith(
                ("argv", "files", "FILES")):
            return True
    return False


def _keys(ctx: RuleContext, name: ast.Name) -> list[str]:
    """Request keys the value was read with: ``request.args.get("next")`` -> ["next"]."""
    keys: list[str] = []
    for binding in taint.bindings_before(ctx, name):
        if binding.value is not None:
            keys.extend(k.value for k in ast.walk(binding.value) if isinstance(k, ast.Constant) and isinstance(k.value, str))
    return keys


def _content_checked(ctx: RuleContext, func, name: str) -> bool:
    """Is the content of ``name`` checked anywhere in ``func`` (besides its length)?"""
    matched = bool({w.lower() for w in _WORDS.findall(name)} & MATCHED)
    for node in walk_scope(func):
        if matched and isinstance(node, ast.Call) and not re.match(
                r"(len|str|print|log\w*\.\w+|logger\.\w+|logging\.\w+|abort|jsonify)$", ctx.dotted_name(node.func) or "") \
                and any(_mentions(a, name) for a in [*node.args, *(k.value for k in node.keywords)]) \
                and not (isinstance(node.func, ast.Name) and node.func.id in ctx.module_functions
                         and VALIDATOR_FUNC.match(node.func.id) and not taint.is_trusted_validator(ctx, node.func)):
            return True  # looked up or compared by a function
        if isinstance(node, (ast.If, ast.While, ast.Assert, ast.IfExp)):
            if _tests_content(ctx, node.test, name):
                return True
        elif isinstance(node, ast.Call):
            callee = ctx.dotted_name(node.func) or ""
            if isinstance(node.func, ast.Name) and callee in ctx.module_functions:
                checks = taint.is_trusted_validator(ctx, node.func)  # read the helper: length-only is no check
            else:
                checks = bool(CONTENT_CALL.search(callee.rsplit(".", 1)[-1])) and not _is_sink(ctx, node)
            arguments = [*node.args, *(k.value for k in node.keywords)]
            if (ctx.qualified_name(node.func) or "") in REGEX:
                arguments = [*node.args[1:], *(k.value for k in node.keywords if k.arg != "pattern")]  # the subject
            if checks and any(_mentions(a, name) for a in arguments):
                return True
            if isinstance(node.func, ast.Attribute) and _key(node.func.value) == name and \
                    CONTENT_CALL.search(node.func.attr):
                return True
        elif isinstance(node, (ast.Name, ast.Attribute)) and _key(node) == name and taint.is_validated(ctx, node):
            return True
    return False


def _is_sink(ctx: RuleContext, call: ast.Call) -> bool:
    """``subprocess.check_output(...)`` runs the value, it does not check it."""
    qualified = ctx.qualified_name(call.func) or ""
    return qualified in SHELL or qualified in SUBPROCESS or qualified in CODE or bool(PATHS.match(qualified))


def _tests_content(ctx: RuleContext, test: ast.AST, name: str) -> bool:
    if isinstance(test, ast.BoolOp):
        return any(_tests_content(ctx, v, name) for v in test.values)
    if isinstance(test, ast.UnaryOp):
        return _tests_content(ctx, test.operand, name)
    if isinstance(test, ast.Compare):
        if _len_of(ctx, test.left) is not None or any(_len_of(ctx, c) is not None for c in test.comparators):
            return False
        if all(isinstance(c, ast.Constant) and c.value in (None, "") for c in test.comparators) and \
                isinstance(test.ops[0], (ast.Is, ast.IsNot, ast.Eq, ast.NotEq)):
            return False
    if isinstance(test, (ast.Name, ast.Attribute)):
        return False
    return _mentions(test, name)


def _len_of(ctx: RuleContext, node: ast.AST) -> ast.AST | None:
    """``len(x)`` / ``len(x.strip())`` / ``len(upload.filename)`` / ``len(data["url"])`` /
    ``len(request.form.get("name", ""))`` -> the measured value."""
    if isinstance(node, ast.Call) and ctx.dotted_name(node.func) == "len" and len(node.args) == 1:
        arg = node.args[0]
        if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr in ("strip", "encode"):
            arg = arg.func.value
        if isinstance(arg, ast.Name) or (isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name)
                                         and arg.value.id not in ("self", "cls")):
            return arg
        if _keyed_read(arg) is not None:
            return arg
    return None


def _keyed_read(node: ast.AST) -> tuple[ast.AST, str] | None:
    """(container, key) for ``data["url"]`` / ``data.get("url", "")`` / ``request.form["url"]``."""
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        container = node.value
        key = node.slice.value
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
            and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        container = node.func.value
        key = node.args[0].value
    else:
        return None
    if _key(container) is None or not isinstance(container, (ast.Name, ast.Attribute)):
        return None
    return container, key


def _key(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
        inner = _key(node.value)
        return f"{inner}.{node.attr}" if inner else None
    read = _keyed_read(node)
    if read is not None:
        return f"{_key(read[0])}[{read[1]!r}]"
    return None


def _mentions(node: ast.AST, name: str) -> bool:
    return any(_key(n) == name for n in ast.walk(node))


def _sinks(ctx: RuleContext, func) -> list[tuple[ast.AST, str, str]]:
    sinks: list[tuple[ast.AST, str, str]] = []
    for use in sql_uses(ctx):
        if ctx.enclosing_function(use.call) is func or taint.function_of(ctx, use.call) is func:
            for part in use.unsafe:
                sinks.append((part.node, "sql", use.sink))
    for call in ctx.nodes(ast.Call):
        if ctx.enclosing_function(call) is not func or not call.args and not call.keywords:
            continue
        qualified = ctx.qualified_name(call.func) or ""
        dotted = ctx.dotted_name(call.func) or ""
        first = call.args[0] if call.args else None
        if qualified in SHELL and first is not None:
            sinks.append((first, "shell", dotted))
        elif qualified in SUBPROCESS and first is not None:
            shell = any(kw.arg == "shell" and isinstance(kw.value, ast.Constant) and kw.value.value is True
                        for kw in call.keywords)
            if shell or qualified.endswith("_shell"):
                sinks.append((first, "shell", dotted))
        elif PATHS.match(qualified) and first is not None:
            for arg in call.args:
                sinks.append((arg, "path", dotted))
        elif qualified in TEMPLATES and first is not None:
            sinks.append((first, "html", dotted))
        elif (URLS.match(qualified) or URLS.match(_resolved(ctx, call))) and (first is not None or call.keywords):
            url = first if first is not None else next((kw.value for kw in call.keywords if kw.arg == "url"), None)
            if url is not None:
                sinks.append((url, "url", dotted))
        elif qualified in CODE and first is not None:
            sinks.append((first, "code", dotted))
        elif qualified in REGEX and first is not None:
            sinks.append((first, "regex", dotted))
        elif qualified in REDIRECTS and first is not None:
            sinks.append((first, "redirect", dotted))
    for node in ctx.nodes(ast.BinOp):
        if isinstance(node.op, ast.Div) and ctx.enclosing_function(node) is func:
            left = ctx.qualified_name(node.left.func) if isinstance(node.left, ast.Call) else None
            if left == "pathlib.Path" or (isinstance(node.left, ast.Name) and node.left.id.isupper()):
                sinks.append((node.right, "path", "Path / ..."))
    return sinks


def _resolved(ctx: RuleContext, call: ast.Call) -> str:
    from caveat.analysis.flow import resolved_call_name

    return resolved_call_name(ctx, call) or ""


def _reaches(ctx: RuleContext, expr: ast.AST, name: str, kind: str, assigned: frozenset[int] = frozenset(),
             depth: int = 0) -> bool:
    """Does the value of ``name`` flow, unsanitized for ``kind``, into ``expr``?
    ``assigned`` holds the ids of the nodes ``name`` was assigned from: a sink that
    reports the origin of its value (``request.args.get("t")``) rather than the name
    it went through is reached too."""
    if depth > 4:
        return False
    stack = [expr]
    while stack:
        node = stack.pop()
        if id(node) in assigned:
            return True
        if isinstance(node, ast.Call) and taint.is_sanitized(ctx, node, kind):
            continue
        if isinstance(node, ast.Compare):
            continue
        if _key(node) == name:
            if isinstance(node, ast.Name) and not taint.is_user_input(ctx, node, kind=kind):
                continue  # sanitized for this sink where it was assigned (``name = secure_filename(...)``)
            if not taint.is_validated(ctx, node):
                return True
            continue
        if isinstance(node, ast.Name):
            for binding in taint.bindings_before(ctx, node):
                if binding.value is not None and binding.kind in ("assign", "aug", "mutate", "for", "for*"):
                    if _reaches(ctx, binding.value, name, kind, assigned, depth + 1):
                        return True
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


def _assigned_nodes(func, name: str) -> frozenset[int]:
    """Ids of the nodes of every value assigned to the local ``name`` in ``func``."""
    found: set[int] = set()
    for node in walk_scope(func):
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                found.update(id(sub) for sub in ast.walk(node.value) if isinstance(sub, ast.expr))  # not Load()
    return frozenset(found)


def _defaults(func) -> dict[str, ast.AST]:
    args = func.args
    positional = args.posonlyargs + args.args
    found: dict[str, ast.AST] = {}
    for arg, default in zip(positional[len(positional) - len(args.defaults):], args.defaults):
        found[arg.arg] = default
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        if default is not None:
            found[arg.arg] = default
    return found
