"""Quick-fix pairs of the API rules (tests/fixtures/fixes/CAV3*), through both engine stages.

Same contract as tests/test_fix_fixtures.py: applying every fix offered for CODE, one at a
time, gives exactly the after file, which parses and no longer reports CODE.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from caveat.engine.analyzer import Engine, apply_edits
from caveat.project import Settings

ROOT = Path(__file__).resolve().parent.parent.parent
PAIRS = sorted((ROOT / "tests" / "fixtures" / "fixes").glob("CAV3*.before.py"))
SETTINGS = Settings(select=("ALL",), root=str(ROOT), python=sys.prefix, options=(("api-time-budget", 300),))
ENGINE = Engine()


def findings(text: str, path: str):
    local = ENGINE.analyze(text, path, SETTINGS)
    api = ENGINE.analyze_api(text, path, SETTINGS)
    return ENGINE.merge(text, SETTINGS, local, api)


@pytest.mark.parametrize("before", PAIRS, ids=lambda p: p.name.replace(".before.py", ""))
def test_api_fix_pair(before: Path) -> None:
    code = before.name.split("_", 1)[0]
    after = before.with_name(before.name.replace(".before.py", ".after.py"))
    text = before.read_text(encoding="utf-8")
    assert any(f.code == code and f.fix for f in findings(text, str(before)))
    for _ in range(20):
        fixable = [f for f in findings(text, str(before)) if f.code == code and f.fix]
        if not fixable:
            break
        assert not fixable[0].fix.other_files
        text = apply_edits(text, fixable[0].fix.edits)
    assert text == after.read_text(encoding="utf-8")
    ast.parse(text)
    assert not [f for f in findings(text, str(after)) if f.code == code]
