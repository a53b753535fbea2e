"""CAV302 when caveat checks against its own environment: the user gave no environment and
none was found (a downloaded application, a folder of scripts), so caveat cannot know what
the project's real environment holds. Seen on calibre-web 0.6.27 checked from its released
files: `goodreads` and `flask_simpleldap`, real PyPI packages the release declares as extras,
reported as "resolves nowhere: possibly hallucinated".

Real CLI, real project folders, no environment: caveat falls back to its own.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

from tests.api.test_issue11 import expected_lines, run_cli

RELEASE_CODE = '''# expect: none (the project declares nothing: its environment may hold anything)
from goodreads.client import GoodreadsClient
from flask_simpleldap import LDAP, LDAPException
import requestz_toolbeltx
'''

DECLARING_CODE = '''import json
# ok: CAV302
import wand.image
# ok: CAV302
from flask_simpleldap import LDAP
# ok: CAV302
import netifaces_native
# expect: CAV302
import requestz_toolbeltx
'''


def _cav302_lines(stdout: str, name: str) -> list[int]:
    return sorted(int(line.split(":")[1]) for line in stdout.splitlines()
                  if line.startswith(name + ":") and " CAV302 " in line)


def test_a_project_that_declares_nothing_gets_no_cav302_without_an_environment(tmp_path: Path) -> None:
    project = tmp_path / "release"
    (project / "cps").mkdir(parents=True)
    (project / "cps" / "services.py").write_text(RELEASE_CODE)
    (project / "cps" / "other.py").write_text("import goodreads\n")
    done = run_cli(project, "--select", "CAV302", "--exit-zero", ".")
    assert done.returncode == 0, done.stderr
    assert " CAV302 " not in done.stdout, done.stdout
    # the environment in use is said once, on stderr, whatever the number of files
    assert done.stderr.count("caveat's own environment") == 1, done.stderr
    assert "no project environment found" in done.stderr


def test_without_an_environment_cav302_speaks_only_on_names_declared_nowhere(tmp_path: Path) -> None:
    project = tmp_path / "app"
    project.mkdir()
    (project / "pyproject.toml").write_text(textwrap.dedent('''\
        [project]
        name = "app"
        version = "1"
        dependencies = ["Wand>=0.4.4", "netifaces-native>=0.1"]

        [project.optional-dependencies]
        ldap = ["Flask-SimpleLDAP>=1.4.0"]
        '''))
    (project / "app.py").write_text(DECLARING_CODE)
    done = run_cli(project, "--select", "CAV302", "--exit-zero", ".")
    assert done.returncode == 0, done.stderr
    assert _cav302_lines(done.stdout, "app.py") == expected_lines(DECLARING_CODE, "CAV302"), done.stdout
    assert "caveat's own environment" in done.stdout  # the message says which environment it looked in
