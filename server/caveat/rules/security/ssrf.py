"""## What it does

Detects server-side request forgery: URLs whose host part comes from user
input fetched by `requests`, `httpx`, `urllib.request.urlopen` /
`Request`, `urllib3`, `aiohttp` sessions and `http.client` connections -
a URL taken whole from the request, `f"https://{host}/status"`,
`urljoin(BASE, user_url)` - when no allowlist check of the host precedes the
fetch (a suffix check without the leading dot, `host.endswith("example.com")`,
does not count: `evil-example.com` passes it). Input means route-handler
parameters and request data, followed through assignments and string building
(a command-line tool fetching the URL its user typed is not forgery). URLs read
from stored data whose names say an outsider supplied them
(`subscription.callback_url`, `payload["url"]`, a `webhook_url` parameter of
a queued task) are reported as warnings. A same-module helper that fetches its
parameter (`fetch_json(session, url)`) is reported where user input is passed
to it, and `functools.partial(requests.get, ...)` is followed. Stored
destinations include URL attributes of objects named for them (`hook.url`,
`integration.endpoint`). Clients bound to an input-chosen server
(`httpx.Client(base_url=...)`, `aiohttp.ClientSession(base_url=...)`), Tornado's
`AsyncHTTPClient().fetch` and `httplib2` count, as do sockets, SMTP, FTP and
Telnet connections to an input-chosen host. A same-module validator
(`validate_url(url)`) counts as a check only when it looks at the host: one that
tests the scheme alone does not.

## Why is this bad?
The server fetches whatever the caller names, from inside the network:
`http://169.254.169.254/latest/meta-data/iam/security-credentials/` returns
cloud credentials, `http://localhost:6379/` talks to Redis, and internal admin
APIs trust requests from the server. The response (or its timing) goes back
to the attacker.

## Example
```python
@app.get("/preview")
def preview():
    return requests.get(request.args["url"], timeout=5).text
```

## Use instead
```python
ALLOWED_HOSTS = {"images.example.com", "cdn.example.com"}

@app.get("/preview")
def preview():
    url = request.args["url"]
    parsed = urlparse(url)
    if parsed.scheme != "https" or parsed.hostname not in ALLOWED_HOSTS:
        abort(400)
    return requests.get(url, timeout=5, allow_redirects=False).text
```

## What it does not flag
URLs whose scheme and host are constant and where input only fills the path or
query (`f"https://api.github.com/users/{name}"`, `params={"q": q}`), hosts
checked against an allowlist (`urlparse(url).hostname in ALLOWED_HOSTS`, a
`validate_url` / `is_safe_url` helper that checks the host, an `is_private`
address check), URLs from configuration (environment variables, settings
constants), paths relative to a client's fixed base URL (`client.get(f"/users/{name}")`), a client
whose transport answers in the process (`httpx.AsyncClient(transport=httpx.ASGITransport(app=app))`),
the parameter of a private helper (`_fetch(url)`), whose callers are checked, and a
request object built for a constant URL and fetched later (`Request(URL, data=body)`:
the body goes to that server).

## Fix safety
No automatic fix: the allowlist is a product decision.

## References
- https://cwe.mitre.org/data/definitions/918.html
- https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html
"""
from __future__ import annotations

import ast

from caveat.analysis import taint, urls
from caveat.engine.findings import Severity
from caveat.rules.base import Rule, RuleContext

INTERNAL = "internal services (cloud metadata at 169.254.169.254, localhost admin ports)"


class Ssrf(Rule):
    code = "CAV139"
    name = "ssrf"
    category = "ssrf"
    cwe = 918
    severity = Severity.ERROR
    fixable = False
    supersedes = ("B310",)
    replaces = ("B310",)
    claims = (taint.REQUEST,)

    def check(self, ctx: RuleContext) -> None:
        for call in ctx.nodes(ast.Call):
            if isinstance(call.func, ast.Name):
                if "partial" in ctx.text:
                    effective = taint.effective_call(ctx, call)
                    if effective is not call:
                        self._fetch(ctx, call, effective)
                        self._through_helper(ctx, call)
                        continue
                if call.func.id in ctx.module_functions:
                    self._through_helper(ctx, call)
                    continue
            self._fetch(ctx, call, call)

    def _fetch(self, ctx: RuleContext, call: ast.Call, effective: ast.Call) -> None:
        """``call`` (as ``effective``, its partial application resolved) fetches a URL."""
        url = urls.url_argument(ctx, effective)
        if url is None or isinstance(url, ast.Starred):
            return
        origins = urls.host_origins(ctx, url)
        sources = taint.remote_only(sorted({o.label for o in origins if o.kind == "user"}))
        stored = None
        if not sources:
            if not any(o.kind not in ("user", "env") for o in origins):
                return
            stored = urls.destination_name(ctx, url)
            if stored is None or urls.private_helper_parameter(ctx, call, url):
                return
        if urls.allowlisted(ctx, call):
            return
        label = ctx.source(call.func)
        if len(label) > 40 and isinstance(call.func, ast.Attribute):
            label = f".{call.func.attr}"
        if stored is not None:
            ctx.report(self, call, f"`{label}` fetches `{stored}`, a destination someone outside supplied "
                                   f"(a registered callback, a submitted link): without a check of the host it "
                                   f"can point at internal services (169.254.169.254, localhost). Resolve the "
                                   f"host and refuse private, loopback and link-local addresses, or use an "
                                   f"allowlist.", severity=Severity.WARNING)
            return
        ctx.report(self, call, f"`{label}` fetches a URL whose host comes from {sources[0]}: the caller can make "
                               f"the server request {INTERNAL}. Check the parsed host against an allowlist first: "
                               f"`if urlparse(url).hostname not in ALLOWED_HOSTS: abort(400)`.",
                   claim=taint.request_claim_of(ctx, url, sources))

    def _through_helper(self, ctx: RuleContext, call: ast.Call) -> None:
        """``fetch_json(session, data["url"])`` where the same-module helper fetches its
        parameter without a host check: reported at the call, where the input enters."""
        if urls.allowlisted(ctx, call):
            return
        for found in taint.helper_sinks(ctx, call, self.code, lambda h: urls.helper_fetches(ctx, h), kind="url"):
            sources = taint.remote_only(found.sources)
            if sources:
                ctx.report(self, call, f"`{found.helper.name}()` fetches its `{found.param}` argument "
                                       f"(`{ast.unparse(found.sink.func)}` inside it) without checking the host, and "
                                       f"this call passes {sources[0]}: the caller can make the server request "
                                       f"internal services (169.254.169.254, localhost). Check the parsed host against "
                                       f"an allowlist, in the helper or before the call.",
                           claim=taint.call_claim(ctx, call, sources))
                return
