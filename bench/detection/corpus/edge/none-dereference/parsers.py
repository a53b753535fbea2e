"""Parsers for the log-ingestion pipeline and the deploy tooling."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

ACCESS_RE = re.compile(r'(?P<ip>\S+) \S+ \S+ \[(?P<ts>[^\]]+)\] "(?P<method>\S+) (?P<path>\S+)')
VERSION_RE = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")
DURATION_RE = re.compile(r"(\d+)(ms|s|m)")


@dataclass
class Hit:
    ip: str
    path: str


def parse_access_line(line: str) -> Hit:
    """Parse one nginx access-log line."""
    # expect: none-dereference
    m = ACCESS_RE.match(line).groupdict()
    return Hit(ip=m["ip"], path=m["path"])


def parse_access_line_checked(line: str) -> Hit | None:
    m = ACCESS_RE.match(line)
    # ok: none-dereference -- guarded
    if m:
        return Hit(ip=m["ip"], path=m["path"])
    return None


def parse_version(tag: str) -> tuple[int, int, int]:
    """``v1.2.3`` -> (1, 2, 3)."""
    # expect: none-dereference
    major, minor, patch = VERSION_RE.search(tag).groups()
    return int(major), int(minor), int(patch)


def parse_version_strict(tag: str) -> tuple[int, int, int]:
    m = VERSION_RE.fullmatch(tag)
    if m is None:
        raise ValueError(f"not a version tag: {tag!r}")
    # ok: none-dereference -- None case raises above
    major, minor, patch = m.groups()
    return int(major), int(minor), int(patch)


def parse_duration(text: str) -> int:
    """``250ms`` / ``3s`` / ``5m`` -> milliseconds."""
    # ok: none-dereference -- walrus + check
    if (m := DURATION_RE.fullmatch(text.strip())) is None:
        raise ValueError(text)
    value, unit = int(m.group(1)), m.group(2)
    return value * {"ms": 1, "s": 1000, "m": 60_000}[unit]


def request_ids(lines: list[str]) -> list[str]:
    """Extract ``request_id=...`` from every line of a debug log."""
    ids = []
    for line in lines:
        match = re.search(r"request_id=([0-9a-f-]{36})", line)
        # expect: none-dereference
        ids.append(match.group(1))
    return ids


def allowed_origins() -> list[str]:
    """CORS origins from the environment (comma separated)."""
    # expect: none-dereference
    return [o.strip() for o in os.environ.get("ALLOWED_ORIGINS").split(",")]


def allowed_hosts() -> list[str]:
    # ok: none-dereference -- `or ""` turns a missing variable into an empty string
    return [h.strip() for h in (os.environ.get("ALLOWED_HOSTS") or "").split(",") if h.strip()]


def deploy_target() -> str:
    # ok: none-dereference -- default value
    return os.getenv("DEPLOY_TARGET", "staging").lower()


def commit_from_ref(ref_line: str) -> str:
    """``ref: refs/heads/main abc123`` -> ``abc123`` (the ref line always ends in a sha)."""
    # expect: none-dereference
    return re.search(r"[0-9a-f]{40}$", ref_line).group(0)
