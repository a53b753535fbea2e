"""## What it does

Detects `DEBUG = True` in a Django settings module (`settings.py`, or a module
of a `settings/` package).

## Why is this bad?
With `DEBUG = True` Django answers every error with a detailed page: the
traceback with local variables, the SQL that ran, and the settings (with
secrets masked only by name). It also keeps every query in memory. A settings
file with `DEBUG = True` committed is how that page reaches production
(CWE-209, CWE-489).

## Example
```python
# settings.py
DEBUG = True
```

## Use instead
```python
# settings.py
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
```

## What it does not flag
`DEBUG` read from the environment or a config library, `DEBUG = False`, and
`DEBUG = True` in modules that are not settings modules, or in the settings module of a
developer's machine or a test run beside the production one (`settings/dev.py`,
`settings/local.py`, `settings/test.py`, `settings_dev.py`).

## Fix safety
The fix reads the flag from the environment (`os.environ.get("DJANGO_DEBUG")
== "1"`) when `os` is imported. Development setups must then set the variable:
unsafe.

## References
- https://cwe.mitre.org/data/definitions/209.html
- https://docs.djangoproject.com/en/stable/ref/settings/#debug
- https://docs.djangoproject.com/en/stable/howto/deployment/checklist/
"""
from __future__ import annotations

import ast

from caveat.analysis.paths import is_development_settings, is_settings_path
from caveat.engine.findings import Fix, Severity
from caveat.rules.base import Rule, RuleContext


class DjangoDebugTrue(Rule):
    code = "CAV117"
    name = "django-debug-true"
    category = "stacktrace-disclosure"
    cwe = 209
    severity = Severity.WARNING
    fixable = True

    def check(self, ctx: RuleContext) -> None:
        if not is_settings_path(ctx.path) or is_development_settings(ctx.path):
            return  # settings/dev.py beside settings/production.py: DEBUG on is that module's purpose
        for node in ctx.tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if not (isinstance(target, ast.Name) and target.id == "DEBUG"):
                continue
            if not (isinstance(value, ast.Constant) and value.value is True):
                continue
            os_name = next((local for local, q in ctx.imports.items() if q == "os"), None)
            fix = None
            if os_name is not None:
                fix = Fix("Read DEBUG from the environment (DJANGO_DEBUG)",
                          (ctx.replace(value, f'{os_name}.environ.get("DJANGO_DEBUG") == "1"'),), safe=False)
            ctx.report(self, node, (
                "`DEBUG = True` in a settings module makes Django serve tracebacks, local variables, SQL "
                "and settings on every error page; read it from the environment and keep it off in "
                "production."), fix=fix)
