#!/usr/bin/env python3
"""Detection scoreboard: caveat vs. bandit vs. ruff on the labelled corpus.

    python bench/detection/score.py [--family security|edge] [--markdown] [--details]
                                    [--json OUT.json] [--tools caveat,bandit,ruff]
                                    [--corpus DIR]
    python bench/detection/score.py --check        # validate the labels only

All tools run in the same invocation on one temporary copy of ``corpus/`` (a copy, so that
no project configuration -- e.g. ``[tool.caveat] exclude`` in the repository's
pyproject.toml -- can hide the corpus from a tool).  The corpus is code as an assistant
writes it, so the copy is what a user has while writing it: files in a git repository that
are not committed yet, which caveat's default ``new-code = "auto"`` checks with the strict
profile.  ``--plain-folder`` scores a copy outside git instead (caveat's default set there).  Findings are mapped to categories
(caveat natively, bandit/ruff through ``tool_maps.py``) and scored against the labels:

* TP  an ``expect: C`` label with at least one finding of category C whose start line is in
      the labelled statement's line range;
* FN  an ``expect: C`` label without one;
* FP  a distinct (file, line) with a finding of category C outside every ``expect: C``
      statement (on an ``ok:`` statement or on an unlabelled line).

``--family`` only selects which categories are shown; every tool always sees every file, so
a finding in the "wrong" family's files still counts.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Self

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from labels import CorpusError, Label, load_corpus
from tool_maps import (
    BANDIT,
    CATEGORIES,
    FAMILIES,
    FAMILY_OF,
    RUFF,
    RUFF_SELECT,
    mapped_categories,
)

CORPUS = HERE / "corpus"
TOOLS = ("caveat", "bandit", "ruff")


@dataclass(frozen=True)
class Finding:
    path: str  # corpus-relative posix path
    line: int
    code: str
    category: str | None
    message: str


@dataclass
class ToolRun:
    name: str
    status: str  # "ok" or a short reason it did not run
    findings: list[Finding]
    version: str = ""
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


# --------------------------------------------------------------------------- running tools
def _rel(path: str, root: Path) -> str | None:
    p = Path(path)
    if not p.is_absolute():
        p = (root / p) if (root / p).exists() else Path.cwd() / p
    try:
        return p.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


def _module_cmd(module: str, exe: str) -> list[str] | None:
    """Prefer `python -m module` from this interpreter, else an executable on PATH/venv."""
    probe = subprocess.run(
        [sys.executable, "-c", f"import {module}"], check=False, capture_output=True, text=True
    )
    if probe.returncode == 0:
        return [sys.executable, "-m", module]
    for cand in (Path(sys.executable).parent / exe, shutil.which(exe)):
        if cand and Path(cand).exists():
            return [str(cand)]
    return None


def run_caveat(root: Path, files: list[Path], options: list[str] = ()) -> ToolRun:
    probe = subprocess.run(
        [sys.executable, "-m", "caveat", "--help"], check=False, capture_output=True, text=True
    )
    if probe.returncode != 0:
        why = (probe.stderr.strip().splitlines() or ["no output"])[-1]
        return ToolRun("caveat", "caveat not available", [], note=why)
    version = ""
    v = subprocess.run(
        [sys.executable, "-m", "caveat", "--version"], check=False, capture_output=True, text=True
    )
    if v.returncode == 0:
        version = v.stdout.strip()

    base = [sys.executable, "-m", "caveat", "check", "--format", "json", *options]
    paths = [str(p) for p in files]
    # caveat is scored as a user gets it: its default selection (bandit's audit-only
    # tests such as B404/B603 are off by default, caveat rules replace some bandit tests).
    attempts = [
        ["--no-cache"],
        [],
    ]
    last = None
    for extra in attempts:
        proc = subprocess.run(
            base + extra + paths, check=False, capture_output=True, text=True, cwd=root
        )
        last = proc
        if proc.returncode == 2:
            continue
        try:
            data = json.loads(proc.stdout or "[]")
        except json.JSONDecodeError:
            tail = (proc.stderr.strip().splitlines() or ["unparseable JSON"])[-1]
            return ToolRun("caveat", "caveat error", [], version, note=tail)
        findings = []
        for item in data:
            rel = _rel(item.get("path", ""), root)
            if rel is None:
                continue
            findings.append(
                Finding(
                    rel,
                    int(item.get("line") or 0),
                    str(item.get("code", "")),
                    item.get("category"),
                    str(item.get("message", "")),
                )
            )
        return ToolRun("caveat", "ok", findings, version, note=" ".join(extra))
    tail = (last.stderr.strip().splitlines() or ["exit code 2"])[-1] if last else ""
    return ToolRun("caveat", "caveat error", [], version, note=tail)


def run_bandit(root: Path) -> ToolRun:
    cmd = _module_cmd("bandit", "bandit")
    if cmd is None:
        return ToolRun("bandit", "bandit not available", [])
    ver = subprocess.run(cmd + ["--version"], check=False, capture_output=True, text=True)
    m = re.search(r"\d+\.\d+(\.\d+)?", ver.stdout)
    version = f"bandit {m.group(0)}" if m else "bandit"
    proc = subprocess.run(
        cmd + ["-f", "json", "-q", "-r", str(root)], check=False, capture_output=True, text=True
    )
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError:
        tail = (proc.stderr.strip().splitlines() or ["unparseable JSON"])[-1]
        return ToolRun("bandit", "bandit error", [], version, note=tail)
    findings = []
    for r in data.get("results", []):
        rel = _rel(r["filename"], root)
        if rel is None:
            continue
        code = r["test_id"]
        findings.append(
            Finding(rel, int(r["line_number"]), code, BANDIT.get(code), r["issue_text"])
        )
    errors = data.get("errors") or []
    note = f"{len(errors)} file errors" if errors else ""
    return ToolRun("bandit", "ok", findings, version, note=note)


def run_ruff(root: Path) -> ToolRun:
    cmd = _module_cmd("ruff", "ruff")
    if cmd is None:
        return ToolRun("ruff", "ruff not available", [])
    ver = subprocess.run(cmd + ["--version"], check=False, capture_output=True, text=True)
    version = ver.stdout.strip()
    proc = subprocess.run(
        cmd
        + [
            "check",
            "--isolated",
            "--no-cache",
            "--output-format",
            "json",
            "--target-version",
            "py311",
            "--select",
            ",".join(RUFF_SELECT),
            str(root),
        ],
        check=False,
        capture_output=True,
        text=True,
    )
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError:
        tail = (proc.stderr.strip().splitlines() or ["unparseable JSON"])[-1]
        return ToolRun("ruff", "ruff error", [], version, note=tail)
    findings = []
    for r in data:
        rel = _rel(r["filename"], root)
        code = r.get("code") or "syntax-error"
        if rel is None:
            continue
        findings.append(Finding(rel, int(r["location"]["row"]), code, RUFF.get(code), r["message"]))
    return ToolRun("ruff", "ok", findings, version)


# --------------------------------------------------------------------------- scoring
@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return 0.0 if (p is not None and r is not None) else None
        return 2 * p * r / (p + r)

    def __iadd__(self, other: Score) -> Self:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        return self

    def as_dict(self) -> dict:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


@dataclass
class Triage:
    fns: list[Label]
    fps: list[tuple[Finding, str]]  # finding, where ("ok label" / "unlabelled")


def score_tool(run: ToolRun, labels: list[Label]) -> tuple[dict[str, Score], dict[str, Triage]]:
    expects: dict[tuple[str, str], list[Label]] = defaultdict(list)  # (path, cat) -> labels
    oks: dict[tuple[str, str], list[Label]] = defaultdict(list)
    for lab in labels:
        (expects if lab.kind == "expect" else oks)[(lab.path, lab.category)].append(lab)

    by_cat: dict[str, list[Finding]] = defaultdict(list)
    for f in run.findings:
        if f.category in CATEGORIES:
            by_cat[f.category].append(f)

    scores: dict[str, Score] = {}
    triage: dict[str, Triage] = {}
    for cat in CATEGORIES:
        s = Score()
        t = Triage([], [])
        hit_lines: set[tuple[str, int]] = set()
        for f in by_cat.get(cat, []):
            hit_lines.add((f.path, f.line))
        for lab in (lab for lab in labels if lab.kind == "expect" and lab.category == cat):
            if any(p == lab.path and lab.covers(line) for p, line in hit_lines):
                s.tp += 1
            else:
                s.fn += 1
                t.fns.append(lab)
        seen: set[tuple[str, int]] = set()
        for f in sorted(by_cat.get(cat, []), key=lambda f: (f.path, f.line, f.code)):
            key = (f.path, f.line)
            if key in seen:
                continue
            if any(lab.covers(f.line) for lab in expects.get((f.path, cat), [])):
                continue
            seen.add(key)
            s.fp += 1
            where = (
                "on ok label"
                if any(lab.covers(f.line) for lab in oks.get((f.path, cat), []))
                else "unlabelled"
            )
            t.fps.append((f, where))
        scores[cat] = s
        triage[cat] = t
    return scores, triage


# --------------------------------------------------------------------------- output
def _fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:5.2f}"


def _cell(score: Score | None, mapped: bool) -> tuple[str, ...]:
    if not mapped or score is None:
        return ("-", "-", "-", "-", "-", "-")
    return (
        str(score.tp),
        str(score.fp),
        str(score.fn),
        _fmt(score.precision).strip(),
        _fmt(score.recall).strip(),
        _fmt(score.f1).strip(),
    )


def build_rows(runs, scores, labels, categories):
    """Rows: (name, n_expect, n_ok, {tool: (Score|None, mapped)})."""
    n_exp = Counter(lab.category for lab in labels if lab.kind == "expect")
    n_ok = Counter(lab.category for lab in labels if lab.kind == "ok")
    rows = []
    for cat in categories:
        cells = {}
        for run in runs:
            mapped = run.ok and cat in mapped_categories(run.name)
            cells[run.name] = (scores[run.name].get(cat) if run.ok else None, mapped)
        rows.append((cat, n_exp[cat], n_ok[cat], cells))

    def total(name, cats, mapped_only):
        cells = {}
        for run in runs:
            if not run.ok:
                cells[run.name] = (None, False)
                continue
            tot = Score()
            mc = mapped_categories(run.name)
            for c in cats:
                if mapped_only and c not in mc:
                    continue
                tot += scores[run.name][c]
            cells[run.name] = (tot, True)
        return (name, sum(n_exp[c] for c in cats), sum(n_ok[c] for c in cats), cells)

    totals = []
    fams = [f for f, cs in FAMILIES.items() if set(cs) & set(categories)]
    for fam in fams:
        cats = [c for c in categories if FAMILY_OF[c] == fam]
        totals.append(total(f"TOTAL {fam}", cats, False))
        totals.append(total(f"TOTAL {fam} (mapped only)", cats, True))
    if len(fams) > 1:
        totals.append(total("TOTAL all", categories, False))
        totals.append(total("TOTAL all (mapped only)", categories, True))
    return rows, totals


def render_plain(runs, rows, totals) -> str:
    sub = ("TP", "FP", "FN", "P", "R", "F1")
    widths = (3, 3, 3, 4, 4, 4)
    name_w = max(len(r[0]) for r in rows + totals) + 1
    head1 = f"{'':{name_w}} {'labels':>9} "
    head2 = f"{'category':{name_w}} {'exp/ok':>9} "
    for run in runs:
        block = "  ".join(f"{s:>{w}}" for s, w in zip(sub, widths))
        title = run.name if run.ok else f"{run.name}: {run.status}"
        head1 += "| " + f"{title:<{len(block)}} "
        head2 += "| " + block + " "
    lines = [head1.rstrip(), head2.rstrip(), "-" * len(head2)]

    block_w = len("  ".join(f"{s:>{w}}" for s, w in zip(sub, widths)))

    def line(r):
        name, ne, no, cells = r
        out = f"{name:{name_w}} {f'{ne}/{no}':>9} "
        for run in runs:
            if not run.ok:
                out += "| " + f"{'n/a':^{block_w}} "
                continue
            score, mapped = cells[run.name]
            vals = _cell(score, mapped)
            out += "| " + "  ".join(f"{v:>{w}}" for v, w in zip(vals, widths)) + " "
        return out.rstrip()

    lines += [line(r) for r in rows]
    lines.append("-" * len(head2))
    lines += [line(r) for r in totals]
    return "\n".join(lines)


def render_markdown(runs, rows, totals) -> str:
    head = ["category", "labels (expect/ok)"]
    for run in runs:
        if run.ok:
            head += [f"{run.name} P", f"{run.name} R", f"{run.name} F1"]
        else:
            head += [f"{run.name}"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def row(r, bold=False):
        name, ne, no, cells = r
        vals = [f"**{name}**" if bold else f"`{name}`", f"{ne}/{no}"]
        for run in runs:
            if not run.ok:
                vals.append(run.status)
                continue
            score, mapped = cells[run.name]
            if not mapped or score is None:
                vals += ["-", "-", "-"]
            else:
                vals += [
                    _fmt(score.precision).strip(),
                    _fmt(score.recall).strip(),
                    _fmt(score.f1).strip(),
                ]
        return "| " + " | ".join(vals) + " |"

    out += [row(r) for r in rows]
    out += [row(r, True) for r in totals]
    return "\n".join(out)


def render_details(runs, triages, categories, labels) -> str:
    out = []
    for run in runs:
        if not run.ok:
            out.append(f"== {run.name}: {run.status} {run.note}".rstrip())
            continue
        out.append(f"== {run.name} {run.version}".rstrip())
        mc = mapped_categories(run.name)
        for cat in categories:
            if cat not in mc:
                continue
            t = triages[run.name][cat]
            if not t.fns and not t.fps:
                continue
            out.append(f"-- {cat}")
            for lab in sorted(t.fns, key=lambda lab: (lab.path, lab.line)):
                grp = f" @{lab.group}" if lab.group else ""
                out.append(f"   FN {lab.path}:{lab.line}{grp}")
            for f, where in t.fps:
                out.append(f"   FP {f.path}:{f.line} [{f.code}] ({where}) {f.message[:90]}")
        unmapped = Counter(f.code for f in run.findings if f.category not in CATEGORIES)
        if unmapped:
            items = ", ".join(f"{c}x{n}" for c, n in sorted(unmapped.items()))
            out.append(f"-- not scored (unmapped code or category outside the list): {items}")
    return "\n".join(out)


def _uncommitted_in_git(root: Path) -> None:
    """Make ``root`` a git repository with one empty commit: its files are new, not committed."""
    env = ["-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    for args in (["init", "-q"], ["commit", "-q", "--allow-empty", "-m", "before the code was written"]):
        subprocess.run(["git", *env, *args], cwd=root, check=True, capture_output=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--family", choices=sorted(FAMILIES))
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    ap.add_argument("--details", action="store_true", help="list every FP and FN")
    ap.add_argument("--json", metavar="OUT", help="write machine-readable results here")
    ap.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset")
    ap.add_argument("--check", action="store_true", help="validate the corpus labels and exit")
    ap.add_argument(
        "--corpus",
        metavar="DIR",
        default=str(CORPUS),
        help="labelled corpus to score, e.g. bench/detection/holdout (default: %(default)s)",
    )
    ap.add_argument(
        "--plain-folder",
        action="store_true",
        help="score a copy outside git (default: uncommitted files in a fresh git repository)",
    )
    ap.add_argument(
        "--caveat-option",
        metavar="OPT",
        action="append",
        default=[],
        help="pass an option to caveat check, e.g. --caveat-option=--new-code=default (the default set only)",
    )
    args = ap.parse_args(argv)

    corpus = Path(args.corpus).resolve()
    try:
        files, labels = load_corpus(corpus)
    except CorpusError as exc:
        print(f"corpus error: {exc}", file=sys.stderr)
        return 2
    categories = FAMILIES[args.family] if args.family else list(CATEGORIES)

    if args.check:
        n_exp = Counter(lab.category for lab in labels if lab.kind == "expect")
        n_ok = Counter(lab.category for lab in labels if lab.kind == "ok")
        for cat in categories:
            print(f"{cat:28} expect {n_exp[cat]:3}  ok {n_ok[cat]:3}")
        print(f"{len(files)} files, {len(labels)} labels: OK")
        return 0

    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    for t in tools:
        if t not in TOOLS:
            ap.error(f"unknown tool {t!r}")

    runs: list[ToolRun] = []
    with tempfile.TemporaryDirectory(prefix="caveat-detect-") as tmp:
        root = Path(tmp) / "corpus"
        shutil.copytree(corpus, root, ignore=shutil.ignore_patterns("__pycache__"))
        if not args.plain_folder:
            _uncommitted_in_git(root)
        copies = [root / p.relative_to(corpus) for p in files]
        for t in tools:
            if t == "caveat":
                runs.append(run_caveat(root, copies, args.caveat_option))
            elif t == "bandit":
                runs.append(run_bandit(root))
            elif t == "ruff":
                runs.append(run_ruff(root))

    scores: dict[str, dict[str, Score]] = {}
    triages: dict[str, dict[str, Triage]] = {}
    for run in runs:
        scores[run.name], triages[run.name] = score_tool(run, labels)

    rows, totals = build_rows(runs, scores, labels, categories)
    if args.markdown:
        print(render_markdown(runs, rows, totals))
    else:
        print(render_plain(runs, rows, totals))
    notes = []
    for run in runs:
        if not run.ok:
            notes.append(f"{run.name}: {run.status}" + (f" ({run.note})" if run.note else ""))
        else:
            extra = f"; {run.note}" if run.note else ""
            notes.append(f"{run.name}: {run.version or 'version unknown'}{extra}")
    print()
    print(
        f"{len(files)} files, {sum(1 for lab in labels if lab.kind == 'expect')} expect / "
        f"{sum(1 for lab in labels if lab.kind == 'ok')} ok labels. " + "; ".join(notes)
    )
    if args.details:
        print()
        print(render_details(runs, triages, categories, labels))

    if args.json:
        doc = {
            "corpus": {
                "files": len(files),
                "labels": {
                    c: {
                        "expect": sum(
                            1 for lab in labels if lab.category == c and lab.kind == "expect"
                        ),
                        "ok": sum(1 for lab in labels if lab.category == c and lab.kind == "ok"),
                    }
                    for c in categories
                },
            },
            "tools": {},
        }
        for run in runs:
            entry: dict = {"status": run.status, "version": run.version, "note": run.note}
            if run.ok:
                mc = mapped_categories(run.name)
                entry["categories"] = {
                    c: (scores[run.name][c].as_dict() if c in mc else None) for c in categories
                }
                entry["totals"] = {
                    name: cells[run.name][0].as_dict()
                    for name, _, _, cells in totals
                    if cells[run.name][0] is not None
                }
                entry["false_negatives"] = [
                    {"path": lab.path, "line": lab.line, "category": c}
                    for c in categories
                    if c in mc
                    for lab in triages[run.name][c].fns
                ]
                entry["false_positives"] = [
                    {
                        "path": f.path,
                        "line": f.line,
                        "code": f.code,
                        "category": c,
                        "where": where,
                        "message": f.message,
                    }
                    for c in categories
                    if c in mc
                    for f, where in triages[run.name][c].fps
                ]
            doc["tools"][run.name] = entry
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
