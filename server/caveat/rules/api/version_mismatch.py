"""## What it does

Flags an import of a distribution whose installed version does not satisfy what the project
pins or locks (uv.lock, poetry.lock, pdm.lock, Pipfile.lock, `==` in requirements files) or
declares (PEP 621 specifiers), on the import line, with both versions.

## Why is this bad?
Code is written (and generated) against the API of the version that is installed, while CI
and production run the pinned one; the other API checks are only as good as the environment
they look at.

## Example
```python
import pandas as pd  # uv.lock pins 2.2.2, the environment has 1.5.3
```

## Use instead
Sync the environment (`uv sync`, `poetry install`, `pip install -r requirements.txt`), or
update the pin.

## What it does not flag
Distributions the project does not pin; pins whose markers exclude the environment's Python;
caveat's own environment (used when no project environment is found: its versions are
caveat's, not the project's).

## Fix safety
No fix: syncing the environment is a command, not an edit.

## References
- https://cwe.mitre.org/data/definitions/1104.html
"""
from caveat.engine.findings import Severity
from caveat.rules.api._base import ApiRule


class VersionMismatch(ApiRule):
    code = "CAV306"
    name = "version-mismatch"
    category = "version-mismatch"
    cwe = 1104
    severity = Severity.WARNING
