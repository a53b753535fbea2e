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
unannotated parameters); unions where one member has the name; structural types (protocols,
ABCs, `typing`/`collections.abc` types, `object`); dynamic receivers (a
`__getattr__`/`__getattribute__`, modules with a module-level `__getattr__` unless the package's
own stub says otherwise, star imports from compiled code, classes with unresolvable or
computed bases, custom metaclasses, or constructors that `setattr` data); classes defined in
the workspace; names the defining module mentions anywhere (a subclass or an overload jedi did
not pick); dunder names, and private names on the standard library; receivers whose type the
code tests (`isinstance`, `hasattr`, `type(...)`) in the same function, since jedi does not
narrow; accesses guarded by `hasattr`, `getattr`, version/platform checks or
`try/except AttributeError`; lines with `# type: ignore`; assignments (`obj.new_attr = ...`),
and attributes the same function assigns. A name the knowledge base knows was removed or
added in another version is reported as removed-api (CAV304) instead. For the standard
library, nothing is reported when the project's Python differs from the one caveat runs on.

One exception to "dynamic receivers are silent": a *call* of a method name on a class whose
`__getattr__` only gives data (pandas `DataFrame`/`Series`: `df.name` is a column, never a
method; the list is server/caveat/data/data_getattr.json) is reported, because the call fails
whatever the columns are.

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
