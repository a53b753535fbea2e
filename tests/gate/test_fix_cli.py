"""`caveat check --fix / --unsafe-fixes / --diff` through the real CLI, on files in git repositories."""
from __future__ import annotations

import ast
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from caveat.engine.findings import Finding, Fix, Position, Severity, TextEdit
from caveat.fixing import ChangedOnDisk, fix_file, fix_text

from tests.gate.gitrepo import ROOT, caveat, commit, git, make_repo

APP = '''import requests
import yaml


def load(handle):
    return yaml.load(handle)


def fetch(url):
    return requests.post(url, verify=False)
'''
SAFE_FIXED = APP.replace("yaml.load(", "yaml.safe_load(").replace("(url, verify=False)", "(url)")
ALL_FIXED = SAFE_FIXED.replace("requests.post(url)", "requests.post(url, timeout=10)")
WEB = (ROOT / "examples" / "shop" / "shop" / "web.py").read_text(encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {"pyproject.toml": '[project]\nname = "demo"\nversion = "0"\n',
                                         "app.py": APP})


def test_fix_applies_the_safe_fixes_and_says_what_remains(repo: Path):
    result = caveat("check", "--no-api", "--fix", ".", cwd=repo)
    assert result.returncode == 1, result.stderr  # the unsafe timeout fix is not applied: a finding remains
    assert (repo / "app.py").read_text() == SAFE_FIXED
    assert "CAV203" in result.stdout and "CAV132" not in result.stdout and "CAV135" not in result.stdout
    assert "Fixed 2 findings, 1 remaining." in result.stdout
    assert "[*] 1 fixable with `caveat check --fix --unsafe-fixes`." in result.stdout

    again = caveat("check", "--no-api", "--fix", ".", cwd=repo)
    assert "Fixed 0 findings, 1 remaining." in again.stdout
    assert (repo / "app.py").read_text() == SAFE_FIXED


def test_unsafe_fixes_overlapping_on_one_call_converge_in_rounds(repo: Path):
    # verify=False removal (safe) and timeout=10 (unsafe) both rewrite the same call
    result = caveat("check", "--no-api", "--fix", "--unsafe-fixes", "app.py", cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (repo / "app.py").read_text() == ALL_FIXED
    assert result.stdout.strip().endswith("Fixed 3 findings, 0 remaining.")


def test_diff_prints_a_patch_git_can_apply_and_writes_nothing(repo: Path):
    before = (repo / "app.py").read_bytes()
    result = caveat("check", "--no-api", "--diff", "--unsafe-fixes", cwd=repo)
    assert result.returncode == 1
    assert (repo / "app.py").read_bytes() == before
    assert result.stdout.startswith("--- a/app.py\n+++ b/app.py\n@@ ")
    assert "would fix 3 findings in 1 file" in result.stderr
    (repo / "fix.patch").write_text(result.stdout)
    git(repo, "apply", "fix.patch")
    assert (repo / "app.py").read_text() == ALL_FIXED

    git(repo, "checkout", "app.py")
    to_file = caveat("check", "--no-api", "--diff", "--unsafe-fixes", "--output", "out.patch", cwd=repo)
    assert to_file.returncode == 1 and to_file.stdout == ""
    assert (repo / "out.patch").read_text() == result.stdout
    git(repo, "apply", "out.patch")

    clean = caveat("check", "--no-api", "--diff", "app.py", cwd=repo)
    assert clean.returncode == 0 and clean.stdout == ""


def test_usage_errors_exit_2(repo: Path):
    result = caveat("check", "--unsafe-fixes", ".", cwd=repo)
    assert result.returncode == 2 and "add one of them" in result.stderr


def test_crlf_and_bom_survive_fixes_that_insert_lines(repo: Path):
    data = b"\xef\xbb\xbf" + WEB.replace("\n", "\r\n").encode()
    (repo / "web.py").write_bytes(data)
    result = caveat("check", "--no-api", "--fix", "--unsafe-fixes", "web.py", cwd=repo)
    assert "Fixed" in result.stdout, result.stderr
    fixed = (repo / "web.py").read_bytes()
    assert fixed != data
    assert fixed.startswith(b"\xef\xbb\xbf") and not fixed[3:].startswith(b"\xef\xbb\xbf")
    assert re.search(rb"(?<!\r)\n", fixed) is None  # every line ending is still CRLF
    text = fixed.decode("utf-8-sig")
    assert 'app.logger.exception("unhandled error")\r\n' in text  # an inserted line, in the file's style
    ast.parse(text)


def test_a_declared_encoding_is_kept(repo: Path):
    source = "# -*- coding: latin-1 -*-\nimport yaml\n\nGREETING = 'Grüße, café'\n\n\ndef load(h):\n    return yaml.load(h)\n"
    (repo / "legacy.py").write_bytes(source.encode("latin-1"))
    result = caveat("check", "--no-api", "--fix", "legacy.py", cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (repo / "legacy.py").read_bytes() == source.replace("yaml.load", "yaml.safe_load").encode("latin-1")


def test_form_feeds_do_not_shift_the_edits(repo: Path):
    source = "import yaml\n\x0c\n\ndef load(h):\n    return yaml.load(h)  # \x0c inside a comment\n"
    (repo / "paged.py").write_text(source, newline="")
    caveat("check", "--no-api", "--fix", "paged.py", cwd=repo)
    assert (repo / "paged.py").read_bytes().decode() == source.replace("yaml.load(", "yaml.safe_load(")


def test_files_that_do_not_parse_are_left_alone(repo: Path):
    broken = APP + "\ndef half(:\n"
    (repo / "app.py").write_text(broken)
    result = caveat("check", "--no-api", "--fix", "app.py", cwd=repo)
    assert (repo / "app.py").read_text() == broken
    assert "app.py: not fixed: it does not parse" in result.stderr


def test_mode_and_symbolic_links_are_kept(repo: Path):
    target = repo / "app.py"
    target.chmod(0o640)
    os.symlink("app.py", repo / "link.py")
    caveat("check", "--no-api", "--fix", "link.py", cwd=repo)
    assert (repo / "link.py").is_symlink()
    assert target.read_text() == SAFE_FIXED
    assert target.stat().st_mode & 0o777 == 0o640
    assert not [p for p in repo.iterdir() if p.name.endswith(".caveat-tmp")]


def test_default_run_with_the_api_stage(repo: Path):
    result = caveat("check", "--fix", ".", cwd=repo)
    assert (repo / "app.py").read_text() == SAFE_FIXED
    assert "Fixed 2 findings, 1 remaining." in result.stdout


def test_every_fix_fixture_together_parses_and_is_stable(tmp_path: Path):
    """All fixes of every code at once on the fix fixtures: the result parses and a second
    run has nothing left to change."""
    work = make_repo(tmp_path / "fixtures")
    for before in (ROOT / "tests" / "fixtures" / "fixes").glob("*.before.py"):
        shutil.copy(before, work / before.name)
    commit(work)
    first = caveat("check", "--no-api", "--select", "ALL", "--fix", "--unsafe-fixes", ".", cwd=work)
    fixed = int(re.search(r"Fixed (\d+) findings", first.stdout).group(1))
    assert fixed >= len(list(work.glob("*.py"))), first.stdout[-2000:]
    for path in work.glob("*.py"):
        ast.parse(path.read_text(encoding="utf-8"), str(path))
    second = caveat("check", "--no-api", "--select", "ALL", "--diff", "--unsafe-fixes", ".", cwd=work)
    assert second.returncode == 0 and second.stdout == "", second.stdout[:3000]
    changed = set(git(work, "diff", "--name-only").split())
    local = {p.name for p in work.glob("*.py") if not p.name.startswith("CAV3")}  # CAV3xx: the API stage is off
    assert changed == local


# --- the loop itself, on a small analysis of our own -------------------------------
def _finding(line: int, fix: Fix | None, code: str = "X1") -> Finding:
    return Finding(code, "x", "other", None, Severity.WARNING, "m", line, 0, line, 1, fix=fix)


def test_a_fix_that_leaves_its_finding_is_not_applied():
    def analyse(text: str) -> list[Finding]:
        lines = text.splitlines()
        return [_finding(i, Fix("add a comment", (TextEdit(Position(i, len(line)), Position(i, len(line)), "  # ok"),)))
                for i, line in enumerate(lines, start=1) if line.startswith("bad")]

    assert fix_text("bad = 1\n", analyse) == ("bad = 1\n", 0)


def test_a_fix_that_would_not_parse_is_not_applied_and_the_others_are():
    def analyse(text: str) -> list[Finding]:
        out = []
        for i, line in enumerate(text.splitlines(), start=1):
            if line.startswith("broken"):
                out.append(_finding(i, Fix("break it", (TextEdit(Position(i, 0), Position(i, 6), "def ("),))))
            if line.startswith("bad"):
                out.append(_finding(i, Fix("rename", (TextEdit(Position(i, 0), Position(i, 3), "good"),)), "X2"))
        return out

    assert fix_text("broken = 1\nbad = 2\n", analyse) == ("broken = 1\ngood = 2\n", 1)


def test_a_file_saved_while_it_was_being_fixed_is_not_overwritten(tmp_path: Path):
    """The fix loop takes time (an analysis per round); when the user saves the file in the
    meantime, their text wins and the fix is not written."""
    path = tmp_path / "a.py"
    path.write_text("bad = 1\n")

    def analyse(text: str) -> list[Finding]:
        path.write_text("bad = 1\nmine = 2\n")  # the editor saves while caveat analyses
        return [_finding(i, Fix("rename", (TextEdit(Position(i, 0), Position(i, 3), "good"),)))
                for i, line in enumerate(text.splitlines(), start=1) if line.startswith("bad")]

    outcome = fix_file(path, analyse)
    assert outcome.changed and outcome.fixed == "good = 1\n"
    with pytest.raises(ChangedOnDisk):
        outcome.source.write(outcome.fixed)
    assert path.read_text() == "bad = 1\nmine = 2\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".caveat-tmp")]


def test_with_json_output_the_fix_summary_goes_to_stderr(repo: Path):
    result = caveat("check", "--no-api", "--fix", "--format", "json", ".", cwd=repo)
    assert (repo / "app.py").read_text() == SAFE_FIXED
    assert [f["code"] for f in json.loads(result.stdout)] == ["CAV203"]  # what remains
    assert "caveat: Fixed 2 findings, 1 remaining." in result.stderr
