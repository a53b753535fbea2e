#!/usr/bin/env python3
"""caveat on real applications: findings per 1,000 lines per rule, and triage samples.

    python bench/detection/real-apps/run.py                      # measure the default `caveat check --no-api`, in git and outside git
    python bench/detection/real-apps/run.py --mode git           # only one of the two (git, outside-git)
    python bench/detection/real-apps/run.py --api                # the same with the API stage on (what `caveat check` with no flag does)
    python bench/detection/real-apps/run.py --bandit             # also time `bandit -r` on the same folder (the peer)
    python bench/detection/real-apps/run.py --select strict      # another selection (any `caveat check` flag value)
    python bench/detection/real-apps/run.py --sample --seed N    # write triage-N.md: up to 12 findings per rule
    python bench/detection/real-apps/run.py --score triage-N.md  # precision per rule from a filled triage file
    python bench/detection/real-apps/run.py --set check          # the same on two more applications (CHECK_APPS)
    python bench/detection/real-apps/run.py --set blind          # and on three the team had never seen (BLIND_APPS)
    python bench/detection/real-apps/run.py --set blind2         # and three more, chosen in session 6 (BLIND2_APPS)

The four applications (``APPS``) are fetched as wheels with ``pip download --no-deps`` into
a cache folder (``--cache``, default ``$CAVEAT_REAL_APPS_CACHE`` or
``~/.cache/caveat-bench/real-apps``), never into the repository. Their tests, migrations,
vendored code and examples are left out (``excluded``); the files kept are copied into
``<cache>/tree/<app>/`` and checked there, under a ``pyproject.toml`` with no
``[tool.caveat]`` table, so what is measured is caveat's default as a new user gets it. The
tree is a git repository with every file committed, as an application's code is: no line is
new, so the default run measures the default set; ``--select strict`` measures every rule. The
same files are also checked **outside git** (a copy in ``<cache>/outside-git/`` with no
repository above it), as a user meets an extracted application or a folder of scripts: under
``new-code = "auto"`` (the default) nothing there is known to be new and the default set
applies; ``--new-code strict`` makes every line there new (the strict set). Both numbers are
printed unless ``--mode`` picks one; ``--sample``, ``--score`` and ``--findings`` use one mode
(``git`` unless ``--mode outside-git``).

Lines are lines of code: not blank, not only a comment. The triage protocol is in
``TRIAGE.md`` beside this file.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

HERE = Path(__file__).resolve().parent

# name on PyPI, pinned version, the top-level folders of the wheel that are the application
APPS = (
    ("apache-superset", "6.1.0", ("superset",)),
    ("label-studio", "1.23.2", ("label_studio",)),
    ("octoprint", "1.11.8", ("octoprint", "octoprint_client")),
    ("ckan", "2.12.0", ("ckan", "ckanext")),
)
# a check set (``--set check``): two more applications the rules were never triaged on, to see
# whether the policy generalises beyond the four (checked in ``<cache>/tree-check/``)
CHECK_APPS = (
    ("wagtail", "8.0.1", ("wagtail",)),
    ("calibreweb", "0.6.27", ("calibreweb",)),
)
# a blind set (``--set blind``): three applications nobody on the team had looked at when they
# were added (session 5), one per web framework: Django, Flask, Tornado (``<cache>/tree-blind/``)
BLIND_APPS = (
    ("pretalx", "2025.2.2", ("pretalx",)),
    ("changedetection.io", "0.60.10", ("changedetectionio",)),
    ("jupyterhub", "6.1.1", ("jupyterhub",)),
)
# a second blind set (``--set blind2``): three more applications nobody on the team had looked at when
# they were added (session 6), one per web framework: Flask, Django, FastAPI (``<cache>/tree-blind2/``)
BLIND2_APPS = (
    ("privacyidea", "3.14", ("privacyidea",)),
    ("modoboa", "2.12.0", ("modoboa",)),
    ("lnbits", "1.6.2", ("lnbits",)),
)
SETS = {"main": ("tree", APPS), "check": ("tree-check", CHECK_APPS), "blind": ("tree-blind", BLIND_APPS),
        "blind2": ("tree-blind2", BLIND2_APPS)}
# folders whose code is not the application's own: tests, migrations, vendored code, examples
EXCLUDED_FOLDERS = frozenset({"tests", "test", "testing", "migrations", "migration", "alembic", "vendor",
                              "examples", "fixtures"})
SAMPLE_SIZE = 12
CONTEXT = 4
VERDICTS = ("worth raising", "not", "unsure")


def default_cache() -> Path:
    return Path(os.environ.get("CAVEAT_REAL_APPS_CACHE") or Path.home() / ".cache" / "caveat-bench" / "real-apps")


def excluded(relative: PurePosixPath) -> bool:
    """Tests, migrations, vendored code and examples (``relative`` is inside the wheel)."""
    folders, name = relative.parts[:-1], relative.name
    if any(part in EXCLUDED_FOLDERS or part.startswith("example_") for part in folders):
        return True
    return name.startswith("test_") or name.endswith("_test.py") or name in ("conftest.py", "tests.py")


# --------------------------------------------------------------------------- fetching
def fetch(cache: Path, which: str = "main") -> Path:
    """The tree of kept application files, fetched and extracted once."""
    folder, apps = SETS[which]
    tree = cache / folder
    marker = tree / ".complete"
    wanted = json.dumps([list(app[:2]) for app in apps])
    if marker.exists() and marker.read_text() == wanted:
        if not (tree / ".git").exists():
            _commit(tree)
        return tree
    wheels = cache / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    if tree.exists():
        shutil.rmtree(tree)
    tree.mkdir(parents=True)
    for name, version, packages in apps:
        wheel = _wheel(wheels, name, version)
        target = tree / name
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                relative = PurePosixPath(member)
                if relative.suffix != ".py" or relative.parts[0] not in packages or excluded(relative):
                    continue
                out = target / relative
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(archive.read(member))
    (tree / "pyproject.toml").write_text("# The checked applications: caveat's defaults, no [tool.caveat] table.\n")
    marker.write_text(wanted)
    _commit(tree)
    return tree


def outside_git(cache: Path, tree: Path) -> Path:
    """A copy of ``tree`` with no git repository, refreshed when the tree's commit changes."""
    copy = cache / ("outside-git" if tree.name == "tree" else f"{tree.name}-outside-git")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tree, capture_output=True, text=True).stdout.strip()
    marker = copy / ".complete"
    if marker.exists() and marker.read_text() == head:
        return copy
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(tree, copy, ignore=shutil.ignore_patterns(".git", ".caveat_cache", ".complete", ".gitignore"))
    marker.write_text(head)
    inside = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=copy, capture_output=True, text=True)
    if inside.returncode == 0:
        raise SystemExit(f"{copy} is inside the git repository {inside.stdout.strip()}: choose another --cache")
    return copy


def _commit(tree: Path) -> None:
    """Commit the tree: the applications' code is existing code, not lines being written."""
    (tree / ".gitignore").write_text(".complete\n")
    env = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.com")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "the applications as released"]):
        subprocess.run(["git", *args], cwd=tree, check=True, env=env, capture_output=True)


def _wheel(folder: Path, name: str, version: str) -> Path:
    stem = f"{re.sub(r'[-_.]+', '_', name)}-{version}-"  # a wheel's name is normalised (PEP 427)
    found = [p for p in folder.glob("*.whl") if p.name.lower().startswith(stem.lower())]
    if not found:
        print(f"fetching {name}=={version} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "-q",
                        "-d", str(folder), f"{name}=={version}"], check=True)
        found = [p for p in folder.glob("*.whl") if p.name.lower().startswith(stem.lower())]
    if not found:
        raise SystemExit(f"no wheel for {name}=={version} in {folder}")
    return found[0]


# --------------------------------------------------------------------------- measuring
def lines_of_code(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))


@dataclass
class Measurement:
    files: int
    loc: int
    loc_by_app: dict[str, int]
    findings: list[dict]
    seconds: float
    bandit_seconds: float | None = None  # ``bandit -r`` on the same folder, right after (--bandit)
    bandit_findings: int | None = None
    ruff: tuple[float, int] | None = None  # ``ruff check --select S``: seconds, findings (--bandit, if installed)


def count_lines(tree: Path) -> tuple[int, dict[str, int]]:
    """Files and lines of code per application in ``tree``."""
    loc_by_app: dict[str, int] = {}
    files = 0
    for app in _apps(tree):
        for path in app.rglob("*.py"):
            files += 1
            loc_by_app[app.name] = loc_by_app.get(app.name, 0) + lines_of_code(path.read_text("utf-8", "replace"))
    return files, loc_by_app


def _apps(tree: Path) -> list[Path]:
    return sorted(p for p in tree.iterdir() if p.is_dir() and not p.name.startswith("."))


def measure(tree: Path, extra: list[str], api: bool, use_cache: bool) -> Measurement:
    import time

    files, loc_by_app = count_lines(tree)
    command = [sys.executable, "-m", "caveat", "check", ".", "--format", "json", "--exit-zero", "--no-progress",
               *extra]
    if not api:
        command.append("--no-api")
    if not use_cache:
        command.append("--no-cache")
    started = time.perf_counter()
    done = subprocess.run(command, cwd=tree, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"caveat check failed ({done.returncode}):\n{done.stderr[-3000:]}")
    findings = json.loads(done.stdout or "[]")
    return Measurement(files, sum(loc_by_app.values()), loc_by_app, findings, seconds)


def time_bandit(tree: Path) -> tuple[float, int]:
    """Wall-clock seconds of ``bandit -r`` (its defaults, quiet) on ``tree`` and its finding count: the peer
    a run's time is compared with, measured in the same run because the machine's load varies."""
    import tempfile
    import time

    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "bandit.json"
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "bandit", "-r", "-q", "-f", "json", "-o", str(out), "."],
                              cwd=tree, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if done.returncode not in (0, 1):
            raise SystemExit(f"bandit failed ({done.returncode}):\n{done.stderr[-3000:]}")
        return seconds, len(json.loads(out.read_text()).get("results", []))


def time_ruff(tree: Path) -> tuple[float, int] | None:
    """``ruff check --select S`` (flake8-bandit's rules, ruff's other settings default) on ``tree``: seconds and
    findings, or None when ruff is not installed beside this interpreter."""
    import time

    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        return None
    started = time.perf_counter()
    done = subprocess.run([ruff, "check", "--isolated", "--select", "S", "--no-cache", "--exit-zero",
                           "--output-format", "json", "."], cwd=tree, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"ruff failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, len(json.loads(done.stdout or "[]"))


def app_of(path: str) -> str:
    return PurePosixPath(path).parts[0]


def report(m: Measurement, title: str) -> str:
    kloc = m.loc / 1000
    by_rule = Counter(f["code"] for f in m.findings)
    by_rule_app: dict[str, Counter] = defaultdict(Counter)
    severity: dict[str, Counter] = defaultdict(Counter)
    for f in m.findings:
        by_rule_app[f["code"]][app_of(f["path"])] += 1
        severity[f["code"]][f["severity"]] += 1
    apps = sorted(m.loc_by_app)
    out = [f"## {title}", "",
           f"{m.files} files, {m.loc:,} lines of code ({', '.join(f'{a} {m.loc_by_app[a]:,}' for a in apps)}); "
           f"{len(m.findings)} findings = {len(m.findings) / kloc:.2f} per 1,000 lines; {m.seconds:.0f} s"
           + ("" if m.bandit_seconds is None else
              f" (`bandit -r` on the same folder right after: {m.bandit_findings} findings, {m.bandit_seconds:.0f} s, "
              f"ratio {m.seconds / m.bandit_seconds:.1f}"
              + ("" if m.ruff is None else f"; `ruff check --select S`: {m.ruff[1]} findings, {m.ruff[0]:.1f} s")
              + ")"), "",
           "| rule | name | findings | per 1,000 lines | " + " | ".join(apps) + " | severity |",
           "| --- | --- | ---: | ---: | " + " | ".join("---:" for _ in apps) + " | --- |"]
    names = {f["code"]: f["name"] for f in m.findings}
    for code, count in sorted(by_rule.items(), key=lambda item: (-item[1], item[0])):
        sev = ", ".join(f"{k} {v}" for k, v in severity[code].most_common())
        out.append(f"| {code} | {names[code]} | {count} | {count / kloc:.3f} | "
                   + " | ".join(str(by_rule_app[code][a]) for a in apps) + f" | {sev} |")
    out.append(f"| all | | {len(m.findings)} | {len(m.findings) / kloc:.3f} | "
               + " | ".join(str(sum(by_rule_app[c][a] for c in by_rule)) for a in apps) + " | |")
    return "\n".join(out)


# --------------------------------------------------------------------------- sampling
def sample(findings: list[dict], seed: int, size: int = SAMPLE_SIZE) -> dict[str, list[dict]]:
    """Up to ``size`` findings per rule, drawn with ``seed`` (stable for the same findings)."""
    by_rule: dict[str, list[dict]] = defaultdict(list)
    for f in sorted(findings, key=lambda f: (f["code"], f["path"], f["line"], f["column"], f["message"])):
        by_rule[f["code"]].append(f)
    chosen = {}
    for code in sorted(by_rule):
        rng = random.Random(f"{seed}:{code}")
        items = by_rule[code]
        picked = items if len(items) <= size else rng.sample(items, size)
        chosen[code] = sorted(picked, key=lambda f: (f["path"], f["line"]))
    return chosen


def finding_id(f: dict) -> str:
    return f"{f['code']}@{f['path']}:{f['line']}:{f['column']}"


def context_lines(tree: Path, f: dict, around: int = CONTEXT) -> str:
    lines = (tree / f["path"]).read_text("utf-8", "replace").splitlines()
    first, last = max(1, f["line"] - around), min(len(lines), f["end_line"] + around)
    width = len(str(last))
    rows = []
    for number in range(first, last + 1):
        mark = ">" if f["line"] <= number <= f["end_line"] else " "
        rows.append(f"{mark}{number:>{width}} | {lines[number - 1]}")
    return "\n".join(rows)


def write_sample(tree: Path, m: Measurement, seed: int, out: Path, settings_note: str,
                 size: int = SAMPLE_SIZE) -> None:
    chosen = sample(m.findings, seed, size)
    counts = Counter(f["code"] for f in m.findings)
    total = sum(len(v) for v in chosen.values())
    parts = [f"# Triage sample, seed {seed}", "",
             f"`caveat check{settings_note}` on {', '.join(sorted(m.loc_by_app))}: {len(m.findings)} findings, "
             f"{m.loc:,} lines of code. This sample: {total} findings, up to {size} per rule.",
             "Protocol: `TRIAGE.md` beside `run.py`. For each finding, replace `?` after **verdict** with",
             "`worth raising`, `not` or `unsure`, and write one line of reason (a pattern, not the code).",
             "Score it with `python bench/detection/real-apps/run.py --score " + out.name + "`.", ""]
    for code, items in chosen.items():
        parts += [f"## {code} {items[0]['name']} ({len(items)} of {counts[code]})", ""]
        for number, f in enumerate(items, 1):
            parts += [f"### {code}-{number}: `{f['path']}:{f['line']}:{f['column']}`", "",
                      f"id: {finding_id(f)}  ", f"severity: {f['severity']}  ", f"message: {f['message']}", "",
                      "```python", context_lines(tree, f), "```", "",
                      "- **verdict**: ?", "- **reason**: ", ""]
    out.write_text("\n".join(parts))


# --------------------------------------------------------------------------- scoring a triage
_ENTRY = re.compile(r"^id: (?P<id>\S+)", re.M)
_VERDICT = re.compile(r"^- \*\*verdict\*\*:[ \t]*(?P<v>[^\n]*)$", re.M)
_REASON = re.compile(r"^- \*\*reason\*\*:[ \t]*(?P<r>[^\n]*)$", re.M)


def parse_triage(text: str) -> list[tuple[str, str, str]]:
    """(finding id, verdict, reason) for each entry of a filled triage file."""
    entries = []
    starts = [m.start() for m in _ENTRY.finditer(text)] + [len(text)]
    for start, end in zip(starts, starts[1:]):
        chunk = text[start:end]
        ident = _ENTRY.match(chunk).group("id")
        verdict = _VERDICT.search(chunk)
        reason = _REASON.search(chunk)
        value = (verdict.group("v") if verdict else "").strip().strip("*_` ").lower()
        entries.append((ident, value, reason.group("r").strip() if reason else ""))
    return entries


def score(entries: list[tuple[str, str, str]], counts: Counter | None, kloc: float | None) -> str:
    by_rule: dict[str, Counter] = defaultdict(Counter)
    blank = 0
    for ident, verdict, _ in entries:
        code = ident.split("@", 1)[0]
        if verdict not in VERDICTS:
            blank += 1
            verdict = "unjudged"
        by_rule[code][verdict] += 1
    rows = ["| rule | judged | worth raising | not | unsure | precision | findings now | est. false alarms / 1,000 lines |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    total_fa = 0.0
    totals = Counter()
    for code in sorted(by_rule):
        c = by_rule[code]
        judged = c["worth raising"] + c["not"]
        precision = c["worth raising"] / judged if judged else None
        totals.update(c)
        now = counts.get(code, 0) if counts is not None else None
        fa = now * (1 - precision) / kloc if (precision is not None and now is not None and kloc) else None
        total_fa += fa or 0.0
        rows.append(f"| {code} | {judged} | {c['worth raising']} | {c['not']} | {c['unsure']} | "
                    f"{'-' if precision is None else f'{precision:.2f}'} | {'-' if now is None else now} | "
                    f"{'-' if fa is None else f'{fa:.3f}'} |")
    judged = totals["worth raising"] + totals["not"]
    rows.append(f"| all | {judged} | {totals['worth raising']} | {totals['not']} | {totals['unsure']} | "
                f"{totals['worth raising'] / judged if judged else 0:.2f} | "
                f"{sum(counts.values()) if counts is not None else '-'} | {total_fa:.3f} |")
    note = f"\n\n{blank} entries not judged yet." if blank else ""
    return "\n".join(rows) + note + "\n\nPrecision = worth raising / (worth raising + not); unsure left out."


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=default_cache())
    parser.add_argument("--set", choices=sorted(SETS), default="main",
                        help="main: the four applications the policy is measured on; check: two more (CHECK_APPS); "
                             "blind: three the team had never seen (BLIND_APPS); blind2: three more (BLIND2_APPS)")
    parser.add_argument("--api", action="store_true", help="run the API stage too (default: --no-api)")
    parser.add_argument("--select", help="pass --select to caveat check (e.g. strict, ALL)")
    parser.add_argument("--new-code", choices=("auto", "strict", "default"), help="pass --new-code to caveat check")
    parser.add_argument("--mode", choices=("both", "git", "outside-git"), default=None,
                        help="the tree committed in git, a copy outside git, or both (default: both; "
                             "--sample/--score/--findings: git)")
    parser.add_argument("--no-cache", action="store_true", help="pass --no-cache to caveat check")
    parser.add_argument("--bandit", action="store_true",
                        help="also time `bandit -r` (and `ruff check --select S` if installed) on the same folder "
                             "right after, as the run time's peer")
    parser.add_argument("--sample", action="store_true", help="write triage-SEED.md beside this script")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="where --sample writes (default: triage-SEED.md here)")
    parser.add_argument("--score", type=Path, metavar="TRIAGE.md", help="score a filled triage file")
    parser.add_argument("--json", type=Path, help="also write the findings here")
    parser.add_argument("--findings", type=Path, metavar="JSON",
                        help="use the findings of an earlier run (a --json file) instead of running caveat check")
    parser.add_argument("--size", type=int, default=SAMPLE_SIZE, help="--sample: findings per rule")
    args = parser.parse_args(argv)

    tree = fetch(args.cache, args.set)
    extra = ["--select", args.select] if args.select else []
    extra += ["--new-code", args.new_code] if args.new_code else []
    single = args.score or args.sample or args.findings
    mode = args.mode or ("git" if single else "both")
    if mode == "both" and single:
        raise SystemExit("--sample, --score and --findings use one mode: --mode git or --mode outside-git")
    trees = {"git": tree} if mode in ("both", "git") else {}
    if mode in ("both", "outside-git"):
        trees["outside-git"] = outside_git(args.cache, tree)
    titles = {"git": "the applications committed in git", "outside-git": "the same files outside git"}
    for name, where in trees.items():
        note = "".join(" " + e for e in extra) + ("" if args.api else " --no-api") + \
            ("" if name == "git" else " (outside git)")
        if args.findings:
            files, loc_by_app = count_lines(where)
            m = Measurement(files, sum(loc_by_app.values()), loc_by_app, json.loads(args.findings.read_text()), 0.0)
            note = f" ({args.findings.name})"
        else:
            m = measure(where, extra, args.api, not args.no_cache)
            if args.bandit:
                m.bandit_seconds, m.bandit_findings = time_bandit(where)
                m.ruff = time_ruff(where)
        if args.score:
            entries = parse_triage(args.score.read_text())
            print(score(entries, Counter(f["code"] for f in m.findings), m.loc / 1000))
            return 0
        if args.json:
            path = args.json if len(trees) == 1 else args.json.with_name(f"{args.json.stem}-{name}{args.json.suffix}")
            path.write_text(json.dumps(m.findings, indent=1))
        if args.sample:
            out = args.out or HERE / f"triage-{args.seed}.md"
            write_sample(where, m, args.seed, out, note, args.size)
            print(f"wrote {out}: {sum(len(v) for v in sample(m.findings, args.seed, args.size).values())} findings to judge")
            return 0
        print(report(m, f"caveat check{note}: {titles[name]}"))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
