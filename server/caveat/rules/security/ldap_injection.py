"""## What it does

Detects LDAP search filters and base DNs built from request data: ldap3's
`conn.search(base, filter)`, python-ldap's `search_s`/`search_ext_s`/`search`
(the sinks are `caveat/analysis/sinks.py`, family `ldap`), with the value
followed through f-strings, `%`, `format`, concatenation and helpers.

## Why is this bad?
A user name of `*)(uid=*))(|(uid=*` rewrites the filter: it can match every
entry (bypassing a login check that searches for the user) or read attributes
the query never meant to expose.

## Example
```python
conn.search("ou=users,dc=example", f"(uid={request.args['user']})")
```

## Use instead
```python
from ldap3.utils.conv import escape_filter_chars
conn.search("ou=users,dc=example", f"(uid={escape_filter_chars(request.args['user'])})")
```

## What it does not flag
Constant filters, values escaped with `escape_filter_chars` /
`ldap.filter.escape_filter_chars` / `ldap.dn.escape_dn_chars`, values
converted to numbers or checked against an allowlist or a full-match regex,
and `search` methods in modules that do not import an LDAP library.

## Fix safety
No automatic fix: the escaping function depends on the library in use.

## References
- https://cwe.mitre.org/data/definitions/90.html
"""
from caveat.engine.findings import Severity
from caveat.rules.security._taint_rule import TaintSinkRule


class LdapInjection(TaintSinkRule):
    code = "CAV141"
    name = "ldap-injection"
    category = "ldap-injection"
    cwe = 90
    severity = Severity.ERROR
    family = "ldap"
    kind = "ldap"

    def message(self, ctx, call, source, sink):
        return (f"`{ctx.source(call.func)}` runs an LDAP search built from {source}: characters such as `*`, `(` "
                f"and `)` change the filter. Escape the value with `escape_filter_chars` ({sink.library}).")
