"""## What it does

Detects request data stored in the server-side session (`flask.session[key] =
value`, `session.update(...)`, Django's `request.session[...]`), as the value
or as the key, without a check that makes it trustworthy.

## Why is this bad?
Code that reads the session later treats what it finds there as something the
server itself decided (who the user is, which role or tenant they act for).
Copying client input into it across that trust boundary lets the client set
those facts: `session["userid"] = request.form["userid"]` is a login without a
password.

## Example
```python
session["role"] = request.args["role"]
```

## Use instead
```python
role = request.args["role"]
if role not in {"viewer", "editor"}:
    abort(400)
session["role"] = role
```

## What it does not flag
Constants, values converted to numbers, checked against an allowlist or a
full-match regex, and values the server derived itself (a user id looked up
after checking the password). HTML-escaping does not make a value trustworthy,
so it is not a sanitizer here.

## Fix safety
No automatic fix.

## References
- https://cwe.mitre.org/data/definitions/501.html
"""
from caveat.analysis import sinks, taint
from caveat.engine.findings import Severity
from caveat.rules.base import Rule, RuleContext


class TrustBoundary(Rule):
    code = "CAV143"
    name = "trust-boundary"
    category = "trust-boundary"
    cwe = 501
    severity = Severity.WARNING
    claims = (taint.REQUEST,)

    def check(self, ctx: RuleContext) -> None:
        for statement, key, value in sinks.session_stores(ctx):
            for part, what in ((value, "stored in"), (key, "used as a key of")):
                found = taint.user_input_sources(ctx, part, kind="trust")
                if found:
                    ctx.report(self, statement, f"{found[0]} is {what} the session: later code trusts the session as "
                                                f"the server's own state. Validate the value against what the user "
                                                f"may set (an allowlist, a lookup) before storing it.",
                               claim=taint.request_claim_of(ctx, part, found))
                    break
