"""The language server end to end: a real `caveat serve` process over stdio."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from lsprotocol import types

from tests.lsp.conftest import (change_doc, codes, open_doc, pull_capabilities, push_capabilities, start,
                                wait_for)

@pytest.fixture(autouse=True)
def _code_being_written(tmp_path: Path) -> None:
    """The workspace is a git repository whose files are not committed yet: code being written,
    which gets the strict set (new-code = "auto"), so `yaml.load` is CAV132 (on committed lines,
    or in a folder outside git, it is bandit's B506)."""
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True, capture_output=True)


YAML_CODE = '''import yaml


def load(handle):
    return yaml.load(handle)
'''


async def test_open_publishes_diagnostics_from_the_buffer(client, tmp_path: Path):
    # The file on disk is clean; the buffer is not: caveat must analyse the buffer.
    path = tmp_path / "config.py"
    path.write_text("x = 1\n")
    await start(client, tmp_path, push_capabilities())
    uri = open_doc(client, path, YAML_CODE)
    await wait_for(lambda: codes(client, uri) == ["CAV132"])
    diagnostic = client.diagnostics[uri][0]
    assert diagnostic.source == "caveat"
    assert diagnostic.range.start == types.Position(line=4, character=11)
    assert diagnostic.data["category"] == "insecure-deserialization"
    assert diagnostic.data["cwe"] == 502
    assert diagnostic.code_description is not None


async def test_edit_updates_and_close_clears(client, tmp_path: Path):
    await start(client, tmp_path, push_capabilities())
    uri = open_doc(client, tmp_path / "a.py", YAML_CODE)
    await wait_for(lambda: codes(client, uri) == ["CAV132"])
    # Type the fix by hand: load -> safe_load.
    change_doc(client, uri, 2, (4, 16), (4, 20), "safe_load")
    await wait_for(lambda: codes(client, uri) == [])
    change_doc(client, uri, 3, (4, 11), (4, 11), "eval(input()) or ")
    await wait_for(lambda: codes(client, uri) == ["CAV137"])
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    await wait_for(lambda: codes(client, uri) == [])


async def test_syntax_error_mid_typing_keeps_other_blocks(client, tmp_path: Path):
    await start(client, tmp_path, push_capabilities())
    text = YAML_CODE + "\n\ndef broken(:\n    pass\n"
    uri = open_doc(client, tmp_path / "b.py", text)
    await wait_for(lambda: codes(client, uri) == ["CAV004", "CAV132"])


async def test_quick_fix_and_suppression_actions(client, tmp_path: Path):
    await start(client, tmp_path, push_capabilities())
    uri = open_doc(client, tmp_path / "c.py", YAML_CODE)
    await wait_for(lambda: codes(client, uri) == ["CAV132"])
    diagnostic = client.diagnostics[uri][0]
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic])))
    titles = [a.title for a in actions]
    assert titles == ["Use `yaml.safe_load`", "Suppress CAV132 with `# caveat: ignore[CAV132]`"]
    fix, suppress = actions
    assert fix.is_preferred and fix.kind == types.CodeActionKind.QuickFix
    edit = fix.edit.document_changes[0]
    assert edit.text_document.version == 1
    assert [(e.range.start.line, e.range.start.character, e.range.end.character, e.new_text) for e in edit.edits] == \
        [(4, 11, 28, "yaml.safe_load(handle)")]
    suppress_edit = suppress.edit.document_changes[0].edits[0]
    assert suppress_edit.new_text == "  # caveat: ignore[CAV132]"
    # Applying the suppression (as the editor would) silences the finding.
    change_doc(client, uri, 2, (4, 28), (4, 28), suppress_edit.new_text)
    await wait_for(lambda: codes(client, uri) == [])


async def test_hover_shows_rule_documentation(client, tmp_path: Path):
    await start(client, tmp_path, push_capabilities())
    uri = open_doc(client, tmp_path / "d.py", YAML_CODE)
    await wait_for(lambda: codes(client, uri) == ["CAV132"])
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=4, character=15)))
    assert hover is not None
    assert "CAV132" in hover.contents.value and "safe_load" in hover.contents.value
    assert "## What it does" in hover.contents.value
    nothing = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=0)))
    assert nothing is None


async def test_pull_diagnostics(client, tmp_path: Path):
    await start(client, tmp_path, pull_capabilities())
    uri = open_doc(client, tmp_path / "e.py", YAML_CODE)
    report = await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert [d.code for d in report.items] == ["CAV132"]
    again = await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri=uri), previous_result_id=report.result_id))
    assert isinstance(again, types.RelatedUnchangedDocumentDiagnosticReport) or [d.code for d in again.items] == ["CAV132"]
    assert uri not in client.diagnostics  # a pull client is not also pushed to (no duplicates)


async def test_editor_settings_and_changes(client, tmp_path: Path):
    await start(client, tmp_path, push_capabilities(), options={"ignore": ["CAV132"]})
    uri = open_doc(client, tmp_path / "f.py", YAML_CODE + "\nimport os\nos.chmod('data', 0o777)\n")
    # With the specific rule ignored, bandit's report of the same defect comes back.
    await wait_for(lambda: codes(client, uri) == ["B103", "B506"])
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"caveat": {"select": ["CAV132"], "severity": {"CAV132": "hint"}}}))
    await wait_for(lambda: codes(client, uri) == ["CAV132"])
    assert client.diagnostics[uri][0].severity == types.DiagnosticSeverity.Hint


async def test_bad_settings_are_reported_and_defaults_used(client, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.caveat]\nselect = [\n")
    await start(client, tmp_path, push_capabilities(), options={"select": ["NOPE123"]})
    uri = open_doc(client, tmp_path / "g.py", YAML_CODE)
    await wait_for(lambda: codes(client, uri) == ["CAV132"])
    messages = " ".join(m.message for m in client.messages)
    assert "NOPE123" in messages
    assert "pyproject.toml" in messages and "not valid TOML" in messages


async def test_pyproject_settings_apply_and_editor_wins(client, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.caveat]\nignore = ["insecure-deserialization"]\n')
    await start(client, tmp_path, push_capabilities())
    uri = open_doc(client, tmp_path / "h.py", YAML_CODE + "eval(input())\n")
    await wait_for(lambda: codes(client, uri) == ["CAV137"])
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"caveat": {"ignore": []}}))
    await wait_for(lambda: codes(client, uri) == ["CAV132", "CAV137"])


async def test_unopened_document_requests_get_errors(client, tmp_path: Path):
    await start(client, tmp_path, push_capabilities())
    with pytest.raises(Exception) as info:
        await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=(tmp_path / "nope.py").as_uri()),
            position=types.Position(line=0, character=0)))
    assert "not open" in str(info.value)
    # The server keeps serving.
    uri = open_doc(client, tmp_path / "i.py", YAML_CODE)
    await wait_for(lambda: codes(client, uri) == ["CAV132"])


async def test_invalid_utf8_and_nul_bytes_and_empty(client, tmp_path: Path):
    await start(client, tmp_path, push_capabilities())
    empty = open_doc(client, tmp_path / "empty.py", "")
    nul = open_doc(client, tmp_path / "nul.py", "x = 1\x00\n" + YAML_CODE)
    surrogate = open_doc(client, tmp_path / "s.py", "s = '\udcff'\n" + YAML_CODE)
    await wait_for(lambda: "CAV132" in codes(client, surrogate) and nul in client.diagnostics and empty in client.diagnostics)
    assert codes(client, empty) == []


async def test_huge_file_gets_one_note(client, tmp_path: Path):
    await start(client, tmp_path, push_capabilities(), options={"max-file-size-kb": 1})
    uri = open_doc(client, tmp_path / "big.py", YAML_CODE * 100)
    await wait_for(lambda: codes(client, uri) == ["CAV003"])


async def test_settings_edge_cases_from_real_editors(client, tmp_path: Path):
    # VS Code sends every key, unset ones empty: an empty select is "not set".
    await start(client, tmp_path, push_capabilities(), options={"select": [], "python": "", "ignore": ["CAV132"]})
    uri = open_doc(client, tmp_path / "j.py", YAML_CODE)
    await wait_for(lambda: codes(client, uri) == ["B506"])
    # Eglot sends the user's whole workspace configuration: other servers' sections
    # are not caveat's settings, and no warning about them is shown.
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"ruff": {"lineLength": 100}, "caveat": {"ignore": ["B506", "CAV132"]}}))
    await wait_for(lambda: codes(client, uri) == [])
    # Clearing the last setting goes back to the defaults.
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"caveat": {}}))
    await wait_for(lambda: codes(client, uri) == ["CAV132"])
    assert not any("ruff" in m.message for m in client.messages)
