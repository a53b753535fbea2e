"""## What it does

Flags an import of a third-party distribution that the project does not declare in
pyproject.toml (PEP 621 dependencies and optional dependencies, PEP 735 dependency groups,
Poetry, uv and pdm tables), requirements*.txt, setup.cfg, setup.py or Pipfile.

## Why is this bad?
The import works on the author's machine because the package happens to be installed
(often as a dependency of something else) and breaks in CI, in a fresh container, or when the
other package drops it. Import names are mapped to distributions from the environment's
metadata (`import yaml` -> PyYAML, `import dateutil` -> python-dateutil).

## Example
```python
import yaml  # PyYAML is installed, but pyproject.toml does not list it
```

## Use instead
```toml
[project]
dependencies = ["PyYAML>=6.0.1"]
```

## What it does not flag
The standard library, first-party modules (anything in the workspace, the project's own
distribution), imports guarded by `try/except ImportError`, and projects that declare no
dependencies anywhere (or only dynamically, e.g. a setup.py computing them).

## Fix safety
The fix adds the distribution with the installed version as lower bound to
`[project.dependencies]` (or Poetry's table, or requirements.txt). It edits another file and
the right table may be an optional group, so it is not marked safe.

## References
- https://cwe.mitre.org/data/definitions/1104.html
"""
from caveat.engine.findings import Severity
from caveat.rules.api._base import ApiRule


class UndeclaredDependency(ApiRule):
    code = "CAV305"
    name = "undeclared-dependency"
    category = "undeclared-dependency"
    cwe = 1104
    severity = Severity.WARNING
    fixable = True
