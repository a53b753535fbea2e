"""new-code = "auto" (the default): in a git repository the lines changed since HEAD (and files git
does not track yet) get the strict profile, the rest of the file the default one; outside git
nothing is known to be new, so the default set applies. new-code = "strict": outside git every
line is new. Real git repositories and plain folders, through the CLI and the real server."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from caveat.newcode import BufferLines, _carried, _Exact
from tests.lsp.conftest import client, codes, change_doc, open_doc, push_capabilities, start, wait_for  # noqa: F401
from tests.test_cli import caveat

# CAV202 (lost-exception-context) is in the strict profile only.
OLD = '''def parse(value):
    try:
        return int(value)
    except ValueError:
        raise RuntimeError("not a number")
'''
ADDED = '''

def parse_ratio(value):
    try:
        return float(value)
    except ValueError:
        raise RuntimeError("not a ratio")
'''


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd, check=True,
                   capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(OLD)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "old code")
    return tmp_path


def lines_of(project: Path, *args: str) -> list[tuple[int, str]]:
    result = caveat("check", "--format", "json", "--no-api", *args, "app.py", cwd=project)
    assert result.returncode in (0, 1), result.stderr
    return [(f["line"], f["code"]) for f in json.loads(result.stdout)]


def test_committed_lines_get_the_default_set_and_changed_lines_the_strict_one(repo: Path):
    assert lines_of(repo) == []
    (repo / "app.py").write_text(OLD + ADDED)
    assert lines_of(repo) == [(12, "CAV202")]
    assert lines_of(repo, "--new-code", "default") == []
    assert lines_of(repo, "--profile", "strict") == [(5, "CAV202"), (12, "CAV202")]
    git(repo, "commit", "-qam", "more")
    assert lines_of(repo) == []


def test_configured_off(repo: Path):
    (repo / "app.py").write_text(OLD + ADDED)
    (repo / "pyproject.toml").write_text('[tool.caveat]\nnew-code = "default"\n')
    assert lines_of(repo) == []
    (repo / "pyproject.toml").write_text('[tool.caveat]\nnew-code = "auto"\n')
    assert lines_of(repo) == [(12, "CAV202")]


def test_outside_git_auto_applies_the_default_set_and_strict_makes_every_line_new(tmp_path: Path):
    (tmp_path / "app.py").write_text(OLD + ADDED)
    assert lines_of(tmp_path) == []  # a plain folder: nothing is known to be new
    assert lines_of(tmp_path, "--new-code", "strict") == [(5, "CAV202"), (12, "CAV202")]
    (tmp_path / "pyproject.toml").write_text('[tool.caveat]\nnew-code = "strict"\n')
    assert lines_of(tmp_path) == [(5, "CAV202"), (12, "CAV202")]
    (tmp_path / "pyproject.toml").write_text('[tool.caveat]\nnew-code = "maybe"\n')
    result = caveat("check", "--no-api", "app.py", cwd=tmp_path)
    assert result.returncode == 2 and "new-code" in result.stderr and "'auto'" in result.stderr


def test_repository_without_a_commit_is_all_new_code(tmp_path: Path):
    (tmp_path / "app.py").write_text(OLD)
    git(tmp_path, "init", "-q")
    assert lines_of(tmp_path) == [(5, "CAV202")]  # `git init` on fresh code: nothing is committed yet


def test_untracked_file_in_a_repository_is_new(repo: Path):
    (repo / "fresh.py").write_text(OLD)
    result = caveat("check", "--format", "json", "--no-api", "fresh.py", cwd=repo)
    assert [(f["line"], f["code"]) for f in json.loads(result.stdout)] == [(5, "CAV202")]


def test_carried_answers_follow_an_edit():
    last = _Exact("a\nb\nc\nd\n", frozenset({4}), 0.0)
    # a line inserted after "a": "b".."d" move down by one, the inserted line is new
    assert _carried(last, "a\nx\nb\nc\nd\n") == {2, 5}
    assert _carried(last, "a\nb\ncX\nd\n") == {3, 4}  # a changed line is new, the others keep their answer
    assert 4 not in _carried(last, "a\nb\nc\n")  # the new line deleted
    assert _carried(_Exact("a\n", None, 0.0), "a\nb\n") is None


def test_buffer_lines_against_head(repo: Path):
    tracker = BufferLines()
    path = str(repo / "app.py")
    assert tracker.lines(path, OLD) == (frozenset(), False)
    new, due = tracker.lines(path, OLD + ADDED)
    assert due and set(range(6, 13)) <= new
    assert tracker.refresh(path, OLD + ADDED) == frozenset(range(6, 13))
    assert tracker.lines(str(repo.parent / "elsewhere.py"), OLD) == (None, False)
    assert tracker.lines(str(repo.parent / "elsewhere.py"), OLD, outside_git_all_new=False) == (frozenset(), False)


async def test_server_strict_on_the_lines_typed_since_head(client, repo: Path):
    committed = OLD + "\n\nimport requests\n\n\ndef get(url):\n    return requests.get(url)\n"  # 12 lines
    (repo / "app.py").write_text(committed)
    git(repo, "commit", "-qam", "a request")
    await start(client, repo, push_capabilities())
    uri = open_doc(client, repo / "app.py", committed)
    await wait_for(lambda: codes(client, uri) == ["CAV203"])  # default set: the old CAV202 stays quiet
    change_doc(client, uri, 2, (12, 0), (12, 0), ADDED)
    await wait_for(lambda: codes(client, uri) == ["CAV202", "CAV203"])
    strict = [d for d in client.diagnostics[uri] if str(d.code) == "CAV202"]
    assert [d.range.start.line + 1 for d in strict] == [19]


PLAIN = OLD + "\n\nimport requests\n\n\ndef get(url):\n    return requests.get(url)\n"  # CAV202 on 5, CAV203 on 12


async def test_server_outside_git_gives_the_default_set(client, tmp_path: Path):
    await start(client, tmp_path, push_capabilities())
    uri = open_doc(client, tmp_path / "app.py", PLAIN)
    await wait_for(lambda: codes(client, uri) == ["CAV203"])
    change_doc(client, uri, 2, (0, 0), (0, 0), ADDED)  # typing outside git: still nothing known to be new
    await wait_for(lambda: [d.range.start.line for d in client.diagnostics.get(uri, [])] == [18])
    assert codes(client, uri) == ["CAV203"]


async def test_server_outside_git_strict_on_request(client, tmp_path: Path):
    await start(client, tmp_path, push_capabilities(), {"new-code": "strict"})
    uri = open_doc(client, tmp_path / "app.py", PLAIN)
    await wait_for(lambda: codes(client, uri) == ["CAV202", "CAV203"])
