"""Declared dependencies, pins and the pyproject fix."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from caveat.engine.analyzer import apply_edits
from caveat.providers.api.dependencies import add_dependency_edits, mismatch, pep621_edits, project_dependencies

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_every_declaration_table_counts(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("""
[project]
name = "Demo_App"
dependencies = ["requests>=2", "PyYAML; python_version >= '3.8'"]
[project.optional-dependencies]
fast = ["orjson"]
[dependency-groups]
dev = ["pytest>=8", {include-group = "lint"}]
lint = ["ruff"]
[tool.poetry.group.docs.dependencies]
sphinx = "^7"
[tool.uv]
dev-dependencies = ["hypothesis"]
[build-system]
requires = ["setuptools>=68"]
""")
    (tmp_path / "requirements-dev.txt").write_text("-r requirements/base.txt\nblack==24.1.0 --hash=sha256:abc\n")
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "base.txt").write_text("python-dateutil>=2.8  # dates\n")
    (tmp_path / "setup.cfg").write_text("[options]\ninstall_requires =\n    attrs>=21\n")
    deps = project_dependencies(tmp_path, str(tmp_path / "app.py"))
    for name in ("requests", "pyyaml", "orjson", "pytest", "ruff", "sphinx", "hypothesis", "setuptools",
                 "black", "python-dateutil", "attrs", "demo-app", "Python_Dateutil"):
        assert deps.is_declared(name), name
    assert not deps.is_declared("numpy")
    assert deps.has_declarations
    assert [p.version for p in deps.pins["black"]] == ["24.1.0"]


def test_setup_py_literal_and_dynamic(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text("from setuptools import setup\nsetup(name='x', install_requires=['click>=8'])\n")
    deps = project_dependencies(tmp_path, str(tmp_path / "x.py"))
    assert deps.is_declared("click") and deps.has_declarations
    other = tmp_path / "other"
    other.mkdir()
    (other / "setup.py").write_text("from setuptools import setup\nsetup(name='y', install_requires=read_reqs())\n")
    deps = project_dependencies(other, str(other / "y.py"))
    assert not deps.has_declarations  # computed at run time: caveat cannot know


def test_locks_and_mismatch(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\ndependencies = ["pandas>=2", "numpy"]\n')
    (tmp_path / "uv.lock").write_text("""
version = 1
[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
[[package]]
name = "numpy"
version = "1.26.4"
source = { registry = "https://pypi.org/simple" }
[[package]]
name = "numpy"
version = "2.1.0"
source = { registry = "https://pypi.org/simple" }
""")
    deps = project_dependencies(tmp_path, str(tmp_path / "a.py"))
    assert mismatch(deps, "numpy", "2.1.0", (3, 12)) is None  # one of the locked versions
    wanted, source = mismatch(deps, "numpy", "2.0.0", (3, 12))
    assert wanted == "==1.26.4 or 2.1.0" and source.endswith("uv.lock")
    wanted, source = mismatch(deps, "pandas", "1.5.3", (3, 12))
    assert wanted == ">=2" and "[project.dependencies]" in source
    assert mismatch(deps, "pandas", "2.2.0", (3, 12)) is None
    assert "app" in deps.own_names


@pytest.mark.parametrize("before, after", [
    ('[project]\nname = "a"\ndependencies = [\n    "requests>=2",\n]\n',
     '[project]\nname = "a"\ndependencies = [\n    "requests>=2",\n    "PyYAML>=6.0",\n]\n'),
    ('[project]\nname = "a"\ndependencies = [\n    "requests>=2"\n]\n',
     '[project]\nname = "a"\ndependencies = [\n    "requests>=2",\n    "PyYAML>=6.0",\n]\n'),
    ('[project]\nname = "a"\ndependencies = ["requests>=2"]\n',
     '[project]\nname = "a"\ndependencies = ["requests>=2", "PyYAML>=6.0"]\n'),
    ('[project]\nname = "a"\ndependencies = []\n',
     '[project]\nname = "a"\ndependencies = ["PyYAML>=6.0"]\n'),
    ('[project]\nname = "a"\n\n[tool.x]\ny = 1\n',
     '[project]\ndependencies = [\n    "PyYAML>=6.0",\n]\nname = "a"\n\n[tool.x]\ny = 1\n'),
    ('[project]\nname = "a"\ndependencies = [\n  "requests>=2",  # http\n  "rich"  # ]\n]\n',
     '[project]\nname = "a"\ndependencies = [\n  "requests>=2",  # http\n  "rich",  # ]\n  "PyYAML>=6.0",\n]\n'),
])
def test_pep621_fix(before: str, after: str) -> None:
    edits = pep621_edits(before, "PyYAML>=6.0")
    fixed = apply_edits(before, edits)
    assert fixed == after
    assert "PyYAML>=6.0" in tomllib.loads(fixed)["project"]["dependencies"]


def test_fix_targets_poetry_or_requirements(tmp_path: Path) -> None:
    poetry = tmp_path / "p"
    poetry.mkdir()
    (poetry / "pyproject.toml").write_text('[tool.poetry]\nname = "p"\n\n[tool.poetry.dependencies]\npython = "^3.11"\n\n[tool.x]\n')
    deps = project_dependencies(poetry, str(poetry / "m.py"))
    file, edits, table = add_dependency_edits(deps, "PyYAML>=6.0.1", "PyYAML", "6.0.1")
    fixed = apply_edits((poetry / "pyproject.toml").read_text(), edits)
    assert tomllib.loads(fixed)["tool"]["poetry"]["dependencies"]["PyYAML"] == ">=6.0.1"
    reqs = tmp_path / "r"
    reqs.mkdir()
    (reqs / "requirements.txt").write_text("requests==2.31.0")
    deps = project_dependencies(reqs, str(reqs / "m.py"))
    file, edits, table = add_dependency_edits(deps, "PyYAML>=6.0.1", "PyYAML", "6.0.1")
    assert apply_edits("requests==2.31.0", edits) == "requests==2.31.0\nPyYAML>=6.0.1\n"
