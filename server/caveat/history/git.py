"""Reading a git repository without a shell, a checkout or anything of the repository running.

Every git command here has fixed arguments (revisions are resolved to object names first,
so a user's ``--pr`` value can never be read as an option), runs with the options that
would start other programs turned off (external diff drivers, textconv filters, signature
checks, fsmonitor hooks, pagers), and reads only objects: file versions come from one
long-lived ``git cat-file --batch`` process.
"""
from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from caveat.project import ConfigError

_SAFE_CONFIG = ("-c", "core.fsmonitor=false", "-c", "log.showSignature=false", "-c", "color.ui=never",
                "-c", "core.quotePath=false", "-c", "diff.renames=true")
_DIFF_OPTIONS = ("--no-ext-diff", "--no-textconv", "--no-color", "-M")
PYTHON_SUFFIXES = (".py", ".pyi")
_REGULAR_MODES = frozenset({"100644", "100755"})
_NUMSTAT = re.compile(r"^(\d+|-)\t(\d+|-)\t(.*)$", re.S)


class GitError(ConfigError):
    """git could not answer: not a repository, an unknown revision, git missing."""


@dataclass(frozen=True)
class Change:
    """One file of a commit's diff against its parent (None on the side where it does not exist)."""

    old_path: str | None
    new_path: str | None
    old_blob: str | None
    new_blob: str | None


@dataclass
class Commit:
    sha: str
    parents: tuple[str, ...]
    timestamp: int  # committer date, seconds since the epoch (UTC)
    subject: str
    trailers: str  # the message's trailer block as git parses it (unfolded)
    changes: list[Change] = field(default_factory=list)
    numstat: list[tuple[str, int, int]] = field(default_factory=list)  # (Python path, added, deleted)


def is_python(path: str | None) -> bool:
    return bool(path) and path.endswith(PYTHON_SUFFIXES)


class Repository:
    def __init__(self, path: Path) -> None:
        start = path if path.is_dir() else path.parent
        try:
            top = self._run_in(start, "rev-parse", "--show-toplevel").strip()
        except GitError as error:
            raise GitError(f"{path}: not inside a git repository ({error})") from None
        self.root = Path(top)

    # --- plumbing ---------------------------------------------------------------
    @staticmethod
    def _run_in(cwd: Path, *args: str) -> str:
        try:
            done = subprocess.run(["git", *_SAFE_CONFIG, *args], cwd=cwd, capture_output=True, env=_git_env(),
                                  stdin=subprocess.DEVNULL, check=False)
        except FileNotFoundError:
            raise GitError("git is not installed (caveat report reads the history with git)") from None
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise GitError(message[-1] if message else f"git {args[0]} failed")
        return done.stdout.decode("utf-8", "surrogateescape")

    def run(self, *args: str) -> str:
        return self._run_in(self.root, *args)

    def resolve(self, revision: str) -> str:
        """The commit a revision names, as a full object name; GitError when there is none."""
        try:
            return self.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}").strip()
        except GitError:
            hint = (" (this clone is shallow: fetch more history, e.g. `fetch-depth: 0` in actions/checkout)"
                    if self.shallow_commits() else "")
            raise GitError(f"unknown revision `{revision}` in {self.root}{hint}") from None

    def shallow_commits(self) -> frozenset[str]:
        """The commits at a shallow clone's boundary: their parents are missing, so their diff
        would show every file as added."""
        path = Path(self.run("rev-parse", "--git-path", "shallow").strip())
        try:
            return frozenset((path if path.is_absolute() else self.root / path).read_text().split())
        except OSError:
            return frozenset()

    def last_before(self, head: str, until: int) -> str | None:
        """The newest commit on ``head``'s first-parent line committed at or before ``until``."""
        found = self.run("rev-list", "-1", "--first-parent", f"--before=@{until}", head, "--").strip()
        return found or None

    def merge_base(self, a: str, b: str) -> str | None:
        try:
            return self.run("merge-base", a, b).strip() or None
        except GitError:
            return None  # unrelated histories

    def remote_url(self) -> str | None:
        try:
            return self.run("config", "--get", "remote.origin.url").strip() or None
        except GitError:
            return None

    # --- history -----------------------------------------------------------------
    def commits(self, head: str, exclude: str | None = None, since: int | None = None,
                until: int | None = None) -> list[Commit]:
        """Non-merge commits reachable from ``head`` (not from ``exclude``), oldest first, each
        with its diff against its parent; ``since``/``until`` filter by committer date."""
        args = ["log", "--no-merges", "--topo-order", "--reverse", "-z", "--raw", "--numstat", "--no-abbrev",
                *_DIFF_OPTIONS, "--format=%H%x00%P%x00%ct%x00%s%x00%(trailers:only,unfold)"]
        if since is not None:
            args.append(f"--since=@{since}")
        if until is not None:
            args.append(f"--until=@{until}")
        args.append(head)
        if exclude:
            args.append(f"^{exclude}")
        commits = parse_log(self.run(*args, "--"))
        return [c for c in commits if (since is None or c.timestamp >= since) and (until is None or c.timestamp <= until)]

    def python_files(self, commit: str) -> dict[str, str]:
        """path -> blob of the regular Python files in ``commit``'s tree."""
        found: dict[str, str] = {}
        for entry in self.run("ls-tree", "-r", "-z", "--full-tree", commit).split("\0"):
            meta, tab, path = entry.partition("\t")
            parts = meta.split()
            if tab and len(parts) == 3 and parts[0] in _REGULAR_MODES and is_python(path):
                found[path] = parts[2]
        return found

    def changed_lines(self, base: str, head: str) -> dict[str, frozenset[int] | None]:
        """Python path at ``head`` -> the lines the diff from ``base`` adds or changes (None: a new file,
        every line), parsed as ``caveat check --diff-from`` parses its diffs."""
        from caveat import vcs

        patch = self.run("diff", *vcs._DIFF, base, head, "--", "*.py", "*.pyi")
        files, _ = vcs._parse_patch(patch.encode("utf-8", "surrogateescape"), self.root)
        top = self.root.resolve()
        return {path.relative_to(top).as_posix(): lines for path, lines in files.items() if path.is_relative_to(top)}


def _git_env() -> dict[str, str]:
    env = dict(os.environ)
    for key in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_EXTERNAL_DIFF", "GIT_PAGER", "PAGER"):
        env.pop(key, None)
    env.update(GIT_PAGER="cat", GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    return env


def parse_log(output: str) -> list[Commit]:
    """``git log -z --raw --numstat --format=%H%x00%P%x00%ct%x00%s%x00%(trailers)`` -> commits.

    The stream is NUL-separated tokens: five header tokens per commit, then raw entries
    (``:modes blobs status`` and one path, two for a rename or copy) and numstat entries
    (``added<TAB>deleted<TAB>path``, or an empty path followed by the two paths of a rename).
    A token is read as a header only where no entry expects its paths, so odd file names
    (a file called ``:x`` or one that looks like an object name) cannot derail it."""
    tokens = output.split("\0")
    commits: list[Commit] = []
    i, n = 0, len(tokens)
    current: Commit | None = None
    while i < n:
        token = tokens[i].lstrip("\n")
        if not token and i == n - 1:
            break
        if token.startswith(":") and current is not None:
            meta = token[1:].split()
            status = meta[4] if len(meta) >= 5 else "M"
            two = status[:1] in ("R", "C")
            paths = tokens[i + 1:i + 3] if two else [tokens[i + 1]] * 2
            i += 3 if two else 2
            if len(meta) >= 5 and (meta[0] in _REGULAR_MODES or meta[1] in _REGULAR_MODES):
                _add_change(current, meta, status, paths[0], paths[1])
            continue
        numstat = _NUMSTAT.match(token) if current is not None else None
        if numstat:
            path = numstat.group(3)
            if not path:  # a rename: the two paths follow
                path = tokens[i + 2] if i + 2 < n else ""
                i += 3
            else:
                i += 1
            if is_python(path) and numstat.group(1) != "-":
                current.numstat.append((path, int(numstat.group(1)), int(numstat.group(2))))
            continue
        header = tokens[i:i + 5]
        if len(header) < 5 or not re.fullmatch(r"[0-9a-f]{40,64}", header[0].lstrip("\n")):
            i += 1
            continue
        current = Commit(header[0].lstrip("\n"), tuple(header[1].split()), int(header[2]), header[3], header[4])
        commits.append(current)
        i += 5
    return commits


_ZERO = re.compile(r"^0+$")


def _add_change(commit: Commit, meta: list[str], status: str, old_path: str, new_path: str) -> None:
    old_mode, new_mode, old_blob, new_blob = meta[:4]
    old_ok = old_mode in _REGULAR_MODES and not _ZERO.match(old_blob) and is_python(old_path)
    new_ok = new_mode in _REGULAR_MODES and not _ZERO.match(new_blob) and is_python(new_path)
    if status.startswith("A"):
        old_ok = False
    if status.startswith("D"):
        new_ok = False
    if old_ok or new_ok:
        commit.changes.append(Change(old_path if old_ok else None, new_path if new_ok else None,
                                     old_blob if old_ok else None, new_blob if new_ok else None))


class BlobReader:
    """File versions by object name, from one ``git cat-file --batch`` process."""

    def __init__(self, root: Path) -> None:
        self._process = subprocess.Popen(["git", *_SAFE_CONFIG, "cat-file", "--batch"], cwd=root, env=_git_env(),
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def read(self, blob: str) -> bytes:
        assert self._process.stdin and self._process.stdout
        if not re.fullmatch(r"[0-9a-f]{40,64}", blob):
            raise GitError(f"not an object name: {blob!r}")
        self._process.stdin.write(blob.encode() + b"\n")
        self._process.stdin.flush()
        header = self._process.stdout.readline().split()
        if len(header) != 3 or header[1] != b"blob":
            raise GitError(f"git cat-file: no blob {blob}")
        size = int(header[2])
        data = self._process.stdout.read(size)
        self._process.stdout.read(1)  # the newline after the content
        return data

    def close(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def __enter__(self) -> "BlobReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
