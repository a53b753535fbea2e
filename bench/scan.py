"""Whole-project scan speed: `caveat check` (cold and warm cache) against
`bandit -r` and `ruff check --select S` on a large real codebase, same run.

    python bench/scan.py [--tree DIR] [--runs N] [--json OUT] [--with-api]

The tree (default: the installed django package) is copied to a temporary
folder so caveat's `.caveat_cache/` lands there, not in site-packages. Each
tool runs as its CLI, as CI would run it; times are medians of ``--runs``.
"cold" means no `.caveat_cache/` (and `ruff --no-cache`); "warm" is the next
run over the unchanged tree.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def _default_tree() -> Path:
    import django

    return Path(django.__file__).parent


def count_lines(tree: Path) -> tuple[int, int]:
    files = lines = 0
    for path in tree.rglob("*.py"):
        files += 1
        with open(path, "rb") as handle:
            lines += sum(1 for _ in handle)
    return files, lines


def timed(command: list[str], cwd: Path, env: dict | None = None) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, env=env)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr.decode()[-2000:]}")
    return elapsed, done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--with-api", action="store_true", help="also run caveat's API stage (jedi)")
    args = parser.parse_args()
    source = (args.tree or _default_tree()).resolve()
    env = {k: v for k, v in os.environ.items() if k != "CAVEAT_NO_DISK_CACHE"}
    with tempfile.TemporaryDirectory(prefix="caveat-scan-") as tmp:
        tree = Path(tmp) / source.name
        shutil.copytree(source, tree, ignore=shutil.ignore_patterns("__pycache__"))
        files, lines = count_lines(tree)
        caveat = [str(BIN / "caveat"), "check", "--format", "json", "--no-progress", "--exit-zero", "-o",
                  str(Path(tmp) / "caveat.json"), str(tree)]
        # The peers check the code itself; caveat's API stage (jedi against the environment) is
        # another kind of check: compare local rules with local rules unless --with-api.
        helptext = subprocess.run([str(BIN / "caveat"), "check", "--help"], capture_output=True, text=True).stdout
        if "--no-api" in helptext and not args.with_api:
            caveat.insert(2, "--no-api")
        bandit = [str(BIN / "bandit"), "-r", "-q", "-f", "json", "-o", str(Path(tmp) / "bandit.json"), str(tree)]
        ruff = [str(BIN / "ruff"), "check", "--select", "S", "--no-cache", "--exit-zero", "--quiet",
                "--output-format", "json", "-o", str(Path(tmp) / "ruff.json"), str(tree)]
        times: dict[str, list[float]] = {"caveat_cold": [], "caveat_warm": [], "bandit": [], "ruff": []}
        for _ in range(args.runs):
            shutil.rmtree(Path(tmp) / ".caveat_cache", ignore_errors=True)
            shutil.rmtree(tree / ".caveat_cache", ignore_errors=True)
            times["caveat_cold"].append(timed(caveat, Path(tmp), env)[0])
            times["caveat_warm"].append(timed(caveat, Path(tmp), env)[0])
            times["bandit"].append(timed(bandit, Path(tmp))[0])
            times["ruff"].append(timed(ruff, Path(tmp))[0])
        counts = {
            "caveat": len(json.loads((Path(tmp) / "caveat.json").read_text())),
            "bandit": len(json.loads((Path(tmp) / "bandit.json").read_text()).get("results", [])),
            "ruff": len(json.loads((Path(tmp) / "ruff.json").read_text())),
        }
        cache = [p for p in (Path(tmp) / ".caveat_cache", tree / ".caveat_cache") if p.exists()]
    med = {k: statistics.median(v) for k, v in times.items()}
    result = {"tree": str(source), "files": files, "lines": lines, "runs": args.runs, "cpus": os.cpu_count(),
              "seconds": med, "all_seconds": times, "findings": counts,
              "lines_per_second": {k: lines / v for k, v in med.items()},
              "caveat_cold_over_bandit": med["caveat_cold"] / med["bandit"],
              "caveat_warm_over_bandit": med["caveat_warm"] / med["bandit"],
              "caveat_cold_over_ruff": med["caveat_cold"] / med["ruff"],
              "cache_dir": str(cache[0].relative_to(Path(tmp))) if cache else None}
    print(f"tree: {source} ({files} files, {lines} lines), median of {args.runs} runs, {os.cpu_count()} CPUs")
    print(f"{'tool':<28} {'seconds':>8} {'lines/s':>10} {'findings':>9}")
    for key, label, count in (("caveat_cold", "caveat check (cold cache)", "caveat"),
                              ("caveat_warm", "caveat check (warm cache)", "caveat"),
                              ("bandit", "bandit -r", "bandit"), ("ruff", "ruff check --select S", "ruff")):
        print(f"{label:<28} {med[key]:>8.2f} {lines / med[key]:>10.0f} {counts[count]:>9}")
    print(f"ratios: caveat cold / bandit = {result['caveat_cold_over_bandit']:.2f}; "
          f"caveat warm / bandit = {result['caveat_warm_over_bandit']:.2f}; "
          f"caveat cold / ruff = {result['caveat_cold_over_ruff']:.1f}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
