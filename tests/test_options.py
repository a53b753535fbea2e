"""Rule options: ``[tool.caveat.options.<rule-name>]`` reaches the rules, validated, in the
CLI (a real process on a real pyproject.toml), the engine and its caches, and the docs."""
from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from caveat.check import CheckRun
from caveat.engine.analyzer import Engine
from caveat.project import ENGINE_OPTIONS, ConfigError, Settings, load_pyproject, settings_from_mapping
from caveat.rules import all_rules, caveat_rules
from tests.test_cli import caveat

ROOT = Path(__file__).resolve().parent.parent

REQUESTS = textwrap.dedent("""\
    import requests


    def fetch(url):
        return requests.get(url)
    """)
BOTO3 = textwrap.dedent("""\
    import boto3
    from botocore.config import Config


    def storage():
        return boto3.client("s3")
    """)


def options(**tables) -> Settings:
    return settings_from_mapping({"options": tables}, "test")


def cav203(text: str, settings: Settings, engine: Engine | None = None):
    analysis = (engine or Engine()).analyze(text, "app.py", settings)
    return [f for f in analysis.findings if f.code == "CAV203"]


# --- the syntax ------------------------------------------------------------------------
def test_a_rules_table_and_the_dotted_key_are_the_same_setting(tmp_path: Path):
    table = tmp_path / "table.toml"
    table.write_text("[tool.caveat.options.missing-timeout]\ntimeout = 5\nboto3-timeouts = true\n")
    dotted = tmp_path / "dotted.toml"
    dotted.write_text("[tool.caveat.options]\nmissing-timeout.timeout = 5\nmissing-timeout.boto3-timeouts = true\n")
    expected = (("missing-timeout.boto3-timeouts", True), ("missing-timeout.timeout", 5))
    assert load_pyproject(table).options == load_pyproject(dotted).options == expected
    assert load_pyproject(table).option("missing-timeout.timeout") == 5


def test_editor_shapes_snake_case_and_unset_values():
    nested = settings_from_mapping({"options": {"missing-timeout": {"timeout": 5}}}, "editor")
    flat = settings_from_mapping({"options": {"missing-timeout.timeout": 5}}, "editor")
    snake = settings_from_mapping({"options": {"missing_timeout": {"timeout": 5, "boto3_timeouts": None}}}, "editor")
    assert nested.options == flat.options == snake.options == (("missing-timeout.timeout", 5),)


def test_the_editor_overrides_one_option_and_keeps_the_projects_others():
    project = options(**{"missing-timeout": {"timeout": 5, "boto3-timeouts": True}, "api-time-budget": 2})
    merged = settings_from_mapping({"options": {"missing-timeout": {"timeout": 3}}}, "editor", project)
    assert dict(merged.options) == {"missing-timeout.timeout": 3, "missing-timeout.boto3-timeouts": True,
                                    "api-time-budget": 2}


def test_the_api_time_budget_stays_an_engine_option():
    settings = options(api_time_budget=0)  # 0 is valid: check nothing this round
    assert settings.option("api-time-budget") == 0
    assert [option.name for option in ENGINE_OPTIONS] == ["api-time-budget"]


@pytest.mark.parametrize("table, message", [
    ({"missing-timeout": {"colour": 1}}, "unknown option `options.missing-timeout.colour` (known: timeout, boto3-timeouts)"),
    ({"nope": 1}, "unknown option `options.nope` (known: api-time-budget, missing-timeout.boto3-timeouts"),
    ({"timeout": 5}, "it is an option of missing-timeout; set it under [tool.caveat.options.missing-timeout]"),
    ({"CAV203": {"timeout": 5}}, "a rule's options are named by the rule, [tool.caveat.options.missing-timeout]"),
    ({"swallowed-exception": {"x": 1}}, "rule `swallowed-exception` takes no options"),
    ({"missing-timeout": {"timeout": "5"}}, 'option `options.missing-timeout.timeout` must be a number greater than 0, got "5"'),
    ({"missing-timeout": {"timeout": 0}}, "`options.missing-timeout.timeout` must be a number greater than 0, got 0"),
    ({"missing-timeout": {"timeout": True}}, "must be a number greater than 0, got true"),
    ({"missing-timeout": {"boto3-timeouts": "yes"}}, '`options.missing-timeout.boto3-timeouts` must be true or false, got "yes"'),
    ({"missing-timeout": 5}, "`options.missing-timeout` must be a table of missing-timeout's options"),
    ({"api-time-budget": -1}, "`options.api-time-budget` must be a number of at least 0"),
])
def test_invalid_options_name_the_source_and_the_key(table, message):
    with pytest.raises(ConfigError) as info:
        settings_from_mapping({"options": table}, "/p/pyproject.toml [tool.caveat]")
    assert str(info.value).startswith("/p/pyproject.toml [tool.caveat]: ")
    assert message in str(info.value)


def test_options_must_be_a_table():
    with pytest.raises(ConfigError, match="`options` must be a table"):
        settings_from_mapping({"options": 5}, "test")


# --- the engine ------------------------------------------------------------------------
def test_the_timeout_option_sets_the_message_and_the_fix():
    (finding,) = cav203(REQUESTS, options(**{"missing-timeout": {"timeout": 5}}))
    assert "pass `timeout=5`" in finding.message
    assert finding.fix.title == "Add `timeout=5`"
    assert [edit.text for edit in finding.fix.edits] == ["requests.get(url, timeout=5)"]
    (default,) = cav203(REQUESTS, Settings())
    assert default.fix.edits[0].text == "requests.get(url, timeout=10)"


def test_cached_results_never_outlive_the_option_values():
    engine = Engine()  # one engine, one cache, the same text under changing settings
    fixes = []
    for settings in (Settings(), options(**{"missing-timeout": {"timeout": 5}}),
                     options(**{"missing-timeout": {"timeout": 5.0}}), Settings(), options(api_time_budget=3)):
        (finding,) = cav203(REQUESTS, settings, engine)
        fixes.append(finding.fix.edits[0].text)
    assert fixes == ["requests.get(url, timeout=10)", "requests.get(url, timeout=5)",
                     "requests.get(url, timeout=5.0)", "requests.get(url, timeout=10)",
                     "requests.get(url, timeout=10)"]


def test_an_option_change_reruns_the_rules_and_an_unrelated_one_does_not():
    engine = Engine()
    assert engine.analyze(REQUESTS, "app.py", Settings()).analysed_blocks > 0
    assert engine.analyze(REQUESTS, "app.py", options(api_time_budget=3)).analysed_blocks == 0
    assert engine.analyze(REQUESTS, "app.py", options(**{"missing-timeout": {"timeout": 10}})).analysed_blocks == 0
    assert engine.analyze(REQUESTS, "app.py", options(**{"missing-timeout": {"timeout": 4}})).analysed_blocks > 0


def test_incremental_documents_follow_option_changes():
    document = Engine().document()
    first = [f for f in document.analyze(REQUESTS, "app.py", Settings()).findings if f.code == "CAV203"]
    second = [f for f in document.analyze(REQUESTS, "app.py", options(**{"missing-timeout": {"timeout": 7}})).findings
              if f.code == "CAV203"]
    assert first[0].fix.title == "Add `timeout=10`" and second[0].fix.title == "Add `timeout=7`"


def test_the_boto3_option_turns_boto3_findings_on():
    assert cav203(BOTO3, Settings()) == []
    (finding,) = cav203(BOTO3, options(**{"missing-timeout": {"boto3-timeouts": True, "timeout": 4}}))
    assert "`boto3.client()` has no botocore `Config" in finding.message
    assert "Config(connect_timeout=4, read_timeout=4)" in finding.message
    assert finding.fix.edits[0].text == 'boto3.client("s3", config=Config(connect_timeout=4, read_timeout=4))'


def test_socket_clients_get_the_option_in_their_unit():
    text = "import pymongo\n\n\ndef db():\n    return pymongo.MongoClient('mongodb://db')\n"
    (finding,) = cav203(text, options(**{"missing-timeout": {"timeout": 2.5}}))
    assert "socketTimeoutMS=2500`" in finding.message


def test_the_cli_disk_cache_is_keyed_by_the_options(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("CAVEAT_NO_DISK_CACHE", raising=False)
    (tmp_path / "app.py").write_text(REQUESTS)
    messages = []
    for timeout in (10, 5, 10):
        settings = settings_from_mapping({"options": {"missing-timeout": {"timeout": timeout}}}, "test",
                                         Settings(root=str(tmp_path)))
        run = CheckRun(settings, api=False, jobs=1)
        (result,) = run.check([tmp_path / "app.py"])
        messages.append([f.fix.title for f in result.findings if f.code == "CAV203"])
    assert messages == [["Add `timeout=10`"], ["Add `timeout=5`"], ["Add `timeout=10`"]]
    assert (tmp_path / ".caveat_cache").is_dir()


# --- declarations and docs -------------------------------------------------------------
def test_declared_options_are_well_formed():
    for rule in caveat_rules():
        for option in rule.options:
            assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", option.name), (rule.code, option.name)
            assert option.parse(option.default) == option.default, (rule.code, option.name)
            assert option.doc.endswith("."), (rule.code, option.name)
        assert len({option.name for option in rule.options}) == len(rule.options), rule.code


def test_the_options_are_documented_where_the_rule_is():
    info = all_rules()["CAV203"]
    assert [option.name for option in info.options] == ["timeout", "boto3-timeouts"]
    doc = info.doc  # what `caveat rule`, hover and docs/rules.md show
    options_at, references_at = doc.index("## Options"), doc.index("## References")
    assert options_at < references_at
    assert "[tool.caveat.options.missing-timeout]\ntimeout = 10\nboto3-timeouts = false\n" in doc
    assert "- `timeout` (a number greater than 0): " in doc
    reference = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert "### Options" in reference and "[tool.caveat.options.missing-timeout]" in reference


def test_the_readme_configuration_example_is_valid(tmp_path: Path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1]
    example = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
    (tmp_path / "pyproject.toml").write_text(example)
    settings = load_pyproject(tmp_path / "pyproject.toml")
    assert settings.option("missing-timeout.timeout") == 5 and settings.option("api-time-budget") == 30


# --- the CLI, as a user runs it --------------------------------------------------------
@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(REQUESTS)
    (tmp_path / "storage.py").write_text(BOTO3)
    return tmp_path


def write_pyproject(project: Path, text: str) -> None:
    (project / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n\n' + textwrap.dedent(text))


def test_cli_timeout_option_changes_the_fix(project: Path):
    write_pyproject(project, """\
        [tool.caveat.options.missing-timeout]
        timeout = 5
        """)
    text = caveat("check", "--no-api", "app.py", cwd=project)
    assert text.returncode == 1, text.stderr
    assert "= fix: Add `timeout=5`" in text.stdout and "timeout=10" not in text.stdout
    sarif = json.loads(caveat("check", "--no-api", "--format", "sarif", "app.py", cwd=project).stdout)
    (result,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "CAV203"]
    replacement = result["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert replacement["insertedContent"]["text"] == "requests.get(url, timeout=5)"


def test_cli_boto3_option_turns_boto3_findings_on(project: Path):
    def codes() -> list[str]:
        result = caveat("check", "--no-api", "--format", "json", "--select", "CAV203", "storage.py", cwd=project)
        return [r["code"] for r in json.loads(result.stdout)]

    write_pyproject(project, "")
    assert codes() == []
    write_pyproject(project, """\
        [tool.caveat.options]
        missing-timeout.boto3-timeouts = true
        """)
    assert codes() == ["CAV203"]


@pytest.mark.parametrize("table, key, why", [
    ("[tool.caveat.options.missing-timeout]\ntimeot = 5\n", "options.missing-timeout.timeot", "unknown option"),
    ("[tool.caveat.options.missing-timeout]\ntimeout = \"5\"\n", "options.missing-timeout.timeout", "must be a number"),
    ("[tool.caveat.options.missing-timeout]\nboto3-timeouts = 1\n", "options.missing-timeout.boto3-timeouts",
     "must be true or false"),
    ("[tool.caveat.options]\ntimeout = 5\n", "options.timeout", "[tool.caveat.options.missing-timeout]"),
])
def test_cli_bad_options_exit_2_naming_the_file_and_key(project: Path, table: str, key: str, why: str):
    write_pyproject(project, table)
    result = caveat("check", "--no-api", ".", cwd=project)
    assert result.returncode == 2, result.stdout
    assert "pyproject.toml [tool.caveat]" in result.stderr
    assert f"`{key}`" in result.stderr and why in result.stderr


def test_cli_rule_command_shows_the_options():
    result = caveat("rule", "CAV203")
    assert result.returncode == 0
    assert "## Options" in result.stdout and "boto3-timeouts = false" in result.stdout
    rows = {row["code"]: row for row in json.loads(caveat("rules", "--format", "json").stdout)}
    assert rows["CAV203"]["options"][0] == {
        "name": "timeout", "type": "number", "default": 10,
        "doc": rows["CAV203"]["options"][0]["doc"]}
    assert rows["CAV101"]["options"] == []
