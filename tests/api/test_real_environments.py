"""API checks against real virtual environments with real packages from PyPI.

semver changed its API between 2.13 and 3.0 (``semver.Version`` appeared, the module-level
functions were deprecated), so the same code gets different, version-naming messages.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from caveat.engine.analyzer import Engine, apply_edits
from caveat.project import Settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

pytestmark = pytest.mark.slow

CODE = '''import semver
import dateutil.parser
import requests

v = semver.Version.parse("1.2.3")
old = semver.parse("1.2.3")
info = semver.VersionInfo(1, 2, 3)
bumped = info.bump_majr()
when = dateutil.parser.parse("2024-01-01")
'''

PYPROJECT = '''[project]
name = "demo"
version = "0.1.0"
dependencies = [
    "semver>=3",
    "requests>=2",
]
'''


def analyse(project: Path, env: Path, code: str = CODE, name: str = "app.py"):
    path = project / name
    path.write_text(code)
    settings = Settings(select=("ALL",), root=str(project), python=str(env), options=(("api-time-budget", 300),))
    engine = Engine()
    local = engine.analyze(code, str(path), settings)
    api = engine.analyze_api(code, str(path), settings)
    return engine.merge(code, settings, local, api), api.notes


def by_code(findings, code):
    return [f for f in findings if f.code == code]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    return tmp_path


def test_semver_2_messages_name_the_installed_version(project: Path, venv_factory) -> None:
    env = venv_factory("semver==2.13.0", "python-dateutil==2.9.0.post0")
    findings, notes = analyse(project, env)
    assert any(str(env) in note for note in notes)
    removed = by_code(findings, "CAV304")
    assert [f.line for f in removed] == [5]
    assert "3.0" in removed[0].message and "2.13.0" in removed[0].message
    attribute = by_code(findings, "CAV301")
    assert [f.line for f in attribute] == [8]
    assert "semver 2.13.0" in attribute[0].message and "bump_major" in attribute[0].message
    mismatch = by_code(findings, "CAV306")
    assert [f.line for f in mismatch] == [1] and "2.13.0" in mismatch[0].message and ">=3" in mismatch[0].message
    missing = by_code(findings, "CAV302")
    assert [f.line for f in missing] == [3] and "declared" in missing[0].message
    undeclared = by_code(findings, "CAV305")
    assert [f.line for f in undeclared] == [2] and "python-dateutil" in undeclared[0].message
    assert all(dict(f.extra)["environment"].startswith(str(env)) for f in findings if f.code.startswith("CAV3"))


def test_semver_3_messages_name_the_installed_version(project: Path, venv_factory) -> None:
    env = venv_factory("semver==3.0.2", "python-dateutil==2.9.0.post0")
    findings, _ = analyse(project, env)
    removed = by_code(findings, "CAV304")
    assert removed == []  # semver.parse: deprecated in 3.0, still there: not a removal
    attribute = by_code(findings, "CAV301")
    assert [f.line for f in attribute] == [8]
    assert "semver 3.0.2" in attribute[0].message
    assert attribute[0].fix is not None and attribute[0].fix.edits[0].text == "bump_major"
    assert not by_code(findings, "CAV306")


def test_undeclared_dependency_fix_adds_it_to_pyproject(project: Path, venv_factory) -> None:
    env = venv_factory("semver==3.0.2", "python-dateutil==2.9.0.post0")
    findings, _ = analyse(project, env)
    (finding,) = by_code(findings, "CAV305")
    assert finding.fix is not None and not finding.fix.edits
    ((file, edits),) = finding.fix.other_files
    assert file == str(project / "pyproject.toml")
    fixed = apply_edits(Path(file).read_text(), edits)
    assert "python-dateutil>=2.9.0.post0" in tomllib.loads(fixed)["project"]["dependencies"]
    Path(file).write_text(fixed)
    findings, _ = analyse(project, env)
    assert not by_code(findings, "CAV305")


def test_uv_lock_pins(project: Path, venv_factory) -> None:
    (project / "uv.lock").write_text('version = 1\n[[package]]\nname = "semver"\nversion = "3.0.1"\n'
                                     'source = { registry = "https://pypi.org/simple" }\n')
    env = venv_factory("semver==3.0.2", "python-dateutil==2.9.0.post0")
    findings, _ = analyse(project, env)
    (finding,) = by_code(findings, "CAV306")
    assert "3.0.2" in finding.message and "3.0.1" in finding.message and "uv.lock" in finding.message


def test_nothing_of_the_project_runs(tmp_path: Path, venv_factory) -> None:
    """A .pth file and a package __init__ that would write markers; analysis must not run them."""
    env = venv_factory()  # an empty venv, made by the test suite
    site = next(env.glob("lib/python3*/site-packages"))
    markers = [tmp_path / "pth-ran", tmp_path / "init-ran", tmp_path / "ext-ran"]
    (site / "zz_evil.pth").write_text(f"import os; open({str(markers[0])!r}, 'w').close()\n")
    package = site / "evilpkg"
    package.mkdir()
    (package / "__init__.py").write_text(f"open({str(markers[1])!r}, 'w').close()\n"
                                         "def fetch(url, timeout=10):\n    return url\n")
    (package / "helpers.py").write_text(f"open({str(markers[2])!r}, 'w').close()\nVALUE = 1\n")
    # A compiled extension inside the package: loading it would import the package first.
    dynload = Path(os.__file__).parent / "lib-dynload"
    extension = next(dynload.glob("_json*.so"), None) if dynload.is_dir() else None
    if extension is not None:
        (package / extension.name.replace("_json", "_speedups", 1)).write_bytes(extension.read_bytes())
    info = site / "evilpkg-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: evilpkg\nVersion: 1.0\n")
    (info / "RECORD").write_text("evilpkg/__init__.py,,\nevilpkg/helpers.py,,\n")
    project = tmp_path / "project"
    project.mkdir()
    code = ("import evilpkg\nfrom evilpkg import helpers, _speedups\nimport evilpkg._speedups\n\n"
            "evilpkg.fetch('x', timout=3)\nevilpkg.fetch_all()\nhelpers.VALUE\n_speedups.encode\n"
            "evilpkg._speedups.scanstring\n")
    findings, notes = analyse(project, env, code)
    assert [m.name for m in markers if m.exists()] == []
    assert any(str(env) in note for note in notes)
    # The environment was really used: evilpkg's Python source was read.
    assert [f.line for f in by_code(findings, "CAV301")] == [6]
    assert [f.line for f in by_code(findings, "CAV303")] == [5]
