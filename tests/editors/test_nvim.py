"""caveat in a real headless Neovim 0.11: diagnostics in vim.diagnostic, quick-fix, save."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from editor_harness import (
    REPO,
    YAML_CODES,
    YAML_LINE,
    find_exe,
    missing,
    run_bounded,
    version_tuple,
)

pytestmark = pytest.mark.editor

SCRIPT = Path(__file__).with_name("nvim_e2e.lua")


@pytest.fixture(scope="session")
def nvim() -> str:
    exe = find_exe("nvim")
    if exe is None:
        missing("Neovim (nvim >= 0.11)")
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30, check=False,
                         env={"XDG_STATE_HOME": "/tmp", "PATH": "/usr/bin:/bin"}).stdout
    if version_tuple(out) < (0, 11):
        missing(f"Neovim >= 0.11 (found {out.splitlines()[0] if out else exe})")
    return exe


@pytest.mark.parametrize("alongside", ["alone", "with-ruff"])
def test_quickfix_in_neovim(nvim, caveat_exe, shop, isolated_env, tmp_path, alongside):
    ruff = ""
    if alongside == "with-ruff":
        ruff = find_exe("ruff") or ""
        if not ruff:
            missing("ruff (it comes with caveat's [test] extra)")
    target = shop / "shop" / "config.py"
    if ruff:
        with target.open("a") as fh:
            fh.write("import os  # unused: ruff reports F401\n")
    result_file = tmp_path / "nvim-result.json"
    env = dict(isolated_env)
    if alongside == "alone":
        # a user setting that must reach the server: the finding becomes an error
        env["CAVEAT_NVIM_SETTINGS"] = json.dumps({"severity": {c: "error" for c in YAML_CODES}})
    proc = run_bounded(
        [nvim, "--headless", "--clean", "-l", str(SCRIPT), str(REPO), str(target), caveat_exe,
         str(result_file), ruff],
        timeout=180,
        env=env,
        cwd=shop,
    )
    assert result_file.exists(), f"nvim wrote no result (exit {proc.returncode})\n{proc.stdout}\n{proc.stderr}"
    result = json.loads(result_file.read_text())
    print(json.dumps(result, indent=1))
    assert result["ok"], f"{result.get('error')}\n{json.dumps(result, indent=1)}\n{proc.stderr[-3000:]}"

    # caveat's diagnostic in Neovim's own store, exactly once (no push + pull duplicate)
    found = [d for d in result["diagnostics_before"] if d["lnum"] == YAML_LINE - 1]
    assert len(found) == 1, f"expected one diagnostic on the yaml.load line, got {found}"
    code = found[0]["code"]
    assert code in YAML_CODES, found
    assert found[0]["col"] == 15  # `yaml.load` starts at column 16
    if alongside == "alone":
        assert found[0]["severity"] == 1, "settings.caveat.severity did not reach the server"
    # hover on the finding shows its rule
    assert result.get("hover") and code in result["hover"], result.get("hover")
    # the fix came through Neovim's own code-action path
    titles = [a["title"] for a in result["code_actions"]]
    assert any("safe_load" in t for t in titles), titles
    assert any(t.startswith(f"Suppress {code}") for t in titles), titles
    # on disk, and the diagnostic is gone
    text = target.read_text()
    assert "yaml.safe_load(handle)" in text
    assert "yaml.load(handle)" not in text
    after = result["diagnostics_after"] or []
    assert not [d for d in after if d["lnum"] == YAML_LINE - 1 and d["code"] in YAML_CODES], after
    if ruff:
        assert result["clients"] == ["caveat", "ruff"], result.get("clients")
        assert "F401" in result["ruff_codes"], result["ruff_codes"]
