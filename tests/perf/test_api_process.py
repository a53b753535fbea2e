"""The API worker process on its own: real jedi in a spawned child, and a clear
failure (the server then runs the API stage itself) when no child can be started."""
from __future__ import annotations

import asyncio
import sys
from multiprocessing import spawn
from pathlib import Path

import pytest

from caveat.engine.analyzer import Cancelled
from caveat.lsp.api_process import ApiProcess, WorkerUnavailable
from caveat.project import Settings

CODE = "import os.path\n\n\ndef join(a):\n    return os.path.joinn(a, 'b')\n"


def settings(tmp_path: Path) -> Settings:
    return Settings(root=str(tmp_path), python=sys.prefix)


def test_findings_come_back_from_the_worker(tmp_path: Path) -> None:
    worker = ApiProcess()
    try:
        analysis = worker.analyze(CODE, str(tmp_path / "m.py"), settings(tmp_path))
        assert [(f.code, f.line) for f in analysis.raw] == [("CAV301", 5)]
        assert any(note.startswith("environment:") for note in analysis.notes)
    finally:
        worker.close()


def test_an_abandoned_request_raises_cancelled(tmp_path: Path) -> None:
    worker = ApiProcess()
    try:
        with pytest.raises(Cancelled):
            worker.analyze(CODE, str(tmp_path / "m.py"), settings(tmp_path), lambda: True)
        # ... and the worker still serves the next one.
        analysis = worker.analyze(CODE, str(tmp_path / "m.py"), settings(tmp_path))
        assert [f.code for f in analysis.raw] == ["CAV301"]
    finally:
        worker.close()


def test_a_worker_that_cannot_start_is_reported_as_unavailable(tmp_path: Path) -> None:
    worker = ApiProcess()
    python = spawn.get_executable()
    worker._context.set_executable(str(tmp_path / "no-such-python"))  # process-wide: restored below
    try:
        with pytest.raises(WorkerUnavailable):
            worker.analyze(CODE, str(tmp_path / "m.py"), settings(tmp_path))
    finally:
        worker._context.set_executable(python)
        worker.close()


async def test_the_server_runs_the_api_stage_itself_when_no_worker_starts(tmp_path: Path) -> None:
    from tests.perf.harness import make_server, open_document, settle

    server, published = make_server()
    logged: list[str] = []
    server.window_log_message = lambda params: logged.append(params.message)
    python = spawn.get_executable()
    server.api_worker._context.set_executable(str(tmp_path / "no-such-python"))
    try:
        uri = (tmp_path / "m.py").as_uri()
        open_document(server, uri, CODE)
        await settle(server, uri)
        state = server.documents[uri]
        for _ in range(600):
            if state.api_done_generation == state.generation:
                break
            await asyncio.sleep(0.05)
        assert any(d.code == "CAV301" for d in published[-1].diagnostics)
        assert any("cannot start the API worker process" in message for message in logged)
        assert server.api_worker is None
    finally:
        spawn.set_executable(python)
        server.stop_workers()
