"""caveat in a real batch Emacs with Eglot: diagnostics in Flymake, quick-fix, save."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from editor_harness import (
    ARTIFACTS,
    REPO,
    YAML_CODES,
    YAML_LINE,
    find_exe,
    missing,
    run_bounded,
    version_tuple,
)

pytestmark = pytest.mark.editor

SCRIPT = Path(__file__).with_name("emacs_e2e.el")


@pytest.fixture(scope="session")
def emacs() -> str:
    exe = shutil.which("emacs")
    if exe is None:
        missing("Emacs (emacs-nox, with elpa-eglot)")
    out = subprocess.run(
        [exe, "--batch", "-q", "--eval",
         "(progn (package-initialize) (princ (if (require 'eglot nil t) \"eglot-ok\" \"no-eglot\")))"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    if "eglot-ok" not in out.stdout:
        missing("Eglot for Emacs (Debian's elpa-eglot)")
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30, check=False).stdout
    if version_tuple(version) < (28, 1):
        missing(f"Emacs >= 28.1 (found {version.splitlines()[0]})")
    return exe


@pytest.mark.parametrize("alongside", ["alone", "with-ruff-via-rass"])
def test_quickfix_in_emacs_eglot(emacs, caveat_exe, shop, isolated_env, tmp_path, alongside):
    # a project as Emacs's project.el sees one: a Git repository
    subprocess.run(["git", "init", "-q", str(shop)], check=True, env=isolated_env, timeout=30)
    target = shop / "shop" / "config.py"
    extra: list[str] = []
    if alongside == "with-ruff-via-rass":
        # Eglot takes one server per mode: rass multiplexes caveat and ruff (editors/README.md)
        rass, ruff = find_exe("rass"), find_exe("ruff")
        if not rass or not ruff:
            missing("rass (pip install rassumfrassum) and ruff")
        extra = [rass, ruff]
        # a caveat that answers `initialize` 4 s after ruff: rass alone would drop its
        # capabilities (3 s window); caveat_rass.py must keep them
        slow = tmp_path / "slow-caveat"
        slow.write_text(f'#!/bin/sh\nsleep 4\nexec "{caveat_exe}" "$@"\n')
        slow.chmod(0o755)
        caveat_exe = str(slow)
        with target.open("a") as fh:
            fh.write("import os  # unused: ruff reports F401\n")
    result_file = tmp_path / "emacs-result.json"
    env = dict(isolated_env)
    env["CAVEAT_EMACS_ERROR_CODES"] = ",".join(YAML_CODES)  # via the `caveat-severity' defcustom
    if not extra:
        env["CAVEAT_EMACS_RELOAD"] = "1"  # then to "hint", in the running session
    proc = run_bounded(
        [emacs, "--batch", "-q", "-l", str(SCRIPT), "--e2e-args", str(REPO), str(target), caveat_exe,
         str(result_file), *extra],
        timeout=180,
        env=env,
        cwd=shop,
        input="\n",  # RET in Eglot's code-action menu: the preferred (default) action
    )
    assert result_file.exists(), f"emacs wrote no result (exit {proc.returncode})\n{proc.stdout}\n{proc.stderr[-4000:]}"
    result = json.loads(result_file.read_text())
    events = result.pop("events", "")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)  # Eglot's JSON-RPC log, for debugging
    (ARTIFACTS / f"emacs-eglot-events-{alongside}.log").write_text(events or "")
    print(json.dumps(result, indent=1))
    assert result["ok"] is True, f"{result.get('error')}\n{json.dumps(result, indent=1)}\n{proc.stderr[-3000:]}\n{events}"

    assert result["server_class"] == "caveat-eglot-server"
    found = [d for d in (result["diagnostics_before"] or []) if d["line"] == YAML_LINE]
    assert len(found) == 1, f"expected one diagnostic on the yaml.load line in Flymake, got {found}"
    assert found[0]["code"] in YAML_CODES, found
    assert found[0]["type"] == "eglot-error", f"caveat-severity did not reach the server: {result.get('messages')}"
    assert not [m for m in result.get("messages") or [] if "unknown setting" in m], result["messages"]
    if not extra:
        reloaded = result.get("after_reload") or []
        assert reloaded and reloaded[0]["type"] == "eglot-note", f"caveat-reload-settings had no effect: {reloaded}"
    prompt, titles = result["menu"]
    assert any("safe_load" in t for t in titles), titles
    assert any(t.startswith(f"Suppress {found[0]['code']}") for t in titles), titles
    assert "safe_load" in prompt, f"the preferred action should be the menu's default: {prompt!r}"
    text = target.read_text()
    assert "yaml.safe_load(handle)" in text
    assert "yaml.load(handle)" not in text
    after = result["diagnostics_after"] or []
    assert not [d for d in after if d["line"] == YAML_LINE and d["code"] in YAML_CODES], after
    if extra:
        # ruff's diagnostics came through the same Eglot connection
        assert any(d["code"] == "F401" for d in result.get("ruff_diagnostics") or []), result.get("ruff_diagnostics")
