"""Syntax newer than the Python caveat runs on: said once per run / session, naming both
versions and the fix, instead of one syntax note per file (real CLI, real server)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from caveat.engine import syntax_version
from tests.lsp.conftest import codes, open_doc, push_capabilities, start, wait_for

# Code each Python accepts first, with a feature of the next version(s).
SAMPLES = {
    (3, 12): 'def label(row):\n    return f"{row["name"]}: {"\\n".join(row["lines"])}"\n',
    (3, 14): 'def label(name):\n    return t"Hello {name}"\n',
}
NEWER = next(((v, code) for v, code in sorted(SAMPLES.items()) if v > sys.version_info[:2]), None)
needs_newer = pytest.mark.skipif(NEWER is None, reason="no sample of syntax newer than this Python")
CLEAN = "def ok(x):\n    return x + 1\n"


@pytest.mark.parametrize("text", ['x = f"{}"\n', "x = (1,\n", "def f(:\n    pass\n", "match = 1\nmatch x\n"])
def test_a_real_syntax_error_is_not_newer_syntax(text: str) -> None:
    try:
        compile(text, "t.py", "exec")
    except SyntaxError as error:
        assert syntax_version.newer_syntax(error) is None
    else:
        pytest.fail("sample parses")


@needs_newer
def test_cli_says_it_once_per_run(tmp_path: Path) -> None:
    version, code = NEWER
    for name in ("a.py", "b.py", "c.py"):
        (tmp_path / name).write_text(code + "\n\n" + "import yaml\n\n\ndef load(text):\n    return yaml.load(text)\n")
    (tmp_path / "broken.py").write_text("x = (1,\n")
    (tmp_path / "clean.py").write_text(CLEAN)
    run = subprocess.run([sys.executable, "-m", "caveat", "check", "--no-api", "--no-cache", "--format", "json",
                          "--profile", "strict", str(tmp_path)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    findings = json.loads(run.stdout)
    notes = [f for f in findings if f["code"] == "CAV004"]
    newer = [f for f in notes if f["message"].startswith(syntax_version.MARK)]
    assert len(newer) == 1, notes  # one note for the run, not one per file
    assert [f["path"].endswith("broken.py") for f in notes].count(True) == 1  # a real error is still reported
    # The rest of each file is still analysed.
    assert sorted(f["path"].rsplit("/", 1)[-1] for f in findings if f["code"] == "CAV132") == ["a.py", "b.py", "c.py"]
    need = f"{version[0]}.{version[1]}"
    said = [line for line in run.stderr.splitlines() if "syntax" in line]
    assert len(said) == 1, run.stderr
    assert f"3 files use Python {need} syntax" in said[0]
    assert f"caveat runs on Python {sys.version_info[0]}.{sys.version_info[1]}" in said[0]
    assert f"Python {need}+" in said[0]


@needs_newer
async def test_server_says_it_once_per_session(client, tmp_path: Path) -> None:
    version, code = NEWER
    await start(client, tmp_path, push_capabilities())
    uris = [open_doc(client, tmp_path / f"{name}.py", code) for name in ("a", "b")]
    await wait_for(lambda: all(codes(client, uri) == ["CAV004"] for uri in uris))
    assert all(client.diagnostics[uri][0].message.startswith(syntax_version.MARK) for uri in uris)
    need = f"{version[0]}.{version[1]}"
    await wait_for(lambda: any(f"Python {need} syntax" in m.message for m in client.messages))
    said = [m for m in client.messages if f"Python {need} syntax" in m.message]
    assert len(said) == 1 and f"caveat runs on Python {sys.version_info[0]}.{sys.version_info[1]}" in said[0].message
