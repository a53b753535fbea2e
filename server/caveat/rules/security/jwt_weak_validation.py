"""## What it does

Detects JSON Web Tokens accepted without the checks that make them trustworthy:
PyJWT / python-jose `jwt.decode` with signature verification off
(`options={"verify_signature": False}`, the old `verify=False`), without an
`algorithms=` list, with `"none"` among the algorithms or the algorithm taken
from the token's own header, with `verify_exp` / `verify_aud` disabled, or mixing HMAC and public-key
algorithms (`["RS256", "HS256"]`: key confusion);
python-jose `get_unverified_claims` used instead of a verifying decode;
`jwt.PyJWT(options={"verify_signature": False})` instances and imported
aliases (`from jwt import decode as jwt_decode`); simplejwt's
`AccessToken(raw, verify=False)`; a payload segment base64-decoded by hand
(`b64decode(token.split(".")[1])`);
authlib claims never `.validate()`d; and decoded claims used for authorization
(`payload["role"] == "admin"`, scopes, `is_admin`) when the audience is never
verified, and scope checks done as substring tests on the space-separated
`scope` string (`"admin" in claims["scope"]`).

## Why is this bad?
A JWT is only as good as its verification. Without the signature check anyone
can write `{"role": "admin"}` into a token; accepting `none` or the header's
`alg` lets the attacker choose how (or whether) the token is verified;
ignoring `exp` makes a stolen token valid forever; and without an audience
check a token issued for another service that shares the key is accepted here.

## Example
```python
payload = jwt.decode(token, options={"verify_signature": False})
claims = jwt.decode(token, SECRET, algorithms=["HS256", "none"])
data = jwt.decode(token, SECRET)  # algorithms missing
```

## Use instead
```python
payload = jwt.decode(token, SECRET, algorithms=["HS256"], audience="orders-api")
```

## What it does not flag
A decode that passes a fixed `algorithms=` list with verification on;
`get_unverified_header` used to pick the key (`kid`) before a verifying decode;
an unverified peek (`verify_signature: False`, `get_unverified_claims`) in a
function that then verifies the same token, or that only reads the token's
timing claims (`exp`, `iat`: a client deciding when to refresh its own token); authlib claims that are
`.validate()`d; decoded claims used only for identity (`sub`) or checked
against the audience.

## Fix safety
Removing `"none"` from the algorithms, dropping a disabled `verify_exp` /
`verify_aud` / `verify_signature` option, and adding `algorithms=["HS256"]`
(`["RS256"]` for a public key) are offered as unsafe fixes: tokens that were
accepted before may now be rejected, and the algorithm must match what the
issuer uses.

## References
- https://cwe.mitre.org/data/definitions/347.html
- https://pyjwt.readthedocs.io/en/stable/api.html#jwt.decode
- https://auth0.com/blog/critical-vulnerabilities-in-json-web-token-libraries/
"""
from __future__ import annotations

import ast

import libcst as cst

from caveat.analysis import taint
from caveat.analysis.flow import resolved_call_name, value_before
from caveat.engine.findings import Fix, Severity
from caveat.rules.base import Rule, RuleContext
from caveat.rules.security._names import imports_any
from caveat.rules.fixkit import keyword, rewrite_expression, single_edit_fix, with_keyword, without_keyword

PYJWT_DECODE = frozenset({"jwt.decode", "jwt.decode_complete", "jwt.api_jwt.decode", "jwt.PyJWT.decode",
                          "jwt.api_jwt.PyJWT.decode", "jwt.api_jwt.decode_complete", "jwt.PyJWT.decode_complete"})
JOSE_DECODE = frozenset({"jose.jwt.decode"})
AUTHLIB_DECODE = frozenset({"authlib.jose.jwt.decode", "authlib.jose.JsonWebToken.decode",
                            "authlib.jose.rfc7519.JsonWebToken.decode", "authlib.jose.rfc7519.jwt.decode"})
PYJWT_CLASSES = frozenset({"jwt.PyJWT", "jwt.api_jwt.PyJWT", "jwt.PyJWS", "jwt.api_jws.PyJWS"})
# djangorestframework-simplejwt: ``AccessToken(raw, verify=False)`` skips the signature check.
SIMPLEJWT_TOKENS = frozenset({f"rest_framework_simplejwt.tokens.{name}" for name in (
    "Token", "AccessToken", "RefreshToken", "SlidingToken", "UntypedToken")})
UNVERIFIED_CLAIMS = frozenset({"jose.jwt.get_unverified_claims", "jose.jws.get_unverified_claims"})
UNVERIFIED_HEADER = frozenset({"jwt.get_unverified_header", "jose.jwt.get_unverified_header",
                               "jose.jws.get_unverified_header", "jose.jwt.get_unverified_headers",
                               "jwt.api_jws.get_unverified_header"})
AUTHZ_CLAIMS = frozenset({"role", "roles", "scope", "scopes", "scp", "permissions", "permission", "perms",
                          "groups", "group", "is_admin", "admin", "is_staff", "is_superuser", "superuser",
                          "authorities", "entitlements", "privileges", "access_level", "user_role",
                          "user_type", "tier"})
CHECK_OPTIONS = {
    "verify_signature": "signature verification",
    "verify_exp": "expiry (`exp`) verification",
    "verify_aud": "audience (`aud`) verification",
    "verify_iss": "issuer (`iss`) verification",
}
CONSEQUENCE = {
    "verify_exp": "a stolen or leaked token stays valid forever",
    "verify_aud": "tokens issued for another service with the same key are accepted",
    "verify_iss": "tokens from another issuer with the same key are accepted",
}


def _decode_kind(ctx: RuleContext, call: ast.Call) -> str | None:
    func = call.func
    short = func.attr if isinstance(func, ast.Attribute) else (func.id if isinstance(func, ast.Name) else "")
    if short not in ("decode", "decode_complete", "get_unverified_claims"):
        if not isinstance(func, ast.Name) or func.id not in ctx.imports:
            return None  # ``from jwt import decode as jwt_decode`` is checked below
        name = ctx.qualified_name(func) or ""
        if name.rsplit(".", 1)[-1] not in ("decode", "decode_complete", "get_unverified_claims"):
            return None
    name = ctx.qualified_name(call.func) or resolved_call_name(ctx, call)
    if name is None:
        return None
    if name in PYJWT_DECODE:
        return "pyjwt"
    if name in JOSE_DECODE:
        return "jose"
    if name in AUTHLIB_DECODE:
        return "authlib"
    if name in UNVERIFIED_CLAIMS:
        return "unverified-claims"
    return None


def _literal(ctx: RuleContext, node: ast.AST | None) -> ast.AST | None:
    """A Name's value when it was bound above in the same function."""
    if isinstance(node, ast.Name):
        value = value_before(ctx, node)
        return value if value is not None else node
    return node


def _disabled_options(ctx: RuleContext, call: ast.Call) -> list[str]:
    """Names of verify_* options set to False, read from a dict literal,
    ``dict(...)``, or a name bound to one."""
    options = keyword(call, "options")
    value = _literal(ctx, options.value) if options is not None else None
    found: list[str] = []
    if isinstance(value, ast.Dict):
        for key, item in zip(value.keys, value.values):
            if isinstance(key, ast.Constant) and key.value in CHECK_OPTIONS and _is_false(item):
                found.append(key.value)
    elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "dict":
        found.extend(kw.arg for kw in value.keywords if kw.arg in CHECK_OPTIONS and _is_false(kw.value))
    verify = keyword(call, "verify")
    if verify is not None and _is_false(verify.value) and "verify_signature" not in found:
        found.insert(0, "verify")
    # ``decoder = jwt.PyJWT(options={...}); decoder.decode(...)``: the instance's defaults.
    if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, (ast.Name, ast.Call)):
        receiver = call.func.value
        made = value_before(ctx, receiver) if isinstance(receiver, ast.Name) else receiver
        if isinstance(made, ast.Call) and (ctx.qualified_name(made.func) or "") in PYJWT_CLASSES \
                and keyword(call, "options") is None:
            found.extend(name for name in _disabled_options(ctx, made) if name not in found)
    return found


def _jwt_segment(ctx: RuleContext, node: ast.AST, depth: int) -> int | None:
    """1 for ``token.split(".")[1]`` (also padded: ``+ "=="``, ``.encode()``, through a
    local), the index of the dot-separated segment a value is."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _jwt_segment(ctx, node.left, depth)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("encode", "strip") \
            or isinstance(node, ast.Call) and (ctx.dotted_name(node.func) or "") in ("str", "bytes"):
        target = node.func.value if isinstance(node.func, ast.Attribute) else (node.args[0] if node.args else None)
        return _jwt_segment(ctx, target, depth) if target is not None else None
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, int):
        split = node.value
        if isinstance(split, ast.Call) and isinstance(split.func, ast.Attribute) and split.func.attr == "split" \
                and split.args and isinstance(split.args[0], ast.Constant) and split.args[0].value == ".":
            return node.slice.value
        return None
    if isinstance(node, ast.Name) and depth > 0:
        for binding in taint.bindings_before(ctx, node):
            if binding.kind == "assign" and binding.value is not None:
                found = _jwt_segment(ctx, binding.value, depth - 1)
                if found is not None:
                    return found
        # ``header, payload, signature = token.split(".")``
        for index in _unpacked(ctx, node):
            return index
    return None


def _unpacked(ctx: RuleContext, name: ast.Name) -> list[int]:
    function = ctx.enclosing_function(name)
    if function is None:
        return []
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Tuple) \
                and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Attribute) \
                and node.value.func.attr in ("split", "rsplit") and node.value.args \
                and isinstance(node.value.args[0], ast.Constant) and node.value.args[0].value == "." \
                and node.lineno < name.lineno:
            for i, element in enumerate(node.targets[0].elts):
                if isinstance(element, ast.Name) and element.id == name.id:
                    return [i]
    return []


def _is_false(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def _algorithms(call: ast.Call) -> ast.AST | None:
    found = keyword(call, "algorithms")
    if found is not None:
        return found.value
    if len(call.args) >= 3:
        return call.args[2]
    return None


class JwtWeakValidation(Rule):
    code = "CAV131"
    name = "jwt-weak-validation"
    category = "jwt-weak-validation"
    cwe = 347
    severity = Severity.ERROR
    fixable = True

    def check(self, ctx: RuleContext) -> None:
        self._scope_substring(ctx)
        if "simplejwt" in ctx.text or ctx.is_imported("rest_framework_simplejwt"):
            self._simplejwt(ctx)
        if "b64decode" in ctx.text and ("split('.')" in ctx.text or 'split(".")' in ctx.text):
            self._hand_decoded(ctx)
        decodes = [(call, kind) for call in ctx.nodes(ast.Call) if (kind := _decode_kind(ctx, call))]
        if not decodes:
            return
        for call, kind in decodes:
            if kind in ("pyjwt", "jose"):
                self._check_decode(ctx, call, kind, decodes)
            elif kind == "authlib":
                self._check_authlib(ctx, call)
            elif kind == "unverified-claims" and not self._verified_nearby(ctx, call, decodes):
                ctx.report(self, call, "`get_unverified_claims` reads the token's claims without checking its "
                                       "signature: anyone can forge them. Use `jwt.decode(token, key, "
                                       "algorithms=[...])` and trust only what it returns.")

    # --- PyJWT and python-jose -----------------------------------------------------
    def _check_decode(self, ctx: RuleContext, call: ast.Call, kind: str, decodes) -> None:
        func = ctx.source(call.func) or "jwt.decode"
        disabled = _disabled_options(ctx, call)
        if "verify_signature" in disabled or "verify" in disabled:
            if self._verified_nearby(ctx, call, decodes):
                return  # an unverified peek (issuer, kid) before the real, verifying decode
            if self._only_timing_claims(ctx, call):
                return  # a client reading when its own token expires
            how = "`verify=False`" if "verify" in disabled else "`\"verify_signature\": False`"
            ctx.report(self, call, f"`{func}` is called with signature verification disabled ({how}): anyone can "
                                   f"forge this token and every claim in it. Verify it with the key and a fixed "
                                   f"algorithm list: `{func}(token, key, algorithms=[\"HS256\"])`.",
                       fix=self._drop_options_fix(ctx, call, ("verify_signature", "verify")))
            return
        algorithms = _algorithms(call)
        if algorithms is None or (isinstance(algorithms, ast.Constant) and algorithms.value is None):
            ctx.report(self, call, f"`{func}` has no `algorithms=` list, so the token's own header chooses how it is "
                                   f"verified (algorithm confusion, `none`). Pin the algorithm the issuer uses: "
                                   f"`algorithms=[\"HS256\"]` or `[\"RS256\"]`.",
                       fix=self._add_algorithms_fix(ctx, call))
            return
        resolved = _literal(ctx, algorithms)
        if self._from_unverified_header(ctx, resolved):
            ctx.report(self, call, f"`{func}` takes its algorithm from the token's unverified header, so the attacker "
                                   f"chooses how the token is checked (`none`, or HS256 with the public key as "
                                   f"secret). Pin the algorithm list: `algorithms=[\"RS256\"]`.")
            return
        mixed = self._mixed_families(resolved)
        if mixed:
            ctx.report(self, call, f"`{func}` accepts both {mixed[0]} and {mixed[1]}: a token that says {mixed[0]} is "
                                   f"checked as an HMAC with the (public) verification key as the secret, so anyone "
                                   f"holding the public key can forge tokens. Accept one algorithm family per key.")
            return
        none = self._none_algorithm(resolved)
        if none is not None:
            ctx.report(self, call, f"`{func}` accepts the `none` algorithm: an unsigned token with any claims passes. "
                                   f"Remove it from `algorithms`.",
                       fix=self._drop_none_fix(ctx, resolved) if resolved is algorithms else None)
            return
        weak = [name for name in disabled if name in CHECK_OPTIONS]
        if weak:
            what = " and ".join(CHECK_OPTIONS[name] for name in weak)
            why = "; ".join(CONSEQUENCE[name] for name in weak)
            ctx.report(self, call, f"`{func}` disables {what}: {why}. Keep the default checks (pass `audience=` / "
                                   f"`issuer=` when the token carries them).",
                       severity=Severity.WARNING, fix=self._drop_options_fix(ctx, call, tuple(weak)))
            return
        self._check_authorization_use(ctx, call, func, kind)

    def _hand_decoded(self, ctx: RuleContext) -> None:
        """``json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))``: the claims
        of a JWT read by hand, with no signature check at all."""
        decodes = [(call, kind) for call in ctx.nodes(ast.Call) if (kind := _decode_kind(ctx, call))]
        for call in ctx.nodes(ast.Call):
            name = ctx.qualified_name(call.func) or ""
            if not name.startswith("base64.") or not name.endswith("b64decode") or not call.args:
                continue
            part = _jwt_segment(ctx, call.args[0], 3)
            if part != 1:
                continue  # the header (segment 0) names the key and algorithm; only the payload is claims
            if self._verified_nearby(ctx, call, decodes):
                continue
            ctx.report(self, call, "the JWT's payload is base64-decoded by hand: its claims are read without any "
                                   "signature check, so anyone can write `{\"sub\": \"admin\"}` into a token. Use "
                                   "`jwt.decode(token, key, algorithms=[\"HS256\"])` and trust only what it returns.")

    def _simplejwt(self, ctx: RuleContext) -> None:
        for call in ctx.nodes(ast.Call):
            if (ctx.qualified_name(call.func) or "") not in SIMPLEJWT_TOKENS:
                continue
            verify = keyword(call, "verify")
            if verify is not None and _is_false(verify.value):
                func = ctx.source(call.func)
                ctx.report(self, call, f"`{func}(..., verify=False)` builds the token without checking its signature "
                                       f"or expiry: anyone can forge its claims. Drop `verify=False` (the default "
                                       f"verifies), or use `UntypedToken(raw)` to validate.",
                           fix=single_edit_fix("Verify the token (drop verify=False)",
                                               rewrite_expression(ctx, call, lambda e: without_keyword(e, "verify")),
                                               safe=False))

    def _verified_nearby(self, ctx: RuleContext, call: ast.Call, decodes) -> bool:
        """Another decode in the same function verifies the signature."""
        function = ctx.enclosing_function(call)
        if function is None:
            return False
        for other, kind in decodes:
            if other is call or ctx.enclosing_function(other) is not function:
                continue
            if kind in ("pyjwt", "jose", "authlib"):
                disabled = _disabled_options(ctx, other)
                if "verify_signature" not in disabled and "verify" not in disabled:
                    return True
        return False

    def _from_unverified_header(self, ctx: RuleContext, node: ast.AST | None) -> bool:
        if node is None:
            return False
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and (ctx.qualified_name(sub.func) or "") in UNVERIFIED_HEADER:
                return True
            if isinstance(sub, ast.Name) and sub is not node:
                value = value_before(ctx, sub)
                if isinstance(value, ast.Call) and (ctx.qualified_name(value.func) or "") in UNVERIFIED_HEADER:
                    return True
        if isinstance(node, ast.Name):
            return False
        return False

    @staticmethod
    def _mixed_families(node: ast.AST | None) -> tuple[str, str] | None:
        """("HS256", "RS256") when a literal list mixes HMAC and public-key algorithms."""
        if not isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return None
        names = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        hmac = next((n for n in names if n.upper().startswith("HS")), None)
        public = next((n for n in names if n.upper().startswith(("RS", "ES", "PS", "EDDSA"))), None)
        return (hmac, public) if hmac and public else None

    def _only_timing_claims(self, ctx: RuleContext, call: ast.Call) -> bool:
        statement = ctx.parent(call)
        if not (isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name)):
            return False
        function = ctx.enclosing_function(call)
        if function is None:
            return False
        name = statement.targets[0].id
        claims = self._claims_read(ctx, function, name, call.lineno)
        if not claims or not claims <= {"exp", "iat", "nbf"}:
            return False
        # The claims object itself must not escape (returned or passed on whole).
        for node in ast.walk(function):
            if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load):
                parent = ctx.parent(node)
                if not (isinstance(parent, ast.Subscript) or (isinstance(parent, ast.Attribute) and parent.attr == "get")):
                    return False
        return True

    @staticmethod
    def _none_algorithm(node: ast.AST | None) -> ast.Constant | None:
        elements = node.elts if isinstance(node, (ast.List, ast.Tuple, ast.Set)) else [node]
        for element in elements:
            if isinstance(element, ast.Constant) and isinstance(element.value, str) and element.value.lower() == "none":
                return element
        return None

    def _check_authorization_use(self, ctx: RuleContext, call: ast.Call, func: str, kind: str) -> None:
        if keyword(call, "audience") is not None:
            return
        if kind == "jose" and len(call.args) >= 5:
            return
        statement = ctx.statement_of(call)
        if not (isinstance(statement, (ast.Assign, ast.AnnAssign)) and ctx.parent(call) is statement):
            return
        target = statement.targets[0] if isinstance(statement, ast.Assign) else statement.target
        if not isinstance(target, ast.Name):
            return
        function = ctx.enclosing_function(call)
        if function is None:
            return
        claims = self._claims_read(ctx, function, target.id, call.lineno)
        used = sorted(claims & AUTHZ_CLAIMS)
        if used and "aud" not in claims:
            ctx.report(self, call, f"claims from `{func}` are used for authorization (`{target.id}[\"{used[0]}\"]`) but the token's audience is never verified: a token issued for "
                                   f"another service with the same key is accepted. Pass `audience=` (and "
                                   f"`issuer=`) to `{func}`.", severity=Severity.WARNING)

    @staticmethod
    def _claims_read(ctx: RuleContext, function: ast.AST, name: str, after: int) -> set[str]:
        keys: set[str] = set()
        for node in ast.walk(function):
            if getattr(node, "lineno", 0) < after:
                continue
            if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == name:
                if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                    keys.add(node.slice.value)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == name and node.args \
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                keys.add(node.args[0].value)
        return keys

    def _scope_substring(self, ctx: RuleContext) -> None:
        """``"admin" in claims.get("scope", "")``: a substring test on the space-separated
        scope string, so ``read:admin-docs`` grants ``admin``."""
        for compare in ctx.nodes(ast.Compare):
            if len(compare.ops) != 1 or not isinstance(compare.ops[0], (ast.In, ast.NotIn)):
                continue
            right = compare.comparators[0]
            key = None
            if isinstance(right, ast.Call) and isinstance(right.func, ast.Attribute) and right.func.attr == "get" \
                    and right.args and isinstance(right.args[0], ast.Constant):
                default = right.args[1] if len(right.args) > 1 else None
                if default is None or (isinstance(default, ast.Constant) and isinstance(default.value, str)):
                    key = right.args[0].value
            elif isinstance(right, ast.Subscript) and isinstance(right.slice, ast.Constant):
                key = right.slice.value
            if key in ("scope", "scp") and imports_any(ctx, "jwt", "jose", "authlib"):
                ctx.report(self, compare, f"the `{key}` claim is a space-separated string, so `in` tests for a "
                                          f"substring: a token with scope `read:admin-docs` passes a check for `admin`. "
                                          f"Split it first: `required in claims.get(\"{key}\", \"\").split()`.",
                           severity=Severity.WARNING)

    # --- authlib -------------------------------------------------------------------
    def _check_authlib(self, ctx: RuleContext, call: ast.Call) -> None:
        parent = ctx.parent(call)
        func = ctx.source(call.func) or "jwt.decode"
        if isinstance(parent, ast.Subscript) or (isinstance(parent, ast.Attribute) and parent.attr == "get"):
            ctx.report(self, call, f"authlib's `{func}` checks the signature only: the claims (`exp`, `aud`, `iss`) "
                                   f"are not validated until you call `.validate()` on the result.",
                       severity=Severity.WARNING)
            return
        statement = ctx.statement_of(call)
        if not (isinstance(statement, ast.Assign) and statement.value is call
                and isinstance(statement.targets[0], ast.Name)):
            return
        name = statement.targets[0].id
        function = ctx.enclosing_function(call) or ctx.tree
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "validate" \
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == name:
                return
            if isinstance(node, ast.Return) and isinstance(node.value, ast.Name) and node.value.id == name:
                return  # the caller gets the claims object and may validate it
        ctx.report(self, call, f"`{name}` from authlib's `{func}` is never `.validate()`d: authlib checks the "
                               f"signature only, so expired tokens and tokens for other audiences pass. Call "
                               f"`{name}.validate()` before trusting the claims.", severity=Severity.WARNING)

    # --- fixes ---------------------------------------------------------------------
    def _drop_options_fix(self, ctx: RuleContext, call: ast.Call, names: tuple[str, ...]) -> Fix | None:
        if "verify_signature" in names or "verify" in names:
            # Verifying needs a key and an algorithm list: only when both are there.
            has_key = len(call.args) >= 2 or keyword(call, "key") is not None
            if not has_key or _algorithms(call) is None:
                return None
        options = keyword(call, "options")
        if options is not None and not isinstance(options.value, ast.Dict):
            return None

        def transform(expr: cst.BaseExpression):
            if not isinstance(expr, cst.Call):
                return None
            result = without_keyword(expr, "verify") if "verify" in names else expr
            result = result or expr
            for arg in result.args:
                if arg.keyword and arg.keyword.value == "options" and isinstance(arg.value, cst.Dict):
                    kept = [e for e in arg.value.elements if not (
                        isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString)
                        and e.key.evaluated_value in names)]
                    if not kept:
                        return without_keyword(result, "options")
                    if kept[-1] is not arg.value.elements[-1]:
                        kept[-1] = kept[-1].with_changes(comma=arg.value.elements[-1].comma)
                    new_args = [a.with_changes(value=a.value.with_changes(elements=kept)) if a is arg else a
                                for a in result.args]
                    return result.with_changes(args=new_args)
            return result if result is not expr else None

        return single_edit_fix("Keep the token checks on (drop the disabled options)",
                               rewrite_expression(ctx, call, transform), safe=False)

    def _add_algorithms_fix(self, ctx: RuleContext, call: ast.Call) -> Fix | None:
        key = call.args[1] if len(call.args) >= 2 else (keyword(call, "key").value if keyword(call, "key") else None)
        if key is None:
            return None
        text = ctx.source(key).lower()
        algorithm = "RS256" if any(w in text for w in ("public", "pub_key", "pubkey", "pem", "jwk", "cert")) else "HS256"
        edit = rewrite_expression(ctx, call, lambda expr: with_keyword(expr, "algorithms", f'["{algorithm}"]'))
        return single_edit_fix(f'Pin the algorithm: algorithms=["{algorithm}"]', edit, safe=False)

    def _drop_none_fix(self, ctx: RuleContext, algorithms: ast.AST) -> Fix | None:
        if not isinstance(algorithms, (ast.List, ast.Tuple)):
            return None
        kept = [e for e in algorithms.elts if not (isinstance(e, ast.Constant) and str(e.value).lower() == "none")]
        if not kept:
            return None
        inner = ", ".join(ctx.source(e) for e in kept)
        text = f"[{inner}]" if isinstance(algorithms, ast.List) else f"({inner}{',' if len(kept) == 1 else ''})"
        return Fix("Remove `none` from the accepted algorithms", (ctx.replace(algorithms, text),), safe=False)
