"""Every annotated fixture under tests/fixtures/rules is the specification of its rules."""
from pathlib import Path

import pytest

from tests.fixture_harness import check_fixture, read_labels

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "rules").rglob("*.py"))


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture(fixture: Path) -> None:
    labels = read_labels(fixture.read_text(encoding="utf-8"))
    assert labels, f"{fixture} has no # expect / # ok labels"
    assert any(label.kind == "ok" for label in labels), f"{fixture} needs look-alikes (# ok:) too"
    assert any(label.kind == "expect" for label in labels), f"{fixture} needs positives (# expect:)"
    problems = check_fixture(fixture)
    assert not problems, "\n".join(problems)


def test_every_caveat_rule_has_a_fixture() -> None:
    from caveat.rules import caveat_rules

    covered = set()
    for fixture in FIXTURES:
        covered.update(label.code for label in read_labels(fixture.read_text(encoding="utf-8")) if label.kind == "expect")
    missing = [rule.code for rule in caveat_rules() if rule.code not in covered]
    assert not missing, f"rules without an `# expect:` fixture line: {missing}"
