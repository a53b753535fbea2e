"""Issue 11, as observed: each observation against a real venv with the versions named there
(requests 2.32.3, python-dateutil 2.9.0.post0, pandas 2.2.3, numpy 1.26.4, from PyPI).

Every test here failed before the static index and the environment fixes (checked against
the commit before them); the ``expect`` lines keep the checks honest (they must still speak).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from caveat.engine.analyzer import Engine
from caveat.project import Settings

pytestmark = pytest.mark.slow

PINNED = ("requests==2.32.3", "python-dateutil==2.9.0.post0", "pandas==2.2.3", "numpy==1.26.4")
ENGINE = Engine()


@pytest.fixture(scope="module")
def env(venv_factory) -> Path:
    return venv_factory(*PINNED)


def api_findings(project: Path, python: str, code: str, name: str = "client.py"):
    path = project / name
    path.write_text(code, encoding="utf-8")
    settings = Settings(root=str(project), python=python, options=(("api-time-budget", 600),))
    local = ENGINE.analyze(code, str(path), settings)
    api = ENGINE.analyze_api(code, str(path), settings)
    return ENGINE.merge(code, settings, local, api), api.notes


def lines_of(findings, code: str) -> list[int]:
    return sorted(f.line for f in findings if f.code == code)


def expected_lines(code: str, rule: str) -> list[int]:
    """Lines after ``# expect: RULE`` comments."""
    lines = code.splitlines()
    return [i + 2 for i, line in enumerate(lines) if line.strip() == f"# expect: {rule}"]


# --- speak only when sure ---------------------------------------------------------------
FORWARDING = '''import dateutil.parser
import numpy as np
import requests


def fetch(url: str, text: str):
    # ok: CAV303
    first = requests.get(url, timeout=5)
    session = requests.Session()
    # ok: CAV303
    second = session.get(url, timeout=3, params={"q": 1}, stream=True, allow_redirects=False)
    # ok: CAV303
    when = dateutil.parser.parse(text, dayfirst=False)
    # ok: CAV303
    mask = np.in1d([1, 2], [2], kind="sort")
    # expect: CAV303
    third = requests.get(url, timout=5)
    # expect: CAV303
    later = dateutil.parser.parse(text, dayfirts=True)
    # expect: CAV303
    other = np.in1d([1, 2], [2], knd="sort")
    return first, second, when, mask, third, later, other
'''


def test_keywords_forwarded_through_kwargs_are_accepted(tmp_path: Path, env: Path) -> None:
    findings, _ = api_findings(tmp_path, str(env), FORWARDING)
    assert lines_of(findings, "CAV303") == expected_lines(FORWARDING, "CAV303")
    typo = next(f for f in findings if f.code == "CAV303" and f.line == expected_lines(FORWARDING, "CAV303")[0])
    assert "requests 2.32.3" in typo.message and "`timeout`" in typo.message


DECLARED_BASES = '''import numpy as np
import pandas as pd
import requests


def shapes(index: pd.Index, series: pd.Series):
    # ok: CAV301
    index.set_levels([[1]])
    # ok: CAV301
    series.dt.tz_localize("UTC")
    # ok: CAV301
    frequency = index.inferred_freq
    # ok: CAV301
    values = np.core.array([1, 2])
    # expect: CAV301
    requests.Session().gett("http://example.com")
    # expect: CAV301
    np.arrray([1])
    return frequency, values
'''


def test_members_of_declared_base_classes_and_stale_stubs(tmp_path: Path, env: Path) -> None:
    findings, _ = api_findings(tmp_path, str(env), DECLARED_BASES)
    assert lines_of(findings, "CAV301") == expected_lines(DECLARED_BASES, "CAV301")


EXPECTED_FAILURES = '''import contextlib
import unittest

import pytest
import requests


def test_typo_raises():
    with pytest.raises(TypeError):
        # ok: CAV303
        requests.get("http://x", timout=5)
    # ok: CAV303
    pytest.raises(TypeError, requests.get, "http://x", timout=5)


class Case(unittest.TestCase):
    def test_missing(self):
        with self.assertRaises(AttributeError):
            # ok: CAV301
            requests.Session().gett("http://x")
        with contextlib.suppress(AttributeError):
            # ok: CAV301
            requests.Session().gett("http://x")
        try:
            # ok: CAV301
            requests.Session().gett("http://x")
        except AttributeError:
            pass
        with contextlib.suppress(KeyError):
            # expect: CAV301
            requests.Session().gett("http://x")
'''


def test_expected_failure_code_is_not_reported(tmp_path: Path, env: Path) -> None:
    findings, _ = api_findings(tmp_path, str(env), EXPECTED_FAILURES)
    assert lines_of(findings, "CAV301") == expected_lines(EXPECTED_FAILURES, "CAV301")
    assert lines_of(findings, "CAV303") == []


def test_popular_packages_are_not_called_hallucinated(tmp_path: Path, venv_factory) -> None:
    empty = venv_factory()
    code = "import blinker\nimport watchdog\nimport reqeusts_toolbeltz\n"
    findings, _ = api_findings(tmp_path, str(empty), code)
    messages = {f.line: f.message for f in findings if f.code == "CAV302"}
    assert sorted(messages) == [1, 2, 3]
    for line, dist in ((1, "blinker"), (2, "watchdog")):
        assert "hallucinated" not in messages[line] and f"`{dist}` distribution" in messages[line]
    assert "hallucinated" in messages[3]


# --- one environment, every form ------------------------------------------------------------
CLIENT = "import requests\n\nrequests.Session().gett('http://x')\n"


def run_cli(project: Path, *args: str, env_vars: dict | None = None, cwd: Path | None = None):
    environ = dict(os.environ)
    environ.pop("VIRTUAL_ENV", None)
    environ.update(env_vars or {})
    return subprocess.run([sys.executable, "-m", "caveat", "check", "--no-cache", "--no-progress", *args],
                          cwd=cwd or project, env=environ, capture_output=True, text=True, timeout=600)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "client.py").write_text(CLIENT, encoding="utf-8")
    return root


def _assert_used(result, env: Path) -> None:
    announced = [line for line in result.stderr.splitlines() if "API checks against" in line]
    assert announced == [f"caveat: API checks against {env} (Python 3.11, the `python` setting)"] or \
        (len(announced) == 1 and announced[0].startswith(f"caveat: API checks against {env} ")), result.stderr
    assert "client.py:3:20: CAV301" in result.stdout and "requests 2.32.3" in result.stdout, result.stdout
    assert "not importable" not in result.stderr  # jedi's chatter goes to the log


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="the pinned wheels are for the suite's Python 3.11")
@pytest.mark.parametrize("form", ["folder", "interpreter", "relative-interpreter", "home", "pyproject",
                                  "pyproject-interpreter", "VIRTUAL_ENV"])
def test_every_form_of_the_environment_reaches_the_venv(form: str, project: Path, env: Path, tmp_path: Path) -> None:
    interpreter = env / "bin" / "python"
    assert interpreter.is_symlink()  # the case that went wrong: it resolves out of the venv
    home = tmp_path / "home"
    (home / "envs").mkdir(parents=True)
    (home / "envs" / "app").symlink_to(env)
    relative = os.path.relpath(interpreter, project)
    if form == "folder":
        result = run_cli(project, "--python", str(env), ".")
    elif form == "interpreter":
        result = run_cli(project, "--python", str(interpreter), ".")
    elif form == "relative-interpreter":
        result = run_cli(project, "--python", relative, ".")
    elif form == "home":
        result = run_cli(project, "--python", "~/envs/app/bin/python", ".", env_vars={"HOME": str(home)})
        env = home / "envs" / "app"
    elif form == "pyproject":
        (project / "pyproject.toml").write_text(f'[tool.caveat]\npython = "{relative.rsplit("/bin/", 1)[0]}"\n')
        result = run_cli(project, ".")
        env = project / relative.rsplit("/bin/", 1)[0]
    elif form == "pyproject-interpreter":
        (project / "pyproject.toml").write_text(f'[tool.caveat]\npython = "{relative}"\n')
        result = run_cli(project, ".")
        env = project / relative.rsplit("/bin/", 1)[0]
    else:
        result = run_cli(project, ".", env_vars={"VIRTUAL_ENV": str(env)})
        assert f"API checks against {env} " in result.stderr and "VIRTUAL_ENV" in result.stderr
        assert "client.py:3:20: CAV301" in result.stdout
        return
    _assert_used(result, Path(os.path.normpath(env)))


def test_a_warm_run_names_how_it_found_the_environment_this_time(project: Path, env: Path) -> None:
    """The cached results of a run with ``--python .venv`` must not make the next run, which
    finds the same venv by itself, say it came from the `python` setting."""
    (project / ".venv").symlink_to(env)
    environ = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CAVEAT_NO_DISK_CACHE")}

    def cached_run(*args: str):
        return subprocess.run([sys.executable, "-m", "caveat", "check", "--no-progress", *args], cwd=project,
                              env=environ, capture_output=True, text=True, timeout=600)

    first = cached_run("--python", ".venv", ".")
    assert f"API checks against {project / '.venv'} (Python 3.11, the `python` setting)" in first.stderr, first.stderr
    second = cached_run(".")
    assert "client.py:3:20: CAV301" in second.stdout
    assert f"API checks against {project / '.venv'} (Python 3.11, .venv in the workspace)" in second.stderr, \
        second.stderr


# --- the editor setting, in the real server ------------------------------------------------
import pytest_lsp  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient  # noqa: E402

from tests.lsp.conftest import SERVER, open_doc, push_capabilities, start, wait_for  # noqa: E402


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def server(lsp_client: LanguageClient):
    yield lsp_client
    await lsp_client.shutdown_session()


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="the pinned wheels are for the suite's Python 3.11")
async def test_editor_setting_with_an_interpreter_path_reaches_the_venv(server, tmp_path: Path, env: Path) -> None:
    """VS Code passes the selected interpreter (a symlink inside the venv)."""
    await start(server, tmp_path, push_capabilities(), {"python": str(env / "bin" / "python")})
    uri = open_doc(server, tmp_path / "client.py", CLIENT)
    await wait_for(lambda: any(str(d.code) == "CAV301" for d in server.diagnostics.get(uri, [])), timeout=300)
    (finding,) = [d for d in server.diagnostics[uri] if str(d.code) == "CAV301"]
    assert "requests 2.32.3" in finding.message
    announced = [m.message for m in server.log_messages if "environment:" in m.message]
    assert announced == [f"caveat: environment: {env} (Python 3.11, the `python` setting)"]
    assert not any("not importable" in m.message for m in server.log_messages)
