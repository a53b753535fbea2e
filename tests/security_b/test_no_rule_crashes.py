"""No caveat rule crashes (CAV005) on the bundled corpora, and the flow core runs to the
end of every function of real library code (the standard library, the installed
site-packages). The OWASP BenchmarkPython run (``bench/detection/owasp.py --crashes``)
checks the same on the Benchmark and exits non-zero on any CAV005."""
from __future__ import annotations

import ast
import sysconfig
from pathlib import Path

import pytest

from caveat.analysis.dataflow import Flow
from caveat.engine.analyzer import Engine
from caveat.project import Settings

ROOT = Path(__file__).resolve().parents[2]
CORPORA = [ROOT / "bench" / "detection" / "corpus", ROOT / "examples"]
ENGINE = Engine()


def _files() -> list[Path]:
    return sorted(p for folder in CORPORA for p in folder.rglob("*.py"))


def test_no_rule_crashes_on_the_bundled_corpora() -> None:
    crashes = []
    for path in _files():
        analysis = ENGINE.analyze(path.read_text(encoding="utf-8"), str(path), Settings(select=("CAV1", "CAV2")))
        crashes += [f"{path.relative_to(ROOT)}:{f.line}: {f.message}" for f in analysis.findings if f.code == "CAV005"]
    assert not crashes, "\n".join(crashes)


LIBRARY = sysconfig.get_paths()["stdlib"]
MODULES = ["argparse", "asyncio/base_events", "email/_header_value_parser", "http/server", "inspect", "json/decoder",
           "logging/__init__", "pathlib", "pydoc", "shutil", "subprocess", "tarfile", "typing", "urllib/request",
           "zipfile" if Path(LIBRARY, "zipfile.py").exists() else "zipfile/__init__"]


@pytest.mark.parametrize("module", MODULES)
def test_the_flow_core_runs_through_real_library_code(module: str) -> None:
    path = Path(LIBRARY, module + ".py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    assert functions
    for func in functions:
        flow = Flow(func)
        assert flow.reachable(func.body[0])  # the first statement of a function always runs
