"""The outside incremental fuzzer, many sessions, with the server's CPU per edit.

Runs ``fuzz_incremental.py`` (the team's editor-like fuzzer, in ``../shared/tools``;
its sessions unchanged: 250 random edits over the real server, then a comparison of the
quiet server's diagnostics with ``caveat check --no-cache`` of the final text) and reads
the CPU time of the server process and of its children (the API worker) from /proc
between the end of the first analysis and the end of the session:

    python bench/fuzz.py --caveat .venv/bin/caveat --module path/to/module.py \\
        [--module another.py] [--sessions 50] [--edits 250] [--seed 1] [--keep DIR] [--json out.json]

Exit 1 when any session differs. CPU per edit includes everything the edits caused:
local checks, the API stage in its worker, the settled re-publication.

"Quiet" is the fuzzer's (no publication for 6 s) and, unless ``--no-wait-api``, also "the
API stage has finished for the last version" (asked with a pull request): on a loaded
machine jedi's pass over a large file can take longer than 6 s, and the API results
are compared when settled (README: what the editor shows equals `caveat check`).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

# ../shared/tools beside the repository (or beside a folder above it, for worktrees)
TOOLS = next((p / "shared" / "tools" for p in Path(__file__).resolve().parents[1:]
              if (p / "shared" / "tools" / "fuzz_incremental.py").exists()), Path("../shared/tools"))
TICK = os.sysconf("SC_CLK_TCK")
WAIT_API = True


def cpu_seconds(pid: int) -> tuple[float, float]:
    """(the process's own user+system CPU, its descendants'), in seconds."""
    own = _stat_cpu(pid)
    children = sum(_stat_cpu(child) + _descendants_cpu(child) for child in _children(pid))
    return own, children


def _stat_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14, 15 of stat)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.extend(int(x) for x in (task / "children").read_text().split())
        except OSError:
            pass
    return found


def _descendants_cpu(pid: int) -> float:
    return sum(_stat_cpu(child) + _descendants_cpu(child) for child in _children(pid))


def metered(base):
    """``LspClient`` that notes the server's CPU after the first analysis and at the end."""

    class Metered(base):
        sessions: list[dict] = []
        api_waits = 0  # sessions whose API stage was still running after the fuzzer's quiet period

        def open(self, *args, **kwargs):
            result = super().open(*args, **kwargs)
            self._cpu0 = cpu_seconds(self.proc.pid)
            self._t0 = time.perf_counter()
            return result

        def wait_diagnostics(self, uri, timeout=30.0, after=0.0):
            t, diags = super().wait_diagnostics(uri, timeout, after)
            self._last = (t, diags)
            return t, diags

        def settle(self, uri, quiet=1.0, timeout=30.0, after=0.0):
            """The fuzzer's settle (no publication for ``quiet`` seconds), and then, with
            ``--wait-api``, until the server says its API stage finished for the last version
            (the pull result id is ``<published generation>.<API generation>.<count>``)."""
            t, diags = super().settle(uri, quiet, timeout, after)
            if not WAIT_API:
                return t, diags
            deadline = time.monotonic() + timeout
            waited = False
            while time.monotonic() < deadline:
                report = self.request("textDocument/diagnostic", {"textDocument": {"uri": uri}}, timeout=timeout)
                published, api = (report or {}).get("resultId", "0.0").split(".")[:2]
                if published == api:
                    break
                waited = True
                time.sleep(0.5)
            if waited:  # the API stage's publication (if any) arrived meanwhile or comes now
                Metered.api_waits += 1
                try:
                    t, diags = super().settle(uri, 2.0, 10.0, after=t + 1e-6)
                except TimeoutError:
                    t, diags = self._last
            return t, diags

        def close(self) -> None:
            own, children = cpu_seconds(self.proc.pid)
            own0, children0 = getattr(self, "_cpu0", (own, children))
            Metered.sessions.append({"server_cpu": own - own0, "worker_cpu": children - children0,
                                     "wall": time.perf_counter() - getattr(self, "_t0", time.perf_counter())})
            super().close()

    return Metered


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--caveat", required=True)
    ap.add_argument("--module", required=True, type=Path, action="append")
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--edits", type=int, default=250)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", type=Path)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--tools", type=Path, default=TOOLS, help="where fuzz_incremental.py and lspclient.py are")
    ap.add_argument("--no-wait-api", action="store_true",
                    help="compare after the fuzzer's quiet period even if the API stage (jedi) is still running")
    a = ap.parse_args()
    global WAIT_API
    WAIT_API = not a.no_wait_api
    sys.path.insert(0, str(a.tools))
    import fuzz_incremental  # noqa: E402 - the outside fuzzer, used as is

    client = fuzz_incremental.LspClient = metered(fuzz_incremental.LspClient)
    caveat = str(Path(a.caveat).resolve())  # the fuzzer starts the server in a temporary folder
    rows, bad = [], []
    for module in a.module:
        lines = module.read_text().count("\n")
        for seed in range(a.seed, a.seed + a.sessions):
            equal = fuzz_incremental.session(caveat, module.resolve(), seed, a.edits, a.keep and a.keep / module.stem)
            cpu = client.sessions[-1]
            rows.append({"module": str(module), "lines": lines, "seed": seed, "equal": equal,
                         "server_ms_per_edit": 1000 * cpu["server_cpu"] / a.edits,
                         "worker_ms_per_edit": 1000 * cpu["worker_cpu"] / a.edits, "wall_s": cpu["wall"]})
            if not equal:
                bad.append((module.name, seed))
            print(f"  {module.name} seed {seed}: {'equal' if equal else 'DIFFERENT'}; server CPU "
                  f"{rows[-1]['server_ms_per_edit']:.1f} ms/edit, API worker {rows[-1]['worker_ms_per_edit']:.1f} "
                  f"ms/edit; {cpu['wall']:.0f} s; API waits so far {client.api_waits}", flush=True)
    print(f"\n{len(rows) - len(bad)} of {len(rows)} sessions equal to a from-scratch check; differing: {bad}; "
          f"{client.api_waits} waited for the API stage after the fuzzer's quiet period")
    for module in a.module:
        mine = [r for r in rows if r["module"] == str(module)]
        server = [r["server_ms_per_edit"] for r in mine]
        worker = [r["worker_ms_per_edit"] for r in mine]
        print(f"{module.name} ({mine[0]['lines']} lines, {len(mine)} sessions x {a.edits} edits): "
              f"{sum(r['equal'] for r in mine)} equal; server CPU per edit median {statistics.median(server):.1f} ms "
              f"(max {max(server):.1f}); API worker CPU per edit median {statistics.median(worker):.1f} ms "
              f"(max {max(worker):.1f})")
    if a.json:
        a.json.write_text(json.dumps(rows, indent=1))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
