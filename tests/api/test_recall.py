"""Issue 11 item 3 against a real venv (pydantic and Flask from PyPI): project models built with
their aliases, framework proxies, and what the messages say (the library version, did you mean).

Each snippet is labelled in the fixture grammar (``# expect: CODE`` / ``# ok: CODE`` above the
line); every ``ok`` line is code that runs with the pinned versions.
"""
from __future__ import annotations

import sys
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


def check(tmp_path: Path, env: Path, code: str, name: str = "client.py") -> list:
    path = tmp_path / name
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


MODELS_MODULE = '''from dataclasses import dataclass, field
from datetime import datetime
from json import JSONDecoder


@dataclass
class Window:
    start: datetime
    end: datetime
    tags: list[str] = field(default_factory=list)

    def length(self) -> float:
        return (self.end - self.start).total_seconds()


class Job:
    def __init__(self, name: str, *, retries: int = 0) -> None:
        self.name = name
        self.retries = retries

    def decoder(self) -> JSONDecoder:
        return JSONDecoder()
'''

USES = '''from datetime import datetime

from .models import Job, Window
from app.models import Window as Slot


def make(now: datetime) -> list:
    # expect: CAV303
    first = Window(start=now, end=now, length=3)
    # ok: CAV303
    second = Slot(start=now, end=now, tags=["a"])
    # expect: CAV303
    job = Job("sync", retry=3)
    # ok: CAV301
    seconds = first.length()
    # expect: CAV301
    minutes = first.length_minutes()
    # ok: CAV301
    decoded = job.decoder().decode("{}")
    # expect: CAV301
    broken = job.decoder().parse("{}")
    return [second, seconds, minutes, decoded, broken]


def declared(window: Window) -> float:
    # another module of the project may pass a subclass that has it
    # ok: CAV301
    return window.whatever_a_subclass_has()
'''


def test_classes_of_the_projects_other_modules(tmp_path: Path) -> None:
    """``from .models import Window``: the class is read from the project's file (with ``ast``,
    never imported), its keywords and members checked, and the message says where it is."""
    package = tmp_path / "app"
    package.mkdir()
    (package / "__init__.py").write_text("from .models import Job, Window\n")  # re-exported
    (package / "models.py").write_text(MODELS_MODULE)
    path = package / "use.py"
    path.write_text(USES, encoding="utf-8")
    settings = Settings(select=("ALL",), root=str(tmp_path), python=sys.prefix, options=(("api-time-budget", 600),))
    findings = list(ENGINE.analyze_api(USES, str(path), settings).raw)
    assert not problems(USES, findings), problems(USES, findings)
    assert all("defined in app/models.py" in f.message for f in findings if f.line in (9, 13, 17))


REEXPORTED = '''from app import Window


def make(now) -> list:
    # expect: CAV303
    return [Window(start=now, end=now, length=3)]
'''


def test_a_class_the_package_re_exports(tmp_path: Path) -> None:
    package = tmp_path / "app"
    package.mkdir()
    (package / "__init__.py").write_text("from .models import Job, Window\n")
    (package / "models.py").write_text(MODELS_MODULE)
    path = tmp_path / "main.py"
    path.write_text(REEXPORTED, encoding="utf-8")
    settings = Settings(select=("ALL",), root=str(tmp_path), python=sys.prefix, options=(("api-time-budget", 600),))
    findings = list(ENGINE.analyze_api(REEXPORTED, str(path), settings).raw)
    assert not problems(REEXPORTED, findings), problems(REEXPORTED, findings)
