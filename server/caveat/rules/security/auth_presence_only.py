"""## What it does

Detects access control that only checks that a credential *exists*: an
`Authorization` header, an API-key header or parameter, a token or session
cookie, `request.authorization` - tested for presence (`if not api_key:
abort(401)`, `if "token" in request.cookies:`, `return bool(request.headers.get(
"X-API-Key"))`) in a route handler, an auth decorator, a `before_request` hook,
a middleware, a permission class or a FastAPI dependency, when nothing on the
path ever compares the value with a secret or passes it to a verification or
lookup function.

## Why is this bad?
Any client can send `Authorization: x` or `X-API-Key: anything`. A check that
only looks for the header lets everyone in who knows which header to send -
broken authentication (CWE-287). The code reads like authentication, so the
gap survives review.

## Example
```python
def require_api_key(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        api_key = request.headers.get("X-API-Key")
        if not api_key:
            abort(401)
        return view(*args, **kwargs)
    return wrapper
```

## Use instead
```python
def require_api_key(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        api_key = request.headers.get("X-API-Key", "")
        if not hmac.compare_digest(api_key, current_app.config["API_KEY"]):
            abort(401)
        return view(*args, **kwargs)
    return wrapper
```

## What it does not flag
Presence checks followed by a verification of the value (compared with a
secret - `hmac.compare_digest` or even `==`, looked up in a table or store,
passed to `jwt.decode`, `verify_token`, `filter_by(api_key=...)`, any call that
receives it), functions that call an authentication helper
(`authenticate(request)`, `get_current_user()`), helpers that extract and
return the token for a caller to verify, and presence checks of headers that
are not credentials.

## Fix safety
No fix: the right verification (secret comparison, token decoding, database
lookup) depends on the application.

## References
- https://cwe.mitre.org/data/definitions/287.html
- https://owasp.org/Top10/A07_2021-Identification_and_Authentication_Failures/
"""
from __future__ import annotations

import ast
import re

from caveat.analysis import taint
from caveat.analysis.flow import walk_scope
from caveat.engine.findings import Severity
from caveat.rules.base import Rule, RuleContext

CREDENTIAL = re.compile(
    r"(authori[sz]ation|(^|[-_])auth([-_]|$)|auth[-_]?token|token|api[-_]?key|apikey|x[-_]api|access[-_]?key|secret|"
    r"session[-_]?id|^sid$|^session$|sessionid|jwt|bearer|credential|passw(or)?d|signature|x[-_]auth)", re.I)
CONTAINERS = frozenset({"headers", "cookies", "args", "values", "form", "GET", "POST", "META", "COOKIES",
                        "query_params", "json", "params", "query"})
NON_VERIFYING = re.compile(
    r"^(len|bool|str|repr|print|isinstance|type|abort|jsonify|make_response|redirect|flash|"
    r"\w*Response|HTTPException|\w*Error|\w*Exception|getattr|hasattr|setattr|format|"
    r"(logger|log|logging|LOGGER|_logger|app\.logger|current_app\.logger)\.\w+|warnings\.warn)$")
DERIVING_METHODS = frozenset({"split", "rsplit", "strip", "lstrip", "rstrip", "replace", "removeprefix",
                              "removesuffix", "lower", "upper", "partition", "rpartition", "encode", "decode",
                              "startswith", "endswith", "get", "casefold", "title"})
VERIFY_CALL = re.compile(r"(verify|authenticat|authoriz|validate|decode|check_(auth|token|key|password|credentials|"
                         r"permission|api)|compare_digest|lookup|get_user|current_user|load_user|identify|"
                         r"login_user|check_password_hash|checkpw|is_valid_(token|key|session)|introspect)",
                         re.I)
GATE_NAME = re.compile(r"(auth|login|require|protect|guard|permission|token|api_?key|verify|check|secure|"
                       r"before_request|dispatch|process_request|__call__|middleware|current_user|access)",
                       re.I)
EXTRACTOR_NAME = re.compile(r"^_?(get|extract|parse|read|fetch)_(bearer_)?(token|header|api_key|key|credentials?)$")
PARAM_DEFAULTS = re.compile(r"(^|\.)(Header|Cookie|Security|Query|APIKeyHeader|APIKeyCookie|APIKeyQuery)$")


class AuthPresenceOnly(Rule):
    code = "CAV120"
    name = "auth-presence-only"
    category = "auth-presence-only"
    cwe = 287
    severity = Severity.ERROR
    fixable = False

    def check(self, ctx: RuleContext) -> None:
        text = ctx.text
        if not any(word in text for word in ("request", "headers", "cookies", "Header(", "Cookie(", "Depends(",
                                              "Security(")):
            return
        lowered = text.lower()
        if not any(word in lowered for word in ("auth", "token", "key", "session", "cookie", "secret", "bearer",
                                                "credential", "passw", "sid")):
            return
        for func in ctx.nodes(ast.FunctionDef, ast.AsyncFunctionDef):
            _Function(ctx, func).check(self)


class _Function:
    def __init__(self, ctx: RuleContext, func: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.ctx = ctx
        self.func = func
        self.nodes = list(walk_scope(func))
        self.credentials: dict[int, str] = {}  # id(expr) -> description
        self.derived: dict[str, str] = {}      # name -> description
        self.presence: list[tuple[ast.AST, ast.AST, str]] = []  # (statement, atom, description)
        self.presence_atoms: set[int] = set()
        self.scheme_params: list[ast.arg] = []  # filled by a security scheme dependency

    # --- credential reads -------------------------------------------------
    def credential(self, node: ast.AST) -> str | None:
        """``request.headers.get("X-API-Key")`` -> "the `X-API-Key` header"."""
        inner = node
        key = None
        if isinstance(inner, ast.Subscript) and isinstance(inner.slice, ast.Constant):
            key, inner = inner.slice.value, inner.value
        elif isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr in (
                "get", "getlist", "get_all") and inner.args and isinstance(inner.args[0], ast.Constant):
            key, inner = inner.args[0].value, inner.func.value
        elif isinstance(inner, ast.Attribute) and inner.attr == "authorization" and \
                taint.is_request_object(self.ctx, inner.value):
            return "`request.authorization`"
        if key is None or not isinstance(key, str) or not CREDENTIAL.search(key):
            return None
        if isinstance(inner, ast.Attribute) and inner.attr in CONTAINERS and taint.is_request_object(self.ctx, inner.value):
            return f"the `{key}` {_kind(inner.attr)}"
        return None

    def collect(self) -> None:
        for arg in self.func.args.args + self.func.args.kwonlyargs:
            default = _default(self.func, arg)
            if default is None or not isinstance(default, ast.Call):
                continue
            name = self.ctx.dotted_name(default.func) or ""
            annotation = self.ctx.source(arg.annotation) if arg.annotation is not None else ""
            scheme = name.endswith(("Depends", "Security")) and default.args and \
                isinstance(default.args[0], (ast.Name, ast.Attribute)) and \
                self.ctx.source(default.args[0]) not in self.ctx.module_functions and re.search(
                    r"(?i)key|scheme|header|bearer|oauth|auth|token|cookie", self.ctx.source(default.args[0]))
            if scheme or (PARAM_DEFAULTS.search(name) and CREDENTIAL.search(arg.arg)) or \
                    (PARAM_DEFAULTS.search(name) and "Credentials" in annotation):
                self.derived[arg.arg] = f"the `{arg.arg}` parameter"
                if scheme:
                    self.scheme_params.append(arg)
        for node in self.nodes:
            label = self.credential(node) if isinstance(node, (ast.Subscript, ast.Call, ast.Attribute)) else None
            if label is not None:
                self.credentials[id(node)] = label
        changed = True
        rounds = 0
        while changed and rounds < 4:
            changed = False
            rounds += 1
            for node in self.nodes:
                if isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
                    source = self.source_of(node.value)
                    if source is None:
                        continue
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for target in targets:
                        for name in ast.walk(target):
                            if isinstance(name, ast.Name) and name.id not in self.derived:
                                self.derived[name.id] = source
                                changed = True

    def source_of(self, expr: ast.AST) -> str | None:
        for node in ast.walk(expr):
            if id(node) in self.credentials:
                return self.credentials[id(node)]
            if isinstance(node, ast.Name) and node.id in self.derived:
                return self.derived[node.id]
        return None

    # --- presence checks ----------------------------------------------------
    def atoms(self, test: ast.AST) -> list[tuple[ast.AST, str]]:
        """Sub-expressions of ``test`` that only ask whether a credential exists."""
        found: list[tuple[ast.AST, str]] = []
        if isinstance(test, ast.BoolOp):
            for value in test.values:
                found.extend(self.atoms(value))
            return found
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return self.atoms(test.operand)
        source = self.direct(test)
        if source is not None:
            return [(test, source)]
        if isinstance(test, ast.Call):
            name = self.ctx.dotted_name(test.func) or ""
            if name in ("bool", "len") and test.args and self.direct(test.args[0]):
                return [(test.args[0], self.direct(test.args[0]))]
            if isinstance(test.func, ast.Attribute) and test.func.attr in ("startswith", "endswith", "isalnum") \
                    and self.direct(test.func.value):
                return [(test.func.value, self.direct(test.func.value))]
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            left, op, right = test.left, test.ops[0], test.comparators[0]
            if isinstance(op, (ast.In, ast.NotIn)) and isinstance(left, ast.Constant) and isinstance(left.value, str) \
                    and CREDENTIAL.search(left.value) and isinstance(right, ast.Attribute) and right.attr in CONTAINERS \
                    and taint.is_request_object(self.ctx, right.value):
                return [(test, f"the `{left.value}` {_kind(right.attr)}")]
            empty = _is_empty(right) or (isinstance(right, ast.Constant) and isinstance(right.value, int))
            subject = left.args[0] if isinstance(left, ast.Call) and (self.ctx.dotted_name(left.func) == "len") \
                and left.args else left
            if isinstance(op, (ast.Is, ast.IsNot, ast.Eq, ast.NotEq, ast.Gt, ast.GtE, ast.Lt, ast.LtE)) and empty:
                source = self.direct(subject)
                if source is not None:
                    return [(subject, source)]
        return found

    def direct(self, node: ast.AST) -> str | None:
        if id(node) in self.credentials:
            return self.credentials[id(node)]
        if isinstance(node, ast.Name) and node.id in self.derived:
            return self.derived[node.id]
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in self.derived:
            return self.derived[node.value.id]  # creds.credentials, auth.username
        return None

    def find_presence(self) -> None:
        for node in self.nodes:
            test = None
            if isinstance(node, (ast.If, ast.While, ast.Assert, ast.IfExp)):
                test = node.test
            elif isinstance(node, ast.Return) and node.value is not None and GATE_NAME.search(self.func.name) \
                    and not EXTRACTOR_NAME.match(self.func.name) and _boolean(self.ctx, node.value):
                test = node.value
            if test is None:
                continue
            for atom, source in self.atoms(test):
                statement = node if isinstance(node, ast.stmt) else self.ctx.statement_of(node)
                self.presence.append((statement, atom, source))
                for sub in ast.walk(atom):
                    self.presence_atoms.add(id(sub))

    # --- verification ---------------------------------------------------------
    def verified(self) -> bool:
        for node in self.nodes:
            if isinstance(node, ast.Call):
                name = self.ctx.dotted_name(node.func) or self.ctx.qualified_name(node.func) or ""
                short = name.rsplit(".", 1)[-1]
                if VERIFY_CALL.search(short) and not NON_VERIFYING.match(name):
                    return True
                if isinstance(node.func, ast.Attribute) and node.func.attr in DERIVING_METHODS and \
                        (self.uses_credential(node.func.value) or id(node) in self.credentials):
                    continue
                if NON_VERIFYING.match(name):
                    continue
                for arg in [*node.args, *(kw.value for kw in node.keywords)]:
                    if self.uses_credential(arg):
                        return True
            elif isinstance(node, ast.Compare):
                if id(node) in self.presence_atoms:
                    continue
                operands = [node.left, *node.comparators]
                if any(self.uses_credential(o) and _scheme_part(o) for o in operands):
                    continue  # creds.scheme == "bearer": a format check
                if any(self.uses_credential(o) for o in operands):
                    others = [o for o in operands if not self.uses_credential(o)]
                    if any(not _is_empty(o) for o in others) and not _is_len_compare(self.ctx, node):
                        return True
            elif isinstance(node, ast.Subscript):
                if self.uses_credential(node.slice) and id(node) not in self.credentials:
                    return True
            elif isinstance(node, (ast.Return, ast.Yield)) and node.value is not None:
                if self.uses_credential(node.value) and not GATE_NAME.search(self.func.name) and \
                        not isinstance(node.value, (ast.Dict, ast.Tuple, ast.List, ast.Set, ast.Call)):
                    return True  # the value itself is handed to the caller
                if self.uses_credential(node.value) and EXTRACTOR_NAME.match(self.func.name):
                    return True
        return False

    def uses_credential(self, expr: ast.AST) -> bool:
        for node in ast.walk(expr):
            if id(node) in self.credentials:
                return True
            if isinstance(node, ast.Name) and node.id in self.derived:
                return True
        return False

    # --- role -----------------------------------------------------------------
    def is_gate(self) -> bool:
        func = self.func
        if taint.is_route_handler(self.ctx, func):
            return True
        if GATE_NAME.search(func.name):
            return True
        if self.ctx.enclosing_function(func) is not None:
            return True  # a decorator's wrapper
        for deco in func.decorator_list:
            name = self.ctx.dotted_name(deco.func if isinstance(deco, ast.Call) else deco) or ""
            if re.search(r"(before_request|before_app_request|middleware|dependency)$", name):
                return True
        params = {a.arg for a in func.args.args + func.args.kwonlyargs}
        return any(name in params for name in self.derived)  # a dependency taking the header

    def check(self, rule: AuthPresenceOnly) -> None:
        self.collect()
        self.find_presence()
        if not self.presence and self.scheme_params and self.is_gate() and not EXTRACTOR_NAME.match(self.func.name) \
                and not self.verified():
            # The security scheme only guarantees the header is there; nothing checks it.
            arg = self.scheme_params[0]
            use = next((n for n in sorted(self.nodes, key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))
                        if isinstance(n, ast.Name) and n.id == arg.arg), None)
            where = self.ctx.statement_of(use) if use is not None else None
            self.ctx.report(rule, where if where is not None else arg, (
                f"`{self.func.name}` treats the request as authenticated because the `{arg.arg}` credential is present "
                f"(the security scheme only checks that it was sent); it is never decoded, compared or looked up. "
                "Verify it before trusting it."))
            return
        if not self.presence or not self.is_gate():
            return
        if self.verified():
            return
        gates = [p for p in self.presence if not isinstance(p[0], ast.If) or taint._terminates(p[0].body)
                 or taint._terminates(p[0].orelse) or _grants(p[0])]
        statement, atom, source = min(gates or self.presence, key=lambda p: (p[0].lineno, p[0].col_offset))
        self.ctx.report(rule, statement, (
            f"Access depends only on whether {source} is present: `{_short(self.ctx, atom)}` is never compared "
            "with a secret or passed to a verification, so any value gets in. Verify it (e.g. "
            "`hmac.compare_digest(value, expected)`, `jwt.decode(...)`, or a lookup of the key)."))


def _grants(node: ast.If) -> bool:
    """The body serves the protected thing (returns or calls the view)."""
    return any(isinstance(n, ast.Return) and n.value is not None for n in node.body)


def _scheme_part(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr in ("scheme", "type", "token_type") for n in ast.walk(node))


def _boolean(ctx: RuleContext, node: ast.AST) -> bool:
    if isinstance(node, (ast.Compare, ast.BoolOp)) or (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)):
        return True
    return isinstance(node, ast.Call) and ctx.dotted_name(node.func) == "bool"


def _short(ctx: RuleContext, node: ast.AST) -> str:
    text = " ".join((ctx.source(node) or ast.unparse(node)).split())
    return text if len(text) <= 50 else text[:47] + "..."


def _kind(container: str) -> str:
    return {"headers": "header", "META": "header", "cookies": "cookie", "COOKIES": "cookie"}.get(container, "parameter")


def _is_empty(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value in (None, "", 0, False) or (
        isinstance(node, (ast.List, ast.Tuple, ast.Dict)) and not getattr(node, "elts", getattr(node, "keys", None)))


def _is_len_compare(ctx: RuleContext, node: ast.Compare) -> bool:
    return isinstance(node.left, ast.Call) and ctx.dotted_name(node.left.func) == "len"


def _default(func: ast.FunctionDef | ast.AsyncFunctionDef, arg: ast.arg) -> ast.AST | None:
    args = func.args
    positional = args.posonlyargs + args.args
    if arg in positional:
        index = positional.index(arg) - (len(positional) - len(args.defaults))
        return args.defaults[index] if index >= 0 else None
    if arg in args.kwonlyargs:
        return args.kw_defaults[args.kwonlyargs.index(arg)]
    return None
