"""What the gate costs: `caveat check` with a baseline, with --diff (fixes computed, nothing
written) and with --diff-from, each against plain `caveat check` on the same tree in the
same run.

    python bench/gate.py [--tree DIR] [--runs N] [--with-api]

The tree (default: the installed django package) is copied into a temporary git
repository. A baseline of every finding is written first; for --diff-from, a commit
touching three files (one new function each) follows the baseline commit. Each command
runs as its CLI with --no-cache; times are medians of --runs, as wall time and as CPU
time (user + system of the process and its children), since this machine is shared.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CAVEAT = [sys.executable, "-m", "caveat", "check", "--no-cache", "--no-progress"]
GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}


def _default_tree() -> Path:
    import django

    return Path(django.__file__).parent


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env={**os.environ, **GIT_ENV})


def timed(command: list[str], cwd: Path) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the child, its stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--with-api", action="store_true", help="include the API stage (default: local checks)")
    args = parser.parse_args()
    tree = args.tree or _default_tree()
    api = [] if args.with_api else ["--no-api"]
    with tempfile.TemporaryDirectory(prefix="caveat-gate-bench-") as folder:
        repo = Path(folder) / "repo"
        shutil.copytree(tree, repo / tree.name, ignore=shutil.ignore_patterns("__pycache__", ".caveat_cache"))
        git(repo, "init", "-q")
        subprocess.run([*CAVEAT, *api, "--write-baseline", "baseline.json", "."], cwd=repo, check=True,
                       capture_output=True)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "tree and baseline")
        files = sorted(repo.rglob("*.py"))
        for path in files[::max(1, len(files) // 3)][:3]:  # three files get a new function
            with open(path, "a", encoding="utf-8") as handle:
                handle.write("\n\ndef _bench_new(url):\n    import requests\n    return requests.get(url)\n")
        git(repo, "commit", "-q", "-am", "three new functions")
        commands = {
            "check": [*CAVEAT, *api, "."],
            "check --baseline": [*CAVEAT, *api, "--baseline", "baseline.json", "."],
            "check --diff": [*CAVEAT, *api, "--diff", "."],
            "check --diff-from HEAD~1": [*CAVEAT, *api, "--diff-from", "HEAD~1", "."],
        }
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        outputs: dict[str, str] = {}
        for _ in range(args.runs):
            for name, command in commands.items():  # interleaved: load changes hit every command alike
                wall, cpu, out = timed(command, repo)
                samples[name].append((wall, cpu))
                outputs[name] = out
        print(f"tree: {tree} ({len(files)} files), runs: {args.runs}, {'with' if args.with_api else 'without'} the API stage")
        base_wall = statistics.median(w for w, _ in samples["check"])
        base_cpu = statistics.median(c for _, c in samples["check"])
        print(f"{'command':<28} {'wall s':>8} {'cpu s':>8} {'wall/check':>11} {'cpu/check':>10}")
        for name in commands:
            wall = statistics.median(w for w, _ in samples[name])
            cpu = statistics.median(c for _, c in samples[name])
            print(f"{name:<28} {wall:8.2f} {cpu:8.2f} {wall / base_wall:11.2f} {cpu / base_cpu:10.2f}")
        for name in ("check --baseline", "check --diff-from HEAD~1"):
            tail = [line for line in outputs[name].splitlines() if line and not line.startswith((" ", "  "))][-3:]
            print(f"  {name}: {' | '.join(tail)}")
        diff_lines = outputs["check --diff"].count("\n+++ ") + outputs["check --diff"].startswith("--- ")
        print(f"  check --diff: {diff_lines} files would change")


if __name__ == "__main__":
    main()
