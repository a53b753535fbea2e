"""## What it does

Detects redirects to a location taken from the request: `flask.redirect(url)`,
Django's `redirect` / `HttpResponseRedirect`, Starlette/FastAPI
`RedirectResponse`, bottle and pyramid redirects (the table of sinks is
`caveat/analysis/sinks.py`, family `redirect`).

## Why is this bad?
`https://shop.example/login?next=https://evil.example` lands the user, after a
real login on the real site, on a page the attacker controls: a convincing
phishing step, and a way around redirect-URI allowlists in OAuth flows.

## Example
```python
@app.get("/login/done")
def done():
    return redirect(request.args["next"])
```

## Use instead
```python
@app.get("/login/done")
def done():
    target = request.args.get("next", "/")
    if urlparse(target).netloc or not target.startswith("/"):
        target = "/"
    return redirect(target)
```

## What it does not flag
Constant locations, `url_for(...)`, the request's own URL (`request.url`,
`request.path`), a value checked against an allowlist of hosts
or paths (`if urlparse(url).hostname not in ALLOWED: abort(400)`), or validated
by a helper such as `url_has_allowed_host_and_scheme` (also `if not
is_safe(url): url = "/"`).

## Fix safety
No automatic fix: the right fallback location is the application's choice.

## References
- https://cwe.mitre.org/data/definitions/601.html
"""
from caveat.analysis import taint
from caveat.engine.findings import Severity
from caveat.rules.security._taint_rule import TaintSinkRule


class OpenRedirect(TaintSinkRule):
    code = "CAV140"
    name = "open-redirect"
    category = "open-redirect"
    cwe = 601
    severity = Severity.WARNING
    family = "redirect"
    kind = "redirect"
    claims = (taint.REQUEST,)

    def message(self, ctx, call, source, sink):
        return (f"`{ctx.source(call.func)}` sends the client to a location taken from {source}: a link to this "
                f"page can forward users to any site. Allow only relative paths or hosts from an allowlist.")
