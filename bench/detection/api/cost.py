#!/usr/bin/env python3
"""What the API checks cost: a whole project with `caveat check`, and the server's first
API diagnostics on a pandas-heavy file; always next to `bandit -r` in the same run.

    python bench/detection/api/cost.py [--runs 3] [--json OUT] [--skip-server]

Project: the sdists of Flask 3.0.3, Werkzeug 3.0.6 and Jinja2 3.1.4 (source, tests,
examples) unpacked into one throwaway folder, checked against an environment with those
versions (built once with this interpreter's pip ``--target``; see client_code.py).

* ``bandit -r``: bandit's CLI on the folder.
* ``caveat check`` cold: no ``.caveat_cache/`` and empty user caches (``XDG_CACHE_HOME`` and
  ``CAVEAT_CACHE_DIR`` point at fresh folders: no static index, no parso cache).
* cold results, warm index: ``.caveat_cache/`` removed, the user caches kept (a new
  project on a machine where caveat already indexed these library versions).
* warm: the next run over the unchanged folder.
* ``--no-api``: the local checks alone, for reference.

Each command is timed in wall seconds and in CPU seconds (user + system of the process and
its children, from ``getrusage``): on a shared machine the wall time grows with the load,
the CPU time much less. caveat's package is byte-compiled first, as ``pip install`` leaves it.

Server: ``caveat serve`` over stdio (bench/latency.py's client) on a project whose
``[tool.caveat] python`` is a pandas 2.2.3 / numpy 1.26.4 environment; the time from
``didOpen`` of a 120-line pandas script to its API diagnostics (a CAV301 in the file marks
that they arrived), with empty user caches (cold) and again in a new server process with
the caches the first one left (warm), plus re-analysis after an edit in the same server.
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent.parent))

from client_code import Suite, ensure_code, ensure_env  # noqa: E402

BIN = Path(sys.executable).parent
PROJECT_SUITES = (
    Suite("cost-flask", "flask==3.0.3", "sdist", ("src/*", "tests/*", "examples/*"), ()),
    Suite("cost-werkzeug", "werkzeug==3.0.6", "sdist", ("src/*", "tests/*", "examples/*"), ()),
    Suite("cost-jinja2", "jinja2==3.1.4", "sdist", ("src/*", "tests/*", "examples/*"), ()),
)
PROJECT_ENV = Suite("cost-env", "", "", (), ("flask==3.0.3", "werkzeug==3.0.6", "jinja2==3.1.4", "click==8.1.7",
                                             "markupsafe==3.0.2", "itsdangerous==2.2.0", "blinker==1.8.2",
                                             "pytest==8.3.3"))
PANDAS_ENV = Suite("cost-pandas", "", "", (), ("pandas==2.2.3", "numpy==1.26.4", "requests==2.32.3"))

PANDAS_SCRIPT = '''"""Daily sales report: load, clean, aggregate, export."""
from __future__ import annotations

import numpy as np
import pandas as pd
import requests


def load(path: str) -> pd.DataFrame:
    frame = pd.read_csv(path, parse_dates=["day"], dtype={"sku": "string"})
    frame = frame.dropna(subset=["amount"]).drop_duplicates()
    frame["amount"] = frame["amount"].astype(float).clip(lower=0)
    frame["week"] = frame["day"].dt.isocalendar().week
    return frame.sort_values(["day", "sku"]).reset_index(drop=True)


def enrich(frame: pd.DataFrame, rates_url: str) -> pd.DataFrame:
    response = requests.get(rates_url, timeout=10, params={"base": "EUR"})
    response.raise_for_status()
    rates = pd.Series(response.json()["rates"], name="rate")
    merged = frame.merge(rates, left_on="currency", right_index=True, how="left")
    merged["amount_eur"] = merged["amount"] / merged["rate"].fillna(1.0)
    merged["bucket"] = pd.cut(merged["amount_eur"], bins=[0, 10, 100, np.inf], labels=["s", "m", "l"])
    return merged


def summary(frame: pd.DataFrame) -> pd.DataFrame:
    grouped = frame.groupby(["week", "sku"], as_index=False).agg(
        total=("amount_eur", "sum"), orders=("amount_eur", "size"), mean=("amount_eur", "mean"))
    grouped["share"] = grouped["total"] / grouped.groupby("week")["total"].transform("sum")
    pivot = grouped.pivot_table(index="sku", columns="week", values="total", fill_value=0)
    pivot.columns = [f"w{c}" for c in pivot.columns]
    return pivot.assign(trend=np.sign(pivot.diff(axis=1).mean(axis=1)))


def outliers(frame: pd.DataFrame, z: float = 3.0) -> pd.DataFrame:
    values = frame["amount_eur"].to_numpy()
    scores = (values - np.nanmean(values)) / np.nanstd(values)
    mask = np.abs(scores) > z
    flagged = frame.loc[mask, ["day", "sku", "amount_eur"]].copy()
    flagged["score"] = scores[mask].round(2)
    return flagged.nlargest(20, "score")


def rolling(frame: pd.DataFrame) -> pd.DataFrame:
    daily = frame.set_index("day").resample("D")["amount_eur"].sum()
    out = pd.DataFrame({"daily": daily, "avg7": daily.rolling(7, min_periods=1).mean()})
    out["delta"] = out["daily"].pct_change().replace([np.inf, -np.inf], np.nan)
    return out.ffill().tail(60)


def matrix(frame: pd.DataFrame) -> np.ndarray:
    table = pd.crosstab(frame["sku"], frame["bucket"]).to_numpy(dtype=float)
    norms = np.linalg.norm(table, axis=1, keepdims=True)
    return np.divide(table, norms, out=np.zeros_like(table), where=norms > 0)


def export(frame: pd.DataFrame, path: str) -> None:
    frame.to_csv(path, index=False, float_format="%.2f")
    frame.to_parquett(path + ".parquet")


def main(path: str, url: str) -> None:
    frame = enrich(load(path), url)
    report = summary(frame)
    print(report.head(10).to_string())
    print(outliers(frame).to_markdown())
    print(rolling(frame).describe())
    print(matrix(frame).shape)
    export(report.reset_index(), "report.csv")
'''


def prepare(work: Path) -> tuple[Path, Path, Path]:
    project = work / "code" / "cost-project"
    if not (project / ".ready").exists():
        project.mkdir(parents=True, exist_ok=True)
        for suite in PROJECT_SUITES:
            source = ensure_code(work, suite)
            target = project / suite.name.split("-", 1)[1]
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(source, target, ignore=shutil.ignore_patterns(".caveat-bench", "pyproject.toml"))
        (project / ".ready").write_text("")
    return project, ensure_env(work, PROJECT_ENV), ensure_env(work, PANDAS_ENV)


def count_lines(tree: Path) -> tuple[int, int]:
    files = lines = 0
    for path in tree.rglob("*.py"):
        files += 1
        lines += sum(1 for _ in open(path, "rb"))
    return files, lines


def timed(command: list[str], cwd: Path, env: dict) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command and its children: user + system)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    print(f"  {' '.join(Path(c).name if i == 0 else c for i, c in enumerate(command))}: {elapsed:.1f} s "
          f"(CPU {cpu:.1f} s)", file=sys.stderr, flush=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr.decode()[-3000:]}")
    return elapsed, cpu


def compile_caveat() -> None:
    """Bytecode for caveat's own modules, as ``pip install`` leaves it (an editable install
    under ``PYTHONDONTWRITEBYTECODE`` would otherwise compile them on every run)."""
    import compileall

    import caveat

    compileall.compile_dir(str(Path(caveat.__file__).parent), quiet=1)


def fresh_caches(base: Path) -> dict:
    if base.exists():
        shutil.rmtree(base)
    base.mkdir(parents=True)
    return dict(os.environ, XDG_CACHE_HOME=str(base), CAVEAT_CACHE_DIR=str(base / "caveat"))


def scan(project: Path, env: Path, runs: int, caches: Path) -> dict:
    """Median (wall, CPU) seconds of each command over ``runs`` rounds."""
    check = [str(BIN / "caveat"), "check", "--no-progress", "--python", str(env), "."]
    rows: dict[str, list[tuple[float, float]]] = {
        "bandit -r": [], "caveat check (cold)": [], "caveat check (cold results, warm index)": [],
        "caveat check (warm)": [], "caveat check --no-api (cold)": []}
    for _ in range(runs):
        environ = fresh_caches(caches)
        rows["bandit -r"].append(timed([str(BIN / "bandit"), "-q", "-r", "."], project, environ))
        shutil.rmtree(project / ".caveat_cache", ignore_errors=True)
        rows["caveat check (cold)"].append(timed(check, project, environ))
        rows["caveat check (warm)"].append(timed(check, project, environ))
        shutil.rmtree(project / ".caveat_cache", ignore_errors=True)
        rows["caveat check (cold results, warm index)"].append(timed(check, project, environ))
        shutil.rmtree(project / ".caveat_cache", ignore_errors=True)
        rows["caveat check --no-api (cold)"].append(timed([*check[:2], "--no-api", *check[2:]], project, environ))
        shutil.rmtree(project / ".caveat_cache", ignore_errors=True)
    return {name: (statistics.median(w for w, _ in values), statistics.median(c for _, c in values))
            for name, values in rows.items()}


def server(env: Path, caches: Path) -> dict:
    from latency import Client, _change, _open  # bench/latency.py

    root = Path(tempfile.mkdtemp(prefix="caveat-cost-server-"))
    (root / "pyproject.toml").write_text(f'[tool.caveat]\npython = "{env}"\n')
    path = root / "report.py"
    path.write_text(PANDAS_SCRIPT)
    results = {}

    def first_api(client: Client) -> float:
        uri, sent = _open(client, path, PANDAS_SCRIPT)
        deadline = time.perf_counter() + 600
        seen = 0
        while time.perf_counter() < deadline:
            at, params = client.wait_publish(uri, None, seen, timeout=600)
            seen = client.publishes.index((at, params)) + 1
            if any(str(d.get("code", "")).startswith("CAV301") for d in params["diagnostics"]):
                return at - sent
        raise TimeoutError("no API diagnostics")

    environ = fresh_caches(caches)
    command = [str(BIN / "caveat"), "serve"]
    for label in ("cold (empty caches)", "warm (new server, caches kept)"):
        old = dict(os.environ)
        os.environ.update(environ)
        try:
            with Client(command, root) as client:
                client.initialize(root)
                results[f"open -> API diagnostics, {label}"] = first_api(client)
                if label.startswith("warm"):
                    uri = path.as_uri()
                    seen = len(client.publishes)
                    sent = _change(client, uri, 2, 9, 0, 9, 0, "    # edited\n")
                    while True:
                        at, params = client.wait_publish(uri, 2, seen, timeout=120)
                        seen = client.publishes.index((at, params)) + 1
                        if any(str(d.get("code", "")) == "CAV301" for d in params["diagnostics"]):
                            break
                    results["edit -> API diagnostics, same server"] = at - sent
                client.close()
        finally:
            os.environ.clear()
            os.environ.update(old)
    shutil.rmtree(root, ignore_errors=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/caveat-client-code"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--skip-server", action="store_true")
    args = parser.parse_args()
    project, env, pandas_env = prepare(args.work)
    compile_caveat()
    files, lines = count_lines(project)
    caches = Path(tempfile.gettempdir()) / "caveat-cost-caches"
    load = os.getloadavg()[0]
    timings = scan(project, env, args.runs, caches)
    load = (load + os.getloadavg()[0]) / 2
    bandit_wall, bandit_cpu = timings["bandit -r"]
    print(f"flask + werkzeug + jinja2 sdists: {files} files, {lines} lines; medians of {args.runs} runs; "
          f"load average {load:.1f} (start and end of the scans)")
    print(f"{'command':<42} {'wall s':>8} {'/ bandit':>9} {'CPU s':>8} {'/ bandit':>9}")
    for name, (wall, cpu) in timings.items():
        print(f"{name:<42} {wall:>8.2f} {wall / bandit_wall:>9.2f} {cpu:>8.2f} {cpu / bandit_cpu:>9.2f}")
    served = {} if args.skip_server else server(pandas_env, caches)
    for name, seconds in served.items():
        print(f"{name:<52} {seconds:>8.2f} s")
    if args.json:
        args.json.write_text(json.dumps({"files": files, "lines": lines, "load": load, "scan": timings,
                                         "server": served}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
