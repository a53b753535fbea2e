"""caveat.vcs against real git repositories: which lines are new since a revision."""
from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest
from caveat import vcs

from tests.gate.gitrepo import commit, git, make_repo, write

BASE = "".join(f"line{i} = {i}\n" for i in range(1, 11))  # ten lines


def edited(text: str, replace: dict[int, str] | None = None, insert_after: dict[int, list[str]] | None = None) -> str:
    lines = text.splitlines(keepends=True)
    out = []
    for number, line in enumerate(lines, start=1):
        out.append(replace.get(number, line) if replace else line)
        out.extend(insert_after.get(number, []) if insert_after else [])
    return "".join(out)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {"pkg/mod.py": BASE, "other.py": BASE, "README": "hello\n"})


def test_repo_root_from_a_file_a_subfolder_and_outside(repo: Path, tmp_path: Path):
    assert vcs.repo_root(repo / "pkg" / "mod.py") == repo.resolve()
    assert vcs.repo_root(repo / "pkg") == repo.resolve()
    assert vcs.repo_root(repo / "pkg" / "not-yet.py") == repo.resolve()
    outside = tmp_path / "plain"
    outside.mkdir()
    assert vcs.repo_root(outside) is None


def test_changed_and_added_lines_count_deleted_ones_do_not(repo: Path):
    text = edited(BASE, replace={3: "line3 = 'three'\n", 8: ""}, insert_after={5: ["new_a = 1\n", "new_b = 2\n"]})
    write(repo, {"pkg/mod.py": text})
    # line 3 changed; two lines inserted after line 5 are lines 6 and 7; line 8 deleted
    assert vcs.changed_lines(repo / "pkg" / "mod.py", "HEAD") == {3, 6, 7}
    assert vcs.changed_lines(repo / "other.py", "HEAD") == set()


def test_untracked_and_newly_added_files_are_all_new(repo: Path):
    write(repo, {"pkg/fresh.py": "a = 1\n", "staged.py": "b = 2\n"})
    git(repo, "add", "staged.py")
    assert vcs.changed_lines(repo / "pkg" / "fresh.py", "HEAD") is None
    assert vcs.changed_lines(repo / "staged.py", "HEAD") is None


def test_ignored_files_belong_to_no_change(repo: Path):
    write(repo, {".gitignore": "generated/\n", "generated/out.py": "x = 1\n"})
    assert vcs.changed_lines(repo / "generated" / "out.py", "HEAD") == set()
    assert vcs.changed_lines_of_text(repo / "generated" / "out.py", "x = 2\n") == set()


def test_committed_changes_since_an_older_revision(repo: Path):
    first = git(repo, "rev-parse", "HEAD").strip()
    commit(repo, {"pkg/mod.py": edited(BASE, replace={2: "line2 = 'two'\n"})})
    commit(repo, {"other.py": edited(BASE, insert_after={10: ["tail = 1\n"]})})
    changes = vcs.changes_since(repo, first)
    assert changes.lines(repo / "pkg" / "mod.py") == {2}
    assert changes.lines(repo / "other.py") == {11}
    assert changes.lines(repo / "README") == set() and not changes.touched(repo / "README")
    assert vcs.changed_lines(repo / "pkg" / "mod.py", "HEAD~2") == {2}
    assert vcs.changed_lines(repo / "pkg" / "mod.py", "HEAD") == set()


def test_renamed_files_compare_with_their_old_content(repo: Path):
    git(repo, "mv", "pkg/mod.py", "pkg/moved.py")
    write(repo, {"pkg/moved.py": edited(BASE, replace={4: "line4 = 'four'\n"})})
    changes = vcs.changes_since(repo, "HEAD")
    assert changes.lines(repo / "pkg" / "moved.py") == {4}
    assert changes.renamed[(repo / "pkg" / "moved.py").resolve()] == (repo / "pkg" / "mod.py").resolve()
    # a rename committed since the revision, then the same question about the buffer
    commit(repo, message="rename")
    assert vcs.changed_lines(repo / "pkg" / "moved.py", "HEAD~1") == {4}
    buffer = edited(BASE, replace={4: "line4 = 'four'\n", 9: "line9 = 'nine'\n"})
    assert vcs.changed_lines_of_text(repo / "pkg" / "moved.py", buffer, "HEAD~1") == {4, 9}


def test_a_renamed_file_moved_without_git_mv_is_paired_once_staged(repo: Path):
    os.rename(repo / "other.py", repo / "renamed.py")
    assert vcs.changed_lines(repo / "renamed.py", "HEAD") is None  # untracked: git cannot pair it yet
    git(repo, "add", "-A")
    assert vcs.changed_lines(repo / "renamed.py", "HEAD") == set()


def test_from_a_subfolder_with_relative_paths(repo: Path, monkeypatch):
    write(repo, {"pkg/mod.py": edited(BASE, replace={1: "line1 = 'one'\n"})})
    monkeypatch.chdir(repo / "pkg")
    assert vcs.changed_lines(Path("mod.py"), "HEAD") == {1}
    assert vcs.changes_since(Path("."), "HEAD").lines(Path("mod.py")) == {1}


def test_commits_that_landed_on_the_target_branch_since_do_not_count(repo: Path):
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, {"pkg/mod.py": edited(BASE, replace={9: "line9 = 'mine'\n"})})
    git(repo, "checkout", "-q", "main")
    commit(repo, {"pkg/mod.py": edited(BASE, replace={2: "line2 = 'theirs'\n"})})
    git(repo, "checkout", "-q", "feature")
    # the feature branch still has the old line 2; only its own line 9 is new
    assert vcs.changed_lines(repo / "pkg" / "mod.py", "main") == {9}


def test_line_endings_and_bom_are_not_changes(repo: Path):
    crlf = BASE.replace("\n", "\r\n")
    assert vcs.changed_lines_of_text(repo / "pkg" / "mod.py", "\ufeff" + crlf) == set()
    write(repo, {"pkg/mod.py": crlf.encode()})
    assert vcs.changed_lines(repo / "pkg" / "mod.py", "HEAD") == set()


def test_buffer_against_head(repo: Path):
    buffer = edited(BASE, replace={10: "line10 = 'ten'\n"}, insert_after={1: ["import os\n"]})
    assert vcs.changed_lines_of_text(repo / "pkg" / "mod.py", buffer) == {2, 11}
    assert vcs.changed_lines_of_text(repo / "pkg" / "mod.py", BASE) == set()
    assert vcs.changed_lines_of_text(repo / "pkg" / "unsaved.py", "x = 1\n") is None


def test_unusual_file_names(repo: Path):
    name = 'dir with space/naïve "q"\tname.py'
    commit(repo, {name: BASE})
    write(repo, {name: edited(BASE, replace={5: "line5 = 'five'\n"})})
    assert vcs.changed_lines(repo / name, "HEAD") == {5}


def test_errors_say_what_is_wrong(repo: Path, tmp_path: Path):
    with pytest.raises(vcs.UnknownRevision, match="unknown git revision `no-such-branch`"):
        vcs.changed_lines(repo / "other.py", "no-such-branch")
    with pytest.raises(vcs.UnknownRevision, match="is not a git revision"):
        vcs.changes_since(repo, "--output=/tmp/x")
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.py").write_text("a = 1\n")
    with pytest.raises(vcs.NotARepository, match="not inside a git repository"):
        vcs.changed_lines(plain / "a.py", "HEAD")
    with pytest.raises(vcs.NotARepository):
        vcs.changed_lines_of_text(plain / "a.py", "a = 2\n")
    empty = make_repo(tmp_path / "empty")
    with pytest.raises(vcs.UnknownRevision):
        vcs.changes_since(empty, "HEAD")
    assert issubclass(vcs.UnknownRevision, vcs.VcsError) and issubclass(vcs.NotARepository, vcs.VcsError)


def test_commands_configured_in_the_repository_never_run(repo: Path, tmp_path: Path):
    marker = tmp_path / "ran"
    script = tmp_path / "hook.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\nexit 0\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    for key, value in (("core.fsmonitor", str(script)), ("diff.external", str(script)),
                       ("diff.evil.textconv", str(script)), ("diff.evil.command", str(script))):
        git(repo, "config", key, value)
    write(repo, {".gitattributes": "*.py diff=evil\n", "pkg/mod.py": edited(BASE, replace={7: "line7 = 7.0\n"})})
    assert vcs.changed_lines(repo / "pkg" / "mod.py", "HEAD") == {7}
    assert vcs.changed_lines_of_text(repo / "pkg" / "mod.py", edited(BASE, replace={6: "x = 0\n"})) == {6}
    assert not marker.exists()


def test_questions_never_write_the_index_and_ignore_an_inherited_git_dir(repo: Path, tmp_path: Path, monkeypatch):
    index = repo / ".git" / "index"
    before = index.stat().st_mtime_ns
    time.sleep(1.1)  # past the index's own second: not "racily clean"
    os.utime(repo / "other.py")  # stat-dirty: porcelain `git diff` would refresh (write) the index
    write(repo, {"pkg/mod.py": edited(BASE, replace={2: "line2 = 2.0\n"})})
    elsewhere = make_repo(tmp_path / "elsewhere", {"x.py": "x = 1\n"})
    monkeypatch.setenv("GIT_DIR", str(elsewhere / ".git"))  # as a git hook may leave it
    monkeypatch.setenv("GIT_INDEX_FILE", str(elsewhere / ".git" / "index"))
    assert vcs.changed_lines(repo / "pkg" / "mod.py", "HEAD") == {2}
    assert vcs.changed_lines(repo / "other.py", "HEAD") == set()
    assert index.stat().st_mtime_ns == before
