"""## What it does

Detects cookies that carry data and are set with the `Secure` flag turned off:
`response.set_cookie(name, value, secure=False)` (Flask/Werkzeug, Django,
Starlette/FastAPI).

## Why is this bad?
A cookie without `Secure` is also sent over plain HTTP: anyone on the network
path (public Wi-Fi, a proxy) reads the session id or token in it, and an
attacker who can make the browser load any `http://` URL of the site gets it.

## Example
```python
resp.set_cookie("session_token", token, secure=False, httponly=True)
```

## Use instead
```python
resp.set_cookie("session_token", token, secure=True, httponly=True, samesite="Lax")
```

## What it does not flag
`secure=True`, a non-constant `secure=` the application decides (such as
`secure=request.is_secure`), `secure` left out (the framework's configuration,
such as `SESSION_COOKIE_SECURE`, decides; an application served over plain
HTTP on a LAN may rightly leave it off), `delete_cookie`, and cookies whose value is a
constant (a preference flag is no secret), even with `secure=False`.

## Fix safety
The fix sets `secure=True`. It is unsafe for sites also served over plain
HTTP: the browser will no longer send the cookie there.

## References
- https://cwe.mitre.org/data/definitions/614.html
"""
import ast

import libcst as cst

from caveat.analysis import taint
from caveat.analysis.dataflow import UNKNOWN
from caveat.engine.findings import Severity
from caveat.rules.base import Rule, RuleContext
from caveat.rules.fixkit import keyword, rewrite_expression, single_edit_fix, with_keyword


class InsecureCookie(Rule):
    code = "CAV145"
    name = "insecure-cookie"
    category = "insecure-cookie"
    cwe = 614
    severity = Severity.WARNING
    fixable = True

    def check(self, ctx: RuleContext) -> None:
        for call in ctx.nodes(ast.Call):
            func = call.func
            if not (isinstance(func, ast.Attribute) and func.attr == "set_cookie") or len(call.args) < 2 and \
                    keyword(call, "value") is None:
                continue
            value = call.args[1] if len(call.args) >= 2 else keyword(call, "value").value
            secure = keyword(call, "secure")
            if secure is None or not (isinstance(secure.value, ast.Constant) and secure.value.value is False):
                continue  # secure=True, decided at run time, or left to the framework's configuration
            if taint.constant_value(ctx, value) is not UNKNOWN:
                continue  # a fixed value (a preference flag) is no secret
            how = "with `secure=False`"
            ctx.report(self, call, f"`{ctx.source(func)}` sets a cookie carrying data {how}: browsers also send it "
                                   f"over plain HTTP, where anyone on the path can read it. Pass `secure=True`.",
                       fix=self._fix(ctx, call))

    @staticmethod
    def _fix(ctx: RuleContext, call: ast.Call):
        def transform(expr: cst.BaseExpression):
            return with_keyword(expr, "secure", "True")
        return single_edit_fix("Set `secure=True`", rewrite_expression(ctx, call, transform), safe=False)
