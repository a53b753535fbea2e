"""`caveat check --diff-from REF` through the real CLI in temporary git repositories:
only findings on lines added or changed since REF are reported."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.gate.gitrepo import caveat, commit, git, make_repo

OLD = '''import requests
import yaml


def load(handle):
    return yaml.load(handle)


def notify(order_id):
    return requests.post("https://warehouse.example/notify", json={"order": order_id})
'''
NEW_FUNCTION = '''

def fetch_invoice(number):
    return requests.get(f"https://billing.example/invoices/{number}")
'''


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path / "repo", {
        "pyproject.toml": '[project]\nname = "demo"\nversion = "0"\n',
        "app/orders.py": OLD, "app/untouched.py": OLD})
    git(repo, "checkout", "-q", "-b", "feature")
    return repo


def check(repo: Path, *args: str, cwd: Path | None = None):
    return caveat("check", "--no-api", *args, cwd=cwd or repo)


def test_only_findings_on_new_lines_fail_the_run(repo: Path):
    commit(repo, {"app/orders.py": OLD + NEW_FUNCTION})
    result = check(repo, "--diff-from", "main")
    assert result.returncode == 1, result.stderr
    assert result.stdout.count("CAV") == 1 and "app/orders.py:14:12: CAV203" in result.stdout
    assert "Found 1 finding." in result.stdout
    assert "Checked the lines changed since main in 1 file; 2 findings on unchanged lines not reported." \
        in result.stdout

    clean = check(repo, "--diff-from", "HEAD")  # nothing changed since HEAD
    assert clean.returncode == 0
    assert clean.stdout.startswith("All checks passed.") and "No checked file changed since HEAD." in clean.stdout


def test_a_changed_line_with_an_old_defect_counts_as_new(repo: Path):
    write_only = OLD.replace("return yaml.load(handle)", "return yaml.load(handle.read())")
    (repo / "app" / "orders.py").write_text(write_only)  # not committed: the work tree counts
    result = check(repo, "--diff-from", "main", "--format", "json")
    assert result.returncode == 1
    assert [(r["code"], r["line"]) for r in json.loads(result.stdout)] == [("CAV132", 6)]
    assert "1 finding on unchanged lines not reported" in result.stderr


def test_from_a_subfolder(repo: Path):
    commit(repo, {"app/orders.py": OLD + NEW_FUNCTION})
    result = check(repo, "--diff-from", "main", cwd=repo / "app")
    assert result.returncode == 1
    assert "orders.py:14:12: CAV203" in result.stdout and "untouched" not in result.stdout


def test_renamed_files_keep_their_old_lines_old(repo: Path):
    git(repo, "mv", "app/orders.py", "app/billing.py")
    commit(repo, {"app/billing.py": OLD + NEW_FUNCTION}, "rename and extend")
    result = check(repo, "--diff-from", "main", "--format", "json")
    assert [(r["path"], r["line"]) for r in json.loads(result.stdout)] == [("app/billing.py", 14)]


def test_new_and_untracked_files_are_all_new(repo: Path):
    (repo / "app" / "fresh.py").write_text(OLD)
    result = check(repo, "--diff-from", "main", "--format", "json")
    assert sorted((r["path"], r["code"]) for r in json.loads(result.stdout)) == \
        [("app/fresh.py", "CAV132"), ("app/fresh.py", "CAV203")]


def test_commits_that_landed_on_the_target_since_the_branch_left_it_are_not_yours(repo: Path):
    commit(repo, {"app/orders.py": OLD + NEW_FUNCTION})
    git(repo, "checkout", "-q", "main")
    commit(repo, {"app/untouched.py": OLD + "\n\ndef other(url):\n    return requests.get(url)\n"})
    git(repo, "checkout", "-q", "feature")
    result = check(repo, "--diff-from", "main", "--format", "json")
    assert [(r["path"], r["line"]) for r in json.loads(result.stdout)] == [("app/orders.py", 14)]


def test_fix_touches_only_new_code(repo: Path):
    commit(repo, {"app/orders.py": OLD.replace("def notify", "def parse(h):\n    return yaml.load(h)\n\n\ndef notify")})
    result = check(repo, "--diff-from", "main", "--fix")
    assert result.returncode == 0, result.stdout
    text = (repo / "app" / "orders.py").read_text()
    assert "def parse(h):\n    return yaml.safe_load(h)" in text
    assert "def load(handle):\n    return yaml.load(handle)" in text  # old code is not rewritten
    assert "Fixed 1 finding, 0 remaining." in result.stdout


def test_sarif_holds_only_the_new_findings(repo: Path):
    commit(repo, {"app/orders.py": OLD + NEW_FUNCTION})
    result = check(repo, "--diff-from", "main", "--format", "sarif")
    results = json.loads(result.stdout)["runs"][0]["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results] == \
        [("CAV203", 14)]


def test_errors_are_clear_and_exit_2(repo: Path, tmp_path: Path):
    missing = check(repo, "--diff-from", "origin/main")
    assert missing.returncode == 2
    assert "--diff-from origin/main: unknown git revision `origin/main`" in missing.stderr
    option = check(repo, "--diff-from=--output=x")
    assert option.returncode == 2 and "is not a git revision" in option.stderr
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.py").write_text(OLD)
    outside = caveat("check", "--no-api", "--diff-from", "main", ".", cwd=plain)
    assert outside.returncode == 2 and "is not inside a git repository" in outside.stderr
    both = check(repo, "--diff-from", "main", "--write-baseline", "b.json")
    assert both.returncode == 2 and "cannot be combined" in both.stderr


def test_shallow_clones_get_a_hint(repo: Path, tmp_path: Path):
    commit(repo, {"app/orders.py": OLD + NEW_FUNCTION})
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", f"file://{repo}", str(clone))
    result = check(clone, "--diff-from", "HEAD~1")
    assert result.returncode == 2 and "fetch-depth: 0" in result.stderr


SWALLOWED = '''

def best_effort(order_id):
    try:
        notify(order_id)
    except Exception:
        pass
'''


@pytest.mark.parametrize("new_code", ["strict", "default"])
def test_diff_from_is_the_base_of_the_strict_set_for_new_code(repo: Path, new_code: str):
    """Under new-code = "strict", the lines a branch added since REF are new code: they get
    the strict set (CAV201 swallowed-exception is in it) even once committed. Under
    new-code = "default" they get the default set, like every other line."""
    (repo / "pyproject.toml").write_text(f'[project]\nname = "demo"\nversion = "0"\n\n'
                                         f'[tool.caveat]\nnew-code = "{new_code}"\n')
    commit(repo, {"app/orders.py": OLD + SWALLOWED})

    def codes(*args: str) -> list[tuple[str, int]]:
        result = check(repo, *args, "--format", "json")
        assert result.returncode in (0, 1), result.stderr
        return sorted((r["code"], r["line"]) for r in json.loads(result.stdout) if r["path"] == "app/orders.py")

    gated = codes("--diff-from", "main")
    everything = codes()  # against HEAD: the committed branch is not new code
    assert ("CAV201", 16) not in everything
    if new_code == "strict":
        assert ("CAV201", 16) in gated
    else:
        assert gated == []


def test_an_empty_revision_is_an_error_not_a_full_check(repo: Path):
    """`--diff-from "$BASE"` with BASE unset (a CI variable that is empty on a push) must not
    quietly turn the gate into a check of everything."""
    commit(repo, {"app/orders.py": OLD + NEW_FUNCTION})
    result = check(repo, "--diff-from", "")
    assert result.returncode == 2, result.stdout
    assert "--diff-from needs a git revision" in result.stderr and result.stdout == ""
