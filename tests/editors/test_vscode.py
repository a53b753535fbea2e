"""caveat in the real VS Code workbench (code-server) driven by headless Chromium.

The extension is the .vsix built from editors/vscode, installed into a fresh extensions
dir; the Problems panel, the quick-fix widget (Ctrl+.) and save (Ctrl+S) are the
workbench's own. A screenshot of the Problems panel goes to tests/artifacts/.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from editor_harness import (
    ARTIFACTS,
    CACHE,
    REPO,
    YAML_CODES,
    YAML_LINE,
    kill_group,
    missing,
    run_bounded,
)

pytestmark = pytest.mark.editor

SCRIPT = Path(__file__).with_name("vscode_e2e.js")
EXT_DIR = REPO / "editors" / "vscode"
NODE_MODULES = CACHE / "node" / "node_modules"
CODE_SERVER = NODE_MODULES / ".bin" / "code-server"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _newest_source_mtime() -> float:
    files = [EXT_DIR / "package.json", EXT_DIR / "README.md", *(EXT_DIR / "src").glob("*.ts")]
    return max(f.stat().st_mtime for f in files if f.exists())


@pytest.fixture(scope="session")
def vsix() -> Path:
    """The extension package; rebuilt when the sources are newer (needs editors/vscode/node_modules)."""
    built = sorted(EXT_DIR.glob("caveat-*.vsix"))
    stale = not built or built[-1].stat().st_mtime < _newest_source_mtime()
    if stale and (EXT_DIR / "node_modules" / ".bin" / "vsce").exists():
        proc = subprocess.run(["npm", "run", "--silent", "package"], cwd=EXT_DIR, capture_output=True, check=False,
                              text=True, timeout=300)
        assert proc.returncode == 0, f"building the .vsix failed:\n{proc.stdout}\n{proc.stderr}"
        built = sorted(EXT_DIR.glob("caveat-*.vsix"))
    if not built:
        missing("the caveat .vsix (editors/vscode/node_modules for building it)")
    return built[-1]


@pytest.fixture(scope="session")
def vscode_tools() -> dict[str, str]:
    node = shutil.which("node")
    if node is None:
        missing("node")
    if not CODE_SERVER.exists():
        missing(f"code-server ({CODE_SERVER})")
    if not (NODE_MODULES / "playwright-core").is_dir():
        missing(f"playwright-core ({NODE_MODULES})")
    if not Path(CHROMIUM).exists():
        missing("Chromium (Debian's chromium)")
    return {"node": node, "code_server": str(CODE_SERVER), "chromium": CHROMIUM}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"code-server exited with {proc.returncode}:\n{log.read_text()[-4000:]}", pytrace=False)
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    pytest.fail(f"code-server not healthy after {timeout}s:\n{log.read_text()[-4000:]}", pytrace=False)


@pytest.fixture
def short_tmp():
    """A short temp dir: Chromium's and code-server's unix sockets live under it (108-byte limit)."""
    path = Path(tempfile.mkdtemp(prefix="cv-vsc-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_quickfix_in_vscode(vscode_tools, vsix, caveat_exe, shop, isolated_env, tmp_path, short_tmp):
    user_data = short_tmp / "u"
    extensions = short_tmp / "e"
    (user_data / "User").mkdir(parents=True)
    extensions.mkdir()
    # Server discovery through `caveat.interpreter` (`python -m caveat serve` in the test's
    # own interpreter); the end of the test switches to a `caveat.path` that does not exist.
    if os.environ.get("CAVEAT_TEST_SERVER"):
        discovery = {"caveat.path": caveat_exe}
    else:
        discovery = {"caveat.interpreter": sys.executable}
    (user_data / "User" / "settings.json").write_text(json.dumps({
        **discovery,
        # a user setting that must reach the server: the finding becomes an error
        "caveat.severity": {code: "error" for code in YAML_CODES},
        "security.workspace.trust.enabled": False,
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": False,
        "workbench.enableExperiments": False,
        "telemetry.telemetryLevel": "off",
        "extensions.autoCheckUpdates": False,
        "extensions.autoUpdate": False,
        "extensions.ignoreRecommendations": True,
        "update.mode": "none",
        "files.autoSave": "off",
        "window.restoreWindows": "none",
        "git.enabled": False,
        "editor.lightbulb.enabled": "off",
        "caveat.trace.server": os.environ.get("CAVEAT_TRACE", "off"),
    }, indent=1))
    env = dict(isolated_env)
    (short_tmp / "t").mkdir()
    env["TMPDIR"] = str(short_tmp / "t")
    t0 = time.monotonic()
    install = run_bounded(
        [vscode_tools["code_server"], "--user-data-dir", str(user_data), "--extensions-dir", str(extensions),
         "--install-extension", str(vsix)],
        timeout=180, env=env,
    )
    assert install.returncode == 0, f"installing the .vsix failed:\n{install.stdout}\n{install.stderr}"
    assert any(p.name.startswith("caveat.caveat-") for p in extensions.iterdir()), list(extensions.iterdir())
    install_s = time.monotonic() - t0

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "code-server.log"
    with log.open("w") as log_fh:
        server = subprocess.Popen(
            [vscode_tools["code_server"], "--auth", "none", "--bind-addr", f"127.0.0.1:{port}",
             "--user-data-dir", str(user_data), "--extensions-dir", str(extensions),
             "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust",
             "--disable-getting-started-override", "--ignore-last-opened", str(shop)],
            env=env, stdout=log_fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,  # one process group: file watchers and the language server die with it
        )
        try:
            _wait_healthy(url, server, 120, log)
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            screenshot = ARTIFACTS / "vscode-problems.png"
            for old in ARTIFACTS.glob("vscode-problems*.png"):
                old.unlink()
            result_file = tmp_path / "vscode-result.json"
            config = {
                "url": url,
                "folder": str(shop),
                "file": "shop/config.py",
                "line": YAML_LINE,
                "column": 16,  # where `yaml.load` starts
                "result": str(result_file),
                "screenshot": str(screenshot),
                "screenshotAfter": str(ARTIFACTS / "vscode-problems-after-fix.png"),
                "chromium": vscode_tools["chromium"],
                "scan": ["orders.py", "web.py"],  # files with findings that the test never opens
                # last: caveat.path pointing at nothing must give a clear error, with settings
                "missingServerPath": str(short_tmp / "no-such-caveat"),
                "timeoutMs": 90000,
            }
            cfg_file = tmp_path / "vscode-e2e.json"
            cfg_file.write_text(json.dumps(config))
            node_env = dict(env, NODE_PATH=str(NODE_MODULES))
            proc = run_bounded([vscode_tools["node"], str(SCRIPT), str(cfg_file)], timeout=300, env=node_env)
        finally:
            kill_group(server)
    assert result_file.exists(), f"the driver wrote no result (exit {proc.returncode})\n{proc.stdout}\n{proc.stderr[-4000:]}"
    result = json.loads(result_file.read_text())
    result["install_s"] = round(install_s, 1)
    (ARTIFACTS / "vscode-result.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    output_logs = sorted(user_data.glob("logs/**/*caveat*.log"))
    for p in output_logs:  # the extension's output channel, kept for debugging
        shutil.copy(p, ARTIFACTS / f"vscode-output-{p.name}")
    assert result["ok"], (
        f"{result.get('error')}\n{json.dumps(result, indent=1)}\n{proc.stderr[-3000:]}\n"
        f"--- code-server ---\n{log.read_text()[-3000:]}\n"
        + "".join(f"--- {p.name} ---\n{p.read_text()[-3000:]}\n" for p in output_logs)
    )

    where = f"[Ln {YAML_LINE}, Col 16]"
    rows = [row for row in result["problemsBefore"] if where in row]
    assert len(rows) == 1, f"expected one Problems row at {where}, got {result['problemsBefore']}"
    code = re.search(r"caveat\(?(B\d{3}|CAV\d{3})", rows[0])  # the code is a link: no parentheses in textContent
    assert code and code.group(1) in YAML_CODES, rows[0]
    assert "| Error:" in rows[0], f"caveat.severity did not reach the server: {rows[0]}"
    assert screenshot.exists() and screenshot.stat().st_size > 1000
    assert any("safe_load" in a["text"] for a in result["actions"]), result["actions"]
    assert any("running" in item for item in result["statusBar"]), result["statusBar"]
    if "caveat.interpreter" in discovery:
        log_text = "".join(p.read_text() for p in output_logs)
        assert "-m caveat serve (found via caveat.interpreter)" in log_text, log_text[:2000]
    text = (shop / "shop" / "config.py").read_text()
    assert "yaml.safe_load(handle)" in text
    assert "yaml.load(handle)" not in text
    assert not [row for row in result["problemsAfter"] if where in row], result["problemsAfter"]
    # caveat: Scan Workspace listed the findings of files that were never opened
    assert any("orders.py" in row or "web.py" in row for row in result["problemsAfterScan"]), result["problemsAfterScan"]
    assert any("caveat:" in n and "finding" in n for n in result["notifications"]), result["notifications"]
    # caveat: Show Output and caveat: Restart Server
    assert "caveat" in result["outputShown"], result["outputShown"]
    assert result["restartLog"], "caveat: Restart Server did not start the server again"
    # a server that cannot be found: a clear notification whose action opens the settings
    assert "no executable" in result["missingServerMessage"], result["missingServerMessage"]
    assert any("missing" in item for item in result["statusBarMissing"]), result["statusBarMissing"]
    assert result["settingsSearch"] and "caveat.path" in result["settingsSearch"], result["settingsSearch"]


def test_the_extension_prefers_an_interpreter_new_enough_for_the_project(vsix, tmp_path):
    """requires-python says which Python the project's syntax needs. Among the interpreters
    that have caveat (the Python extension's, the workspace's venv, PATH), the extension takes
    the first that new: caveat parses with the grammar of the Python it runs on, so an older
    one analyses nothing in a file with newer syntax. With none that new, it keeps the first
    and says why. Real interpreters are run to learn their versions (the compiled extension
    module, under node)."""
    node = shutil.which("node")
    if node is None:
        missing("node")
    module = EXT_DIR / "out" / "pythonVersion.js"
    if not module.exists():
        missing("the compiled extension (editors/vscode/out)")
    major, minor = sys.version_info[:2]
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "app"\nrequires-python = ">={major}.{minor},<4"\n')
    old = tmp_path / "old-venv" / "bin" / "caveat"  # a venv whose Python is gone (version unknown)
    old.parent.mkdir(parents=True)
    old.write_text("#!/nonexistent/bin/python3.8\n")
    current = tmp_path / "venv" / "bin" / "caveat"  # a caveat script on this test's interpreter
    current.parent.mkdir(parents=True)
    current.write_text(f"#!{sys.executable}\n")
    script = f"""
    const p = require({json.dumps(str(module))});
    (async () => {{
      const logs = [];
      const candidates = [{json.dumps(str(old))}, {json.dumps(str(current))}];
      const needed = p.projectPython({json.dumps(str(tmp_path / "pyproject.toml"))});
      const chosen = await p.preferNewEnough(candidates, needed, p.scriptInterpreter, (c) => c, (m) => logs.push(m));
      const quiet = logs.length;
      const fallback = await p.preferNewEnough(candidates, [{major}, {minor + 1}], p.scriptInterpreter, (c) => c,
        (m) => logs.push(m));
      const unconstrained = await p.preferNewEnough(candidates, undefined, p.scriptInterpreter, (c) => c, (m) => logs.push(m));
      console.log(JSON.stringify({{needed, chosen, quiet, fallback, unconstrained, logs}}));
    }})();
    """
    done = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["needed"] == [major, minor]
    assert out["chosen"] == str(current) and out["quiet"] == 0  # listed second, but new enough
    assert out["fallback"] == str(old)  # none is new enough: the first, as before...
    assert len(out["logs"]) == 1 and f"needs Python {major}.{minor + 1}" in out["logs"][0]  # ...and why
    assert f"Python {major}.{minor}" in out["logs"][0] and "unknown" in out["logs"][0]
    assert out["unconstrained"] == str(old)  # no requires-python: the order of preference alone
