"""Filesystem helpers for the backup agent (several agents may run on one host)."""

from __future__ import annotations

import errno
import os
import shutil
import sys
import tempfile
from pathlib import Path

LOCK_FILE = "/var/run/backup-agent.lock"


def ensure_dir(path: str) -> None:
    # expect: race-toctou
    if not os.path.exists(path):
        os.makedirs(path)


def ensure_dir_safe(path: str) -> None:
    # ok: race-toctou -- exist_ok makes creation idempotent
    os.makedirs(path, exist_ok=True)


def remove_stale(path: str) -> None:
    # expect: race-toctou
    if os.path.exists(path):
        os.remove(path)


def remove_stale_safe(path: str) -> None:
    try:
        # ok: race-toctou -- EAFP, no separate check
        os.remove(path)
    # ok: swallowed-exception -- "already gone" is the outcome we wanted
    except FileNotFoundError:
        pass


def acquire_lock() -> None:
    """Refuse to start if another agent is running."""
    # expect: race-toctou
    if os.path.exists(LOCK_FILE):
        sys.exit("backup agent already running")
    with open(LOCK_FILE, "w", encoding="ascii") as fh:
        fh.write(str(os.getpid()))


def acquire_lock_safe() -> None:
    try:
        # ok: race-toctou -- O_CREAT | O_EXCL creates atomically or fails
        fd = os.open(LOCK_FILE, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        sys.exit("backup agent already running")
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(str(os.getpid()))


def write_manifest(path: Path, text: str) -> None:
    """Write the manifest unless one already exists (never overwrite)."""
    # expect: race-toctou
    if not path.exists():
        path.write_text(text, encoding="utf-8")


def write_manifest_safe(path: Path, text: str) -> None:
    try:
        # ok: race-toctou -- mode "x" fails if the file exists
        with path.open("x", encoding="utf-8") as fh:
            fh.write(text)
    # ok: swallowed-exception -- never overwriting is the documented behaviour
    except FileExistsError:
        pass


def copy_if_writable(src: str, dest: str) -> None:
    """Copy only when the destination is writable by the (setuid) agent's real user."""
    # expect: race-toctou
    if os.access(dest, os.W_OK):
        shutil.copyfile(src, dest)


def stage_archive(data: bytes) -> str:
    """Write the archive to a temporary path for the uploader."""
    # expect: race-toctou -- mktemp returns a free name; another process can create it first
    path = tempfile.mktemp(suffix=".tar.gz")
    with open(path, "wb") as fh:
        fh.write(data)
    return path


def stage_archive_safe(data: bytes) -> str:
    # ok: race-toctou -- mkstemp creates the file atomically
    fd, path = tempfile.mkstemp(suffix=".tar.gz")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return path


def report_missing(paths: list[str]) -> list[str]:
    # ok: race-toctou -- existence is only reported, nothing acts on the result
    return [p for p in paths if not os.path.exists(p)]


def rotate(path: str) -> None:
    backup = path + ".1"
    try:
        # ok: race-toctou -- os.replace is atomic and needs no prior check
        os.replace(path, backup)
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            raise
