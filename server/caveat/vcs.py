"""Which lines are new: git questions for ``caveat check --diff-from REF`` and the editor.

The API (paths may be relative; lines are 1-based, as in ``Finding.line``):

- ``repo_root(path) -> Path | None``: the top folder of the git work tree holding ``path``
  (a file or a folder), or None when it is not in one (or git is not installed).
- ``changes_since(path, ref) -> Changes``: every file changed since ``ref`` in the work
  tree holding ``path``, in one ``git diff``. ``Changes.lines(file)`` answers per file.
- ``changed_lines(path, ref) -> set[int] | None``: the lines of the file on disk added or
  changed since ``ref``. ``None`` means the file is not in git at ``ref`` (untracked or
  added since): every line is new. An empty set: the file is unchanged, or git ignores
  it (an ignored file is part of no change).
- ``changed_lines_of_text(path, text, ref="HEAD") -> set[int] | None``: the same for an
  editor buffer whose text is not on disk: ``text`` against the file's content at ``ref``.

Semantics, shared by all of them:

- ``ref`` is any revision (``origin/main``, ``HEAD~3``, a sha). Lines are compared with
  the point where the work tree's history left ``ref`` (``git merge-base ref HEAD``), as a
  pull request shows its changes: commits that landed on ``ref`` since do not count as
  yours. When there is no merge base, ``ref`` itself.
- Only added lines count (a deletion changes no line that is still there); a changed
  line is a deleted line plus an added one, so it counts.
- Renamed files (``git mv``, or a delete plus an add that git pairs up) are compared with
  their old content, so moving a file does not make all of its lines new. A new file that
  git does not track yet cannot be paired with its old name: all of its lines are new.
- Line endings and a UTF-8 BOM are not changes (``core.autocrlf`` checkouts stay quiet).

Errors are ``VcsError`` (``NotARepository``, ``UnknownRevision``), with a message fit for
the user; the CLI exits 2 on them.

Safety: git runs with fixed arguments, never through a shell; a revision starting with
``-`` is rejected (it would be read as an option); external diff drivers, textconv
filters and the fsmonitor hook are turned off, so no command configured for the
repository runs.
"""
from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["VcsError", "NotARepository", "UnknownRevision", "Changes", "repo_root", "changes_since",
           "changed_lines", "changed_lines_of_text", "resolve_base"]

_GIT = ("git", "-c", "core.fsmonitor=false", "-c", "core.quotepath=off", "-c", "diff.noprefix=false",
        "-c", "diff.mnemonicPrefix=false", "-c", "diff.relative=false", "-c", "color.ui=false")
_DIFF = ("--no-ext-diff", "--no-textconv", "--no-color", "--unified=0", "--find-renames", "--diff-filter=ACMRT",
         "--ignore-cr-at-eol")
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_TIMEOUT = 60


class VcsError(Exception):
    """A git question that cannot be answered; the message says why, for the user."""


class NotARepository(VcsError):
    pass


class UnknownRevision(VcsError):
    pass


def git_env() -> dict[str, str]:
    """The environment git runs in: the repository is the one of the working folder (not a
    GIT_DIR inherited from a hook), no pager or prompt, and no optional locks, so asking
    about the work tree never writes the index under a user's running git command."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_EXTERNAL_DIFF", "GIT_PAGER", "PAGER")}
    env.update(GIT_PAGER="cat", GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    return env


def _run(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    try:
        result = subprocess.run([*_GIT, *args], cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
                                timeout=_TIMEOUT, env=git_env())
    except FileNotFoundError:
        raise VcsError("git is not installed (or not on PATH)") from None
    except subprocess.TimeoutExpired:
        raise VcsError(f"git {args[0]} took longer than {_TIMEOUT} s in {cwd}") from None
    if check and result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise VcsError(f"git {args[0]} failed in {cwd}: {message[-1] if message else result.returncode}")
    return result


def _folder(path: Path) -> Path:
    path = Path(path).absolute()
    while not path.is_dir():  # a file, or a path that does not exist (yet)
        if path.parent == path:
            break
        path = path.parent
    return path


def repo_root(path: str | Path) -> Path | None:
    """The top of the git work tree holding ``path``, or None."""
    try:
        result = _run(["rev-parse", "--show-toplevel"], _folder(Path(path)), check=False)
    except VcsError:
        return None
    if result.returncode != 0:
        return None
    top = result.stdout.decode("utf-8", "surrogateescape").strip()
    return Path(top).resolve() if top else None


def _require_root(path: Path) -> Path:
    root = repo_root(path)
    if root is None:
        raise NotARepository(f"{_folder(path)} is not inside a git repository (new-code checks compare "
                             f"with a git revision)")
    return root


def resolve_base(root: Path, ref: str) -> str:
    """The commit lines are compared with: the merge base of ``ref`` and HEAD (or ``ref``)."""
    if not ref or ref.startswith("-") or "\0" in ref:
        raise UnknownRevision(f"`{ref}` is not a git revision")
    found = _run(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], root, check=False)
    if found.returncode != 0:
        shallow = (root / ".git" / "shallow").exists() or _is_shallow(root)
        hint = (" (this clone is shallow: fetch more history, e.g. `fetch-depth: 0` in actions/checkout)"
                if shallow else "")
        raise UnknownRevision(f"unknown git revision `{ref}` in {root}{hint}")
    commit = found.stdout.decode().strip()
    base = _run(["merge-base", commit, "HEAD"], root, check=False)
    return base.stdout.decode().strip() if base.returncode == 0 and base.stdout.strip() else commit


def _is_shallow(root: Path) -> bool:
    result = _run(["rev-parse", "--is-shallow-repository"], root, check=False)
    return result.stdout.strip() == b"true"


@dataclass(frozen=True)
class Changes:
    """Files changed since a revision, in one work tree.

    ``files`` maps each changed file (resolved absolute path) to its added or changed
    lines, ``None`` for a file with no counterpart at the revision (all lines new).
    ``renamed`` maps a renamed file to its path at the revision (both absolute)."""

    root: Path
    ref: str
    base: str
    files: dict[Path, frozenset[int] | None] = field(default_factory=dict)
    renamed: dict[Path, Path] = field(default_factory=dict)

    def lines(self, path: str | Path) -> frozenset[int] | None:
        """The file's new lines: empty when unchanged, None when every line is new."""
        return self.files.get(Path(path).resolve(), frozenset())

    def touched(self, path: str | Path) -> bool:
        return Path(path).resolve() in self.files


def changes_since(path: str | Path, ref: str) -> Changes:
    """Every file changed since ``ref`` (see the module's docs) in the work tree of ``path``."""
    root = _require_root(Path(path))
    base = resolve_base(root, ref)
    diff = _run(["diff-index", "-p", *_DIFF, base, "--"], root)  # the plumbing never writes the index
    files, renamed = _parse_patch(diff.stdout, root)
    untracked = _run(["ls-files", "-z", "--others", "--exclude-standard"], root)
    for name in untracked.stdout.split(b"\0"):
        if name:
            files[(root / os.fsdecode(name)).resolve()] = None
    return Changes(root, ref, base, files, renamed)


def changed_lines(path: str | Path, ref: str) -> set[int] | None:
    """Lines of the file at ``path`` (as on disk) added or changed since ``ref``;
    None when the file did not exist at ``ref`` (every line is new)."""
    lines = changes_since(path, ref).lines(path)
    return None if lines is None else set(lines)


def changed_lines_of_text(path: str | Path, text: str, ref: str = "HEAD") -> set[int] | None:
    """Lines of ``text`` (an editor's buffer of the file at ``path``) added or changed
    compared with the file at ``ref``; None when the file did not exist there."""
    path = Path(path).absolute()
    root = _require_root(path)
    base = resolve_base(root, ref)
    old = _blob(root, base, path)
    if old is None:
        return set() if _ignored(root, path) else None
    return _diff_texts(_normalised(old.decode("utf-8", "surrogateescape")), _normalised(text))


def _blob(root: Path, base: str, path: Path) -> bytes | None:
    """The file's content at ``base``: under its own name, else under the name it was
    renamed from (git's rename detection against the work tree)."""
    relative = _relative(root, path)
    if relative is None:
        return None
    content = _run(["cat-file", "blob", f"{base}:{relative}"], root, check=False)
    if content.returncode == 0:
        return content.stdout
    names = _run(["diff-index", "-z", "--name-status", "--find-renames", "--diff-filter=R", "--no-ext-diff", base,
                  "--"], root)
    fields = names.stdout.split(b"\0")
    for i in range(0, len(fields) - 2, 3):  # R<score>, old, new
        if fields[i].startswith(b"R") and os.fsdecode(fields[i + 2]) == relative:
            old = _run(["cat-file", "blob", f"{base}:{os.fsdecode(fields[i + 1])}"], root, check=False)
            return old.stdout if old.returncode == 0 else None
    return None


def _ignored(root: Path, path: Path) -> bool:
    relative = _relative(root, path)
    return relative is not None and _run(["check-ignore", "-q", "--", relative], root, check=False).returncode == 0


def _relative(root: Path, path: Path) -> str | None:
    for candidate in (path, path.resolve()):
        try:
            return candidate.relative_to(root).as_posix()
        except ValueError:
            continue
    return None


def _normalised(text: str) -> str:
    text = text[1:] if text.startswith("\ufeff") else text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _diff_texts(old: str, new: str) -> set[int]:
    """Added lines of ``new`` against ``old``, by git's own diff (the same answer as the CLI's)."""
    with tempfile.TemporaryDirectory(prefix="caveat-diff-") as folder:
        a, b = Path(folder, "a"), Path(folder, "b")
        a.write_text(old, encoding="utf-8", errors="surrogateescape", newline="")
        b.write_text(new, encoding="utf-8", errors="surrogateescape", newline="")
        result = _run(["diff", "--no-index", *_DIFF, "a", "b"], Path(folder), check=False)
        if result.returncode not in (0, 1):
            raise VcsError(f"git diff failed: {result.stderr.decode('utf-8', 'replace').strip()}")
    files, _ = _parse_patch(result.stdout, Path(folder))
    return set(files.get(b.resolve()) or ())


def _parse_patch(patch: bytes, root: Path) -> tuple[dict[Path, frozenset[int] | None], dict[Path, Path]]:
    """(file -> added lines, renamed file -> old path) from ``git diff --unified=0`` output."""
    files: dict[Path, set[int] | None] = {}
    renamed: dict[Path, Path] = {}
    current: Path | None = None
    rename_from: str | None = None
    new_file = False
    for raw in patch.split(b"\n"):
        if raw.startswith(b"diff --git "):
            current, rename_from, new_file = None, None, False
        elif raw.startswith(b"new file mode"):
            new_file = True
        elif raw.startswith(b"rename from "):
            rename_from = _unquote(raw[len(b"rename from "):])
        elif raw.startswith(b"+++ "):
            name = _unquote(raw[4:])
            if name == "/dev/null":
                current = None
                continue
            current = (root / name[2:]).resolve()  # "b/..."
            files[current] = None if new_file else set()
            if rename_from is not None:
                renamed[current] = (root / rename_from).resolve()
        elif raw.startswith(b"@@") and current is not None:
            match = _HUNK.match(raw.decode("utf-8", "replace"))
            lines = files.get(current)
            if match and lines is not None:
                start, count = int(match.group(1)), int(match.group(2) or 1)
                lines.update(range(start, start + count))
    return {path: (frozenset(lines) if lines is not None else None) for path, lines in files.items()}, renamed


_ESCAPES = {b"n": b"\n", b"t": b"\t", b'"': b'"', b"\\": b"\\", b"a": b"\a", b"b": b"\b", b"f": b"\f",
            b"v": b"\v", b"r": b"\r"}


def _unquote(name: bytes) -> str:
    """A path as git prints it in a patch: C-quoted when it holds unusual characters."""
    name = name.rstrip(b"\r")
    if name.endswith(b"\t"):
        name = name[:-1]
    if not (name.startswith(b'"') and name.endswith(b'"') and len(name) >= 2):
        return os.fsdecode(name)
    body, out, i = name[1:-1], bytearray(), 0
    while i < len(body):
        if body[i:i + 1] == b"\\" and i + 1 < len(body):
            nxt = body[i + 1:i + 2]
            if nxt.isdigit():
                out.append(int(body[i + 1:i + 4], 8))
                i += 4
                continue
            out += _ESCAPES.get(nxt, nxt)
            i += 2
            continue
        out += body[i:i + 1]
        i += 1
    return os.fsdecode(bytes(out))
