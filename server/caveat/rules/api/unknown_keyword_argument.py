"""## What it does

Flags a keyword argument that the called function or class does not accept, according to
the signature jedi reads from the installed library (or the standard library's typeshed stubs).

## Why is this bad?
Assistants pass keywords from another library, another version, or from nowhere
(`requests.get(url, timeout_seconds=5)`, `json.dumps(data, indnt=2)`). Python raises
`TypeError: got an unexpected keyword argument` only when the call runs.

## Example
```python
import subprocess

subprocess.run(["ls"], chek=True)
```

## Use instead
```python
import subprocess

subprocess.run(["ls"], check=True)
```

## What it does not flag
Callees that take `**kwargs` (unless typed with `Unpack[TypedDict]`, which jedi expands);
calls that also pass `**mapping`; callees jedi cannot read completely (decorated functions,
classes built by decorators other than `@dataclass`, custom metaclasses, classes without an
explicit `__init__`/`__new__`); calls guarded by `try/except TypeError`. A keyword the
knowledge base knows was removed in the installed version is reported as removed-api (CAV304).

## Fix safety
When exactly one accepted keyword is a close match, a fix renames it. Not marked safe: the
closest name is usually, but not always, the intended one.

## References
- https://cwe.mitre.org/data/definitions/628.html
"""
from caveat.engine.findings import Severity
from caveat.rules.api._base import ApiRule


class UnknownKeywordArgument(ApiRule):
    code = "CAV303"
    name = "unknown-keyword-argument"
    category = "unknown-keyword-argument"
    cwe = 628
    severity = Severity.ERROR
    fixable = True
