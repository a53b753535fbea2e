"""## What it does

Detects XML parsers told to load external entities (`parser.setFeature(
feature_external_ges, True)` on a SAX parser, lxml's `XMLParser(
resolve_entities=True)` or `no_network=False`, `load_dtd=True`) that parse
request data.

## Why is this bad?
An external entity (`<!ENTITY x SYSTEM "file:///etc/passwd">`) makes the parser
read a local file or fetch a URL and put the result into the document: the
client reads server files or makes the server call internal services (XXE).

## Example
```python
parser = xml.sax.make_parser()
parser.setFeature(xml.sax.handler.feature_external_ges, True)
doc = xml.dom.minidom.parseString(request.data, parser)
```

## Use instead
```python
doc = defusedxml.minidom.parseString(request.data)
```

## What it does not flag
Parsers left at their defaults (the standard library's parsers do not load
external entities since Python 3.7.1), the same parsers on constant or
server-side data, and `defusedxml`.

## Fix safety
No automatic fix.

## References
- https://cwe.mitre.org/data/definitions/611.html
"""
import ast

from caveat.analysis import taint
from caveat.engine.findings import Severity
from caveat.rules.base import Rule, RuleContext

EXTERNAL_FEATURES = frozenset({"feature_external_ges", "feature_external_pes"})
LXML_PARSERS = frozenset({"lxml.etree.XMLParser", "lxml.etree.XMLPullParser", "lxml.etree.iterparse"})
RISKY_KEYWORDS = {"resolve_entities": True, "no_network": False, "load_dtd": True}


class Xxe(Rule):
    code = "CAV144"
    name = "xxe"
    category = "xxe"
    cwe = 611
    severity = Severity.ERROR
    # bandit's XML tests flag every use of a standard-library parser; those do not load
    # external entities since Python 3.7.1, so this rule's precise check replaces them.
    supersedes = ("B313", "B314", "B315", "B316", "B317", "B318", "B319", "B320")
    replaces = supersedes

    def check(self, ctx: RuleContext) -> None:
        risky = self._risky_parsers(ctx)
        if not risky:
            return
        for call in ctx.nodes(ast.Call):
            parser = next((a for a in [*call.args[1:], *(k.value for k in call.keywords if k.arg == "parser")]
                           if isinstance(a, ast.Name) and a.id in risky), None)
            if parser is None or not call.args:
                continue
            found = taint.user_input_sources(ctx, call.args[0])
            if found:
                ctx.report(self, call, f"`{ctx.source(call.func)}` parses {found[0]} with `{parser.id}`, which loads "
                                       f"external entities ({risky[parser.id]}): a document can read server files or "
                                       f"reach internal URLs. Use `defusedxml`, or leave entity loading off.")

    @staticmethod
    def _risky_parsers(ctx: RuleContext) -> dict[str, str]:
        """Local parser names configured to load external entities, and how."""
        found: dict[str, str] = {}
        for call in ctx.nodes(ast.Call):
            func = call.func
            if isinstance(func, ast.Attribute) and func.attr == "setFeature" and isinstance(func.value, ast.Name) \
                    and len(call.args) == 2:
                feature = call.args[0]
                name = feature.attr if isinstance(feature, ast.Attribute) else getattr(feature, "id", "")
                on = call.args[1]
                if name in EXTERNAL_FEATURES and isinstance(on, ast.Constant) and on.value:
                    found[func.value.id] = f"`{name}` on"
            elif (ctx.qualified_name(func) or "") in LXML_PARSERS:
                holder = ctx.parent(call)
                for kw in call.keywords:
                    if kw.arg in RISKY_KEYWORDS and isinstance(kw.value, ast.Constant) \
                            and kw.value.value is RISKY_KEYWORDS[kw.arg] and isinstance(holder, ast.Assign) \
                            and isinstance(holder.targets[0], ast.Name):
                        found[holder.targets[0].id] = f"`{kw.arg}={kw.value.value}`"
        return found
