"""## What it does

Flags a name that exists in other versions of a library (or of Python) but not in the
installed one - removed since, or added only later - and names deprecated in the installed
version, when caveat's knowledge base of API changes knows it. The message names the
version that made the change and the replacement.

## Why is this bad?
Assistants learned from code written for older (or newer) releases: `df.append(row)` was
removed in pandas 2.0, `np.float` in NumPy 1.24, `collections.Mapping` in Python 3.10,
`@app.before_first_request` in Flask 2.3, `model_dump()` does not exist in pydantic 1.x.

## Example
```python
import pandas as pd

frame = frame.append(row, ignore_index=True)
```

## Use instead
```python
import pandas as pd

frame = pd.concat([frame, pd.DataFrame([row])], ignore_index=True)
```

## What it does not flag
Changes that do not apply to the installed version (the check compares versions read from
the environment's metadata; for the standard library, the environment's Python version).
The knowledge base (server/caveat/data/removed_apis.json) is generated from changelog
entries by tools/removed_apis/build.py, which can verify them against the released wheels.
Deprecations are reported with severity info.

## Fix safety
No automatic fix: replacements usually change the call's shape.

## References
- https://cwe.mitre.org/data/definitions/477.html
"""
from caveat.engine.findings import Severity
from caveat.rules.api._base import ApiRule


class RemovedApi(ApiRule):
    code = "CAV304"
    name = "removed-api"
    category = "removed-api"
    cwe = 477
    severity = Severity.ERROR
