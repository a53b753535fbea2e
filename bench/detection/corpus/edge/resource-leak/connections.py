"""Storage and network helpers for the device inventory agent."""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import subprocess
import tempfile
import zipfile

DB_PATH = "/var/lib/inventory/devices.db"


def device_count() -> int:
    """How many devices the local inventory knows about."""
    # expect: resource-leak
    conn = sqlite3.connect(DB_PATH)
    (count,) = conn.execute("SELECT count(*) FROM devices").fetchone()
    return count


def device_names() -> list[str]:
    # expect: resource-leak -- sqlite3's context manager commits but does not close
    with sqlite3.connect(DB_PATH) as conn:
        return [r[0] for r in conn.execute("SELECT name FROM devices ORDER BY name LIMIT 500")]


def device_names_closed() -> list[str]:
    # ok: resource-leak -- contextlib.closing closes the connection
    with contextlib.closing(sqlite3.connect(DB_PATH)) as conn:
        return [r[0] for r in conn.execute("SELECT name FROM devices ORDER BY name LIMIT 500")]


def banner(host: str, port: int = 22) -> str:
    """Read the service banner of a device."""
    # expect: resource-leak
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(5)
    sock.connect((host, port))
    return sock.recv(256).decode(errors="replace").strip()


def banner_safe(host: str, port: int = 22) -> str:
    # ok: resource-leak -- socket used as a context manager
    with socket.create_connection((host, port), timeout=5) as sock:
        return sock.recv(256).decode(errors="replace").strip()


def firmware_files(bundle: str) -> list[str]:
    # expect: resource-leak
    return zipfile.ZipFile(bundle).namelist()


def firmware_files_safe(bundle: str) -> list[str]:
    # ok: resource-leak -- with block
    with zipfile.ZipFile(bundle) as zf:
        return zf.namelist()


def stage_config(text: str) -> str:
    """Write a config to a temp file and return its path for the device uploader."""
    # expect: resource-leak
    tmp = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
    tmp.write(text)
    return tmp.name


def stage_config_safe(text: str) -> str:
    # ok: resource-leak -- closed by the with block; the file is kept (delete=False) on purpose
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as tmp:
        tmp.write(text)
    return tmp.name


def agent_version() -> str:
    # expect: resource-leak -- the child is never waited for and its pipe never closed
    proc = subprocess.Popen(["inventory-agent", "--version"], stdout=subprocess.PIPE, text=True)
    return proc.stdout.readline().strip()


def agent_version_safe() -> str:
    # ok: resource-leak -- run() waits and closes the pipes
    out = subprocess.run(["inventory-agent", "--version"], capture_output=True, text=True, timeout=10)
    return out.stdout.strip()
