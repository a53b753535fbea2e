"""Finding the project's environment from the file system alone."""
from __future__ import annotations

import base64
import hashlib
import sys
from pathlib import Path

from caveat.environment import canonical_name, discover, distribution_index, from_path, own_environment

PY = f"python{sys.version_info[0]}.{sys.version_info[1]}"


def make_venv(prefix: Path, version: str = "3.11.7", packages: dict[str, str] | None = None) -> Path:
    site = prefix / "lib" / f"python{version.rsplit('.', 1)[0]}" / "site-packages"
    site.mkdir(parents=True)
    (prefix / "bin").mkdir()
    (prefix / "bin" / "python").write_text("#!/bin/sh\necho never run\nexit 1\n")
    (prefix / "pyvenv.cfg").write_text(f"home = /usr/bin\ninclude-system-site-packages = false\nversion = {version}\n")
    for name, dist_version in (packages or {}).items():
        module = name.replace("-", "_").lower()
        (site / module).mkdir()
        (site / module / "__init__.py").write_text("VALUE = 1\n")
        info = site / f"{module}-{dist_version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {dist_version}\n")
        (info / "RECORD").write_text(f"{module}/__init__.py,,\n{module}-{dist_version}.dist-info/METADATA,,\n")
    return site


def test_python_setting_accepts_a_venv_folder_or_its_interpreter(tmp_path: Path) -> None:
    site = make_venv(tmp_path / "env", "3.12.1")
    for setting in (tmp_path / "env", tmp_path / "env" / "bin" / "python"):
        env, notes = discover(str(setting), tmp_path / "project", environ={})
        assert env.site_packages == (str(site),)
        assert env.python_version == (3, 12)
        assert env.source == "the `python` setting"
        assert not env.own and not notes


def test_relative_python_setting_is_relative_to_the_root(tmp_path: Path) -> None:
    make_venv(tmp_path / "project" / "envs" / "dev")
    env, _ = discover("envs/dev", tmp_path / "project", environ={})
    assert env.prefix == str(tmp_path / "project" / "envs" / "dev")


def test_broken_python_setting_is_a_note_and_discovery_goes_on(tmp_path: Path) -> None:
    make_venv(tmp_path / "project" / ".venv")
    env, notes = discover(str(tmp_path / "nope"), tmp_path / "project", environ={})
    assert env.source == ".venv in the workspace"
    assert notes and "nope" in notes[0]


def test_order_virtual_env_then_uv_then_workspace(tmp_path: Path) -> None:
    project = tmp_path / "project"
    make_venv(project / ".venv")
    make_venv(tmp_path / "active")
    make_venv(tmp_path / "uvenv")
    env, _ = discover(None, project, environ={"VIRTUAL_ENV": str(tmp_path / "active"), "UV_PROJECT_ENVIRONMENT": "../uvenv"})
    assert env.source == "VIRTUAL_ENV"
    env, _ = discover(None, project, environ={"UV_PROJECT_ENVIRONMENT": "../uvenv"})
    assert env.source == "UV_PROJECT_ENVIRONMENT" and env.prefix.endswith("uvenv")
    env, _ = discover(None, project, environ={})
    assert env.source == ".venv in the workspace"


def test_poetry_cache_environment(tmp_path: Path) -> None:
    project = tmp_path / "My Project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.poetry]\nname = "My Project"\nversion = "0.1.0"\n')
    digest = base64.urlsafe_b64encode(hashlib.sha256(str(project.resolve()).encode()).digest()).decode()[:8]
    make_venv(tmp_path / "cache" / "virtualenvs" / f"my_project-{digest}-py3.11")
    env, _ = discover(None, project, environ={"POETRY_CACHE_DIR": str(tmp_path / "cache"), "HOME": str(tmp_path)})
    assert env.source == "Poetry's virtualenv cache"


def test_fallback_is_caveats_own_environment(tmp_path: Path) -> None:
    env, _ = discover(None, tmp_path, environ={"HOME": str(tmp_path)})
    assert env.own and env.prefix == sys.prefix
    assert "no project environment" in env.describe()
    assert own_environment().python_version == sys.version_info[:2]


def test_pth_files_are_read_for_paths_and_never_run(tmp_path: Path) -> None:
    site = make_venv(tmp_path / "env")
    src = tmp_path / "src"
    src.mkdir()
    marker = tmp_path / "marker"
    (site / "_editable.pth").write_text(f"{src}\nimport os; open({str(marker)!r}, 'w')\n")
    (site / "__editable___demo_0_1_finder.py").write_text(
        f"MAPPING = {{'demo': {str(tmp_path / 'other' / 'demo')!r}}}\n")
    (tmp_path / "other" / "demo").mkdir(parents=True)
    env = from_path(tmp_path / "env", "test")
    assert str(src) in env.extra_paths and str(tmp_path / "other") in env.extra_paths
    assert not marker.exists()


def test_distribution_index_reads_metadata_and_import_names(tmp_path: Path) -> None:
    make_venv(tmp_path / "env", packages={"Python-Dateutil": "2.9.0", "PyYAML": "6.0.1"})
    env = from_path(tmp_path / "env", "test")
    index = distribution_index(env)
    assert index.get("python_dateutil").version == "2.9.0"
    assert [d.name for d in index.for_module("pyyaml")] == ["PyYAML"]
    assert canonical_name("Python_Dateutil") == "python-dateutil"
