"""As-you-type latency of `caveat serve`, measured the way an editor sees it.

Starts the real server over stdio (a raw JSON-RPC client, no test framework in
between), and in one run reports:

- cold start: spawn -> first publishDiagnostics for a real ~1,000-line module;
- a scripted typing session on a real ~5,000-line module: single-character
  edits inside a method (including the transient syntax errors typing makes),
  a pasted 40-line function, an import added at the top; p50/p95/max time from
  sending didChange to the first publishDiagnostics for that version;
- API results: in pull mode without refresh support the pull answer waits for
  the API stage, so didChange -> pull answer is the time to the API results;
- peak RSS of the server (VmHWM);
- bandit on the same 5,000-line file, whole file, in process and as the CLI,
  and the ratios.

    python bench/latency.py [--big FILE] [--small FILE] [--json OUT]

Defaults take pyparsing's core.py and requests' models.py as vendored by pip,
so any environment with pip has them.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path


def _default(relative: str) -> Path:
    import pip

    return Path(pip.__file__).parent / relative


class Client:
    """A minimal LSP client over the server's stdio; timestamps every message."""

    def __init__(self, command: list[str], cwd: Path) -> None:
        self.spawned = time.perf_counter()
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, cwd=cwd)
        self.ids = itertools.count(1)
        self.lock = threading.Condition()
        self.responses: dict[int, tuple[float, dict]] = {}
        self.publishes: list[tuple[float, dict]] = []
        self.peak_rss_kb = 0
        self.peak_worker_rss_kb = 0  # the API worker process (its peak, read while it lives)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        stream = self.proc.stdout
        while True:
            length = 0
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            body = json.loads(stream.read(length))
            now = time.perf_counter()
            with self.lock:
                if "id" in body and "method" not in body:
                    self.responses[body["id"]] = (now, body)
                elif body.get("method") == "textDocument/publishDiagnostics":
                    self.publishes.append((now, body["params"]))
                elif "id" in body and "method" in body:  # a request from the server
                    self._send({"jsonrpc": "2.0", "id": body["id"], "result": None})
                self.lock.notify_all()

    def _send(self, message: dict) -> None:
        data = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(data), data))
        self.proc.stdin.flush()

    def notify(self, method: str, params: dict) -> float:
        sent = time.perf_counter()
        self._send({"jsonrpc": "2.0", "method": method, "params": params})
        return sent

    def request(self, method: str, params: dict, timeout: float = 60) -> tuple[float, dict]:
        rid = next(self.ids)
        with self.lock:
            self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
            sent = time.perf_counter()
            if not self.lock.wait_for(lambda: rid in self.responses, timeout):
                raise TimeoutError(method)
            at, body = self.responses.pop(rid)
        return at - sent, body

    def wait_publish(self, uri: str, version: int | None, since: int, timeout: float = 30) -> tuple[float, dict]:
        """The first publish for ``uri`` at ``version`` or later, among those after index ``since``."""
        def find():
            for at, params in self.publishes[since:]:
                if params["uri"] == uri and (version is None or (params.get("version") or 0) >= version):
                    return at, params
            return None

        with self.lock:
            if not self.lock.wait_for(lambda: find() is not None, timeout):
                raise TimeoutError(f"no diagnostics for {uri} v{version}")
            return find()

    def cpu(self) -> float:
        """The server's CPU seconds so far (user + system)."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return float("nan")

    def rss(self) -> int:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_rss_kb = max(self.peak_rss_kb, int(line.split()[1]))
        except OSError:
            pass
        workers = 0
        for child in _children(self.proc.pid):
            try:
                for line in Path(f"/proc/{child}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        workers += int(line.split()[1])
            except OSError:
                pass
        self.peak_worker_rss_kb = max(self.peak_worker_rss_kb, workers)
        return self.peak_rss_kb

    def initialize(self, root: Path, pull: bool = False) -> float:
        caps: dict = {"textDocument": {"publishDiagnostics": {"versionSupport": True}},
                      "workspace": {}}
        if pull:
            caps["textDocument"]["diagnostic"] = {}
        elapsed, _ = self.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(),
                                                 "capabilities": caps, "initializationOptions": {}})
        self.notify("initialized", {})
        return elapsed

    def close(self) -> None:
        self.rss()
        try:
            self.request("shutdown", {}, timeout=10)
            self.notify("exit", {})
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def _open(client: Client, path: Path, text: str) -> tuple[str, float]:
    uri = path.as_uri()
    sent = client.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "python", "version": 1, "text": text}})
    return uri, sent


def _change(client: Client, uri: str, version: int, line: int, col: int, end_line: int, end_col: int,
            text: str) -> float:
    return client.notify("textDocument/didChange", {
        "textDocument": {"uri": uri, "version": version},
        "contentChanges": [{"range": {"start": {"line": line, "character": col},
                                      "end": {"line": end_line, "character": end_col}}, "text": text}]})


PASTED = '''

def export_report(request, rows, out_dir):
    """Write the rows a user asked for to a CSV file and return its path."""
    import csv
    import subprocess

    name = request.args.get("name", "report")
    path = os.path.join(out_dir, name + ".csv")
    total = 0.0
    with open(path, "w") as handle:
        writer = csv.writer(handle)
        for row in rows:
            try:
                total += float(row["amount"])
            except Exception:
                pass
            writer.writerow([row["id"], row["amount"]])
    average = total / len(rows)
    query = "SELECT * FROM audit WHERE name = '%s'" % name
    subprocess.call("gzip " + path, shell=True)
    first = re.match(r"(\\d+)", name).group(1)
    if first is None:
        return None
    cursor = request.db.cursor()
    cursor.execute(query)
    data = yaml.load(open(path))
    token = "sk_live_" + "0123456789abcdef0123456789"
    for item in data:
        assert item, "empty item"
        print(item)
    response = requests.get("https://example.com/upload", verify=False)
    if response.status_code != 200:
        raise RuntimeError("upload failed")
    log = open(path + ".log", "a")
    log.write(str(average))
    pickle.loads(response.content)
    return path, token, first
'''


def _method_line(lines: list[str], near: int) -> int:
    """A line inside a method body (8-space indent, a plain statement) at or after ``near``."""
    for i in range(near, len(lines)):
        line = lines[i]
        if line.startswith("        ") and not line.startswith("         ") and line.strip() and \
                not line.strip().startswith(("#", '"', "'", "@", "def ", "class ", "return")) and \
                line.rstrip().endswith(tuple("abcdefghijklmnopqrstuvwxyz0123456789)]")):
            return i
    raise SystemExit("no method line found")


def _top_level_end(lines: list[str], near: int) -> int:
    """The first line at or after ``near`` that starts a top-level def or class."""
    for i in range(near, len(lines)):
        if lines[i].startswith(("def ", "class ")):
            return i
    return len(lines)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * (len(ordered) - 1)))))]


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (the server's API worker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def typing_session(server: list[str], big: Path, root: Path, keystrokes: int) -> dict:
    text = big.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    with Client(server, root) as client:
        return _typing(client, lines, text, big, root, keystrokes)


def _typing(client: Client, lines: list[str], text: str, big: Path, root: Path, keystrokes: int) -> dict:
    client.initialize(root)
    uri, sent = _open(client, root / big.name, text)
    at, _ = client.wait_publish(uri, 1, 0, timeout=120)
    first_open = at - sent
    # The user reads before typing: the server uses this idle second to import libcst for
    # quick-fixes (0.25 s), which would otherwise land on the first edit that builds one.
    time.sleep(1.0)
    version = 1
    samples: dict[str, list[float]] = {"keystroke": [], "paste": [], "import": [], "undo": []}
    cpu: list[float] = []

    def edit(kind: str, *args) -> None:
        nonlocal version
        version += 1
        since = len(client.publishes)
        cpu_before = client.cpu()
        sent = _change(client, uri, version, *args)
        at, _ = client.wait_publish(uri, version, since)
        samples[kind].append(at - sent)
        if kind != "undo":
            cpu.append(client.cpu() - cpu_before)
        time.sleep(0.03)  # a fast typist's gap

    # 1. Type a statement character by character at the end of a method line,
    #    passing through broken syntax (`total = compute(items, ` ...).
    target = _method_line(lines, len(lines) // 2)
    typed = "; total = sum(len(str(x)) for x in (self, target) if x)"
    line_text = lines[target].rstrip("\r\n")
    col = len(line_text)
    for ch in typed[:keystrokes]:
        edit("keystroke", target, col, target, col, ch)
        col += 1
    # ... and delete it again with backspaces.
    for _ in range(min(len(typed), keystrokes) // 2):
        edit("keystroke", target, col - 1, target, col, "")
        col -= 1
    edit("undo", target, len(line_text), target, col, "")

    # 2. Paste a 40-line function between two top-level blocks, then delete it.
    at_line = _top_level_end(lines, len(lines) // 3)
    for _ in range(3):
        edit("paste", at_line, 0, at_line, 0, PASTED.lstrip("\n") + "\n\n")
        pasted_lines = (PASTED.lstrip("\n") + "\n\n").count("\n")
        edit("undo", at_line, 0, at_line + pasted_lines, 0, "")

    # 3. Add an import at the top (changes the module context), then remove it.
    for module in ("subprocess", "pickle", "yaml"):
        edit("import", 0, 0, 0, 0, f"import {module}\n")
        edit("undo", 0, 0, 1, 0, "")

    client.rss()
    client.close()
    all_edits = samples["keystroke"] + samples["paste"] + samples["import"]
    return {
        "open_ms": first_open * 1000,
        "samples_ms": {k: [round(v * 1000, 2) for v in vs] for k, vs in samples.items()},
        "p50_ms": _pct(all_edits, 0.5) * 1000,
        "p95_ms": _pct(all_edits, 0.95) * 1000,
        "max_ms": max(all_edits) * 1000,
        "keystroke_p50_ms": _pct(samples["keystroke"], 0.5) * 1000,
        "keystroke_p95_ms": _pct(samples["keystroke"], 0.95) * 1000,
        "paste_p50_ms": _pct(samples["paste"], 0.5) * 1000,
        "import_p50_ms": _pct(samples["import"], 0.5) * 1000,
        "edits": len(all_edits),
        "server_cpu_p50_ms": _pct(cpu, 0.5) * 1000,
        "server_cpu_p95_ms": _pct(cpu, 0.95) * 1000,
        "peak_rss_mb": client.peak_rss_kb / 1024,
        "peak_worker_rss_mb": client.peak_worker_rss_kb / 1024,
    }


def api_session(server: list[str], big: Path, root: Path, rounds: int) -> dict:
    """didChange -> pull answer, which waits for the API stage (no refresh support)."""
    text = big.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    with Client(server, root) as client:
        return _api(client, lines, text, big, root, rounds)


def _api(client: Client, lines: list[str], text: str, big: Path, root: Path, rounds: int) -> dict:
    client.initialize(root, pull=True)
    uri, _ = _open(client, root / big.name, text)
    ident = {"textDocument": {"uri": uri}}
    # Warm: the API stage has a time budget per pass and continues where it stopped on
    # the next one; re-trigger it (a comment typed at the end) until a pass is quick.
    # A pull answers with result id "<local generation>.<API generation>.<publications>".
    warmup = time.perf_counter()
    version = 1
    for attempt in range(12):
        started = time.perf_counter()
        while True:
            _, body = client.request("textDocument/diagnostic", ident, timeout=120)
            local, api = (str(body.get("result", {}).get("resultId", "")).split(".") + ["", ""])[:2]
            if local == api:
                break
        if time.perf_counter() - started < 3.0 and attempt:
            break
        version += 1
        end = len(lines)
        _change(client, uri, version, end, 0, end, 0, f"# warm {attempt}\n")
    warm_seconds = time.perf_counter() - warmup
    target = _method_line(lines, len(lines) // 2)
    col = len(lines[target].rstrip("\r\n"))
    times = []
    for n in range(rounds):
        version += 1
        snippet = f"; _ = os.path.joinn('a', {n!r})" if n % 2 == 0 else ""
        end = col if n % 2 == 0 else col + len(f"; _ = os.path.joinn('a', {n - 1!r})")
        sent = _change(client, uri, version, target, col, target, end, snippet)
        _, body = client.request("textDocument/diagnostic", ident, timeout=20)
        times.append(time.perf_counter() - sent - 0.0)
        time.sleep(0.05)
    client.rss()
    client.close()
    return {"api_p50_ms": _pct(times, 0.5) * 1000, "api_p95_ms": _pct(times, 0.95) * 1000,
            "rounds": rounds, "api_first_full_s": warm_seconds,
            "peak_worker_rss_mb": client.peak_worker_rss_kb / 1024}


def cold_start(server: list[str], small: Path, root: Path, runs: int) -> dict:
    text = small.read_text(encoding="utf-8")
    spans, inits = [], []
    for _ in range(runs):
        with Client(server, root) as client:
            spawned = client.spawned
            init = client.initialize(root)
            uri, _ = _open(client, root / small.name, text)
            at, params = client.wait_publish(uri, 1, 0, timeout=60)
            spans.append(at - spawned)
            inits.append(init)
            client.close()
    return {"cold_start_ms": statistics.median(spans) * 1000, "cold_start_max_ms": max(spans) * 1000,
            "initialize_ms": statistics.median(inits) * 1000, "runs": runs,
            "diagnostics": len(params["diagnostics"])}


def bandit_in_process(path: Path, runs: int) -> dict:
    from bandit.core import config, manager

    times = []
    issues = 0
    for _ in range(runs + 1):
        start = time.perf_counter()
        b = manager.BanditManager(config.BanditConfig(), "file", quiet=True)
        b.discover_files([str(path)])
        b.run_tests()
        times.append(time.perf_counter() - start)
        issues = len(b.get_issue_list())
    return {"bandit_inproc_ms": statistics.median(times[1:]) * 1000, "bandit_issues": issues}


def bandit_cli(path: Path, runs: int) -> dict:
    exe = Path(sys.executable).parent / "bandit"
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([str(exe), "-q", "-f", "json", str(path)], capture_output=True)
        times.append(time.perf_counter() - start)
    return {"bandit_cli_ms": statistics.median(times) * 1000}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--big", type=Path, default=None, help="the ~5,000-line module (default: pip's vendored pyparsing/core.py)")
    parser.add_argument("--small", type=Path, default=None, help="the ~1,000-line module (default: pip's vendored requests/models.py)")
    parser.add_argument("--keystrokes", type=int, default=40)
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--api-rounds", type=int, default=20)
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()
    big = args.big or _default("_vendor/pyparsing/core.py")
    small = args.small or _default("_vendor/requests/models.py")
    server = [sys.executable, "-m", "caveat", "serve"]
    import tempfile

    with tempfile.TemporaryDirectory(prefix="caveat-latency-") as tmp:
        root = Path(tmp)
        (root / "pyproject.toml").write_text('[project]\nname = "bench"\nversion = "0"\ndependencies = ["requests"]\n')
        result: dict = {"big": str(big), "big_lines": len(big.read_text().splitlines()),
                        "small": str(small), "small_lines": len(small.read_text().splitlines()),
                        "python": sys.version.split()[0], "cpus": os.cpu_count()}
        result.update(cold_start(server, small, root, args.cold_runs))
        result.update(typing_session(server, big, root, args.keystrokes))
        try:
            if args.api_rounds:
                result.update(api_session(server, big, root, args.api_rounds))
            else:
                result.update({"api_p50_ms": float("nan"), "api_p95_ms": float("nan")})
        except TimeoutError as error:  # recorded, not fatal: the other numbers still count
            result.update({"api_p50_ms": float("nan"), "api_p95_ms": float("nan"), "api_error": f"timeout: {error}"})
        result.update(bandit_in_process(big, 5))
        result.update(bandit_cli(big, 3))
    result["p95_over_bandit_inproc"] = result["p95_ms"] / result["bandit_inproc_ms"]
    result["p50_over_bandit_inproc"] = result["p50_ms"] / result["bandit_inproc_ms"]
    result["p95_over_bandit_cli"] = result["p95_ms"] / result["bandit_cli_ms"]
    try:
        import caveat.providers.api  # noqa: F401
        result["api_provider"] = True
    except ImportError:
        result["api_provider"] = False

    print(f"big file:   {result['big']} ({result['big_lines']} lines)")
    print(f"small file: {result['small']} ({result['small_lines']} lines)")
    print(f"cold start (spawn -> first diagnostics, {result['small_lines']} lines): "
          f"median {result['cold_start_ms']:.0f} ms, max {result['cold_start_max_ms']:.0f} ms "
          f"(initialize answered after {result['initialize_ms']:.0f} ms)")
    print(f"open {result['big_lines']}-line file -> first diagnostics: {result['open_ms']:.0f} ms")
    print(f"didChange -> first publishDiagnostics over {result['edits']} edits: "
          f"p50 {result['p50_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms, max {result['max_ms']:.1f} ms")
    print(f"  keystrokes p50 {result['keystroke_p50_ms']:.1f} / p95 {result['keystroke_p95_ms']:.1f} ms; "
          f"40-line paste p50 {result['paste_p50_ms']:.1f} ms; import added p50 {result['import_p50_ms']:.1f} ms")
    print(f"  server CPU per edit: p50 {result['server_cpu_p50_ms']:.1f} ms, p95 {result['server_cpu_p95_ms']:.1f} ms")
    print(f"API stage, first full pass over the big file: {result.get('api_first_full_s', float('nan')):.1f} s")
    print(f"API results after an edit (pull answer): p50 {result['api_p50_ms']:.0f} ms, p95 {result['api_p95_ms']:.0f} ms"
          + ("" if result["api_provider"] else " (no API provider installed: local stage only)"))
    print(f"peak RSS of the server: {result['peak_rss_mb']:.0f} MB; of its API worker process: "
          f"{result.get('peak_worker_rss_mb', 0):.0f} MB")
    print(f"bandit whole file in process: {result['bandit_inproc_ms']:.0f} ms; bandit CLI: {result['bandit_cli_ms']:.0f} ms")
    print(f"ratios: p95 / bandit in process = {result['p95_over_bandit_inproc']:.2f}; "
          f"p50 / bandit in process = {result['p50_over_bandit_inproc']:.2f}; "
          f"p95 / bandit CLI = {result['p95_over_bandit_cli']:.2f}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
