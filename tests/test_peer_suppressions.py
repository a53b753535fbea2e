"""Suppressions people already wrote for ruff, flake8, pylint and bandit silence caveat's rule
for the same defect on that line (one mapping table: ``suppression.PEER_CODES``); a comment
for another defect silences nothing; ``respect-peer-suppressions = false`` turns it off.
Through the engine, the CLI and the real server."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from caveat.engine.analyzer import Engine
from caveat.engine.suppression import parse_peer_suppressions, peer_targets
from caveat.project import Settings
from tests.lsp.conftest import client, codes, open_doc, push_capabilities, start, wait_for  # noqa: F401 (fixture)
from tests.test_cli import caveat

STRICT = Settings(profile="strict")

SOURCE = '''import logging
import subprocess
import requests

log = logging.getLogger(__name__)


def best_effort(path):
    try:
        return open(path).read()  # noqa: SIM115
    except Exception:  # pylint: disable=broad-except
        return None


def probe(url):
    try:
        requests.get(url, timeout=5)
    except Exception:  # noqa: BLE001
        return False
    return True


def fetch(url):
    return requests.get(url)  # noqa: S310


def status(url):
    return requests.get(url)  # noqa: S113


def quiet(path):
    try:
        return open(path).read()  # noqa
    except Exception:  # noqa: E501
        return None
'''


def found(text: str, settings: Settings = STRICT) -> list[tuple[int, str]]:
    return [(f.line, f.code) for f in Engine().analyze(text, "x.py", settings).findings]


def test_the_same_defect_is_silenced_and_other_defects_are_not():
    result = found(SOURCE)
    # lines 10-11: SIM115 (resource leak) and broad-except (swallowed exception) are vouched for
    assert not [code for line, code in result if line in (10, 11)]
    assert not [code for line, code in result if line == 18]  # BLE001
    assert (24, "CAV203") in result  # S310 is about URL schemes, not timeouts
    assert (28, "CAV203") not in result  # S113 is request-without-timeout
    # a bare `# noqa` names no defect; E501 is about line length
    assert (33, "CAV234") in result and (34, "CAV201") in result


def test_turned_off_every_finding_comes_back():
    settings = Settings(profile="strict", respect_peer_suppressions=False)
    result = found(SOURCE, settings)
    assert (10, "CAV234") in result and (11, "CAV201") in result and (18, "CAV201") in result
    assert (28, "CAV203") in result


def test_pylint_scopes():
    text = ('def first():\n'
            '    # pylint: disable=broad-except\n'
            '    try:\n'
            '        pass\n'
            '    except Exception:\n'
            '        return None\n'
            '\n'
            'def second():\n'
            '    try:\n'
            '        pass\n'
            '    # pylint: disable-next=broad-exception-caught\n'
            '    except Exception:\n'
            '        return None\n'
            '    try:\n'
            '        pass\n'
            '    except Exception:\n'
            '        return None\n')
    peers = parse_peer_suppressions(text.splitlines(keepends=True))
    assert "swallowed-exception" in peers[5] and 8 not in peers  # own line: to the end of its block
    assert "swallowed-exception" in peers[12] and 16 not in peers  # disable-next: one line
    assert [line for line, code in found(text) if code == "CAV201"] == [16]


def test_ruff_bandit_codes_map_through_bandit_s_table():
    assert {"B608", "sql-injection"} <= peer_targets("S608")
    assert {"B105", "hardcoded-secret"} <= peer_targets("S105")
    assert peer_targets("S104") == {"B104"}  # bandit's category "other" vouches for no caveat rule
    assert peer_targets("E501") == frozenset()


def test_nosec_without_ids_covers_security_rules_only():
    text = ('import hashlib\n'
            'def token(user):\n'
            '    return hashlib.md5(user.secret_token.encode()).hexdigest()  # nosec\n'
            'def mean(items):\n'
            '    return sum(items) / len(items)  # nosec\n')
    assert [code for _, code in found(text)] == ["CAV230"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[tool.caveat]\nprofile = "strict"\n')
    (tmp_path / "app.py").write_text(SOURCE)
    return tmp_path


def test_cli_respects_them_and_the_setting_turns_it_off(project: Path):
    on = json.loads(caveat("check", "--format", "json", "--no-api", "app.py", cwd=project).stdout)
    assert {(f["line"], f["code"]) for f in on} & {(10, "CAV234"), (11, "CAV201"), (18, "CAV201")} == set()
    (project / "pyproject.toml").write_text('[tool.caveat]\nprofile = "strict"\nrespect-peer-suppressions = false\n')
    off = json.loads(caveat("check", "--format", "json", "--no-api", "app.py", cwd=project).stdout)
    assert {(10, "CAV234"), (11, "CAV201"), (18, "CAV201")} <= {(f["line"], f["code"]) for f in off}


def test_cli_rejects_a_bad_value(project: Path):
    (project / "pyproject.toml").write_text('[tool.caveat]\nrespect-peer-suppressions = "no"\n')
    result = caveat("check", "--no-api", "app.py", cwd=project)
    assert result.returncode == 2 and "respect-peer-suppressions" in result.stderr


async def test_server_respects_them_and_the_editor_setting_turns_it_off(client, project: Path):
    from lsprotocol import types

    await start(client, project, push_capabilities())
    uri = open_doc(client, project / "app.py", SOURCE)
    await wait_for(lambda: "CAV203" in codes(client, uri))
    lines = {(d.range.start.line + 1, str(d.code)) for d in client.diagnostics[uri]}
    assert not lines & {(10, "CAV234"), (11, "CAV201"), (18, "CAV201")}
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"caveat": {"respect-peer-suppressions": False}}))
    await wait_for(lambda: {(10, "CAV234"), (11, "CAV201"), (18, "CAV201")} <= {
        (d.range.start.line + 1, str(d.code)) for d in client.diagnostics.get(uri, [])})
