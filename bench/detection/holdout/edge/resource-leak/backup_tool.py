#!/usr/bin/env python3
"""Nightly backups for the on-prem installation.

    backup_tool.py run            # postgres dump + sqlite snapshots + uploads tarball
    backup_tool.py verify FILE    # check a backup archive
    backup_tool.py prune --keep 14

Runs from cron as the ``backup`` user; several hosts share the NFS target directory.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import logging
import os
import shutil
import socket
import sqlite3
import subprocess
import tarfile
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

log = logging.getLogger("backup")

TARGET = Path(os.environ.get("BACKUP_TARGET", "/mnt/backups"))
SQLITE_DBS = [Path("/srv/app/data/search.sqlite3"), Path("/srv/app/data/sessions.sqlite3")]
UPLOADS = Path("/srv/app/uploads")
_state_lock = threading.Lock()
_done: list[str] = []


def stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def dump_postgres(dest: Path) -> Path:
    out = dest / f"pg-{stamp()}.sql.gz"
    # expect: hardcoded-secret
    env = {**os.environ, "PGPASSWORD": "bkp-9Qx!r27LmTz4"}
    # ok: resource-leak -- Popen used as a context manager
    with subprocess.Popen(["pg_dump", "-h", "db.internal", "-U", "backup", "app"], stdout=subprocess.PIPE, env=env) as proc, gzip.open(out, "wb") as gz:
        shutil.copyfileobj(proc.stdout, gz)
    if proc.returncode != 0:
        raise RuntimeError(f"pg_dump exited with {proc.returncode}")
    return out


def snapshot_sqlite(db: Path, dest: Path) -> Path:
    out = dest / f"{db.stem}-{stamp()}.sqlite3"
    # ok: resource-leak -- closing() really closes; sqlite3's own "with" only commits
    with contextlib.closing(sqlite3.connect(out)) as dst:
        # expect: resource-leak -- "with sqlite3.connect()" commits but never closes
        with sqlite3.connect(db) as src:
            src.backup(dst)
    return out


def list_running_queries() -> list[str]:
    # expect: resource-leak -- the process is never waited for
    proc = subprocess.Popen(["psql", "-h", "db.internal", "-U", "backup", "-Atc", "SELECT query FROM pg_stat_activity"], stdout=subprocess.PIPE, text=True)
    return [line for line in proc.stdout if line.strip()]


def archive_uploads(dest: Path) -> Path:
    out = dest / f"uploads-{stamp()}.tar.gz"
    # ok: resource-leak
    with tarfile.open(out, "w:gz") as tar:
        tar.add(UPLOADS, arcname="uploads")
    return out


def write_manifest(dest: Path, files: list[Path]) -> Path:
    lines = []
    for f in files:
        digest = hashlib.sha256()
        # ok: resource-leak
        with f.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        lines.append(f"{digest.hexdigest()}  {f.name}")
    manifest = dest / "MANIFEST.sha256.gz"
    # expect: resource-leak
    gzip.open(manifest, "wt").write("\n".join(lines) + "\n")
    return manifest


def mark_done(name: str) -> None:
    # expect: resource-leak -- an exception between acquire and release keeps the lock forever
    _state_lock.acquire()
    _done.append(name)
    log.debug("done: %s", ", ".join(_done))
    _state_lock.release()


def notify_monitor(status: str) -> None:
    # expect: resource-leak, missing-timeout -- socket neither closed nor given a timeout
    sock = socket.create_connection(("monitor.internal", 2003))
    sock.sendall(f"backup.status {1 if status == 'ok' else 0} {int(datetime.now().timestamp())}\n".encode())


def open_run_log(dest: Path):
    # ok: resource-leak -- ownership passes to the caller, who closes it
    return open(dest / "run.log", "a", encoding="utf-8")


def run() -> None:
    # expect: race-toctou -- two hosts can both see the directory missing
    if not TARGET.is_dir():
        TARGET.mkdir(parents=True)
    day = TARGET / datetime.now(timezone.utc).strftime("%Y-%m-%d")
    # ok: race-toctou
    day.mkdir(parents=True, exist_ok=True)
    with open_run_log(day) as run_log, contextlib.ExitStack() as stack:
        stack.callback(run_log.write, f"finished {stamp()}\n")
        files = [dump_postgres(day)]
        # expect: resource-leak -- the executor is never shut down
        pool = ThreadPoolExecutor(max_workers=2)
        files += list(pool.map(lambda db: snapshot_sqlite(db, day), SQLITE_DBS))
        files.append(archive_uploads(day))
        write_manifest(day, files)
        for f in files:
            mark_done(f.name)
    notify_monitor("ok")


def verify(archive: Path) -> bool:
    # expect: race-toctou -- mktemp hands out a name, anyone can create it first
    scratch = tempfile.mktemp(prefix="verify-")
    os.mkdir(scratch)
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(scratch, filter="data")
        return (Path(scratch) / "uploads").is_dir()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def verify_v2(archive: Path) -> bool:
    # ok: race-toctou, resource-leak
    with tempfile.TemporaryDirectory(prefix="verify-") as scratch, tarfile.open(archive) as tar:
        tar.extractall(scratch, filter="data")
        return (Path(scratch) / "uploads").is_dir()


def prune(keep: int) -> None:
    days = sorted(p for p in TARGET.iterdir() if p.is_dir())
    for old in days[:-keep]:
        lock = old / ".pruning"
        # expect: race-toctou -- access() answers for now, not for the open() a moment later
        if os.access(old, os.W_OK):
            with open(lock, "w") as fh:
                fh.write(socket.gethostname())
            shutil.rmtree(old)
        # ok: race-toctou -- EAFP removal of a file that may already be gone
        with contextlib.suppress(FileNotFoundError):
            (old / "MANIFEST.sha256.gz").unlink()


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("run")
    v = sub.add_parser("verify")
    v.add_argument("archive", type=Path)
    p = sub.add_parser("prune")
    p.add_argument("--keep", type=int, default=14)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    if args.cmd == "run":
        run()
    elif args.cmd == "verify":
        raise SystemExit(0 if verify(args.archive) else 1)
    else:
        prune(args.keep)


if __name__ == "__main__":
    main()
