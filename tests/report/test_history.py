"""``caveat report`` on the repository of conftest.py, whose history is known commit by commit."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from caveat.history.analyse import Analyser
from caveat.history.attribution import Attribution
from caveat.history.git import Repository
from caveat.history.timeline import replay
from caveat.project import settings_for


def run_report(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "caveat", "report", *args], cwd=root, capture_output=True,
                          text=True, timeout=300)


def report_json(root: Path, *args: str) -> dict:
    done = run_report(root, "--format", "json", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def categories(**counts: tuple[int, int]) -> dict:
    names = counts.pop("names")
    return {name: {"introduced": counts.get(name.replace("-", "_"), (0, 0))[0],
                   "fixed": counts.get(name.replace("-", "_"), (0, 0))[1]} for name in names}


ALL = ("insecure-deserialization", "missing-timeout", "mutable-default-arg", "swallowed-exception")


def test_report_json_is_exact_for_the_known_history(demo):
    c = demo.commits
    assert report_json(demo.root) == {
        "repository": str(demo.root),
        "range": {"since": "2026-01-05", "until": "2026-01-23"},
        "period": "week",
        "periods": [
            {"start": "2026-01-05", "end": "2026-01-11", "commits": 3, "ai_commits": 1,
             # c1 adds 9 lines of app/net.py (vendor/ is excluded), c2 11 (AI), c3 3
             "lines_added": 23, "lines_deleted": 0, "ai_lines_added": 11,
             "findings_introduced": 3, "ai_findings_introduced": 2, "findings_fixed": 0,
             "by_category": categories(names=ALL, insecure_deserialization=(1, 0), missing_timeout=(1, 0),
                                       mutable_default_arg=(1, 0))},
            {"start": "2026-01-12", "end": "2026-01-18", "commits": 3, "ai_commits": 2,
             # c4 +6 -8 (AI, a move: nothing introduced), c5 +5 (AI), c6 +1 -1
             "lines_added": 12, "lines_deleted": 9, "ai_lines_added": 11,
             "findings_introduced": 1, "ai_findings_introduced": 1, "findings_fixed": 1,
             "by_category": categories(names=ALL, missing_timeout=(0, 1), swallowed_exception=(1, 0))},
            {"start": "2026-01-19", "end": "2026-01-25", "commits": 5, "ai_commits": 3,
             # c7 a rename (nothing), c8 +5 (AI), c9 -3 (AI: fixes by deleting), c10 docs, c11 +6; the merge is not counted
             "lines_added": 11, "lines_deleted": 3, "ai_lines_added": 5,
             "findings_introduced": 2, "ai_findings_introduced": 1, "findings_fixed": 1,
             "by_category": categories(names=ALL, missing_timeout=(1, 0), mutable_default_arg=(0, 1),
                                       swallowed_exception=(1, 0))},
        ],
        "open_findings": [
            # moved from store.py to config.py by c4: still c2's
            {"path": "app/config.py", "line": 6, "code": "CAV132", "category": "insecure-deserialization",
             "introduced_by": {"commit": c["c2"], "date": "2026-01-07T10:00:00Z", "ai_assisted": True}},
            {"path": "app/extra.py", "line": 5, "code": "CAV201", "category": "swallowed-exception",
             "introduced_by": {"commit": c["c11"], "date": "2026-01-23T10:00:00Z", "ai_assisted": False}},
            # renamed from jobs.py by c7: still c5's
            {"path": "app/tasks.py", "line": 4, "code": "CAV201", "category": "swallowed-exception",
             "introduced_by": {"commit": c["c5"], "date": "2026-01-14T10:00:00Z", "ai_assisted": True}},
            {"path": "app/tasks.py", "line": 10, "code": "CAV203", "category": "missing-timeout",
             "introduced_by": {"commit": c["c8"], "date": "2026-01-20T10:00:00Z", "ai_assisted": True}},
        ],
    }


def test_since_until_ends_the_range_with_the_code_of_then(demo):
    report = report_json(demo.root, "--since", "2026-01-12", "--until", "2026-01-18")
    assert report["range"] == {"since": "2026-01-12", "until": "2026-01-18"}
    assert [(p["start"], p["commits"], p["findings_introduced"], p["findings_fixed"]) for p in report["periods"]] == [
        ("2026-01-12", 3, 1, 1)]
    assert report["periods"][0]["by_category"] == categories(names=("missing-timeout", "swallowed-exception"),
                                                             missing_timeout=(0, 1), swallowed_exception=(1, 0))
    # at the end of 01-18 the swallowed exception was still in jobs.py; yaml.load predates the range
    assert [(f["path"], f["line"], f["code"], f["introduced_by"]["commit"]) for f in report["open_findings"]] == [
        ("app/jobs.py", 4, "CAV201", demo.commits["c5"])]


def test_months_add_up_the_weeks(demo):
    report = report_json(demo.root, "--period", "month")
    assert [(p["start"], p["end"]) for p in report["periods"]] == [("2026-01-01", "2026-01-31")]
    month = report["periods"][0]
    assert (month["commits"], month["ai_commits"], month["lines_added"], month["lines_deleted"],
            month["ai_lines_added"], month["findings_introduced"], month["ai_findings_introduced"],
            month["findings_fixed"]) == (11, 6, 46, 12, 27, 6, 4, 2)


def test_pr_summary_markdown(demo):
    c = demo.commits
    done = run_report(demo.root, "--pr", f"{c['c3']}..{c['c6']}")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "**3 commits, 2 AI-assisted (67%)** · **+12 / −9 lines of Python, 11 added in AI-assisted commits (92%)**" in text
    assert "### New findings: 1 (83.3 per 1,000 lines added; 1 fixed)" in text
    assert "| swallowed-exception | 1 | 1 |" in text
    assert "- `app/jobs.py:4` **CAV201** swallowed-exception: " in text
    assert f"(introduced by `{c['c5'][:7]}`, AI-assisted)" in text
    # the checklist: c4 added config.py (a file opened, yaml.load), c6 changed the requests call
    checklist = text.split("### Security checklist", 1)[1]
    assert "- [ ] **Data access**" in checklist and "`app/config.py:5` `open()`" in checklist
    assert "`yaml.load()`" in checklist
    assert "- [ ] **External calls**" in checklist and "`app/net.py:8` `requests.get()`" in checklist
    assert "User input" not in checklist and "Authentication" not in checklist


def test_pr_without_ai_commits_or_findings(demo):
    c = demo.commits
    text = run_report(demo.root, "--pr", f"{c['c9']}..{c['c10']}").stdout
    assert "**1 commit, 0 AI-assisted (0%)**" in text
    assert "### New findings: 0 (no Python lines added; 0 fixed)" in text
    assert "The changed lines reach none of: user input, authentication, data access, external calls." in text


def test_each_file_version_is_analysed_once_and_cached(demo, tmp_path, monkeypatch):
    monkeypatch.delenv("CAVEAT_NO_DISK_CACHE", raising=False)
    copy = tmp_path / "copy"
    subprocess.run(["git", "clone", "-q", str(demo.root), str(copy)], check=True)
    settings, _ = settings_for(copy)
    repo = Repository(copy)
    first = Analyser(repo.root, settings, jobs=1)
    before = replay(repo, first, Attribution(settings.ai_trailers), head=repo.resolve("HEAD")).to_json()
    # versions of app/ files met: net.py x3, store.py x2, config.py, jobs.py, tasks.py x2 (the rename is
    # a new path), extra.py, __init__.py; vendor/lib.py is excluded and never read
    assert first.stats["analysed"] == 11
    second = Analyser(repo.root, settings, jobs=1)
    after = replay(repo, second, Attribution(settings.ai_trailers), head=repo.resolve("HEAD")).to_json()
    assert (second.stats["analysed"], second.stats["cached"]) == (0, 11)
    assert after == before
    assert list((copy / ".caveat_cache").glob("history-*.pickle"))


def test_errors_name_the_problem(demo, tmp_path):
    done = run_report(demo.root, "--pr=--output=/tmp/x..HEAD")
    assert done.returncode == 2 and "unknown revision `--output=/tmp/x`" in done.stderr
    plain = tmp_path / "plain"
    plain.mkdir()
    done = run_report(plain)
    assert done.returncode == 2 and "not inside a git repository" in done.stderr
    done = run_report(demo.root, "--since", "last tuesday")
    assert done.returncode == 2 and "--since: `last tuesday` is not an ISO 8601 date" in done.stderr


@pytest.mark.parametrize(("table", "message"), [
    ('ai-trailers = ["(unclosed"]', "`report.ai-trailers`: `(unclosed` is not a regular expression"),
    ("ai-trailers = 3", "`report.ai-trailers` must be a list of strings"),
    ('trailers = ["x"]', "unknown setting `report.trailers`"),
])
def test_report_settings_are_validated(demo, tmp_path, table, message):
    config = tmp_path / "pyproject.toml"
    config.write_text(f"[tool.caveat.report]\n{table}\n")
    done = run_report(demo.root, "--config", str(config))
    assert done.returncode == 2 and message in done.stderr


def test_html_is_one_self_contained_file(demo, tmp_path):
    out = tmp_path / "report.html"
    assert run_report(demo.root, "-o", str(out)).returncode == 0
    page = out.read_text()
    assert "<script src" not in page and "<link" not in page and "@import" not in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in page
    data = page.split('<script type="application/json" id="caveat-data">', 1)[1].split("</script>", 1)[0]
    assert json.loads(data) == report_json(demo.root)


def test_markdown_of_a_range_without_base_has_no_checklist(demo):
    done = run_report(demo.root, "--format", "markdown", "--until", "2026-01-11")
    assert done.returncode == 0, done.stderr
    assert "**3 commits, 1 AI-assisted (33%)**" in done.stdout
    assert "### New findings: 3 (130.4 per 1,000 lines added; 0 fixed)" in done.stdout
    assert "Security checklist" not in done.stdout


def test_a_shallow_clone_does_not_count_its_boundary_commit(demo, tmp_path):
    """A CI checkout of depth 3: the oldest commit has no parent there, and its diff would add
    every file; it is left out and the user is told why."""
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "3", demo.root.as_uri(), str(clone)], check=True)
    done = run_report(clone, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert "this clone is shallow" in done.stderr
    report = json.loads(done.stdout)
    # left: c10 (docs) and c11 (extra.py, one swallowed exception); c9, the boundary, is not counted
    week = report["periods"][-1]
    assert (week["commits"], week["lines_added"], week["findings_introduced"], week["findings_fixed"]) == (2, 6, 1, 0)
    assert [(f["path"], f["introduced_by"]["commit"]) for f in report["open_findings"]] == [
        ("app/extra.py", demo.commits["c11"])]
    done = run_report(clone, "--pr", f"{demo.commits['c2']}..HEAD")
    assert done.returncode == 2 and "this clone is shallow" in done.stderr
