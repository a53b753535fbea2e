"""Loads user settings for the desktop sync client."""

from __future__ import annotations

import configparser
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_PATH = Path.home() / ".config" / "syncer" / "settings.ini"


@dataclass
class Settings:
    server: str = "https://sync.example.com"
    interval: int = 300
    excluded: list[str] = field(default_factory=list)
    proxy: str | None = None


def load(path: Path = DEFAULT_PATH) -> Settings:
    """Read settings; missing values fall back to defaults."""
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    # expect: swallowed-exception
    except Exception:
        return Settings()
    section = parser["sync"] if parser.has_section("sync") else {}
    settings = Settings()
    settings.server = section.get("server", settings.server)
    try:
        settings.interval = int(section.get("interval", settings.interval))
    # ok: swallowed-exception -- narrow, and the fallback is reported
    except ValueError:
        log.warning("invalid interval %r in %s; using %ss", section.get("interval"), path,
                    settings.interval)
    excluded = section.get("excluded", "")
    settings.excluded = [p.strip() for p in excluded.split(",") if p.strip()]
    return settings


def proxy_from_env() -> str | None:
    """Proxy URL from the environment, if the variable is usable."""
    try:
        value = os.environ["SYNCER_PROXY"]
    # ok: swallowed-exception -- a missing variable simply means "no proxy"
    except KeyError:
        return None
    return value or None


def migrate_old_settings(old: Path, new: Path) -> bool:
    """Copy settings from the pre-2.0 location, if any."""
    try:
        new.parent.mkdir(parents=True, exist_ok=True)
        new.write_text(old.read_text(encoding="utf-8"), encoding="utf-8")
        return True
    # expect: swallowed-exception
    except Exception as exc:
        return False


def cleanup_cache(cache_dir: Path) -> int:
    """Delete cached chunks; returns how many files were removed."""
    removed = 0
    for chunk in cache_dir.glob("*.chunk"):
        try:
            chunk.unlink()
            removed += 1
        # ok: swallowed-exception -- another client may have removed it already
        except FileNotFoundError:
            pass
    return removed


def read_device_name() -> str:
    try:
        return Path("/etc/hostname").read_text(encoding="utf-8").strip()
    # ok: swallowed-exception -- re-raised with context for the caller
    except OSError as exc:
        raise RuntimeError("cannot determine device name") from exc
