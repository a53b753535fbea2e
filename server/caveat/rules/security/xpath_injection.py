"""## What it does

Detects XPath expressions built from request data: lxml's `XPath(...)` and
`tree.xpath(...)`, `elementpath.select(root, path)`, ElementTree's
`findall`/`iterfind`/`findtext` (the sinks are `caveat/analysis/sinks.py`,
family `xpath`).

## Why is this bad?
`' or '1'='1` closes the quoted literal and makes the predicate true for every
node: the query returns records it was meant to filter out (other users'
data, every password hash in an XML store).

## Example
```python
root.xpath(f"/users/user[@name='{request.args['name']}']")
```

## Use instead
```python
root.xpath("/users/user[@name=$name]", name=request.args["name"])
```

## What it does not flag
Constant expressions, XPath variables passed as keywords (`name=value`),
values converted to numbers or checked against an allowlist or a full-match
regex.

## Fix safety
No automatic fix: the expression must be rewritten with variables.

## References
- https://cwe.mitre.org/data/definitions/643.html
"""
from caveat.engine.findings import Severity
from caveat.rules.security._taint_rule import TaintSinkRule


class XpathInjection(TaintSinkRule):
    code = "CAV142"
    name = "xpath-injection"
    category = "xpath-injection"
    cwe = 643
    severity = Severity.ERROR
    family = "xpath"
    kind = "xpath"

    def message(self, ctx, call, source, sink):
        return (f"`{ctx.source(call.func)}` evaluates an XPath expression built from {source}: a quote in the "
                f"input rewrites the query. Pass the value as an XPath variable (`xpath(\"...[@id=$id]\", id=value)`).")
