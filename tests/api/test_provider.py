"""The API provider's contract: caching per block, shifting, time budget, cancellation."""
from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

from caveat.engine.analyzer import Cancelled
from caveat.project import Settings
from caveat.providers.api import ApiProvider, provider_for

CODE = '''import os.path
import subprocess


def first(a, b):
    return os.path.joinn(a, b)


def second():
    subprocess.run(["ls"], chek=True)
'''


def settings(tmp_path: Path, **options) -> Settings:
    return Settings(select=("ALL",), root=str(tmp_path), python=sys.prefix,
                    options=tuple(sorted({"api-time-budget": 300, **options}.items())))


def codes(findings):
    return sorted((f.line, f.code) for f in findings)


def test_provider_is_cached_per_root_and_python(tmp_path: Path) -> None:
    s = settings(tmp_path)
    assert provider_for(s) is provider_for(s)
    assert provider_for(s) is not provider_for(replace(s, python=None))


def test_only_changed_blocks_are_reanalysed_and_findings_shift(tmp_path: Path) -> None:
    provider = ApiProvider(str(tmp_path), sys.prefix)
    s = settings(tmp_path)
    findings, notes = provider.analyze(CODE, str(tmp_path / "m.py"), s)
    assert codes(findings) == [(6, "CAV301"), (10, "CAV303")]
    assert notes[0].startswith("environment: ")
    analysed = provider.stats["blocks_analysed"]
    moved = "# a comment\n\n" + CODE
    findings, _ = provider.analyze(moved, str(tmp_path / "m.py"), s)
    assert codes(findings) == [(8, "CAV301"), (12, "CAV303")]
    assert provider.stats["blocks_analysed"] == analysed  # everything came from the cache
    edited = moved.replace('chek=True', 'chek=True, cwd="/"')
    findings, _ = provider.analyze(edited, str(tmp_path / "m.py"), s)
    assert codes(findings) == [(8, "CAV301"), (12, "CAV303")]
    assert provider.stats["blocks_analysed"] == analysed + 1
    fix = [f for f in findings if f.code == "CAV303"][0].fix
    assert fix.edits[0].start.line == 12 and fix.edits[0].text == "check"


def test_exhausted_budget_is_a_note_and_the_next_call_goes_on(tmp_path: Path) -> None:
    provider = ApiProvider(str(tmp_path), sys.prefix)
    findings, notes = provider.analyze(CODE, str(tmp_path / "m.py"), settings(tmp_path, **{"api-time-budget": 0}))
    assert any("time budget" in note for note in notes)
    assert codes(findings) == [(6, "CAV301")]  # each analysis finishes its first block, so each makes progress
    findings, notes = provider.analyze(CODE, str(tmp_path / "m.py"), settings(tmp_path))
    assert codes(findings) == [(6, "CAV301"), (10, "CAV303")]
    assert not any("time budget" in note for note in notes)


def test_cancellation_raises_the_engines_cancelled(tmp_path: Path) -> None:
    provider = ApiProvider(str(tmp_path), sys.prefix)
    with pytest.raises(Cancelled):
        provider.analyze(CODE, str(tmp_path / "m.py"), settings(tmp_path), lambda: True)


def test_text_that_does_not_parse_never_crashes(tmp_path: Path) -> None:
    provider = ApiProvider(str(tmp_path), sys.prefix)
    broken = CODE + "\ndef third(:\n    os.path.joinn(\n"
    findings, _ = provider.analyze(broken, str(tmp_path / "m.py"), settings(tmp_path))
    assert (6, "CAV301") in codes(findings)
    provider.analyze("", "", settings(tmp_path))
    provider.analyze("\x00\ufeff", str(tmp_path / "x.py"), settings(tmp_path))


from hypothesis import HealthCheck, given, settings as hsettings, strategies as st  # noqa: E402

_PIECES = ["import os\n", "import yaml\n", "from json import loads\n", "os.path.joinn('a')\n", "def f(x: str):\n",
           "    return x.uper()\n", "class A:\n", "    def m(self):\n", "        self.a.b.c(d=1)\n", "(", ")", "\"",
           "'''", "\\\n", "\t", "é", "\x00", "\ufeff", "@", "lambda: ", "print(**{})\n", "x = [", "]\n", "#"]


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=5), max_size=25))
def test_any_text_gives_findings_inside_the_document(tmp_path: Path, pieces) -> None:
    text = "".join(pieces)
    findings, _ = provider_for(settings(tmp_path)).analyze(text, str(tmp_path / "h.py"), settings(tmp_path))
    lines = text.splitlines() or [""]
    for finding in findings:
        assert 1 <= finding.line <= max(len(lines), 1) + 1, finding


CLASS_CODE = '''import os.path
import types


class Store:
    def __init__(self):
        self.mod = os.path

    def use(self, a):
        return self.mod.joinn(a, "x")

    def other(self):
        return os.path.basename("x")
'''


def test_a_members_findings_follow_its_siblings_self_attributes(tmp_path: Path) -> None:
    provider = ApiProvider(str(tmp_path), sys.prefix)
    s, path = settings(tmp_path), str(tmp_path / "m.py")
    findings, _ = provider.analyze(CLASS_CODE, path, s)
    assert codes(findings) == [(10, "CAV301")]  # jedi knows self.mod from __init__
    analysed = provider.stats["blocks_analysed"]
    # Typing in a sibling's body cannot change what jedi infers for `use`: only `other` is re-checked.
    body_edit = CLASS_CODE.replace('return os.path.basename("x")',
                                   'y = os.path.dirname("y")\n        return os.path.basename("x")')
    findings, _ = provider.analyze(body_edit, path, s)
    assert codes(findings) == [(10, "CAV301")]
    assert provider.stats["blocks_analysed"] == analysed + 1
    # Re-assigning self.mod in __init__ does: `use` is re-checked and its finding goes.
    rebound = body_edit.replace("self.mod = os.path", "self.mod = types.SimpleNamespace()")
    findings, _ = provider.analyze(rebound, path, s)
    assert codes(findings) == []
