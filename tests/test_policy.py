"""The precision policy: on by default only with a measured precision of at least 0.7 on real
applications, `error` severity only with 0.9; the rest is opt-in (the `strict` profile),
selectable by code, category, `--select strict` or `profile = "strict"`; `caveat rules` shows
each rule's measured precision and default."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from caveat.engine.analyzer import Engine
from caveat.engine.findings import Severity
from caveat.project import ConfigError, Settings, settings_from_mapping
from caveat.rules import all_rules, default_of, opt_in
from caveat.rules.meta import ERROR_SEVERITY, MEASURED, ON_BY_DEFAULT, precision_of
from tests.test_cli import caveat

# CAV202 (lost-exception-context) is in the strict profile: raised without `from` in a handler.
STRICT_ONLY = '''def parse(value):
    try:
        return int(value)
    except ValueError:
        raise RuntimeError("not a number")
'''


def test_every_default_rule_meets_the_policy():
    for code, info in all_rules().items():
        measured = precision_of(code)
        if measured is None or not measured.estimated:
            continue
        if default_of(code) == "on":
            assert measured.value >= ON_BY_DEFAULT, code
        if info.severity == Severity.ERROR:
            assert measured.value >= ERROR_SEVERITY, code


def test_measured_codes_are_real_and_below_the_bar_means_opt_in():
    for code, measured in MEASURED.items():
        assert code in all_rules(), code
        assert 0 <= measured.worth <= measured.judged <= measured.found, code
        below = measured.estimated and measured.value < ON_BY_DEFAULT
        assert (code in opt_in()) == (below and default_of(code) != "off"), code


def codes(text: str, settings: Settings) -> list[str]:
    return [f.code for f in Engine().analyze(text, "x.py", settings).findings]


@pytest.mark.parametrize("settings, on", [
    (Settings(), False),
    (Settings(profile="strict"), True),
    (Settings(extend_select=("strict",)), True),
    (Settings(select=("strict",)), True),
    (Settings(extend_select=("CAV202",)), True),
    (Settings(extend_select=("lost-exception-context",)), True),
    (Settings(extend_select=("CAV2",)), False),  # a prefix is not a choice of this rule
    (Settings(profile="strict", ignore=("CAV202",)), False),
    (Settings(select=("strict",), ignore=("lost-exception-context",)), False),
])
def test_opt_in_rules_are_selected_by_code_category_or_the_strict_profile(settings, on):
    assert ("CAV202" in codes(STRICT_ONLY, settings)) is on


def test_strict_selector_leaves_bandit_audit_tests_off():
    assert "B404" not in codes("import subprocess\n", Settings(select=("strict",)))
    assert "B404" in codes("import subprocess\n", Settings(select=("strict", "B404")))


def test_profile_is_validated():
    assert settings_from_mapping({"profile": "strict"}, "t").profile == "strict"
    with pytest.raises(ConfigError, match="profile"):
        settings_from_mapping({"profile": "paranoid"}, "t")


def test_error_severity_is_capped_below_its_bar():
    text = "import requests\n\ndef get(url):\n    return requests.get(url, verify=False, timeout=5)\n"
    found = [f for f in Engine().analyze(text, "x.py", Settings()).findings if f.code == "CAV135"]
    expected = Severity.ERROR if precision_of("CAV135").value >= ERROR_SEVERITY else Severity.WARNING
    assert [f.severity for f in found] == [expected]
    assert all_rules()["CAV135"].severity == expected


def test_cli_select_strict_and_profile(tmp_path: Path):
    (tmp_path / "app.py").write_text(STRICT_ONLY)
    (tmp_path / "pyproject.toml").write_text('[tool.caveat]\nnew-code = "default"\n')  # not in git: all new
    assert caveat("check", "--no-api", "app.py", cwd=tmp_path).returncode == 0
    strict = caveat("check", "--no-api", "--select", "strict", "app.py", cwd=tmp_path)
    assert strict.returncode == 1 and "CAV202" in strict.stdout
    (tmp_path / "pyproject.toml").write_text('[tool.caveat]\nnew-code = "default"\nprofile = "strict"\n')
    assert "CAV202" in caveat("check", "--no-api", "app.py", cwd=tmp_path).stdout


def test_rules_listing_shows_precision_and_default():
    text = caveat("rules").stdout
    header, *rows = text.splitlines()
    assert "precision" in header and "default" in header
    row = next(r for r in rows if r.startswith("CAV202"))
    assert row.split()[-1] == "strict" and f"({MEASURED['CAV202'].worth}/{MEASURED['CAV202'].judged})" in row
    listed = {r["code"]: r for r in json.loads(caveat("rules", "--format", "json").stdout)}
    assert listed["CAV202"]["default"] == "strict"
    assert listed["CAV202"]["precision"]["judged"] == MEASURED["CAV202"].judged
    assert listed["B101"]["default"] == "off" and listed["CAV116"]["precision"] is None


def test_one_or_two_judgments_do_not_move_a_rule():
    """A precision judged on fewer than MIN_JUDGED findings is shown but not acted on: the
    rule keeps its default (CAV137 was judged 0/1 on the applications)."""
    from caveat.rules.meta import MIN_JUDGED

    few = [code for code, m in MEASURED.items() if m.judged < MIN_JUDGED and m.value < ON_BY_DEFAULT]
    assert few, "no rule with a small sample to test the policy on"
    for code in few:
        assert code not in opt_in(), code
        assert "too few" in precision_of(code).label


@pytest.mark.parametrize("source, code", [
    ("eval(input())\n", "CAV137"),
    ("import pickle, sys\npickle.loads(sys.stdin.buffer.read())\n", "CAV132"),
])
def test_the_default_set_reports_what_bandit_would(source, code):
    """Committed code (no line is new) gets the default set; a caveat rule that replaces a
    bandit test must report the defect there, or nothing would."""
    assert code in codes(source, Settings())
