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
`request.path`), the page the client came from (the Referer), a value checked against an
allowlist of hosts or paths (`if urlparse(url).hostname not in ALLOWED: abort(400)`), or
validated by Django's `url_has_allowed_host_and_scheme` or a helper such as `is_safe_url` (also
`if not is_safe(url): url = "/"`); a location whose start fixes the host (`"/orders?page=" + p`,
`f"https://shop.example/{p}"`, `BASE_URL + "/..."`), what follows a literal `?`, `#` or `&`
(`f"{url}?{request.query_string}"`), and a location that is a field of an object or the answer of
a function of another module (`get_redirect(request).link`): the application's data, not the
client's text.

## Default set
`caveat check` with no flag reports the findings about data of the remote request (a request
attribute, a route's URL parameter) that reaches the redirect as the client's own text; the rest
of the rule (a value not proven to be the request's text: a helper's parameter, configuration, a
record's field) is in the strict profile, with new code and `--select CAV140`.

## Fix safety
No automatic fix: the right fallback location is the application's choice.

## References
- https://cwe.mitre.org/data/definitions/601.html
"""
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

    def message(self, ctx, call, source, sink):
        return (f"`{ctx.source(call.func)}` sends the client to a location taken from {source}: a link to this "
                f"page can forward users to any site. Allow only relative paths or hosts from an allowlist.")
