"""On-disk cache, PID lock and account bootstrap for the thumbnail workers.

Up to 16 worker processes (several per host) share ``CACHE_DIR`` and the SQLite account
database; the ``legacy`` cache lives under /tmp on the old hosts.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import os
import pickle
import sqlite3
import sys
import time
from pathlib import Path

log = logging.getLogger("thumbs.cache")

CACHE_DIR = Path(os.environ.get("THUMBS_CACHE", "/var/cache/thumbs"))
LEGACY_CACHE = Path("/tmp/thumbs-cache")
PIDFILE = Path("/run/thumbs/worker.pid")
ACCOUNTS_DB = Path(os.environ.get("THUMBS_ACCOUNTS", "/var/lib/thumbs/accounts.sqlite3"))
MAX_AGE = 7 * 24 * 3600


def _key_path(key: str) -> Path:
    digest = hashlib.sha256(key.encode()).hexdigest()
    return CACHE_DIR / digest[:2] / f"{digest}.json"


def cache_get(key: str) -> dict | None:
    path = _key_path(key)
    try:
        # ok: race-toctou -- EAFP: open and handle "not there"
        with path.open(encoding="utf-8") as fh:
            return json.load(fh)
    # ok: swallowed-exception -- a miss is the expected outcome
    except FileNotFoundError:
        return None


def cache_put(key: str, value: dict) -> None:
    path = _key_path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(value), encoding="utf-8")
    # ok: race-toctou -- atomic rename over any concurrent writer
    os.replace(tmp, path)


def cache_put_once(key: str, value: dict) -> bool:
    path = _key_path(key)
    # expect: race-toctou -- two workers both see "missing" and both write
    if not os.path.exists(path):
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(value, fh)
        return True
    return False


def cache_put_once_v2(key: str, value: dict) -> bool:
    path = _key_path(key)
    try:
        # ok: race-toctou -- O_EXCL makes the existence check and the create one step
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(value, fh)
    return True


def legacy_get(key: str):
    path = LEGACY_CACHE / hashlib.sha256(key.encode()).hexdigest()
    # expect: race-toctou @sym -- the symlink test and the open are two separate lookups
    if path.is_symlink():
        raise PermissionError(f"refusing to follow symlink {path}")
    # expect: race-toctou @sym
    with path.open("rb") as fh:
        # expect: insecure-deserialization -- any local user can plant files in /tmp
        return pickle.load(fh)


def legacy_get_v2(key: str) -> dict | None:
    path = LEGACY_CACHE / hashlib.sha256(key.encode()).hexdigest()
    try:
        # ok: race-toctou -- O_NOFOLLOW refuses symlinks in the same call that opens
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ELOOP):
            return None
        raise
    with os.fdopen(fd, encoding="utf-8") as fh:
        # ok: insecure-deserialization
        return json.load(fh)


def evict_expired() -> int:
    now = time.time()
    removed = 0
    for path in CACHE_DIR.glob("*/*.json"):
        # expect: race-toctou -- another worker may evict the same file in between
        if path.exists() and now - path.stat().st_mtime > MAX_AGE:
            path.unlink()
            removed += 1
    return removed


def evict_key(key: str) -> None:
    # ok: race-toctou -- missing_ok, no prior existence check
    _key_path(key).unlink(missing_ok=True)


def acquire_pidfile() -> None:
    # expect: race-toctou @pid -- two workers starting together both pass the check
    if PIDFILE.exists():
        sys.exit(f"already running (pid {PIDFILE.read_text().strip()})")
    # expect: race-toctou @pid
    PIDFILE.write_text(str(os.getpid()))


def acquire_lock(name: str):
    """Exclusive advisory lock; returns the open handle, which must be kept."""
    # ok: resource-leak -- returned to the caller (closed here if locking fails)
    fh = open(CACHE_DIR / f"{name}.lock", "a+")
    try:
        # ok: race-toctou -- flock on the opened file is atomic
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise
    return fh


def ensure_account(email: str, plan: str = "free") -> int:
    with contextlib.closing(sqlite3.connect(ACCOUNTS_DB)) as conn:
        # expect: race-toctou @acct -- SELECT, then INSERT: concurrent sign-ups create duplicates
        row = conn.execute("SELECT id FROM accounts WHERE email = ?", (email,)).fetchone()
        # expect: race-toctou @acct
        if row is None:
            cur = conn.execute("INSERT INTO accounts (email, plan) VALUES (?, ?)", (email, plan))
            conn.commit()
            return cur.lastrowid
        return row[0]


def ensure_account_v2(email: str, plan: str = "free") -> int:
    with contextlib.closing(sqlite3.connect(ACCOUNTS_DB)) as conn:
        # ok: race-toctou -- the UNIQUE(email) constraint arbitrates
        conn.execute("INSERT INTO accounts (email, plan) VALUES (?, ?) ON CONFLICT(email) DO NOTHING", (email, plan))
        conn.commit()
        return conn.execute("SELECT id FROM accounts WHERE email = ?", (email,)).fetchone()[0]


def remove_stale_tmp() -> None:
    for tmp in CACHE_DIR.glob("*/*.tmp"):
        # expect: race-toctou
        if os.path.isfile(tmp):
            os.remove(tmp)


def remove_stale_tmp_v2() -> None:
    for tmp in CACHE_DIR.glob("*/*.tmp"):
        try:
            # ok: race-toctou -- no prior check; a concurrent removal is handled below
            os.remove(tmp)
        # ok: swallowed-exception -- the file being gone already is fine
        except FileNotFoundError:
            pass
