"""## What it does

Flags an import whose top-level module resolves nowhere: not in the standard library, not in
the project's environment, not in the workspace.

## Why is this bad?
Assistants invent packages (`import fastjsonx`) or misremember import names
(`import sklearn_utils`). An import that resolves nowhere fails at startup or, worse, on
`pip install` pulls whatever an attacker registered under that name (slopsquatting). The
message says whether the package is declared by the project (then: declared but not
installed - run the install) or not (then: possibly hallucinated or typo-squatted, with close
matches among installed distributions and a bundled list of popular packages).

## Example
```python
import requestz
```

## Use instead
```python
import requests
```

## What it does not flag
Imports inside `try/except ImportError`, under version/platform/`TYPE_CHECKING` checks;
relative imports; modules that exist anywhere in the workspace (first-party code); packages
shipping only stubs (`*-stubs`). A missing submodule (`import requests.foo`) is reported only
when the package is a plain folder that defines no such name. Without a project environment
(none given or found: caveat checks against its own), the project's real environment is
unknown, so only a name the project declares nowhere although it declares its dependencies,
that no declared distribution resembles and that is not a well-known PyPI project is reported;
a project that declares nothing gets no CAV302 there.

## Fix safety
No fix: only the author knows which package was meant.

## References
- https://cwe.mitre.org/data/definitions/829.html
"""
from caveat.engine.findings import Severity
from caveat.rules.api._base import ApiRule


class HallucinatedModule(ApiRule):
    code = "CAV302"
    name = "hallucinated-module"
    category = "hallucinated-module"
    cwe = 829
    severity = Severity.ERROR
