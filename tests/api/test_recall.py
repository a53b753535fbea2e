"""Issue 11 item 3 against a real venv (pydantic and Flask from PyPI): project models built with
their aliases, framework proxies, and what the messages say (the library version, did you mean).

Each snippet is labelled in the fixture grammar (``# expect: CODE`` / ``# ok: CODE`` above the
line); every ``ok`` line is code that runs with the pinned versions.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from caveat.engine.analyzer import Engine
from caveat.project import Settings
from tests.fixture_harness import read_labels

pytestmark = pytest.mark.slow

PINNED = ("pydantic==2.9.2", "flask==3.0.3")
ENGINE = Engine()


@pytest.fixture(scope="module")
def env(venv_factory) -> Path:
    return venv_factory(*PINNED)


def check(tmp_path: Path, env: Path, code: str) -> list:
    path = tmp_path / "client.py"
    path.write_text(code, encoding="utf-8")
    settings = Settings(select=("ALL",), root=str(tmp_path), python=str(env), options=(("api-time-budget", 600),))
    return list(ENGINE.analyze_api(code, str(path), settings).raw)


def problems(code: str, findings: list) -> list[str]:
    """Label mismatches: an ``expect`` without its finding, a finding on an ``ok`` line or on
    no label at all."""
    labels = read_labels(code)
    found = []
    for label in labels:
        hits = [f for f in findings if f.code == label.code and label.first <= f.line <= label.last]
        if label.kind == "expect" and not hits:
            found.append(f"line {label.first}: expected {label.code}")
        if label.kind == "ok":
            found.extend(f"line {f.line}: {f.code} on an ok line: {f.message}" for f in hits)
    labelled = {line for label in labels for line in range(label.first, label.last + 1)}
    found.extend(f"line {f.line}: unlabelled {f.code}: {f.message}" for f in findings if f.line not in labelled)
    return found


MODELS = '''from pydantic import BaseModel, ConfigDict, Field


class Parcel(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    parcel_id: str = Field(alias="id")
    weight_kg: float


class Loose(BaseModel):
    model_config: ConfigDict = ConfigDict(extra="allow")

    name: str


def build() -> list:
    # ok: CAV303
    by_alias = Parcel(id="p1", weight_kg=1.0)
    # ok: CAV303
    by_name = Parcel(parcel_id="p1", weight_kg=1.0)
    # expect: CAV303
    wrong = Parcel(id="p2", weight=2.0)
    # ok: CAV303
    loose = Loose(name="x", colour="red")
    return [by_alias, by_name, wrong, loose]
'''


def test_pydantic_fields_are_accepted_under_their_alias(tmp_path: Path, env: Path) -> None:
    findings = check(tmp_path, env, MODELS)
    assert not problems(MODELS, findings), problems(MODELS, findings)
