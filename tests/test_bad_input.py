"""Bad input never costs the user all diagnostics: a crashing bandit plugin, huge files,
NUL bytes, a broken block among good ones."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from caveat.engine.analyzer import Engine
from caveat.project import Settings

YAML_CODE = "import yaml\n\n\ndef load(handle):\n    return yaml.load(handle)\n"

CRASHING_PLUGIN = '''
import bandit
from bandit.core import test_properties as test


@test.checks("Call")
@test.test_id("B999")
def always_crashes(context):
    raise RuntimeError("plugin bug")
'''


def test_a_crashing_bandit_plugin_is_reported_and_other_findings_survive(tmp_path: Path):
    site = tmp_path / "site"
    (site / "crashy-1.0.dist-info").mkdir(parents=True)
    (site / "crashy_plugin.py").write_text(CRASHING_PLUGIN)
    (site / "crashy-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: crashy\nVersion: 1.0\n")
    (site / "crashy-1.0.dist-info" / "entry_points.txt").write_text("[bandit.plugins]\ncrashy = crashy_plugin:always_crashes\n")
    (tmp_path / "app.py").write_text(YAML_CODE + "\nimport os\nos.chmod('data', 0o777)\n")
    env = dict(os.environ, PYTHONPATH=str(site), CAVEAT_NO_DISK_CACHE="1")
    # code being written (a repository, nothing committed) gets the strict set: yaml.load is CAV132
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True, capture_output=True)
    result = subprocess.run([sys.executable, "-m", "caveat", "check", "--format", "json", "app.py"],
                            cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 1, result.stderr
    codes = [r["code"] for r in json.loads(result.stdout)]
    assert "CAV132" in codes  # caveat's rules still ran
    assert "B103" in codes  # and so did bandit's other tests
    assert "CAV005" in codes  # and the failure is visible, not silent
    assert "always_crashes" in result.stderr and "plugin bug" in result.stderr


def test_broken_block_does_not_hide_the_others():
    text = YAML_CODE + "\n\ndef half_typed(:\n    yaml.load(x)\n\n\ndef other():\n    eval(input())\n"
    found = Engine().analyze(text, "x.py", Settings(profile="strict")).findings
    assert [(f.line, f.code) for f in found] == [(5, "CAV132"), (8, "CAV004"), (13, "CAV137")]


def test_unclosed_bracket_stays_local():
    text = "import yaml\n\n\ndef a():\n    call(\n\n\ndef b():\n    return yaml.load(x)\n"
    found = Engine().analyze(text, "x.py", Settings(profile="strict")).findings
    assert ("insecure-deserialization", 9) in [(f.category, f.line) for f in found]


def test_nul_bytes_and_long_lines_and_deep_nesting():
    engine = Engine()
    assert engine.analyze("x = 1\x00\n" + YAML_CODE, "x.py", Settings(profile="strict")).findings[-1].code == "CAV132"
    long_line = "x = '" + "a" * 20_000 + "'\n" + YAML_CODE
    assert [f.code for f in engine.analyze(long_line, "x.py", Settings(profile="strict")).findings] == ["CAV132"]
    deep = "x = " + "(" * 300 + "1" + ")" * 300 + "\n" + YAML_CODE
    codes = [f.code for f in engine.analyze(deep, "x.py", Settings(profile="strict")).findings]
    assert "CAV132" in codes  # the parser's nesting limit makes that block a syntax note, not a crash


def test_huge_file_gets_one_informational_finding():
    text = YAML_CODE * 3000
    found = Engine().analyze(text, "big.py", Settings(max_file_size_kb=50)).findings
    assert [f.code for f in found] == ["CAV003"]
    assert "max-file-size-kb" in found[0].message
