#!/usr/bin/env python3
"""API detection scoreboard: caveat's API rules vs. basedpyright on the labelled API cases.

    python bench/detection/api/score.py [--env DIR] [--details] [--json OUT] [--markdown]
    python bench/detection/api/score.py --corpus bench/detection/api/holdout/project [--env DIR]

``--corpus`` scores another labelled project instead of ``corpus/`` (the independent holdout:
``holdout/project``).  A corpus with its own ``requirements.txt`` gets its own environment
(default ``/tmp/caveat-api-holdout-env``, a venv with exactly those pins, made by
``holdout/verify.py``'s ``ensure_env``), and the table adds F1 per category.

Both tools run in the same invocation on one temporary copy of ``corpus/`` (with its
pyproject.toml and uv.lock), against the same environment: the bench environment of
bench/api_false_positives.py (created on first use; packages installed with this
interpreter's pip). caveat runs its API stage (``Engine.analyze_api``) with that environment
as the ``python`` setting; basedpyright runs with ``--pythonpath`` pointing at it.

Labels use the corpus grammar of bench/detection/labels.py (``# expect: CATEGORY``,
``# ok: CATEGORY``) with the API categories. Scoring, per tool and category:

* TP  an ``expect: C`` label with a finding of category C on the labelled statement;
* FN  an ``expect: C`` label without one;
* FP  a distinct (file, line) with a finding of category C outside every ``expect: C`` statement.

basedpyright has no rule per API category, so its diagnostics are mapped: attribute-access
errors count as hallucinated-attribute or removed-api, missing imports as hallucinated-module,
"No parameter named" call errors as unknown-keyword-argument or removed-api, deprecations as
removed-api. A mapped finding is a TP for whichever of its categories is labelled on that line
and an FP only when none is. It has nothing for undeclared-dependency or version-mismatch.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent.parent
sys.path.insert(0, str(BENCH.parent / "server"))
sys.path.insert(0, str(BENCH / "detection"))
sys.path.insert(0, str(BENCH))

import labels as corpus_labels  # noqa: E402

API_CATEGORIES = ("hallucinated-attribute", "hallucinated-module", "unknown-keyword-argument", "removed-api",
                  "undeclared-dependency", "version-mismatch")
corpus_labels.CATEGORIES = API_CATEGORIES  # the corpus grammar, with the API categories

PYRIGHT_MAP = {
    "reportAttributeAccessIssue": ("hallucinated-attribute", "removed-api"),
    "reportMissingImports": ("hallucinated-module",),
    "reportMissingModuleSource": ("hallucinated-module",),
    "reportDeprecated": ("removed-api",),
}


@dataclass(frozen=True)
class Hit:
    path: str
    line: int
    categories: tuple[str, ...]
    code: str
    message: str


def run_caveat(root: Path, files: list[Path], env: Path) -> tuple[list[Hit], dict]:
    from caveat.engine.analyzer import Engine
    from caveat.project import Settings
    from caveat.providers.api import provider_for

    settings = Settings(select=("ALL",), root=str(root), python=str(env), options=(("api-time-budget", 600),))
    engine = Engine()
    hits = []
    cold = None
    started = time.perf_counter()
    for path in files:
        text = path.read_text(encoding="utf-8")
        t0 = time.perf_counter()
        analysis = engine.analyze_api(text, str(path), settings)
        if cold is None:
            cold = time.perf_counter() - t0
        for f in analysis.raw:
            if f.category in API_CATEGORIES:
                hits.append(Hit(path.relative_to(root).as_posix(), f.line, (f.category,), f.code, f.message))
    total = time.perf_counter() - started
    stats = dict(provider_for(settings).stats)
    # Warm, unchanged: every block comes from the cache.
    t0 = time.perf_counter()
    for path in files:
        engine.analyze_api(path.read_text(encoding="utf-8"), str(path), settings)
    cached = time.perf_counter() - t0
    return hits, {"seconds": round(total, 2), "first_file_seconds": round(cold or 0, 2),
                  "cached_seconds": round(cached, 3), "jedi_queries": stats.get("jedi_calls"),
                  "jedi_seconds": round(stats.get("jedi_seconds", 0.0), 2)}


def run_basedpyright(root: Path, files: list[Path], env: Path) -> tuple[list[Hit] | None, str]:
    exe = shutil.which("basedpyright") or str(Path(sys.executable).parent / "basedpyright")
    if not Path(exe).exists():
        return None, "basedpyright not installed (pip install basedpyright)"
    version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip().splitlines()[0]
    result = subprocess.run([exe, "--outputjson", "--pythonpath", str(env / "bin" / "python"),
                             *[str(f) for f in files]], capture_output=True, text=True, cwd=root)
    try:
        data = json.loads(result.stdout)
    except json.JSONDecodeError:
        return None, f"basedpyright gave no JSON: {result.stderr.strip()[:200]}"
    hits = []
    for diag in data.get("generalDiagnostics", []):
        rule = diag.get("rule", "")
        message = diag.get("message", "")
        categories = PYRIGHT_MAP.get(rule)
        if rule == "reportCallIssue" and "No parameter named" in message:
            categories = ("unknown-keyword-argument", "removed-api")
        if not categories:
            continue
        path = Path(diag["file"]).resolve().relative_to(root.resolve()).as_posix()
        hits.append(Hit(path, diag["range"]["start"]["line"] + 1, categories, rule, message))
    return hits, version


def score(labels, hits: list[Hit]):
    expects = [lab for lab in labels if lab.kind == "expect"]
    per = {c: {"tp": 0, "fn": 0, "fp": 0} for c in API_CATEGORIES}
    missed, false = [], []
    for lab in expects:
        if any(h.path == lab.path and lab.category in h.categories and lab.covers(h.line) for h in hits):
            per[lab.category]["tp"] += 1
        else:
            per[lab.category]["fn"] += 1
            missed.append(lab)
    seen = set()
    for h in hits:
        explained = any(lab.path == h.path and lab.category in h.categories and lab.covers(h.line) for lab in expects)
        if explained:
            continue
        key = (h.path, h.line, h.categories[0])
        if key in seen:
            continue
        seen.add(key)
        per[h.categories[0]]["fp"] += 1
        false.append(h)
    return per, missed, false


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "-"


def _f1(cell: dict) -> float | None:
    denominator = 2 * cell["tp"] + cell["fp"] + cell["fn"]
    return 2 * cell["tp"] / denominator if denominator else None


def _prf_cell(cell: dict) -> str:
    f1 = _f1(cell)
    return (f"{_ratio(cell['tp'], cell['tp'] + cell['fp'])}/{_ratio(cell['tp'], cell['tp'] + cell['fn'])}/"
            f"{'-' if f1 is None else f'{f1:.2f}'} ({cell['tp']} {cell['fp']} {cell['fn']})")


def print_prf_table(tools: list[str], scored: dict, totals: dict) -> None:
    """Precision / recall / F1 per category and overall (the --corpus report)."""
    print(f"{'category':<26}" + "".join(f"{name + ' P/R/F1 (tp fp fn)':>38}" for name in tools))
    for category in API_CATEGORIES:
        print(f"{category:<26}" + "".join(f"{_prf_cell(scored[name][0][category]):>38}" for name in tools))
    print(f"{'all':<26}" + "".join(f"{_prf_cell(totals[name]):>38}" for name in tools))


def corpus_env(corpus: Path, env_arg: str | None) -> Path:
    """The environment a corpus is checked against: its own pinned venv when it has a
    requirements.txt, else the bench environment of api_false_positives.py."""
    if (corpus / "requirements.txt").exists():
        sys.path.insert(0, str(HERE / "holdout"))
        from verify import DEFAULT_ENV
        from verify import ensure_env as ensure_pinned_env

        return ensure_pinned_env(Path(env_arg) if env_arg else DEFAULT_ENV, corpus / "requirements.txt")
    from api_false_positives import EXTRA_REQUIREMENTS, LIBRARIES, ensure_env

    return ensure_env(Path(env_arg or Path(tempfile.gettempdir()) / "caveat-bench-env"),
                      list(LIBRARIES) + EXTRA_REQUIREMENTS)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", help="environment to check against (default: the corpus's own, see above)")
    parser.add_argument("--corpus", help="labelled project to score (default: corpus/ beside this script)")
    parser.add_argument("--details", action="store_true")
    parser.add_argument("--json")
    args = parser.parse_args()

    corpus = Path(args.corpus).resolve() if args.corpus else HERE / "corpus"
    env = corpus_env(corpus, args.env)
    workdir = Path(tempfile.mkdtemp(prefix="caveat-api-corpus-"))
    root = workdir / corpus.name
    shutil.copytree(corpus, root, ignore=shutil.ignore_patterns("__pycache__"))
    files, labels = corpus_labels.load_corpus(root)
    caveat_hits, caveat_stats = run_caveat(root, files, env)
    pyright_hits, pyright_version = run_basedpyright(root, files, env)

    tools = {"caveat": caveat_hits}
    if pyright_hits is not None:
        tools["basedpyright"] = pyright_hits
    results = {}
    print(f"API detection on {len(files)} files, {sum(1 for lab in labels if lab.kind == 'expect')} expected "
          f"defects, {sum(1 for lab in labels if lab.kind == 'ok')} look-alikes; environment {env}")
    if pyright_hits is None:
        print(f"basedpyright: {pyright_version}")
    header = f"{'category':<26}" + "".join(f"{name + ' P/R (tp fp fn)':>34}" for name in tools)
    totals = {name: {"tp": 0, "fp": 0, "fn": 0} for name in tools}
    scored = {name: score(labels, hits) for name, hits in tools.items()}
    rows = [header]
    for category in API_CATEGORIES:
        row = f"{category:<26}"
        for name in tools:
            cell = scored[name][0][category]
            for key in ("tp", "fp", "fn"):
                totals[name][key] += cell[key]
            row += f"{_ratio(cell['tp'], cell['tp'] + cell['fp']) + '/' + _ratio(cell['tp'], cell['tp'] + cell['fn']) + ' (' + str(cell['tp']) + ' ' + str(cell['fp']) + ' ' + str(cell['fn']) + ')':>34}"
        rows.append(row)
    row = f"{'all':<26}"
    for name in tools:
        t = totals[name]
        row += f"{_ratio(t['tp'], t['tp'] + t['fp']) + '/' + _ratio(t['tp'], t['tp'] + t['fn']) + ' (' + str(t['tp']) + ' ' + str(t['fp']) + ' ' + str(t['fn']) + ')':>34}"
        results[name] = {"per_category": scored[name][0], "total": t,
                         "precision": t["tp"] / max(t["tp"] + t["fp"], 1), "recall": t["tp"] / max(t["tp"] + t["fn"], 1)}
        if args.corpus:
            results[name]["f1"] = _f1(t)
    rows.append(row)
    if args.corpus:
        print_prf_table(list(tools), scored, totals)
    else:
        print("\n".join(rows))
    if pyright_hits is not None:
        t = {"tp": 0, "fp": 0, "fn": 0}
        for category in API_CATEGORIES[:4]:
            for key in t:
                t[key] += scored["basedpyright"][0][category][key]
        print(f"{'basedpyright, its 4 categories':<26} P/R {_ratio(t['tp'], t['tp'] + t['fp'])}/{_ratio(t['tp'], t['tp'] + t['fn'])}")
        print(f"basedpyright: {pyright_version}")
    print(f"caveat API stage: {caveat_stats}")
    if args.details:
        for name in tools:
            _, missed, false = scored[name]
            for lab in missed:
                print(f"  {name} missed {lab.path}:{lab.line} {lab.category}")
            for hit in false:
                print(f"  {name} false {hit.path}:{hit.line} {hit.categories[0]} {hit.code}: {hit.message}")
    if args.json:
        Path(args.json).write_text(json.dumps({"results": results, "caveat": caveat_stats,
                                               "basedpyright": pyright_version}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
