"""The API stage runs in a worker process of the real server: its findings arrive after
the local ones, a killed worker is replaced without losing the server, and no worker
outlives the server."""
from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.conftest import SERVER, codes, open_doc, push_capabilities, start, wait_for

CODE = "import os.path\n\n\ndef join(a):\n    return os.path.joinn(a, 'b')\n"


def children(pid: int) -> list[int]:
    """Direct children of ``pid``, from every thread's ``children`` list (Linux)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found.extend(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def workers_of(pid: int) -> list[int]:
    """The server's worker processes (not multiprocessing's resource tracker)."""
    found = []
    for child in children(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command and alive(child):
            found.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def raw_client(lsp_client: LanguageClient):
    yield lsp_client


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


async def test_api_findings_come_from_a_worker_that_is_replaced_when_killed(raw_client, tmp_path: Path):
    client = raw_client
    (tmp_path / "pyproject.toml").write_text(f'[tool.caveat]\npython = "{sys.prefix}"\n', encoding="utf-8")
    await start(client, tmp_path, push_capabilities())
    server_pid = client._server.pid
    uri = open_doc(client, tmp_path / "m.py", CODE)
    await wait_for(lambda: "CAV301" in codes(client, uri), timeout=120)
    workers = workers_of(server_pid)
    assert workers, "the API stage runs in a child process of the server"

    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    # The next edit meets the dead worker: the server says so, starts another one and
    # the API findings of the edited text still arrive.
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text="\n" + CODE)]))
    await wait_for(lambda: any("worker process stopped" in m.message for m in client.log_messages), timeout=120)
    await wait_for(lambda: any(str(d.code) == "CAV301" and d.range.start.line == 5
                               for d in client.diagnostics.get(uri, [])), timeout=120)
    replaced = workers_of(server_pid)
    assert replaced and not set(replaced) & set(workers)

    await client.shutdown_session()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in replaced) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in replaced), "the worker outlived the server"


async def test_the_server_continues_the_api_checks_where_the_time_budget_stopped(raw_client, tmp_path: Path):
    """Each API analysis finishes at least one block; after one that ran out of its budget the
    server starts the next, until every block is checked, without waiting for an edit."""
    client = raw_client
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.caveat]\npython = "{sys.prefix}"\n\n[tool.caveat.options]\napi-time-budget = 0\n', encoding="utf-8")
    await start(client, tmp_path, push_capabilities())
    code = "import os.path\n" + "".join(f"\n\ndef join{i}(a):\n    return os.path.joinn{i}(a, 'b')\n"
                                         for i in range(3))
    uri = open_doc(client, tmp_path / "m.py", code)
    await wait_for(lambda: codes(client, uri).count("CAV301") == 3, timeout=180)
    await client.shutdown_session()  # the fixture does not: without it the teardown waits for the server forever
