"""Once the buffer is quiet, the server shows exactly what a from-scratch analysis says (hypothesis).

The language server (in process, the real scheduling: worker thread, generations,
cancellation) is sent random edits of the kinds a person makes while typing - and of
the kinds that broke this before: an unbalanced triple quote or bracket that swallows the
blocks after it, a top-level ``def`` pasted inside a class, a function defined again
further down, the line that closed a string deleted, pasted lines, deleted line ranges,
single characters - some analysed one by one, some arriving faster than the analysis.
When all its work has finished, its findings must equal ``Engine().analyze`` of the final
text: no kept findings from earlier versions (they are for while-typing only), nothing
from a superseded version, nothing cached under module facts that no longer hold.

The API stage (jedi, another engineer's provider) is left out: it is a separate stage
whose settled results are compared by the outside fuzzer (bench/fuzz.py).
"""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types

from caveat.engine.analyzer import Analysis, Engine
from caveat.engine.blocks import forget_recent
from caveat.lsp import server as server_module
from tests.perf.harness import change_document, make_server, open_document, published_current, settle
from tests.properties.edits import change_for, edits, position

ROOT = Path(__file__).resolve().parents[2]
SERVICE = '''"""A service module."""
import os
import subprocess
import yaml


def helper(value, cache=[]):
    cache.append(value)
    return cache


class Service:
    """Runs things."""

    def run(self, cmd):
        subprocess.call("ls " + cmd, shell=True)
        return helper(cmd)

    def load(self, path):
        assert path, "no path"
        return yaml.load(open(path))

    def doc(self):
        return \'\'\'
        assert inside, "a string"
        \'\'\'

    def query(self, cursor, name):
        cursor.execute("SELECT * FROM t WHERE name = '%s'" % name)


def evaluate(text):
    try:
        return eval(text)
    except Exception:
        pass


def start(cmd):
    os.system("run " + cmd)
'''
TEXTS = {"service.py": SERVICE}
for _name in ("security/command_injection.py", "edge/mutable_default_arg.py"):
    _path = ROOT / "tests/fixtures/rules" / _name
    if _path.exists():
        TEXTS[_path.name] = _path.read_text(encoding="utf-8")

@pytest.fixture(scope="module")
def quick_settle():
    patch = pytest.MonkeyPatch()
    # The API stage is another engineer's provider in another process: not what is tested here.
    patch.setattr(server_module.Engine, "analyze_api", lambda self, *args, **kwargs: Analysis([]))
    patch.setattr(server_module, "API_IN_WORKER_PROCESS", False)
    # The while-typing grace period, shortened so that each example settles quickly.
    patch.setattr(server_module, "KEEP_WHILE_TYPING", 0.05, raising=False)
    yield
    patch.undo()


ENGINE = Engine()  # shared by the servers of all examples, as one server shares it across documents


async def session(name: str, steps):
    server, published = make_server()
    server._engine = ENGINE
    server.settings.set_editor({"select": ["CAV", "B"]})  # bandit's audit tests too (B101 on asserts)
    try:
        uri = f"file:///project/{len(steps)}/{name}"
        text = TEXTS[name]
        open_document(server, uri, text)
        await settle(server, uri)
        for version, (edit, pause) in enumerate(steps, start=2):
            start, end, new = change_for(text, edit)
            change_document(server, uri, version, types.TextDocumentContentChangePartial(
                range=types.Range(start=types.Position(*position(text, start)),
                                  end=types.Position(*position(text, end))), text=new))
            text = text[:start] + new + text[end:]
            assert server.workspace.get_text_document(uri).source == text
            if pause:  # this version is analysed before the next edit; otherwise it may be skipped
                await published_current(server, uri)
        await settle(server, uri)
        state = server.documents[uri]
        return text, list(state.findings), published[-1].diagnostics, server.settings.for_path(f"/project/{name}")
    finally:
        server.local_pool.shutdown(wait=True)
        server.api_pool.shutdown(wait=True)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                 HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(TEXTS)), steps=st.lists(st.tuples(edits(), st.booleans()), min_size=1, max_size=8))
def test_quiet_server_shows_what_a_from_scratch_analysis_says(quick_settle, name, steps):
    text, shown, diagnostics, settings_used = asyncio.run(session(name, steps))
    forget_recent()
    scratch = Engine().analyze(text, f"/project/{name}", settings_used).findings
    key = lambda f: (f.line, f.col, f.code, f.message)  # noqa: E731
    assert sorted(map(key, shown)) == sorted(map(key, scratch)), text
    assert sorted((d.range.start.line + 1, d.code) for d in diagnostics) == sorted((f.line, f.code) for f in scratch)
