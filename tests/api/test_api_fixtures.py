"""The API rule fixtures (tests/fixtures/rules/api), run through both engine stages.

The shared harness (tests/fixture_harness.py) runs only ``Engine.analyze``; API findings
come from ``Engine.analyze_api``, so this module runs both and merges them, then applies
the same label semantics. The environment is this interpreter's (``python`` setting), so
the results do not depend on how the test run was started.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from caveat.engine.analyzer import Engine
from caveat.project import Settings
from tests.fixture_harness import read_labels

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = sorted((ROOT / "tests" / "fixtures" / "rules" / "api").glob("*.py"))
SETTINGS = Settings(select=("ALL",), root=str(ROOT), python=sys.prefix, options=(("api-time-budget", 300),))
ENGINE = Engine()


def analyse_both(path: Path, settings: Settings = SETTINGS):
    text = path.read_text(encoding="utf-8")
    local = ENGINE.analyze(text, str(path), settings)
    api = ENGINE.analyze_api(text, str(path), settings)
    return text, ENGINE.merge(text, settings, local, api), api


def problems_of(path: Path) -> list[str]:
    text, findings, api = analyse_both(path)
    labels = read_labels(text)
    codes = {label.code for label in labels}
    problems = []
    matched: set[int] = set()
    for label in labels:
        hits = [i for i, f in enumerate(findings) if f.code == label.code and label.first <= f.line <= label.last]
        if label.kind == "expect":
            if not hits:
                problems.append(f"{path.name}:{label.first}: expected {label.code}, got nothing")
        else:
            for i in hits:
                problems.append(f"{path.name}:{findings[i].line}: {label.code} fired on an `ok` line: {findings[i].message}")
        matched.update(hits)
    for i, finding in enumerate(findings):
        if finding.code in codes and i not in matched:
            problems.append(f"{path.name}:{finding.line}: unexpected {finding.code}: {finding.message}")
    if problems:
        problems.append("notes: " + " | ".join(api.notes))
    return problems


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_api_fixture(fixture: Path) -> None:
    labels = read_labels(fixture.read_text(encoding="utf-8"))
    assert any(label.kind == "ok" for label in labels), f"{fixture.name} needs look-alikes (# ok:)"
    assert any(label.kind == "expect" for label in labels), f"{fixture.name} needs positives (# expect:)"
    problems = problems_of(fixture)
    assert not problems, "\n".join(problems)


def test_every_api_rule_has_a_fixture() -> None:
    from caveat.rules import caveat_rules

    covered = set()
    for fixture in FIXTURES:
        covered.update(label.code for label in read_labels(fixture.read_text(encoding="utf-8")) if label.kind == "expect")
    api_codes = [rule.code for rule in caveat_rules() if rule.code.startswith("CAV3")]
    assert api_codes and not [code for code in api_codes if code not in covered]


def test_findings_name_the_environment() -> None:
    _, findings, api = analyse_both(ROOT / "tests" / "fixtures" / "rules" / "api" / "hallucinated_attribute.py")
    api_findings = [f for f in findings if f.code == "CAV301"]
    assert api_findings
    assert all(dict(f.extra).get("environment", "").startswith(sys.prefix) for f in api_findings)
    assert any(note.startswith("environment: ") and sys.prefix in note for note in api.notes)
