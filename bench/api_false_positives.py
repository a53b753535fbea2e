#!/usr/bin/env python3
"""False positives of the API rules (CAV301-CAV306) on correct, well-tested code.

    python bench/api_false_positives.py [--env DIR] [--libs requests,flask,...] [--details] [--json OUT]

Creates (once) a bench virtual environment with popular pure-Python libraries from PyPI
(default: /tmp/caveat-bench-env; packages installed with this interpreter's pip --target,
the bench environment's interpreter is never run), then analyses every module of each
library the way caveat analyses a project that uses it:

* a temporary project per library: a pyproject.toml whose `[project]` name, dependencies
  and optional dependencies are the distribution's own `Requires-Dist` (so undeclared-dependency
  and version-mismatch see what the library really declares), and a symlink to the package;
* the bench environment as the project's environment (`python` setting);
* the API stage only (`Engine.analyze_api`), with a generous time budget.

Their code is correct, so every finding is a false positive to triage. The report gives
findings per 1,000 lines (target <= 0.1), per rule and per library, and jedi's latency.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import venv
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "server"))

from caveat.engine.analyzer import Engine  # noqa: E402
from caveat.environment import distribution_index, from_path  # noqa: E402
from caveat.project import Settings  # noqa: E402

# distribution -> import package
LIBRARIES = {
    "requests": "requests",
    "Flask": "flask",
    "click": "click",
    "Jinja2": "jinja2",
    "Werkzeug": "werkzeug",
    "httpx": "httpx",
    "httpcore": "httpcore",
    "rich": "rich",
    "attrs": "attr",
    "urllib3": "urllib3",
    "itsdangerous": "itsdangerous",
    "python-dateutil": "dateutil",
    "packaging": "packaging",
}
EXTRA_REQUIREMENTS = ["pandas", "numpy", "pydantic>=2", "SQLAlchemy>=2", "semver>=3", "PyYAML"]


def ensure_env(prefix: Path, requirements: list[str]) -> Path:
    marker = prefix / ".caveat-bench"
    wanted = "\n".join(sorted(requirements))
    if marker.exists() and marker.read_text() == wanted:
        return prefix
    if not (prefix / "pyvenv.cfg").exists():
        venv.EnvBuilder(with_pip=False, symlinks=True).create(prefix)
    site = next(prefix.glob("lib/python3*/site-packages"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-compile", "--upgrade",
                    "--target", str(site), *requirements], check=True,
                   env=dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1"))
    marker.write_text(wanted)
    return prefix


def project_for(dist, package_dir: Path, workdir: Path) -> Path:
    """A throwaway project that declares exactly what the distribution declares."""
    project = workdir / dist.metadata["Name"].lower()
    project.mkdir(parents=True, exist_ok=True)
    required, optional = [], {}
    for requirement in dist.requires or []:
        if "extra ==" in requirement:
            extra = requirement.split("extra ==", 1)[1].strip().strip("'\"").split()[0].strip("'\"")
            optional.setdefault(extra, []).append(requirement.split(";", 1)[0].strip())
        else:
            required.append(requirement)
    lines = ["[project]", f'name = "{dist.metadata["Name"]}"', f'version = "{dist.version}"',
             "dependencies = [" + ", ".join(json.dumps(r) for r in required) + "]",
             "[project.optional-dependencies]"]
    for extra, items in optional.items():
        lines.append(f"{json.dumps(extra)} = [" + ", ".join(json.dumps(r) for r in items) + "]")
    (project / "pyproject.toml").write_text("\n".join(lines) + "\n")
    link = project / package_dir.name
    if not link.exists():
        link.symlink_to(package_dir, target_is_directory=True)
    return project


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", default=str(Path(tempfile.gettempdir()) / "caveat-bench-env"))
    parser.add_argument("--libs", help="comma-separated distributions (default: all)")
    parser.add_argument("--details", action="store_true", help="print every finding")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--budget", type=float, default=600.0, help="API time budget per file (s)")
    args = parser.parse_args()

    prefix = ensure_env(Path(args.env), list(LIBRARIES) + EXTRA_REQUIREMENTS)
    env = from_path(prefix, "bench")
    index = distribution_index(env)
    chosen = [d for d in LIBRARIES if not args.libs or d in args.libs.split(",")]
    engine = Engine()
    workdir = Path(tempfile.mkdtemp(prefix="caveat-fp-"))
    total_lines = 0
    findings_all = []
    per_lib: dict[str, dict] = {}
    started = time.perf_counter()
    calls = 0
    jedi_seconds = 0.0
    from caveat.providers.api import provider_for

    import importlib.metadata as md

    for name in chosen:
        dist = next(iter(md.distributions(name=name, path=list(env.site_packages))), None)
        package = LIBRARIES[name]
        package_dir = Path(env.site_packages[0]) / package
        if dist is None or not package_dir.is_dir():
            print(f"skipping {name}: not installed in {prefix}", file=sys.stderr)
            continue
        project = project_for(dist, package_dir, workdir)
        settings = Settings(select=("ALL",), root=str(project), python=str(prefix),
                            options=(("api-time-budget", args.budget),))
        lines = 0
        found = []
        lib_start = time.perf_counter()
        for path in sorted((project / package).rglob("*.py")):
            text = path.read_text(encoding="utf-8", errors="replace")
            lines += sum(1 for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))
            analysis = engine.analyze_api(text, str(path), settings)
            kept = [f for f in analysis.raw if f.code.startswith("CAV3")]
            for note in analysis.notes:
                if "stopped" in note or "failed" in note:
                    print(f"note: {note}", file=sys.stderr)
            found.extend((path.relative_to(project).as_posix(), f) for f in kept)
        provider = provider_for(settings)
        calls += provider.stats["jedi_calls"]
        jedi_seconds += provider.stats["jedi_seconds"]
        provider.stats.update(jedi_calls=0, jedi_seconds=0.0)
        total_lines += lines
        findings_all.extend(found)
        per_lib[name] = {"version": dist.version, "lines": lines, "findings": len(found),
                         "seconds": round(time.perf_counter() - lib_start, 1)}
    elapsed = time.perf_counter() - started

    by_code = Counter(f.code for _, f in findings_all)
    rate = 1000 * len(findings_all) / max(total_lines, 1)
    print(f"API rules on {len(per_lib)} libraries, {total_lines} lines of code, environment {prefix}")
    print(f"{'library':<18} {'version':<12} {'lines':>7} {'findings':>8} {'seconds':>8}")
    for name, row in per_lib.items():
        print(f"{name:<18} {row['version']:<12} {row['lines']:>7} {row['findings']:>8} {row['seconds']:>8}")
    print(f"findings: {len(findings_all)} = {rate:.3f} per 1,000 lines (target <= 0.1); by rule: "
          f"{dict(sorted(by_code.items())) or 'none'}")
    print(f"time: {elapsed:.1f} s; jedi: {calls} site queries, {jedi_seconds:.1f} s "
          f"({1000 * jedi_seconds / max(calls, 1):.1f} ms per query)")
    if args.details or findings_all:
        for rel, f in findings_all:
            print(f"  {rel}:{f.line}:{f.col + 1}: {f.code} {f.message}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "lines": total_lines, "findings": len(findings_all), "per_1000_lines": rate,
            "by_rule": by_code, "libraries": per_lib, "seconds": elapsed,
            "jedi_queries": calls, "jedi_seconds": jedi_seconds,
            "details": [{"file": rel, "line": f.line, "code": f.code, "message": f.message} for rel, f in findings_all],
        }, indent=2, default=dict))
    del index
    return 0


if __name__ == "__main__":
    sys.exit(main())
