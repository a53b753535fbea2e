"""Selection semantics (ruff-like: the most specific entry wins) and validation."""
import pytest

from caveat.engine.findings import Severity
from caveat.project import ConfigError, Settings, settings_from_mapping
from caveat.rules import default_off

OFF = default_off()


def enabled(settings: Settings, code: str, category: str = "other") -> bool:
    return settings.is_enabled(code, category, OFF)


def test_defaults_enable_caveat_and_bandit_but_not_noisy_tests():
    defaults = Settings()
    assert enabled(defaults, "B506") and enabled(defaults, "CAV001")
    assert not enabled(defaults, "B101")  # assert_used: a construct, not a defect
    assert not enabled(defaults, "B404")  # `import subprocess`


def test_noisy_codes_can_be_selected_by_exact_code():
    assert enabled(Settings(extend_select=("B101",)), "B101")
    assert enabled(Settings(select=("B101",)), "B101")
    assert not enabled(Settings(extend_select=("B1",)), "B101")


def test_most_specific_entry_wins():
    settings = Settings(select=("B",), ignore=("B6",))
    assert enabled(settings, "B506") and not enabled(settings, "B602")
    assert enabled(Settings(select=("B602",), ignore=("B6",)), "B602")
    assert not enabled(Settings(select=("B6",), ignore=("B602",)), "B602")


def test_categories_and_all():
    by_category = Settings(select=("sql-injection",))
    assert enabled(by_category, "B608", "sql-injection") and not enabled(by_category, "B506", "insecure-deserialization")
    assert enabled(Settings(select=("ALL",)), "B101")
    assert not enabled(Settings(ignore=("sql-injection",)), "B608", "sql-injection")
    assert not enabled(Settings(ignore=("sql-injection",)), "CAV101", "sql-injection")
    assert not enabled(Settings(select=("CAV1",), ignore=("sql-injection",)), "CAV101", "sql-injection")
    assert enabled(Settings(select=("CAV101",), ignore=("sql-injection",)), "CAV101", "sql-injection")
    assert enabled(Settings(select=("sql-injection",), ignore=("CAV",)), "CAV101", "sql-injection")


def test_severity_overrides_by_prefix():
    settings = settings_from_mapping({"severity": {"B": "hint", "B506": "error"}}, "test")
    assert settings.severity_for("B506", Severity.WARNING) == Severity.ERROR
    assert settings.severity_for("B602", Severity.WARNING) == Severity.HINT
    assert settings.severity_for("CAV001", Severity.WARNING) == Severity.WARNING


@pytest.mark.parametrize("data, message", [
    ({"select": ["XYZ"]}, "unknown rule code or category `XYZ`"),
    ({"select": "B506,NOPE"}, "`NOPE`"),
    ({"ignore": 5}, "must be a list of strings"),
    ({"severity": {"B506": "loud"}}, "unknown severity"),
    ({"severity": ["B506"]}, "must be a table"),
    ({"max-file-size-kb": -1}, "positive integer"),
    ({"colour": "red"}, "unknown setting `colour`"),
    ({"report-unused-suppressions": "yes"}, "true or false"),
])
def test_invalid_settings_name_the_key(data, message):
    with pytest.raises(ConfigError) as info:
        settings_from_mapping(data, "somewhere")
    assert message in str(info.value) and str(info.value).startswith("somewhere:")


def test_snake_and_kebab_keys_and_comma_strings():
    settings = settings_from_mapping({"extend_select": "B101, B404", "max_file_size_kb": 10}, "editor")
    assert settings.extend_select == ("B101", "B404") and settings.max_file_size_kb == 10


def test_excludes(tmp_path):
    settings = Settings(exclude=("generated/**", "legacy"), root=str(tmp_path))
    assert settings.is_excluded(tmp_path / "generated" / "x.py")
    assert settings.is_excluded(tmp_path / "legacy" / "deep" / "x.py")
    assert settings.is_excluded(tmp_path / ".venv" / "lib" / "x.py")
    assert not settings.is_excluded(tmp_path / "app" / "x.py")
