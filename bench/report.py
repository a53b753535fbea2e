"""History report speed: `caveat report` over the last N commits of a real repository,
cold and warm, against a plain `git log --numstat` over the same range in the same run.

    python bench/report.py --repo GIT_DIR [--commits 500] [--runs 1] [--json OUT]

GIT_DIR is any git repository (a bare mirror is fine): it is cloned without a checkout into
a temporary folder, so caveat's `.caveat_cache/` lands there. The range is ``BASE..HEAD``
with BASE the first-parent ancestor of HEAD closest to it that leaves at least N non-merge
commits in the range (the report counts non-merge commits). "cold" is a run with no
`.caveat_cache/`; "warm" is the next run over the same range (every file version cached).
The peer, `git log --numstat BASE..HEAD`, reads the same commits and counts the same lines;
caveat additionally reads and analyses every version of every changed Python file.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def base_for(repo: Path, commits: int) -> str:
    """The nearest first-parent ancestor of HEAD with at least ``commits`` non-merge commits after it."""
    line = git(repo, "rev-list", "--first-parent", "HEAD").split()
    low, high = 1, len(line) - 1
    while low < high:  # the smallest k with count(HEAD~k..HEAD) >= commits
        middle = (low + high) // 2
        if count(repo, line[middle]) >= commits:
            high = middle
        else:
            low = middle + 1
    return line[low]


def count(repo: Path, base: str) -> int:
    return int(git(repo, "rev-list", "--count", "--no-merges", f"{base}..HEAD").strip())


def python_lines(repo: Path) -> int:
    blobs = [line.split()[2] for line in git(repo, "ls-tree", "-r", "HEAD").splitlines()
             if line.split("\t")[-1].endswith(".py")]
    data = subprocess.run(["git", "cat-file", "--batch"], cwd=repo, input="\n".join(blobs) + "\n",
                          capture_output=True, text=True, errors="replace").stdout
    return data.count("\n") - len(blobs)


def file_versions(repo: Path, base: str) -> int:
    """Distinct (path, blob) pairs of the Python files the range changes, before and after."""
    raw = git(repo, "log", "--no-merges", "--raw", "--no-abbrev", "-M", "--format=", f"{base}..HEAD")
    seen = set()
    for line in raw.splitlines():
        if not line.startswith(":"):
            continue
        meta, *paths = line.split("\t")
        _, _, old, new, _ = meta[1:].split()
        old_path, new_path = (paths[0], paths[-1])
        for path, blob in ((old_path, old), (new_path, new)):
            if path.endswith((".py", ".pyi")) and set(blob) != {"0"}:
                seen.add((path, blob))
    return len(seen)


def timed(command: list[str], cwd: Path, env: dict) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command and its children: less sensitive to a busy machine)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, env=env)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr.decode()[-2000:]}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, required=True)
    parser.add_argument("--commits", type=int, default=500)
    parser.add_argument("--runs", type=int, default=1, help="cold/warm pairs; medians are reported")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "CAVEAT_NO_DISK_CACHE"}
    with tempfile.TemporaryDirectory(prefix="caveat-bench-report-") as folder:
        repo = Path(folder) / "repo"
        subprocess.run(["git", "clone", "-q", "--no-checkout", str(args.repo.resolve()), str(repo)], check=True)
        base = base_for(repo, args.commits)
        span = f"{base}..HEAD"
        facts = {"repository": str(args.repo), "head": git(repo, "rev-parse", "HEAD").strip(), "base": base,
                 "commits": count(repo, base), "python_lines_at_head": python_lines(repo),
                 "python_file_versions": file_versions(repo, base), "cpus": os.cpu_count()}
        print(json.dumps(facts), file=sys.stderr)
        report = [str(BIN / "caveat"), "report", "--range", span, "--format", "json", "-o", os.devnull,
                  "--no-progress"]
        runs: dict[str, list[tuple[float, float]]] = {"git log --numstat": [], "caveat report, cold": [],
                                                      "caveat report, warm": []}
        for _ in range(args.runs):
            shutil.rmtree(repo / ".caveat_cache", ignore_errors=True)
            runs["git log --numstat"].append(timed(["git", "log", "--numstat", span], repo, env))
            runs["caveat report, cold"].append(timed(report, repo, env))
            runs["caveat report, warm"].append(timed(report, repo, env))
            runs["git log --numstat"].append(timed(["git", "log", "--numstat", span], repo, env))
    medians = {name: (statistics.median(t[0] for t in times), statistics.median(t[1] for t in times))
               for name, times in runs.items()}
    peer = medians["git log --numstat"]
    print(f"{facts['commits']} commits ({span}), {facts['python_file_versions']} Python file versions, "
          f"{facts['python_lines_at_head']} lines of Python at HEAD; load average {os.getloadavg()[0]:.1f}")
    print(f"{'command':<24} {'wall s':>8} {'/ git log':>10} {'CPU s':>8} {'/ git log':>10}")
    for name, (wall, cpu) in medians.items():
        print(f"{name:<24} {wall:>8.2f} {wall / peer[0]:>10.1f} {cpu:>8.2f} {cpu / peer[1]:>10.1f}")
    if args.json:
        args.json.write_text(json.dumps({**facts, "runs": runs, "medians": medians}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
