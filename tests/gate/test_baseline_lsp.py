"""The language server hides the findings of the project's baseline: the real server over
stdio, a baseline written by the real CLI."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from lsprotocol import types

from tests.gate.gitrepo import caveat
from tests.lsp.conftest import (
    change_doc,
    codes,
    open_doc,
    push_capabilities,
    start,
    wait_for,
)

@pytest.fixture(autouse=True)
def _code_being_written(tmp_path: Path) -> None:
    """A repository with nothing committed: code being written gets the strict set
    (new-code = "auto"), where `yaml.load` is CAV132 (in a plain folder it is bandit's B506)."""
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True, capture_output=True)


ORDERS = '''import requests
import yaml


def load(handle):
    return yaml.load(handle)
'''
NEW = '''

def fetch(url):
    return requests.get(url)
'''


def lines_of(client, uri: str, code: str) -> list[int]:
    return sorted(d.range.start.line + 1 for d in client.diagnostics.get(uri, []) if d.code == code)


async def test_baselined_findings_are_hidden_in_the_editor(client, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.caveat]\nbaseline = "caveat-baseline.json"\n')
    (tmp_path / "orders.py").write_text(ORDERS)
    written = caveat("check", "--no-api", "--write-baseline", "caveat-baseline.json", cwd=tmp_path)
    assert written.stdout.strip() == "Wrote 1 finding to caveat-baseline.json."

    await start(client, tmp_path, push_capabilities())
    uri = open_doc(client, tmp_path / "orders.py", ORDERS + NEW)
    await wait_for(lambda: lines_of(client, uri, "CAV203") == [10])
    assert "CAV132" not in codes(client, uri)  # baselined

    # Lines inserted above: the baselined finding stays hidden.
    change_doc(client, uri, 2, (0, 0), (0, 0), '"""Orders."""\n\n')
    await wait_for(lambda: lines_of(client, uri, "CAV203") == [12])
    assert "CAV132" not in codes(client, uri)

    # Its own line edited: it is new, and shown.
    change_doc(client, uri, 3, (7, 0), (7, 28), "    return yaml.load(handle.read())")
    await wait_for(lambda: lines_of(client, uri, "CAV132") == [8])


async def test_a_missing_baseline_is_logged_and_everything_shown(client, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.caveat]\nbaseline = "nowhere.json"\n')
    await start(client, tmp_path, push_capabilities())
    uri = open_doc(client, tmp_path / "orders.py", ORDERS)
    await wait_for(lambda: "CAV132" in codes(client, uri))
    await wait_for(lambda: any("nowhere.json" in m.message and "cannot read the baseline" in m.message
                               for m in client.log_messages))
    assert any(m.type == types.MessageType.Warning for m in client.log_messages if "nowhere.json" in m.message)


async def test_the_editor_setting_names_the_baseline(client, tmp_path: Path):
    (tmp_path / "orders.py").write_text(ORDERS)
    caveat("check", "--no-api", "--write-baseline", "base.json", cwd=tmp_path)
    await start(client, tmp_path, push_capabilities(), options={"baseline": "base.json"})
    uri = open_doc(client, tmp_path / "orders.py", ORDERS + NEW)
    await wait_for(lambda: lines_of(client, uri, "CAV203") == [10])
    assert "CAV132" not in codes(client, uri)
