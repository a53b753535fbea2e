"""Scheduling of the server's analysis, in process (the server object, no transport).

- a newer version of a document cancels stale work: only current results publish;
- analysis never runs on the event loop: hover answers and the loop stays
  responsive while a large file is analysed;
- closing a document stops its work and frees its state.
"""
from __future__ import annotations

import asyncio
import gc
import subprocess
import sysconfig
import threading
import time
import weakref
from pathlib import Path

import pytest
from lsprotocol import types

from caveat.lsp import server as server_module
from caveat.lsp.server import did_close, hover
from tests.perf.harness import make_server, open_document, published_current, replace_text, settle

BIG = Path(sysconfig.get_paths()["stdlib"]) / "tarfile.py"  # ~2,900 lines of real code


@pytest.fixture(autouse=True)
def no_api_stage(monkeypatch):
    # The API stage is another engineer's provider and a separate thread; not what is tested here.
    monkeypatch.setattr(server_module.Engine, "analyze_api",
                        lambda self, *args, **kwargs: server_module.Analysis([]))
    monkeypatch.setattr(server_module, "API_IN_WORKER_PROCESS", False)


@pytest.fixture(autouse=True)
def code_being_written(tmp_path):
    """A repository with nothing committed: code being written gets the strict set
    (new-code = "auto"), where `yaml.load` is CAV132 and `eval(input())` CAV137."""
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True, capture_output=True)


async def test_newer_versions_cancel_stale_work(tmp_path):
    server, published = make_server()
    uri = (tmp_path / "a.py").as_uri()
    analysed: list[int] = []
    open_document(server, uri, "import yaml\n\n\ndef f(h):\n    return yaml.load(h)\n")
    state = server.documents[uri]
    original = state.document.analyze

    def counting(text, *args, **kwargs):
        result = original(text, *args, **kwargs)
        analysed.append(text.count("\n"))
        return result

    state.document.analyze = counting
    base = BIG.read_text(encoding="utf-8")
    for version in range(2, 8):  # rapid full-text edits, no awaiting in between
        replace_text(server, uri, version, base + f"\nx = {version}\n" + "eval(input())\n" * version)
    await settle(server, uri)
    versions = [p.version for p in published if p.uri == uri]
    assert versions[-1] == 7
    assert set(versions) <= {1, 7}  # nothing stale was published
    final = [d for d in published[-1].diagnostics if d.code != "CAV004"]
    assert sum(1 for d in final if d.range.start.line >= base.count("\n")) >= 7  # the 7 eval() lines
    assert len(analysed) <= 3  # stale versions never ran (or were stopped) in the worker


async def test_event_loop_and_hover_stay_responsive_during_analysis(tmp_path):
    server, published = make_server()
    small = (tmp_path / "small.py").as_uri()
    open_document(server, small, "import yaml\n\n\ndef f(h):\n    return yaml.load(h)\n")
    await settle(server, small)
    big = (tmp_path / "big.py").as_uri()
    text = BIG.read_text(encoding="utf-8")
    # Distinct text so no cache helps: the worker is busy for a while.
    open_document(server, big, text + "\n# fresh\n")
    state = server.documents[big]
    worst = 0.0
    hovers = []
    began = time.perf_counter()
    while not (state.task and state.task.done()):
        started = time.perf_counter()
        result = hover(server, types.HoverParams(text_document=types.TextDocumentIdentifier(uri=small),
                                                 position=types.Position(line=4, character=15)))
        hovers.append(time.perf_counter() - started)
        assert result is not None
        before = time.perf_counter()
        await asyncio.sleep(0.005)
        worst = max(worst, time.perf_counter() - before - 0.005)
    took = time.perf_counter() - began
    assert len(hovers) > 3, "the analysis finished too fast to observe"
    # Hover only reads the last published state; the loop waits for the worker only at
    # the GIL's switch interval. Generous bounds: CI machines are shared.
    assert max(hovers) < 0.2
    assert worst < max(1.0, took / 4), f"the event loop stalled for {worst:.3f} s of {took:.3f} s"


async def test_close_stops_work_and_frees_the_document(tmp_path):
    server, published = make_server()
    uri = (tmp_path / "closing.py").as_uri()
    open_document(server, uri, BIG.read_text(encoding="utf-8") + "\n# closing soon\n")
    state = server.documents[uri]
    task = state.task
    state_ref = weakref.ref(state)
    document_ref = weakref.ref(state.document)
    await asyncio.sleep(0.05)  # let the worker start
    server.workspace.remove_text_document(uri)
    did_close(server, types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    assert uri not in server.documents
    assert published[-1].uri == uri and published[-1].diagnostics == []
    count = len(published)
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.2)
    server.local_pool.submit(lambda: None).result()  # the worker has let go of it
    assert len(published) == count  # nothing published for a closed document
    del state, task
    gc.collect()
    assert state_ref() is None and document_ref() is None

    # A finished analysis is freed the same way.
    open_document(server, uri, "import yaml\nyaml.load(x)\n")
    await settle(server, uri)
    state_ref = weakref.ref(server.documents[uri])
    splitter_ref = weakref.ref(server.documents[uri].document._document.splitter)
    did_close(server, types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    gc.collect()
    assert state_ref() is None and splitter_ref() is None


async def test_kept_findings_settle_without_waiting_for_the_api_stage(tmp_path, monkeypatch):
    """A block that stops parsing keeps its findings while the user types; once the buffer is
    quiet for KEEP_WHILE_TYPING they go (what `caveat check` says), even while the API stage
    (seconds of jedi on a large file) is still running."""
    release = threading.Event()

    def slow_api(self, *args, **kwargs):
        release.wait(60)
        return server_module.Analysis([])

    monkeypatch.setattr(server_module.Engine, "analyze_api", slow_api)
    monkeypatch.setattr(server_module, "KEEP_WHILE_TYPING", 0.3)
    server, published = make_server()
    uri = (tmp_path / "kept.py").as_uri()
    source = "import yaml\n\n\ndef load(handle):\n    return yaml.load(handle)\n"
    open_document(server, uri, source)
    await published_current(server, uri)
    assert [(d.range.start.line, d.code) for d in published[-1].diagnostics] == [(4, "CAV132")]
    release.set()
    await settle(server, uri)
    release.clear()

    replace_text(server, uri, 2, source.replace("return yaml", "x = len(\n    return yaml"))
    await published_current(server, uri)
    assert sorted((d.range.start.line, d.code) for d in published[-1].diagnostics) == [(4, "CAV004"), (5, "CAV132")]
    deadline = time.monotonic() + 30
    while any(d.code == "CAV132" for d in published[-1].diagnostics):
        assert time.monotonic() < deadline, "the kept finding never went"
        await asyncio.sleep(0.02)
    assert not release.is_set()  # the API stage is still running
    assert [d.code for d in published[-1].diagnostics] == ["CAV004"]
    release.set()
    await settle(server, uri)
    assert [d.code for d in published[-1].diagnostics] == ["CAV004"]
