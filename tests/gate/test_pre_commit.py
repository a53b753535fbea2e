"""The hooks in .pre-commit-hooks.yaml, run by the real pre-commit (from PyPI) on real commits.

A copy of this checkout becomes a hooks repository; a user's repository points its
.pre-commit-config.yaml at it; pre-commit builds the hook's environment from it (pip
installs caveat and its dependencies), and `git commit` runs the hook."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gate.gitrepo import GIT_ENV, ROOT, caveat, commit, git, make_repo, write

pytestmark = pytest.mark.slow
PRE_COMMIT = Path(sys.executable).with_name("pre-commit")
BAD = "import yaml\n\n\ndef load(handle):\n    return yaml.load(handle)\n"
GOOD = BAD.replace("yaml.load(", "yaml.safe_load(")


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory) -> tuple[Path, str]:
    """This checkout's working tree (what pip needs to install it) as a git repository."""
    if not PRE_COMMIT.exists():
        pytest.fail("pre-commit is not installed: pip install -e '.[test]'")
    repo = tmp_path_factory.mktemp("hooks") / "caveat"
    repo.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".caveat_cache")
    shutil.copytree(ROOT / "server", repo / "server", ignore=ignore)
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(ROOT / name, repo / name)
    make_repo(repo)
    return repo, commit(repo, message="caveat")


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def environment(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(GIT_ENV, PRE_COMMIT_HOME=str(home), CAVEAT_NO_DISK_CACHE="1")
    env["PATH"] = f"{PRE_COMMIT.parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def user_repo(path: Path, hooks: tuple[Path, str], ids: list[str], home: Path) -> Path:
    repo, rev = hooks
    config = f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n" + "".join(f"      - id: {i}\n" for i in ids)
    make_repo(path, {".pre-commit-config.yaml": config, "README": "a project\n"})
    run([str(PRE_COMMIT), "install"], path, home)
    return path


def run(command: list[str], cwd: Path, home: Path) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=environment(home), timeout=900)


def try_commit(repo: Path, home: Path, message: str) -> subprocess.CompletedProcess:
    git(repo, "add", "-A")
    return run(["git", "commit", "-m", message], repo, home)


def test_the_caveat_hook_blocks_a_commit_until_the_defect_is_fixed(tmp_path: Path, hooks_repo, pre_commit_home):
    repo = user_repo(tmp_path / "project", hooks_repo, ["caveat"], pre_commit_home)
    write(repo, {"settings.py": BAD})
    blocked = try_commit(repo, pre_commit_home, "add settings loader")
    assert blocked.returncode != 0, blocked.stdout + blocked.stderr
    output = blocked.stdout + blocked.stderr  # git prints what the hook says on stderr
    assert "settings.py:5:12: CAV132" in output and "Failed" in output
    assert git(repo, "log", "--format=%s").split("\n")[0] == "initial"

    write(repo, {"settings.py": GOOD})
    allowed = try_commit(repo, pre_commit_home, "add settings loader")
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert "Passed" in allowed.stdout + allowed.stderr
    assert git(repo, "log", "--format=%s").split("\n")[0] == "add settings loader"


def test_the_fix_hook_fixes_then_the_commit_goes_through(tmp_path: Path, hooks_repo, pre_commit_home):
    repo = user_repo(tmp_path / "project", hooks_repo, ["caveat-fix", "caveat"], pre_commit_home)
    write(repo, {"pkg/settings.py": BAD})
    first = try_commit(repo, pre_commit_home, "add settings loader")
    assert first.returncode != 0  # pre-commit stops a commit whose files a hook changed
    assert "files were modified by this hook" in first.stdout + first.stderr
    assert (repo / "pkg" / "settings.py").read_text() == GOOD

    second = try_commit(repo, pre_commit_home, "add settings loader")
    assert second.returncode == 0, second.stdout + second.stderr
    assert git(repo, "show", "HEAD:pkg/settings.py") == GOOD


def test_the_hook_checks_against_the_project_environment_not_its_own(tmp_path: Path, hooks_repo, pre_commit_home,
                                                                     venv_factory):
    """pre-commit runs the hook with VIRTUAL_ENV set to the hook's environment (caveat's own):
    the API checks must still use the project's .venv, or every declared import would be
    reported as not installed."""
    repo = user_repo(tmp_path / "project", hooks_repo, ["caveat"], pre_commit_home)
    write(repo, {"pyproject.toml": '[project]\nname = "demo"\nversion = "0"\ndependencies = ["six"]\n',
                 ".gitignore": ".venv\n", "compat.py": "import six\n\nPY3 = six.PY3\n"})
    (repo / ".venv").symlink_to(venv_factory("six==1.16.0"))
    result = try_commit(repo, pre_commit_home, "use six")
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_activated_caveat_environment_is_not_taken_for_the_project_s(tmp_path: Path, venv_factory):
    project = make_repo(tmp_path / "project", {
        "pyproject.toml": '[project]\nname = "demo"\nversion = "0"\ndependencies = ["six"]\n',
        "compat.py": "import six\n"})
    (project / ".venv").symlink_to(venv_factory("six==1.16.0"))
    result = caveat("check", "compat.py", cwd=project, env={"VIRTUAL_ENV": sys.prefix})
    assert result.returncode == 0, result.stdout
    assert ".venv in the workspace" in result.stderr
