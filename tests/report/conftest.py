"""A git repository with a known history, built once per session for the report tests.

Three weeks (UTC; weeks start on Monday 2026-01-05, 01-12, 01-19). Each commit says what
it does to the findings; the tests assert the report's numbers against this table:

| commit | date | trailer | change | introduced | fixed |
| --- | --- | --- | --- | --- | --- |
| c1 | 01-05 | none | add app/net.py (fetch without timeout), vendor/lib.py (excluded) | 1 missing-timeout | |
| c2 | 01-07 | Co-authored-by: Claude <noreply@anthropic.com> | add app/store.py: yaml.load, mutable default | 2 | |
| c3 | 01-09 | Co-authored-by: Claude Dupont (a person) | 4 lines above fetch: its finding moves down | | |
| c4 | 01-13 | Co-authored-by: Copilot (GitHub's bot) | load() moves from store.py to config.py | | |
| c5 | 01-14 | Assisted-by: Cursor | add app/jobs.py: swallowed exception | 1 swallowed-exception | |
| c6 | 01-15 | none | fetch gets its timeout | | 1 missing-timeout |
| c7 | 01-19 | Generated-by: scaffolder | rename app/jobs.py -> app/tasks.py | | |
| c8 | 01-20 | AI-assisted: true | app/tasks.py: a call without timeout | 1 missing-timeout | |
| c9 | 01-21 | X-Agent: robo-coder (ai-trailers) | delete app/store.py | | 1 mutable-default-arg |
| c10 | 01-22 | AI-assisted: false | docs only | | |
| c11 | 01-23 | none, on a branch | add app/extra.py: swallowed exception | 1 swallowed-exception | |
| merge | 01-24 | | merges the branch (not counted) | | |
"""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

NET_V1 = '''import requests


def fetch(url):
    return requests.get(url).json()


def ping():
    return "pong"
'''
NET_V2 = '''import requests

DEFAULT = "https://example.com"
RETRIES = 3


def fetch(url):
    return requests.get(url).json()


def ping():
    return "pong"
'''
NET_V3 = NET_V2.replace("requests.get(url)", "requests.get(url, timeout=10)")
STORE = '''import yaml


def load(path):
    with open(path) as handle:
        return yaml.load(handle)


def append(item, items=[]):
    items.append(item)
    return items
'''
STORE_AFTER_MOVE = '''def append(item, items=[]):
    items.append(item)
    return items
'''
CONFIG = '''import yaml


def load(path):
    with open(path) as handle:
        return yaml.load(handle)
'''
JOBS = '''def quiet(job):
    try:
        job()
    except Exception:
        pass
'''
TASKS_V2 = JOBS + '''

def report(url):
    import requests
    return requests.post(url, json={"ok": True})
'''
EXTRA = '''def run_all(jobs):
    for job in jobs:
        try:
            job()
        except Exception:
            pass
'''
VENDOR = '''import yaml


def read(handle):
    return yaml.load(handle)
'''
PYPROJECT = '''[project]
name = "demo"
version = "0"

[tool.caveat]
exclude = ["vendor/**"]

[tool.caveat.report]
ai-trailers = ["^X-Agent: robo"]
'''


@dataclass
class Demo:
    root: Path
    commits: dict[str, str]  # c1..c11, merge -> sha


def _git(root: Path, *args: str, when: str | None = None) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="Dev", GIT_AUTHOR_EMAIL="dev@example.com",
               GIT_COMMITTER_NAME="Dev", GIT_COMMITTER_EMAIL="dev@example.com", GIT_CONFIG_NOSYSTEM="1",
               HOME=str(root.parent))
    if when:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    done = subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def build_demo(root: Path) -> Demo:
    root.mkdir(parents=True)
    _git(root, "init", "-q", "-b", "main")
    commits: dict[str, str] = {}

    def write(path: str, text: str) -> None:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def commit(name: str, day: str, message: str) -> None:
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "--allow-empty", "-m", message, when=f"2026-01-{day}T10:00:00+00:00")
        commits[name] = _git(root, "rev-parse", "HEAD")

    write("pyproject.toml", PYPROJECT)
    write("app/__init__.py", "")
    write("app/net.py", NET_V1)
    write("vendor/lib.py", VENDOR)
    write("README.md", "demo\n")
    commit("c1", "05", "Add the HTTP helper")
    write("app/store.py", STORE)
    commit("c2", "07", "Add the store\n\nCo-authored-by: Claude <noreply@anthropic.com>")
    write("app/net.py", NET_V2)
    commit("c3", "09", "Add defaults\n\nCo-authored-by: Claude Dupont <claude.dupont@example.fr>")
    write("app/store.py", STORE_AFTER_MOVE)
    write("app/config.py", CONFIG)
    commit("c4", "13", "Move load() to config\n\nCo-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>")
    write("app/jobs.py", JOBS)
    commit("c5", "14", "Add jobs\n\nAssisted-by: Cursor")
    write("app/net.py", NET_V3)
    commit("c6", "15", "Give fetch a timeout")
    _git(root, "mv", "app/jobs.py", "app/tasks.py")
    commit("c7", "19", "Rename jobs to tasks\n\nGenerated-by: scaffolder")
    write("app/tasks.py", TASKS_V2)
    commit("c8", "20", "Report task results\n\nAI-assisted: true")
    (root / "app/store.py").unlink()
    commit("c9", "21", "Drop the store\n\nX-Agent: robo-coder")
    write("README.md", "demo\n\nMore docs.\n")
    commit("c10", "22", "Docs\n\nAI-assisted: false")
    _git(root, "checkout", "-q", "-b", "side", commits["c9"])
    write("app/extra.py", EXTRA)
    commit("c11", "23", "Run all jobs")
    _git(root, "checkout", "-q", "main")
    _git(root, "merge", "-q", "--no-ff", "-m", "Merge side", "side", when="2026-01-24T10:00:00+00:00")
    commits["merge"] = _git(root, "rev-parse", "HEAD")
    return Demo(root, commits)


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Demo:
    return build_demo(tmp_path_factory.mktemp("history") / "demo")
