"""Receivers caveat cannot pin down, seen on real applications (triage3, session 5, round 3).

``super().method(...)`` keywords are checked only when caveat knows the class the MRO reaches.
Seen on wagtail 8.0.1 and Superset 6.1.0 checked without their environment: a class whose
first base is a mixin without ``__init__`` (the next base has it), or whose first base is a
library class not installed where caveat resolves (marshmallow's ``ValidationError``), had
``super().__init__(auth_model=...)`` reported as "`super().__init__` (Python 3.11) takes no
keyword argument": jedi's ``super()`` follows one line of bases and skips what it cannot
import, ending at ``object`` / ``Exception``.

Real CLI, a real project folder, caveat's own environment (marshmallow is not in it).
"""
from __future__ import annotations

from pathlib import Path

from tests.api.test_issue11 import expected_lines, run_cli

CODE = '''from marshmallow import ValidationError


class LookupMixin:
    def lookup(self):
        return 1


class Base:
    def __init__(self, model, auth_model=None):
        self.model = model
        self.auth_model = auth_model


class Policy(LookupMixin, Base):
    def __init__(self, model, auth_model=None, owner="owner"):
        # ok: CAV303
        super().__init__(model, auth_model=auth_model)
        self.owner = owner


class TunnelError(Exception):
    pass


class RequiredFieldError(ValidationError, TunnelError):
    def __init__(self, field_name):
        # ok: CAV303
        super().__init__(["Field is required"], field_name=field_name)


class Strict:
    def __init__(self, a):
        self.a = a


class Child(Strict):
    def __init__(self):
        # expect: CAV303
        super().__init__(b=1)
'''


def assert_reported_where_expected(tmp_path: Path, name: str, code: str, rule: str) -> None:
    """``code`` saved as ``name`` in a fresh project, checked by the real CLI with ``rule``
    alone: it reports exactly the lines under its ``# expect: RULE`` comments."""
    project = tmp_path / "app"
    project.mkdir()
    (project / name).write_text(code)
    done = run_cli(project, "--select", rule, "--exit-zero", ".")
    assert done.returncode == 0, done.stderr
    found = sorted(int(line.split(":")[1]) for line in done.stdout.splitlines()
                   if line.startswith(f"{name}:") and f" {rule} " in line)
    assert found == expected_lines(code, rule), done.stdout


def test_super_keywords_are_checked_only_where_the_mro_is_known(tmp_path: Path) -> None:
    assert_reported_where_expected(tmp_path, "policies.py", CODE, "CAV303")


PROTOCOL_CODE = '''import importlib.metadata


def version_of(name):
    # ok: CAV301
    return importlib.metadata.metadata(name).get("version")


def bad(name):
    # expect: CAV301
    return importlib.metadata.version(name).decodez()
'''


def test_a_member_missing_from_a_protocol_is_not_missing_from_the_object(tmp_path: Path) -> None:
    """Label Studio 1.23.2: ``importlib.metadata.metadata(name).get("version")``. typeshed
    declares the result as the ``PackageMetadata`` protocol; the object is an
    ``email.message.Message``, which has ``get``. A class deriving from a protocol (``str``
    from ``Sequence``) is no protocol: its members are still checked."""
    assert_reported_where_expected(tmp_path, "meta.py", PROTOCOL_CODE, "CAV301")
