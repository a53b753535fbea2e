#!/usr/bin/env python3
"""OWASP BenchmarkPython, scored the Benchmark's way: caveat vs. bandit vs. ruff in one run.

    python bench/detection/owasp.py CHECKOUT [--caveat-python PY] [--bandit-python PY]
                                    [--tools caveat,bandit,ruff] [--json OUT.json]
                                    [--write-results] [--details FAMILY] [--crashes]

``CHECKOUT`` is a checkout of ``OWASP-Benchmark/BenchmarkPython`` (test cases in
``testcode/``, truth in ``expectedresults-0.1.csv``); this script fetches nothing.

The Benchmark uses PEP 701 f-strings (Python 3.12): run caveat and bandit with a 3.12
interpreter (``--caveat-python .venv312/bin/python``; bandit defaults to the same one),
or a third of the files are not analysed at all.

Scoring, as the Benchmark's scorecards do it: each test case is one file with one
expected CWE family. A tool *flags* the case when it reports at least one finding of that
family anywhere in the file. Per family: TP (flagged real vulnerabilities), FP (flagged
safe cases), TPR = TP / real, FPR = FP / safe, J = TPR - FPR (Youden's index). Overall:
TP and FP summed over all cases, TPR = TP / all real cases, FPR = FP / all safe
cases, J = TPR - FPR (the figure issue 12 quotes); the Benchmark's scorecard also averages
TPR and FPR over the families (shown as "J, mean of families").

Each tool is scored by the CWE it reports, as the Benchmark's scorer reads a tool's SARIF:
caveat and bandit report one per finding (bandit files ``eval``/``exec`` under CWE-78 and
XML parsers under CWE-20, so it scores nothing for code injection or XXE); ruff reports
none, so its flake8-bandit rule ``Snnn`` gets the CWE bandit reports for ``Bnnn``
(``RUFF_CWE``). A tool's audit notes (``import pickle``, ``import subprocess``) count as it
reports them: that is what its user sees.

``--crashes`` also counts caveat's CAV005 (a rule that crashed) and CAV004 (syntax it
could not read) per file: the first must be zero.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parent / "RESULTS.md"
SECTION = "## OWASP BenchmarkPython (issue 12)"

# Benchmark category -> the CWEs a finding may carry to count for it.
FAMILIES: dict[str, frozenset[int]] = {
    "cmdi": frozenset({78, 77}),
    "codeinj": frozenset({94, 95}),
    "deserialization": frozenset({502}),
    "hash": frozenset({328, 327, 916}),
    "ldapi": frozenset({90}),
    "pathtraver": frozenset({22, 23, 36, 73}),
    "redirect": frozenset({601}),
    "securecookie": frozenset({614, 1004}),
    "sqli": frozenset({89}),
    "trustbound": frozenset({501}),
    "weakrand": frozenset({330, 338}),
    "xpathi": frozenset({643}),
    "xss": frozenset({79, 80}),
    "xxe": frozenset({611, 776}),
}
FAMILY_OF_CWE = {cwe: fam for fam, cwes in FAMILIES.items() for cwe in cwes}

# ruff reports no CWE: its flake8-bandit rule Snnn gets the CWE bandit 1.9 reports for Bnnn.
RUFF_CWE = {
    "S102": 78, "S307": 78, "S201": 94,
    "S301": 502, "S302": 502, "S403": 502, "S506": 20, "S614": 502,
    "S303": 327, "S324": 327, "S304": 327, "S305": 327, "S413": 327,
    "S311": 330,
    "S608": 89, "S610": 89, "S611": 89,
    "S601": 78, "S602": 78, "S603": 78, "S604": 78, "S605": 78, "S606": 78, "S607": 78, "S609": 155,
    "S404": 78,
    "S308": 79, "S701": 94, "S702": 80, "S704": 79,
    "S310": 22,
    **{f"S{n}": 20 for n in (*range(313, 321), *range(405, 412))},
}


@dataclass
class Case:
    name: str
    family: str
    real: bool


@dataclass
class Run:
    tool: str
    version: str = ""
    flagged: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # case -> families
    codes: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))  # case -> codes
    error: str = ""


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    real: int = 0
    safe: int = 0

    @property
    def tpr(self) -> float:
        return self.tp / self.real if self.real else 0.0

    @property
    def fpr(self) -> float:
        return self.fp / self.safe if self.safe else 0.0

    @property
    def j(self) -> float:
        return self.tpr - self.fpr

    @property
    def f1(self) -> float:
        fn = self.real - self.tp
        return 2 * self.tp / (2 * self.tp + self.fp + fn) if self.tp else 0.0


# --------------------------------------------------------------------------- truth
def load_cases(checkout: Path) -> list[Case]:
    cases = []
    with open(checkout / "expectedresults-0.1.csv", newline="") as handle:
        for row in csv.reader(handle):
            if not row or row[0].startswith("#"):
                continue
            cases.append(Case(row[0].strip(), row[1].strip(), row[2].strip() == "true"))
    return cases


def _case_of(path: str) -> str | None:
    match = re.search(r"(BenchmarkTest\d+)\.py$", path)
    return match.group(1) if match else None


def _record(run: Run, path: str, code: str, cwe: int | None) -> None:
    case = _case_of(path)
    if case is None:
        return
    run.codes[case][code] += 1
    family = FAMILY_OF_CWE.get(cwe) if cwe is not None else None
    if family is not None:
        run.flagged[case].add(family)


# --------------------------------------------------------------------------- tools
def _version(cmd: list[str]) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return (proc.stdout or proc.stderr).strip().splitlines()[0] if (proc.stdout or proc.stderr) else ""


def run_caveat(testcode: Path, python: str, options: tuple[str, ...] = ()) -> Run:
    run = Run("caveat")
    minor = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                           capture_output=True, text=True, check=False).stdout.strip()
    run.version = f"{_version([python, '-m', 'caveat', '--version']).replace('caveat ', '')} (Python {minor})" \
        + (f" {' '.join(options)}" if options else "")
    proc = subprocess.run([python, "-m", "caveat", "check", "--format", "json", "--no-cache", "--no-api",
                           "--no-progress", "--exit-zero", *options, str(testcode)],
                          capture_output=True, text=True, check=False, cwd=testcode)
    try:
        data = json.loads(proc.stdout or "[]")
    except json.JSONDecodeError:
        run.error = (proc.stderr.strip().splitlines() or ["no JSON"])[-1]
        return run
    for item in data:
        _record(run, item.get("path", ""), str(item.get("code")), item.get("cwe"))
    return run


def run_bandit(testcode: Path, python: str) -> Run:
    run = Run("bandit", _version([python, "-m", "bandit", "--version"]).replace("__main__.py", "").strip())
    proc = subprocess.run([python, "-m", "bandit", "-r", "-f", "json", "-q", str(testcode)],
                          capture_output=True, text=True, check=False)
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError:
        run.error = (proc.stderr.strip().splitlines() or ["no JSON"])[-1]
        return run
    for item in data.get("results", []):
        _record(run, item["filename"], item["test_id"], (item.get("issue_cwe") or {}).get("id"))
    if data.get("errors"):
        run.error = f"{len(data['errors'])} files not parsed"
    return run


def run_ruff(testcode: Path) -> Run:
    exe = shutil.which("ruff", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    if exe is None:
        return Run("ruff", error="ruff not installed")
    run = Run("ruff", _version([exe, "--version"]) + " (--select S)")
    proc = subprocess.run([exe, "check", "--isolated", "--no-cache", "--select", "S", "--output-format", "json",
                           "--target-version", "py312", "--exit-zero", str(testcode)],
                          capture_output=True, text=True, check=False)
    for item in json.loads(proc.stdout or "[]"):
        code = item.get("code") or ""
        _record(run, item["filename"], code, RUFF_CWE.get(code))
    return run


# --------------------------------------------------------------------------- scoring
def score(run: Run, cases: list[Case]) -> dict[str, Score]:
    scores: dict[str, Score] = defaultdict(Score)
    for case in cases:
        s = scores[case.family]
        hit = case.family in run.flagged.get(case.name, ())
        if case.real:
            s.real += 1
            s.tp += hit
        else:
            s.safe += 1
            s.fp += hit
    return dict(sorted(scores.items()))


def overall(scores: dict[str, Score]) -> tuple[Score, float, float]:
    """(summed counts, mean TPR, mean FPR) over the families."""
    total = Score()
    for s in scores.values():
        total.tp += s.tp
        total.fp += s.fp
        total.real += s.real
        total.safe += s.safe
    n = len(scores) or 1
    return total, sum(s.tpr for s in scores.values()) / n, sum(s.fpr for s in scores.values()) / n


def render(runs: list[Run], cases: list[Case]) -> str:
    scored = {run.tool: score(run, cases) for run in runs}
    families = sorted({c.family for c in cases})
    counts = Counter((c.family, c.real) for c in cases)
    head = "| family (real / safe) | " + " | ".join(f"{r.tool} TP / FP / J" for r in runs) + " |"
    lines = [head, "| --- |" + " ---: |" * len(runs)]
    for fam in families:
        cells = []
        best = max(scored[r.tool][fam].j for r in runs)
        for run in runs:
            s = scored[run.tool][fam]
            text = f"{s.tp} / {s.fp} / {s.j:.2f}"
            cells.append(f"**{text}**" if s.j == best and best > 0 else text)
        lines.append(f"| {fam} ({counts[fam, True]} / {counts[fam, False]}) | " + " | ".join(cells) + " |")
    lines += ["", "| tool | TP | FP | TPR | FPR | **J** | F1 | J, mean of families |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for run in runs:
        total, tpr, fpr = overall(scored[run.tool])
        note = f" ({run.error})" if run.error else ""
        lines.append(f"| {run.tool} {run.version}{note} | {total.tp} | {total.fp} | {total.tpr:.2f} | "
                     f"{total.fpr:.2f} | **{total.j:.2f}** | {total.f1:.2f} | {tpr - fpr:.2f} |")
    return "\n".join(lines)


def details(run: Run, cases: list[Case], family: str) -> str:
    out = []
    for case in cases:
        if case.family != family:
            continue
        hit = family in run.flagged.get(case.name, ())
        if hit != case.real:
            what = "FN" if case.real else "FP"
            out.append(f"{what} {case.name} {dict(run.codes.get(case.name, {}))}")
    return "\n".join(out)


def write_results(table: str, command: str) -> None:
    text = RESULTS.read_text() if RESULTS.exists() else ""
    body = (f"{SECTION}\n\nOWASP BenchmarkPython v0.1 (1,243 test cases, 14 CWE families), scored the "
            f"Benchmark's way by `bench/detection/owasp.py` (caveat, bandit and ruff in the same run):\n\n"
            f"    {command}\n\n{table}\n")
    start = text.find(SECTION)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + body
    else:
        nxt = text.find("\n## ", start + len(SECTION))
        text = text[:start] + body + (text[nxt + 1:] if nxt != -1 else "")
    RESULTS.write_text(text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("checkout", type=Path)
    ap.add_argument("--caveat-python", default=sys.executable)
    ap.add_argument("--bandit-python", default=None, help="default: --caveat-python")
    ap.add_argument("--tools", default="caveat,bandit,ruff")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--write-results", action="store_true", help=f"replace '{SECTION}' in bench/RESULTS.md")
    ap.add_argument("--details", metavar="FAMILY", help="list caveat's misses and false alarms in FAMILY")
    ap.add_argument("--crashes", action="store_true", help="count caveat's CAV005 / CAV004 findings")
    ap.add_argument("--caveat-option", metavar="OPT", action="append", default=[],
                    help="pass an option to caveat check, e.g. --caveat-option=--profile=strict (default: none, "
                         "caveat's default set)")
    args = ap.parse_args(argv)
    for key in ("caveat_python", "bandit_python"):
        value = getattr(args, key)
        if value and os.sep in value:
            setattr(args, key, os.path.abspath(value))  # caveat runs from the checkout
    testcode = args.checkout / "testcode"
    cases = load_cases(args.checkout)
    tools = args.tools.split(",")
    runs = []
    for tool in tools:
        if tool == "caveat":
            runs.append(run_caveat(testcode, args.caveat_python, tuple(args.caveat_option)))
        elif tool == "bandit":
            runs.append(run_bandit(testcode, args.bandit_python or args.caveat_python))
        elif tool == "ruff":
            runs.append(run_ruff(testcode))
    table = render(runs, cases)
    print(table)
    caveat = next((r for r in runs if r.tool == "caveat"), None)
    crashes = 0
    if caveat is not None and args.crashes:
        crashes = sum(c["CAV005"] for c in caveat.codes.values())
        syntax = sum(c["CAV004"] for c in caveat.codes.values())
        print(f"\ncaveat: CAV005 (rule crashed) {crashes}, CAV004 (syntax note) {syntax}")
    if caveat is not None and args.details:
        print(details(caveat, cases, args.details))
    if args.json:
        args.json.write_text(json.dumps({r.tool: {f: vars(s) for f, s in score(r, cases).items()} for r in runs},
                                        indent=1))
    if args.write_results:
        write_results(table, "python bench/detection/owasp.py CHECKOUT --caveat-python .venv312/bin/python")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
