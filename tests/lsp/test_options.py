"""Rule options in the language server: from pyproject.toml, changed at runtime through
workspace/didChangeConfiguration, and invalid ones reported while the last valid ones stay."""
from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from tests.lsp.conftest import codes, open_doc, push_capabilities, start, wait_for

REQUESTS = '''import requests


def fetch(url):
    return requests.get(url)
'''
BOTO3 = '''import boto3
from botocore.config import Config


def storage():
    return boto3.client("s3")
'''


def timeout_in_message(client, uri: str) -> str | None:
    """The timeout CAV203's published message suggests."""
    for diagnostic in client.diagnostics.get(uri, []):
        if diagnostic.code == "CAV203" and "pass `timeout=" in diagnostic.message:
            return diagnostic.message.split("pass `timeout=", 1)[1].split("`", 1)[0]
    return None


async def fix_of(client, uri: str) -> tuple[str, str]:
    """The CAV203 quick-fix's title and the text it inserts."""
    (diagnostic,) = [d for d in client.diagnostics[uri] if d.code == "CAV203"]
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic])))
    fix = actions[0]
    return fix.title, fix.edit.document_changes[0].edits[0].new_text


def change_settings(client, caveat: dict) -> None:
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"caveat": caveat}))


async def test_changing_the_timeout_option_changes_the_published_fix(client, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.caveat.options.missing-timeout]\ntimeout = 5\n")
    await start(client, tmp_path, push_capabilities())
    uri = open_doc(client, tmp_path / "fetch.py", REQUESTS)
    await wait_for(lambda: timeout_in_message(client, uri) == "5")
    assert await fix_of(client, uri) == ("Add `timeout=5`", "requests.get(url, timeout=5)")

    change_settings(client, {"options": {"missing-timeout": {"timeout": 3}}})
    await wait_for(lambda: timeout_in_message(client, uri) == "3")
    assert await fix_of(client, uri) == ("Add `timeout=3`", "requests.get(url, timeout=3)")

    # A wrongly typed value: a message naming the key, and the last valid settings stay.
    change_settings(client, {"options": {"missing-timeout": {"timeout": "3s"}}})
    await wait_for(lambda: any("options.missing-timeout.timeout" in m.message for m in client.messages))
    message = next(m.message for m in client.messages if "options.missing-timeout.timeout" in m.message)
    assert "must be a number" in message and "keeping the last valid editor settings" in message
    assert timeout_in_message(client, uri) == "3"

    # Clearing the editor's settings goes back to the project's.
    change_settings(client, {})
    await wait_for(lambda: timeout_in_message(client, uri) == "5")
    assert await fix_of(client, uri) == ("Add `timeout=5`", "requests.get(url, timeout=5)")


async def test_boto3_option_from_the_editor_and_bad_project_options(client, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.caveat.options]\ntimeout = 5\n")
    await start(client, tmp_path, push_capabilities(), options={"select": ["CAV203"]})
    uri = open_doc(client, tmp_path / "storage.py", BOTO3)
    # The project's misplaced option is reported with the file and the key; defaults apply.
    await wait_for(lambda: any("pyproject.toml" in m.message and "options.timeout" in m.message
                               for m in client.messages))
    await wait_for(lambda: uri in client.diagnostics)
    assert codes(client, uri) == []
    change_settings(client, {"select": ["CAV203"], "options": {"missing-timeout.boto3-timeouts": True}})
    await wait_for(lambda: codes(client, uri) == ["CAV203"])
    title, text = await fix_of(client, uri)
    assert text == 'boto3.client("s3", config=Config(connect_timeout=10, read_timeout=10))'
