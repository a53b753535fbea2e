#!/usr/bin/env python3
"""False alarms of the API checks on real *client* code: code that calls popular libraries
correctly (their own test suites and examples), each checked against an environment with
the versions it was written for.

    python bench/detection/api/client_code.py [--suites pandas,numpy,...] [--json OUT] [--details]

For each suite the script (once, cached under ``--work``, default /tmp/caveat-client-code):

1. downloads the distribution with ``pip download --no-deps`` (a wheel where the tests ship
   in it, pandas and numpy; the sdist otherwise) and unpacks the suite's folders into a
   throwaway project (nothing is committed to the repository);
2. builds a bench environment with the pinned versions (this interpreter's pip
   ``--target``; the environment's own interpreter is never run, and caveat never runs it);
3. runs the default command, ``caveat check --python ENV --format json --no-cache PROJECT``
   (every rule on, as a user runs it), and keeps the API findings.

The code passes with those versions, so every CAV301 (hallucinated attribute), CAV303
(unknown keyword) and CAV304 (removed API) finding is a false alarm to triage, unless the
call sits in code that expects it to fail. The report gives findings per 1,000 lines
(non-blank, non-comment) per suite and overall; target <= 0.05.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import os
import subprocess
import sys
import tarfile
import time
import venv
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

COUNTED = ("CAV301", "CAV303", "CAV304")


@dataclass(frozen=True)
class Suite:
    name: str
    requirement: str  # what to download
    kind: str  # "wheel" or "sdist"
    members: tuple[str, ...]  # globs of archive paths (after the sdist's top folder)
    env: tuple[str, ...]  # the environment the code was written for
    # folders left out (checked by nothing, counted nowhere): type checkers' test inputs, which
    # are never run and hold deliberate errors (pydantic's tests/mypy: plugin_fail.py and 15
    # copies of the modules with mypy's expected errors inlined)
    exclude: tuple[str, ...] = ()


SUITES = (
    Suite("pandas", "pandas==2.2.3", "wheel",
          ("pandas/tests/frame/*", "pandas/tests/series/*", "pandas/tests/indexes/*"),
          ("pandas==2.2.3", "numpy==1.26.4", "pytest==8.3.3", "hypothesis==6.112.0", "python-dateutil==2.9.0.post0",
           "pytz==2024.2")),
    Suite("numpy", "numpy==1.26.4", "wheel",
          ("numpy/lib/tests/*", "numpy/core/tests/*", "numpy/linalg/tests/*", "numpy/ma/tests/*"),
          ("numpy==1.26.4", "pytest==8.3.3", "hypothesis==6.112.0")),
    Suite("requests", "requests==2.32.3", "sdist", ("tests/*",),
          ("requests==2.32.3", "pytest==8.3.3", "urllib3==2.2.3", "trustme==1.2.0")),
    Suite("flask", "flask==3.0.3", "sdist", ("tests/*", "examples/*"),
          ("flask==3.0.3", "werkzeug==3.0.6", "jinja2==3.1.4", "click==8.1.7", "pytest==8.3.3", "blinker==1.8.2")),
    Suite("httpx", "httpx==0.27.2", "sdist", ("tests/*",),
          ("httpx==0.27.2", "httpcore==1.0.6", "anyio==4.6.2", "pytest==8.3.3", "trustme==1.2.0", "uvicorn==0.32.0",
           "chardet==5.2.0")),
    Suite("pydantic", "pydantic==2.9.2", "sdist", ("tests/*",),
          ("pydantic==2.9.2", "pydantic-core==2.23.4", "pytest==8.3.3", "dirty-equals==0.8.0", "hypothesis==6.112.0",
           "annotated-types==0.7.0"), exclude=("tests/mypy", "tests/pyright")),
    Suite("sqlalchemy", "SQLAlchemy==2.0.36", "sdist", ("examples/*", "test/orm/*", "test/sql/*"),
          ("SQLAlchemy==2.0.36", "pytest==8.3.3", "typing-extensions==4.12.2")),
    # the examples alone (7,354 lines): the whole suite above (200k lines) needs about 80 minutes of
    # two loaded cores, more than a session's measuring window
    Suite("sqlalchemy-examples", "SQLAlchemy==2.0.36", "sdist", ("examples/*",),
          ("SQLAlchemy==2.0.36", "pytest==8.3.3", "typing-extensions==4.12.2")),
    Suite("click", "click==8.1.7", "sdist", ("tests/*", "examples/*"), ("click==8.1.7", "pytest==8.3.3")),
    Suite("jinja2", "jinja2==3.1.4", "sdist", ("tests/*",), ("jinja2==3.1.4", "markupsafe==3.0.2", "pytest==8.3.3")),
    Suite("werkzeug", "werkzeug==3.0.6", "sdist", ("tests/*", "examples/*"),
          ("werkzeug==3.0.6", "markupsafe==3.0.2", "pytest==8.3.3")),
)


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", *args], check=True,
                   env=dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1"),
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def ensure_env(work: Path, suite: Suite) -> Path:
    prefix = work / "envs" / suite.name
    marker = prefix / ".caveat-bench"
    wanted = "\n".join(sorted(suite.env))
    if marker.exists() and marker.read_text() == wanted:
        return prefix
    if not (prefix / "pyvenv.cfg").exists():
        venv.EnvBuilder(with_pip=False, symlinks=True).create(prefix)
    site = next(prefix.glob("lib/python3*/site-packages"))
    pip("install", "--quiet", "--no-compile", "--upgrade", "--target", str(site), *suite.env)
    marker.write_text(wanted)
    return prefix


def ensure_code(work: Path, suite: Suite) -> Path:
    project = work / "code" / suite.name
    marker = project / ".caveat-bench"
    if marker.exists():
        return project
    downloads = work / "downloads" / suite.name
    downloads.mkdir(parents=True, exist_ok=True)
    name = suite.requirement.split("==")[0]
    # only this project's own archive is forced: its build requirements stay wheels (Cython...)
    binary = ["--only-binary", name] if suite.kind == "wheel" else ["--no-binary", name]
    if not any(downloads.iterdir()):
        pip("download", "--quiet", "--no-deps", *binary, "--dest", str(downloads), suite.requirement)
    archive = next(downloads.iterdir())
    project.mkdir(parents=True, exist_ok=True)
    for name, read in _members(archive, suite.kind):
        if not name.endswith(".py") or not any(fnmatch.fnmatch(name, glob) for glob in suite.members):
            continue
        target = project / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(read())
    marker.write_text(suite.requirement)
    return project


def write_pyproject(project: Path, suite: Suite, budget: float | None) -> None:
    """The project declares what its environment holds; ``budget`` raises the API time
    budget per file (default 30 s) so that every block is checked, not only the first ones."""
    requirements = ", ".join(json.dumps(r.split("==")[0]) for r in suite.env)
    text = f'[project]\nname = "{suite.name}-client-code"\nversion = "0"\ndependencies = [{requirements}]\n'
    if suite.exclude:
        text += f"\n[tool.caveat]\nexclude = {json.dumps([f'{folder}/**' for folder in suite.exclude])}\n"
    if budget:
        text += f"\n[tool.caveat.options]\napi-time-budget = {budget}\n"
    (project / "pyproject.toml").write_text(text)


def _members(archive: Path, kind: str):
    if kind == "wheel":
        with zipfile.ZipFile(archive) as wheel:
            for name in wheel.namelist():
                yield name, (lambda n=name: wheel.read(n))
        return
    with tarfile.open(archive) as sdist:
        for member in sdist.getmembers():
            if member.isfile():
                inner = member.name.split("/", 1)[1] if "/" in member.name else member.name
                yield inner, (lambda m=member: sdist.extractfile(m).read())


def count_lines(project: Path, exclude: tuple[str, ...] = ()) -> dict[str, int]:
    """Non-blank, non-comment lines per file (paths relative to the project), outside ``exclude``."""
    counts = {}
    for path in project.rglob("*.py"):
        relative = path.relative_to(project).as_posix()
        if any(relative.startswith(folder + "/") for folder in exclude):
            continue
        counts[relative] = sum(
            1 for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
            if line.strip() and not line.strip().startswith("#"))
    return counts


def check(project: Path, env: Path, out: Path) -> tuple[list[dict], float, str]:
    """``caveat check`` of the project; its raw output is kept in ``out`` (.json, .stderr)."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "caveat", "check", "--python", str(env), "--format", "json",
                           "--no-cache", "--no-progress", "--exit-zero", str(project)],
                          capture_output=True, text=True, cwd=project)
    elapsed = time.perf_counter() - started
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(done.stdout)
    out.with_suffix(".stderr").write_text(done.stderr)
    if done.returncode != 0:
        raise SystemExit(f"caveat check failed on {project}:\n{done.stderr[-3000:]}")
    return [f for f in json.loads(done.stdout) if f["code"].startswith("CAV3")], elapsed, done.stderr


def over_budget(stderr: str) -> dict[str, int]:
    """The files whose API checks stopped at the per-file time budget (partly unchecked), with
    the number of blocks left unchecked."""
    stopped = {}
    for line in stderr.splitlines():
        if ": API checks stopped after" in line:
            path = line.removeprefix("caveat: ").split(": API checks stopped", 1)[0]
            blocks = line.split(" block(s) of ", 1)[0].rsplit(" ", 1)[-1]
            stopped[path] = int(blocks) if blocks.isdigit() else 0
    return dict(sorted(stopped.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/caveat-client-code"),
                        help="downloads, environments, code and each suite's raw output (out/SUITE.json, .stderr)")
    parser.add_argument("--suites", help="comma-separated suite names (default: all)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--details", action="store_true", help="print every API finding, not only counted ones")
    parser.add_argument("--prepare", action="store_true", help="only download the code and build the environments")
    parser.add_argument("--budget", type=float, default=None,
                        help="API time budget per file in seconds (default: caveat's, 30; files that hit it are "
                             "reported and partly unchecked)")
    args = parser.parse_args()
    args.work = args.work.resolve()  # caveat check runs in the project's folder
    wanted = args.suites.split(",") if args.suites else [s.name for s in SUITES]
    chosen = [s for name in wanted for s in SUITES if s.name == name]
    rows, details = [], []
    for suite in chosen:
        env = ensure_env(args.work, suite)
        project = ensure_code(args.work, suite)
        if args.prepare:
            continue
        write_pyproject(project, suite, args.budget)
        per_file = count_lines(project, suite.exclude)
        lines = sum(per_file.values())
        findings, seconds, stderr = check(project, env, args.work / "out" / suite.name)
        counted = [f for f in findings if f["code"] in COUNTED]
        rows.append({"suite": suite.name, "version": suite.requirement, "lines": lines, "counted": len(counted),
                     "all_api": len(findings), "seconds": round(seconds, 1),
                     "by_code": dict(Counter(f["code"] for f in findings))})
        for finding in findings:
            if finding["code"] in COUNTED or args.details:
                details.append((suite.name, finding))
        stopped = over_budget(stderr)
        rows[-1]["files_over_budget"] = len(stopped)
        rows[-1]["over_budget"] = stopped
        rows[-1]["lines_in_files_over_budget"] = sum(per_file.get(path, 0) for path in stopped)
        for line in stderr.splitlines():
            if "failed" in line:
                print(f"  note ({suite.name}): {line}", file=sys.stderr)
        print(f"{suite.name}: {lines} lines, {len(counted)} counted findings, {seconds:.1f} s", file=sys.stderr)
    total_lines = sum(r["lines"] for r in rows)
    total = sum(r["counted"] for r in rows)
    print(f"{'suite':<11} {'code from':<22} {'lines':>8} {'CAV301/303/304':>15} {'per 1k':>7} {'all CAV3':>9} "
          f"{'s':>7} {'over budget: files (lines)':>27}")
    for r in rows:
        print(f"{r['suite']:<11} {r['version']:<22} {r['lines']:>8} {r['counted']:>15} "
              f"{1000 * r['counted'] / max(r['lines'], 1):>7.3f} {r['all_api']:>9} {r['seconds']:>7} "
              f"{r['files_over_budget']:>12} ({r['lines_in_files_over_budget']})")
    print(f"{'all':<11} {'':<22} {total_lines:>8} {total:>15} {1000 * total / max(total_lines, 1):>7.3f}"
          f"   (target <= 0.05 per 1,000 lines)")
    for suite, f in details:
        print(f"  {suite}: {f['path']}:{f['line']}:{f['column']}: {f['code']} {f['message']}")
    for r in rows:
        for path, blocks in r["over_budget"].items():
            print(f"  {r['suite']}: over the API time budget ({blocks} blocks unchecked): {path}")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "lines": total_lines, "counted": total,
                                         "per_1000_lines": 1000 * total / max(total_lines, 1),
                                         "details": [{"suite": s, **f} for s, f in details]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
