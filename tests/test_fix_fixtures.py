"""Quick-fix pairs: tests/fixtures/fixes/<CODE>_<case>.before.py -> .after.py.

Applying every fix offered for CODE in the before file must give exactly the
after file, the result must parse, and CODE must be gone from it.
"""
import ast
from pathlib import Path

import pytest

from caveat.engine.analyzer import Engine, apply_edits
from caveat.project import Settings
from tests.fixture_harness import all_findings

FIXES = sorted((Path(__file__).parent / "fixtures" / "fixes").glob("*.before.py"))
SETTINGS = Settings(select=("ALL",))


def settings_for(code: str) -> Settings:
    """Bandit fix pairs run with bandit alone: caveat rules that supersede a bandit
    test would otherwise report the defect in its place."""
    return Settings(select=("B",)) if code.startswith("B") else SETTINGS


def apply_all_fixes(text: str, code: str, path: str = "fixture.py") -> str:
    engine = Engine()
    for _ in range(50):  # one fix at a time: edits of later fixes move
        findings = [f for f in all_findings(text, path, settings_for(code), engine) if f.code == code and f.fix]
        if not findings:
            return text
        text = apply_edits(text, findings[0].fix.edits)
    raise AssertionError("fixes did not converge")


@pytest.mark.parametrize("before", FIXES, ids=lambda p: p.name.replace(".before.py", ""))
def test_fix_pair(before: Path) -> None:
    code = before.name.split("_", 1)[0]
    after = before.with_name(before.name.replace(".before.py", ".after.py"))
    source = before.read_text(encoding="utf-8")
    findings = [f for f in all_findings(source, str(before), settings_for(code), Engine()) if f.code == code]
    assert any(f.fix for f in findings), f"{before.name}: no fixable {code} finding"
    fixed = apply_all_fixes(source, code, str(before))
    assert fixed == after.read_text(encoding="utf-8")
    ast.parse(fixed)
    remaining = [f for f in all_findings(fixed, str(after), settings_for(code), Engine()) if f.code == code]
    assert not remaining, f"{code} still reported after the fix: {remaining}"
