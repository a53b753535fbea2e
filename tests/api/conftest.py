"""Real virtual environments for the API tests, created once per test session."""
from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest


def _pip_install(prefix: Path, *requirements: str) -> None:
    """Install into the venv with *this* interpreter's pip (``--prefix``): the venv's own
    interpreter is never run, so no test depends on running project code."""
    site = next(prefix.glob("lib/python3*/site-packages"))
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONNOUSERSITE="1")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-warn-script-location",
                    "--no-compile", "--target", str(site), "--upgrade", *requirements],
                   check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.fixture(scope="session")
def venv_factory(tmp_path_factory):
    root = tmp_path_factory.mktemp("venvs")
    made: dict[tuple[str, ...], Path] = {}

    def make(*requirements: str) -> Path:
        key = tuple(requirements)
        if key not in made:
            prefix = root / f"env{len(made)}"
            venv.EnvBuilder(with_pip=False, symlinks=True).create(prefix)
            if requirements:
                _pip_install(prefix, *requirements)
            made[key] = prefix
        return made[key]

    return make
