"""Naming facts shared by the secret, randomness and crypto rules.

What a value *means* in AI-written code is mostly said by the name it is bound
to: ``reset_token = ...``, ``password=...``, ``{"api_key": ...}``,
``def generate_otp(): return ...``. These helpers find that name and split it
into lowercase words, so rules can ask "is this a token?" by meaning rather
than by the spelling of one example.
"""
from __future__ import annotations

import ast

from caveat.analysis import paths
from caveat.analysis.names import words  # noqa: F401 (re-exported for the rules)
from caveat.rules.base import RuleContext


def is_test_path(ctx: RuleContext) -> bool:
    """A test module (the shared definition: :func:`caveat.analysis.paths.is_test_path`)."""
    return paths.is_test_path(ctx.path)


def is_settings_path(ctx: RuleContext) -> bool:
    """A settings module (the shared definition: :func:`caveat.analysis.paths.is_settings_path`)."""
    return paths.is_settings_path(ctx.path)


def expr_name(ctx: RuleContext, node: ast.AST | None) -> str | None:
    """The name an expression reads as: ``password`` for ``password``,
    ``self.password``, ``data["password"]``, ``form.get("password")``,
    ``os.getenv("DB_PASSWORD")``, ``password.encode()``, ``str(password)``."""
    for _ in range(6):
        if node is None:
            return None
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute):
            return node.attr
        if isinstance(node, ast.Subscript):
            key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                return key.value
            node = node.value
            continue
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in ("get", "getenv", "getlist", "pop", "setdefault"):
                if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                    return node.args[0].value
            if isinstance(func, ast.Name) and func.id == "getenv" and node.args \
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                return node.args[0].value
            if isinstance(func, ast.Attribute) and func.attr in ("encode", "strip", "lower", "upper", "decode"):
                node = func.value
                continue
            if isinstance(func, ast.Name) and func.id in ("str", "bytes", "bytearray") and node.args:
                node = node.args[0]
                continue
            return None
        if isinstance(node, ast.Await):
            node = node.value
            continue
        return None
    return None


def bound_name(ctx: RuleContext, node: ast.expr) -> tuple[str | None, str]:
    """(name, how) for the place a value is bound: an assignment target, a
    keyword argument, a dict key, a parameter default, a function's return, a
    comparison's other side, an env lookup's variable or a ``.get(key, default)``
    key (``how`` is one of assign, keyword, dict, default, return, compare, env,
    fallback, none)."""
    parent = ctx.parent(node)
    while isinstance(parent, (ast.Tuple, ast.List)) and isinstance(ctx.parent(parent), (ast.Assign, ast.AnnAssign)):
        # ``USER, PASSWORD = "admin", "s3cret"``
        assign = ctx.parent(parent)
        targets = assign.targets if isinstance(assign, ast.Assign) else [assign.target]
        index = parent.elts.index(node) if node in parent.elts else -1
        for target in targets:
            if isinstance(target, (ast.Tuple, ast.List)) and 0 <= index < len(target.elts):
                return expr_name(ctx, target.elts[index]), "assign"
        return None, "none"
    if isinstance(parent, ast.Tuple) and len(parent.elts) == 2 and parent.elts[1] is node:
        # ``auth=("admin", "s3cret")``, ``basic_auth=(user, "s3cret")``
        holder = ctx.parent(parent)
        if isinstance(holder, ast.keyword) and holder.arg and "auth" in holder.arg.lower():
            return "password", "keyword"
    if isinstance(parent, ast.Call) and len(parent.args) >= 2 and parent.args[1] is node:
        # ``HTTPBasicAuth("admin", "s3cret")``, ``smtp.login(user, "s3cret")``
        callee = words(ctx.dotted_name(parent.func) or "")
        if callee and (callee[-1] == "login" or callee[-2:] in (["basic", "auth"], ["digest", "auth"])):
            return "password", "keyword"
    if isinstance(parent, ast.Assign) and parent.value is node:
        target = parent.targets[-1]
        return expr_name(ctx, target), "assign"
    if isinstance(parent, (ast.AnnAssign, ast.NamedExpr, ast.AugAssign)) and parent.value is node:
        return expr_name(ctx, parent.target), "assign"
    if isinstance(parent, ast.keyword):
        return parent.arg, "keyword"
    if isinstance(parent, ast.Dict):
        for key, value in zip(parent.keys, parent.values):
            if value is node and isinstance(key, ast.Constant) and isinstance(key.value, str):
                return key.value, "dict"
        return None, "none"
    if isinstance(parent, ast.arguments):
        args = parent.posonlyargs + parent.args
        defaults = parent.defaults
        for arg, default in zip(args[len(args) - len(defaults):], defaults):
            if default is node:
                return arg.arg, "default"
        for arg, default in zip(parent.kwonlyargs, parent.kw_defaults):
            if default is node:
                return arg.arg, "default"
        return None, "none"
    if isinstance(parent, ast.Return):
        function = ctx.enclosing_function(node)
        return (function.name if function else None), "return"
    if isinstance(parent, ast.Compare) and len(parent.comparators) == 1 \
            and isinstance(parent.ops[0], (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)):
        other = parent.left if parent.comparators[0] is node else parent.comparators[0]
        return expr_name(ctx, other), "compare"
    if isinstance(parent, ast.Call) and node in parent.args and parent.args.index(node) == 1 \
            and isinstance(parent.args[0], ast.Constant) and isinstance(parent.args[0].value, str):
        func = ctx.qualified_name(parent.func) or ctx.dotted_name(parent.func) or ""
        if func.endswith(("getenv", "environ.get", "environ.setdefault")):
            return parent.args[0].value, "env"
        if func.endswith((".get", ".setdefault")):
            return parent.args[0].value, "fallback"
    return None, "none"


def names_in(ctx: RuleContext, expr: ast.AST | None) -> list[str]:
    """Every name an expression reads: identifiers, attribute names, constant
    subscript keys and ``.get("key")`` keys (``user.password.encode()`` ->
    ['user', 'password'])."""
    found: list[str] = []
    if expr is None:
        return found
    for sub in ast.walk(expr):
        if isinstance(sub, ast.Name):
            found.append(sub.id)
        elif isinstance(sub, ast.Attribute):
            found.append(sub.attr)
        elif isinstance(sub, ast.Subscript) and isinstance(sub.slice, ast.Constant) and isinstance(sub.slice.value, str):
            found.append(sub.slice.value)
        elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr == "get" and sub.args \
                and isinstance(sub.args[0], ast.Constant) and isinstance(sub.args[0].value, str):
            found.append(sub.args[0].value)
    return found


PASSWORD_WORDS = frozenset({"password", "passwd", "pwd", "passphrase", "pw", "passwort", "pword", "pass"})
_PASSWORD_NOISE = frozenset({"bytes", "encoded", "raw", "plain", "plaintext", "str", "b", "utf8", "value", "input",
                             "candidate", "given", "provided", "text", "string", "data", "clear", "cleartext"})


def is_password_name(name: str | None) -> bool:
    """``password``, ``new_password``, ``raw_pw``, ``password_bytes`` - but not
    ``password_hash``, ``password_reset_token``, ``bypass``."""
    parts = words(name)
    while len(parts) > 1 and parts[-1] in _PASSWORD_NOISE:
        parts.pop()
    if not parts or parts[-1] not in PASSWORD_WORDS:
        return False
    return parts[-1] != "pass" or len(parts) > 1


def wrapping_expression(ctx: RuleContext, node: ast.expr) -> ast.expr:
    """Climb through what merely reshapes a value: ``.hexdigest()``, ``.digest()``,
    ``[:16]``, ``str()``, f-strings, ``+``, awaits."""
    current = node
    while True:
        parent = ctx.parent(current)
        if isinstance(parent, ast.Attribute) and isinstance(ctx.parent(parent), ast.Call) \
                and ctx.parent(parent).func is parent:
            current = ctx.parent(parent)
        elif isinstance(parent, (ast.Subscript, ast.BinOp, ast.JoinedStr, ast.FormattedValue, ast.Await)):
            current = parent
        elif isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.func.id in (
                "str", "int", "bytes", "hex", "base64.b64encode") and current in parent.args:
            current = parent
        else:
            return current


def imports_any(ctx: RuleContext, *modules: str) -> bool:
    """``ctx.is_imported`` for several modules (the engine records each answer as a
    dependency of the block's cached findings)."""
    return ctx.imports_any(*modules)


# What a value protects when it is stored under one of these words.
CREDENTIAL_WORDS = frozenset({"password", "passwords", "passwd", "pwd", "credential", "credentials", "secret",
                              "secrets", "token", "tokens", "apikey", "remember", "otp", "nonce", "salt", "session",
                              "sessionid", "sid", "auth", "cookie", "csrf", "xsrf"})
COOKIE_SETTERS = frozenset({"set_cookie", "set_signed_cookie", "set_secure_cookie"})
FILE_OPENERS = frozenset({"open", "io.open", "codecs.open", "pathlib.Path.open", "aiofiles.open"})


def security_destination(ctx: RuleContext, expr: ast.AST, *, named: bool = True) -> str | None:
    """Where ``expr``'s value ends up, when that place is a security use: 'a cookie'
    (``set_cookie(name, value)``), 'the session' (``session[k] = value``, or any
    mapping named for sessions), 'the credential file `passwords.txt`' (written to a
    file whose path names credentials), '`reset_token`' (stored under a name or key
    that says it protects something). Followed forward through the flow core
    (:func:`caveat.analysis.taint.flows_to`); None when no such use is seen. ``named=False``: only
    the places the flow proves (a cookie, the session, a credential file), not names that say so."""
    from caveat.analysis import sinks, taint  # noqa: PLC0415 - analysis imports rules.base only

    for node in taint.flows_to(ctx, expr):
        parent = taint.parent_of(ctx, node)
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
            owner = node.value
            if sinks.is_session(ctx, owner) or "session" in (ctx.dotted_name(owner) or "").lower():
                return "the session"
            key = node.slice
            if named and isinstance(key, ast.Constant) and isinstance(key.value, str) and set(words(key.value)) & CREDENTIAL_WORDS:
                return f"`{key.value}`"
            continue
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            if named and set(words(node.attr)) & CREDENTIAL_WORDS:
                return f"`{node.attr}`"
            continue
        if isinstance(parent, ast.keyword):
            if named and parent.arg and set(words(parent.arg)) & CREDENTIAL_WORDS:
                return f"`{parent.arg}=`"
            parent = taint.parent_of(ctx, parent)
        if isinstance(parent, ast.Call) and node is not parent.func:
            func = parent.func
            if isinstance(func, ast.Attribute) and func.attr in COOKIE_SETTERS:
                return "a cookie"
            if isinstance(func, ast.Attribute) and func.attr in ("write", "writelines"):
                path = _opened_path(ctx, func.value)
                if path and set(words(path)) & CREDENTIAL_WORDS:
                    return f"the credential file `{path}`"
        if named and isinstance(parent, ast.Assign) and node is parent.value:
            for target in parent.targets:
                if isinstance(target, ast.Name) and set(words(target.id)) & CREDENTIAL_WORDS:
                    return f"`{target.id}`"
    return None


def _opened_path(ctx: RuleContext, handle: ast.AST) -> str | None:
    """``f`` bound to ``open("passwords.txt", "a")`` (or ``with open(...) as f``): the
    literal text of the path ('' parts for what is interpolated)."""
    from caveat.analysis import taint  # noqa: PLC0415

    if not isinstance(handle, ast.Name):
        return None
    for binding in taint.bindings_before(ctx, handle):
        value = binding.value
        if isinstance(value, ast.Call) and (ctx.qualified_name(value.func) or "") in FILE_OPENERS and value.args:
            path = value.args[0]
            parts = [path] if isinstance(path, ast.Constant) else getattr(path, "values", [])
            return "".join(str(p.value) for p in parts if isinstance(p, ast.Constant)) or None
    return None
