"""`caveat check | rule | rules` as a user runs them: a real process on real files."""
from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

YAML_CODE = "import yaml\n\n\ndef load(handle):\n    return yaml.load(handle)\n"


def caveat(*args: str, cwd: Path | None = None, **kwargs) -> subprocess.CompletedProcess:
    env = dict(os.environ, CAVEAT_NO_DISK_CACHE="1")
    return subprocess.run([sys.executable, "-m", "caveat", *args], cwd=cwd or ROOT, capture_output=True,
                          text=True, env=env, timeout=300, **kwargs)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n')
    (tmp_path / "app.py").write_text(YAML_CODE)
    (tmp_path / "clean.py").write_text("def add(a, b):\n    return a + b\n")
    # code being written (a repository, nothing committed) gets the strict set: yaml.load is CAV132
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True, capture_output=True)
    return tmp_path


def test_check_examples_reports_findings_like_ruff():
    # every rule (the example is committed: by default only its new lines would get the strict profile)
    result = caveat("check", "--profile", "strict", "examples/")
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "examples/shop/shop/config.py:9:16: CAV132 [*] " in out
    assert "return yaml.load(handle)" in out  # the source line
    assert "^^^^" in out
    assert "= fix: Use `yaml.safe_load`" in out
    assert "sk_live_51Hq" not in out  # the example's key is redacted
    assert "fixable with `caveat check --fix`" in out.rstrip().splitlines()[-1]


def test_clean_file_exits_zero(project: Path):
    result = caveat("check", "clean.py", cwd=project)
    assert result.returncode == 0
    assert result.stdout.strip() == "All checks passed."
    assert "files" not in result.stderr and "\r" not in result.stderr  # no progress bar off a terminal
    assert result.stderr.count("API checks against") == 1  # the environment in use, said once


def test_json_contract(project: Path):
    result = caveat("check", "--format", "json", ".", cwd=project)
    assert result.returncode == 1
    records = json.loads(result.stdout)
    assert [r["code"] for r in records] == ["CAV132"]
    record = records[0]
    assert set(record) == {"path", "line", "column", "end_line", "end_column", "code", "name", "category",
                           "cwe", "severity", "message", "fixable"}
    assert (record["path"], record["line"], record["column"]) == ("app.py", 5, 12)  # 1-based columns
    assert record["category"] == "insecure-deserialization" and record["cwe"] == 502 and record["fixable"] is True


def test_sarif_is_2_1_0_with_rules_cwe_and_stable_fingerprints(project: Path):
    first = json.loads(caveat("check", "--format", "sarif", ".", cwd=project).stdout)
    assert first["version"] == "2.1.0" and "sarif-2.1.0" in first["$schema"]
    run = first["runs"][0]
    rule = run["tool"]["driver"]["rules"][0]
    assert rule["id"] == "CAV132" and "external/cwe/cwe-502" in rule["properties"]["tags"]
    assert rule["help"]["markdown"].startswith("## What it does")
    result = run["results"][0]
    assert result["ruleId"] == "CAV132" and result["ruleIndex"] == 0
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 5
    assert result["fixes"][0]["description"]["text"] == "Use `yaml.safe_load`"
    # Moving the code down must not change the fingerprint.
    (project / "app.py").write_text("\n\n# a comment\n" + YAML_CODE)
    second = json.loads(caveat("check", "--format", "sarif", ".", cwd=project).stdout)
    moved = second["runs"][0]["results"][0]
    assert moved["locations"][0]["physicalLocation"]["region"]["startLine"] == 8
    assert moved["partialFingerprints"] == result["partialFingerprints"]


@pytest.mark.parametrize("args, message", [
    (("check", "--select", "NOPE1", "."), "unknown rule code or category `NOPE1`"),
    (("check", "missing_dir"), "no such file or directory"),
    (("check", "--severity", "B506", "."), "--severity expects CODE=LEVEL"),
    (("check", "--severity", "B506=loud", "."), "unknown severity"),
    (("rule", "NOPE"), "unknown rule"),
])
def test_usage_errors_exit_2(project: Path, args, message):
    result = caveat(*args, cwd=project)
    assert result.returncode == 2
    assert message in result.stderr


def test_broken_pyproject_exits_2_with_the_path(project: Path):
    (project / "pyproject.toml").write_text("[tool.caveat\nselect = 1\n")
    result = caveat("check", ".", cwd=project)
    assert result.returncode == 2
    assert "pyproject.toml" in result.stderr and "not valid TOML" in result.stderr


def test_unknown_code_in_pyproject_exits_2(project: Path):
    (project / "pyproject.toml").write_text('[tool.caveat]\nignore = ["CAV999"]\n')
    result = caveat("check", ".", cwd=project)
    assert result.returncode == 2 and "CAV999" in result.stderr and "[tool.caveat]" in result.stderr


def test_pyproject_settings_and_cli_overrides(project: Path):
    (project / "pyproject.toml").write_text('[tool.caveat]\nignore = ["insecure-deserialization"]\n'
                                            'exclude = ["generated/**"]\n')
    (project / "generated").mkdir()
    (project / "generated" / "out.py").write_text("eval(input())\n")
    assert caveat("check", ".", cwd=project).returncode == 0
    overridden = caveat("check", "--format", "json", "--select", "B506", "--ignore", "", ".", cwd=project)
    assert [r["code"] for r in json.loads(overridden.stdout)] == ["B506"]
    excluded_cli = caveat("check", "--exclude", "app.py", "--select", "B", ".", cwd=project)
    assert excluded_cli.returncode == 0


def test_severity_override(project: Path):
    result = caveat("check", "--format", "json", "--severity", "CAV132=error", ".", cwd=project)
    assert json.loads(result.stdout)[0]["severity"] == "error"


def test_suppressions(project: Path):
    (project / "app.py").write_text(
        "import yaml\n"
        "a = yaml.load(x)  # caveat: ignore[B506]\n"
        "b = yaml.load(x)  # caveat: ignore\n"
        "c = yaml.load(x)  # caveat: ignore[B506\n"
        "d = yaml.load(x)  # caveat: ignore[CAV9999]\n"
        "e = yaml.load(x)  # nosec B506\n"
        "f = 1  # caveat: ignore[B602]\n"
    )
    result = caveat("check", "--format", "json", "--report-unused-suppressions", ".", cwd=project)
    found = [(r["line"], r["code"]) for r in json.loads(result.stdout)]
    assert found == [(4, "B506"), (4, "CAV001"), (5, "B506"), (5, "CAV001"), (7, "CAV002")]


def test_invalid_utf8_is_analysed_and_reported(project: Path):
    (project / "latin.py").write_bytes(b"name = '\xe9t\xe9'\nimport yaml\nyaml.load(x)\n")
    result = caveat("check", "--format", "json", "latin.py", cwd=project)
    assert result.returncode == 1
    assert [r["code"] for r in json.loads(result.stdout)] == ["B506"]
    assert "not valid UTF-8" in result.stderr


def test_secrets_are_redacted_in_every_format(project: Path):
    secret = "Zk8#qL2!vX9@tR4pW7mN"
    (project / "settings_module.py").write_text(f'DB_PASSWORD = "{secret}"\n')
    for fmt in ("text", "json", "sarif"):
        result = caveat("check", "--format", fmt, "--select", "hardcoded-secret,B105", "settings_module.py", cwd=project)
        assert result.returncode == 1, (fmt, result.stdout, result.stderr)
        assert secret not in result.stdout, fmt


def test_rule_and_rules_commands():
    doc = caveat("rule", "B506")
    assert doc.returncode == 0
    assert doc.stdout.startswith("# B506 yaml-load")
    assert "## What it does" in doc.stdout and "insecure-deserialization" in doc.stdout
    listing = caveat("rules", "--format", "json")
    rows = json.loads(listing.stdout)
    by_code = {row["code"]: row for row in rows}
    assert by_code["B506"]["fixable"] is True and by_code["B101"]["default"] == "off"
    assert {"code", "name", "category", "cwe", "fixable"} <= set(rows[0])
    text = caveat("rules")
    assert "B506" in text.stdout and "insecure-deserialization" in text.stdout


def test_progress_bar_only_on_a_terminal(project: Path):
    for i in range(25):
        (project / f"m{i}.py").write_text("x = 1\n")
    primary, secondary = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "caveat", "check", "."], cwd=project, stdout=subprocess.PIPE,
                              stderr=secondary, env=dict(os.environ, CAVEAT_NO_DISK_CACHE="1"), timeout=300)
        os.close(secondary)
        secondary = None
        output = b""
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
    finally:
        if secondary is not None:
            os.close(secondary)
        os.close(primary)
    assert proc.returncode == 1
    assert b"/27 files" in output or b"27/27" in output


def test_installed_console_script_exists():
    assert shutil.which("caveat") or (Path(sys.executable).parent / "caveat").exists()


def test_default_exclusions_apply_below_the_folder_named_not_above_it(project: Path):
    # Like ruff: `.venv`, `site-packages`... are skipped while walking a folder, but a folder
    # the user names that lies inside one is checked.
    vendored = project / ".venv" / "lib" / "pkg"
    vendored.mkdir(parents=True)
    (vendored / "mod.py").write_text("import pickle\n\ndef load(b):\n    return pickle.loads(b)\n")
    whole = caveat("check", "--format", "json", "--select", "CAV132,B301", ".", cwd=project)
    assert not [r for r in json.loads(whole.stdout) if ".venv" in r["path"]]
    named = caveat("check", "--format", "json", "--select", "CAV132,B301", ".venv/lib/pkg", cwd=project)
    assert [r["path"] for r in json.loads(named.stdout)] == [".venv/lib/pkg/mod.py"]
