"""Codes the engine itself reports (suppression problems, files it did not analyse)."""
from __future__ import annotations

from caveat.engine.findings import Severity
from caveat.rules.base import RuleInfo

MALFORMED_SUPPRESSION = RuleInfo(
    "CAV001", "malformed-suppression", "other", None, Severity.WARNING, False,
    """## What it does

Reports a `# caveat: ignore` comment that caveat cannot read: an unclosed or empty
code list, an unknown rule code, or a misspelled directive.

## Why is this bad?

A suppression that silently suppresses nothing (or everything) hides the intent of
the person who wrote it. caveat never treats a malformed comment as a blanket
ignore; it tells you instead.

## Example

```python
run(cmd, shell=True)  # caveat: ignore[B602
```

## Use instead

```python
run(cmd, shell=True)  # caveat: ignore[B602]
```
""", "caveat")

UNUSED_SUPPRESSION = RuleInfo(
    "CAV002", "unused-suppression", "other", None, Severity.INFO, True,
    """## What it does

With `--report-unused-suppressions` (or `report-unused-suppressions = true`), reports
`# caveat: ignore[...]` comments that suppress nothing on their line.

## Why is this bad?

Stale suppressions outlive the code they were written for and will hide a future
finding on that line.

## Fix safety

The fix removes the comment; it is safe.
""", "caveat")

FILE_TOO_LARGE = RuleInfo(
    "CAV003", "file-too-large", "other", None, Severity.INFO, False,
    """## What it does

Says that a file is larger than `max-file-size-kb` (default 2048) and was not analysed.

## Why is this bad?

Very large files are usually generated; analysing them on every keystroke would make
the editor sluggish. Raise `max-file-size-kb` in `[tool.caveat]` to analyse them.
""", "caveat")

SYNTAX_ERROR = RuleInfo(
    "CAV004", "syntax-error", "other", None, Severity.HINT, False,
    """## What it does

Notes the first block caveat could not parse. The other blocks of the file are
still analysed; the findings of the broken block come back once it parses.

## Why is this bad?

Nothing is wrong with the code's security; this only explains why caveat is quiet
about that block. Your main Python language server reports the syntax error itself.
""", "caveat")

ANALYSIS_ERROR = RuleInfo(
    "CAV005", "analysis-error", "other", None, Severity.INFO, False,
    """## What it does

Says that one of caveat's checks (a caveat rule or a bandit plugin) failed on a block,
so findings of that check may be missing there. The other checks still ran.

## Why is this bad?

It is a bug in the check, not in your code; please report it with the message.
""", "caveat")

META_RULES = (MALFORMED_SUPPRESSION, UNUSED_SUPPRESSION, FILE_TOO_LARGE, SYNTAX_ERROR, ANALYSIS_ERROR)
