"""## What it does

Flags an attribute or method that does not exist on a module, class or instance, in the
version of the library that is installed in the project's environment.

## Why is this bad?
Assistants write plausible names (`yaml.safe_loads`, `session.gett`, `df.to_parquett`) that
look right and fail only when the line runs, often on a rarely taken path. caveat asks jedi
what the receiver is and compares the name with the members of the *installed* version; the
message names the distribution and version it checked against.

## Example
```python
import yaml

config = yaml.safe_loads(text)
```

## Use instead
```python
import yaml

config = yaml.safe_load(text)
```

## What it does not flag
Receivers jedi cannot infer concretely (values of `Any`, `json.loads(...)` results,
unannotated parameters); unions where one member has the name; dynamic receivers (a
`__getattr__`/`__getattribute__`, modules with a module-level `__getattr__` or star imports
from compiled code, classes with unresolvable bases, custom metaclasses or `setattr` tricks);
classes defined in the workspace; accesses guarded by `hasattr`, `getattr`, version checks or
`try/except AttributeError`; assignments (`obj.new_attr = ...`). A name the knowledge base
knows was removed or added in another version is reported as removed-api (CAV304) instead.
For the standard library, nothing is reported when the project's Python differs from the
one caveat runs on.

## Fix safety
When exactly one member is a close match, a fix renames the attribute. It is not marked safe:
the closest name is usually, but not always, the intended one.

## References
- https://cwe.mitre.org/data/definitions/1104.html
"""
from caveat.engine.findings import Severity
from caveat.rules.api._base import ApiRule


class HallucinatedAttribute(ApiRule):
    code = "CAV301"
    name = "hallucinated-attribute"
    category = "hallucinated-attribute"
    cwe = None
    severity = Severity.ERROR
    fixable = True
