"""Helpers for the release tooling: thin wrappers around the ``git`` command line.

Branch and tag names arrive from the release dashboard (a small internal web form).
"""

from __future__ import annotations

import shlex
import subprocess as sp
from pathlib import Path

GIT = "/usr/bin/git"


class GitRepo:
    """A checkout on disk that the release tooling operates on."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def _run(self, *args: str) -> str:
        """Run git with an argument vector (no shell involved)."""
        # ok: command-injection -- argument list, no shell
        out = sp.run([GIT, "-C", str(self.path), *args], check=True, capture_output=True, text=True)
        return out.stdout

    def log(self, branch: str, limit: int = 20) -> list[str]:
        """One-line log of ``branch``."""
        # ok: command-injection -- goes through _run's argument vector
        return self._run("log", "--oneline", f"-n{int(limit)}", "--", branch).splitlines()

    def checkout(self, branch: str) -> None:
        """Switch the working tree to ``branch``."""
        # expect: command-injection
        sp.check_call(f"cd {self.path} && git checkout {branch}", shell=True)

    def tag_release(self, tag: str, message: str) -> None:
        """Create an annotated tag for a release."""
        # expect: command-injection @tag
        cmd = "git tag -a " + tag + ' -m "' + message + '"'
        # expect: command-injection @tag
        sp.run(cmd, shell=True, cwd=self.path, check=True)

    def tag_release_quoted(self, tag: str, message: str) -> None:
        """Same as :meth:`tag_release` but with every argument shell-quoted."""
        cmd = f"git tag -a {shlex.quote(tag)} -m {shlex.quote(message)}"
        # ok: command-injection -- every interpolated value is shlex.quote()d
        sp.run(cmd, shell=True, cwd=self.path, check=True)

    def changed_files(self, base: str, head: str) -> list[str]:
        """Files changed between two refs."""
        # expect: command-injection
        out = sp.check_output("git diff --name-only %s...%s" % (base, head), shell=True, cwd=self.path)
        return out.decode().splitlines()

    def disk_usage(self) -> str:
        """Human-readable size of the .git directory (for the dashboard)."""
        # ok: command-injection -- constant command line, nothing user-controlled
        return sp.check_output("du -sh .git | cut -f1", shell=True, cwd=self.path, text=True).strip()

    def archive(self, ref: str, dest: str) -> None:
        """Export a tarball of ``ref`` for the artefact store."""
        # ok: command-injection -- list form keeps ref a single argument
        sp.run([GIT, "archive", "--format=tar.gz", "-o", dest, ref], cwd=self.path, check=True)


def clone(url: str, target: str) -> GitRepo:
    """Clone a repository given its URL."""
    args = ["git", "clone", "--depth", "1", url, target]
    # expect: command-injection
    sp.Popen(" ".join(args), shell=True).wait()
    return GitRepo(target)
