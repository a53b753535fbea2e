"""Helpers for the end-to-end tests in real editors.

The editors come from ``editors/install-editor-deps.sh``. When one is missing the test is
skipped with the reason, except under CI (``CI=true``), where a missing editor is a failure.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "shop"
CACHE = REPO / ".editor-cache"
ARTIFACTS = REPO / "tests" / "artifacts"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# `return yaml.load(handle)` in examples/shop/shop/config.py, line 9 (1-based), column 16.
# Bandit reports it as B506; caveat's own insecure-deserialization rule (CAV132) replaces
# B506 when it is enabled. Either must come with the `yaml.safe_load` quick-fix.
YAML_LINE = 9
YAML_CODES = ("B506", "CAV132")
INSTALL_HINT = "run `bash editors/install-editor-deps.sh` (as root) to install the editors"


def missing(what: str) -> None:
    """Skip outside CI, fail in CI: a missing editor there is a broken install step."""
    message = f"{what} not found; {INSTALL_HINT}"
    if IN_CI:
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


def venv_bin() -> Path:
    return Path(sys.executable).parent


def find_exe(name: str) -> str | None:
    candidate = venv_bin() / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    return shutil.which(name)


@pytest.fixture(scope="session")
def caveat_exe() -> str:
    # CAVEAT_TEST_SERVER: run the editor tests against another `caveat` executable
    exe = os.environ.get("CAVEAT_TEST_SERVER") or find_exe("caveat")
    if exe is None:
        message = "the `caveat` console script is not installed (pip install -e '.[test]')"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return exe


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A fresh copy of examples/shop, so the repository is never modified."""
    dest = tmp_path / "shop"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("__pycache__", ".caveat_cache"))
    return dest


@pytest.fixture
def isolated_env(tmp_path: Path) -> dict[str, str]:
    """Environment with HOME, XDG_* and TMPDIR in the test's temp dir."""
    home = tmp_path / "home"
    env = dict(os.environ)
    for key, sub in (
        ("HOME", ""),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_CACHE_HOME", ".cache"),
        ("TMPDIR", "tmp"),
    ):
        path = home / sub if sub else home
        path.mkdir(parents=True, exist_ok=True)
        env[key] = str(path)
    # caveat and the editors must find the venv's executables first
    env["PATH"] = f"{venv_bin()}{os.pathsep}{env.get('PATH', '')}"
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)
    return env


def kill_group(proc: subprocess.Popen, grace: float = 3.0) -> None:
    """Terminate a process started with start_new_session=True and everything it spawned."""
    try:
        pgid = os.getpgid(proc.pid)
    except ProcessLookupError:
        pgid = None
    if pgid is not None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline:
                try:
                    os.killpg(pgid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
            else:
                continue
            break
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass


def run_bounded(cmd: list[str], *, timeout: float, env: dict[str, str], cwd: Path | str | None = None,
                input: str | None = None) -> subprocess.CompletedProcess:
    """Run cmd in its own process group; on timeout kill the whole group and fail."""
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(input=input, timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        out, err = proc.communicate()
        pytest.fail(
            f"timed out after {timeout:.0f}s: {' '.join(cmd)}\n--- stdout ---\n{out[-4000:]}\n--- stderr ---\n{err[-4000:]}",
            pytrace=False,
        )
    finally:
        # nothing it spawned may outlive the test (language servers, file watchers)
        kill_group(proc, grace=1.0)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def version_tuple(text: str) -> tuple[int, ...]:
    m = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    return tuple(int(g or 0) for g in m.groups()) if m else (0,)
