"""Background worker that syncs CRM contacts into the mailing-list provider."""

from __future__ import annotations

import contextlib
import logging
import os
import time
from pathlib import Path

import requests

try:
    import ujson as json
# ok: swallowed-exception -- optional speed-up, falls back to the stdlib
except ImportError:
    import json

log = logging.getLogger("crm_sync")
STATE_FILE = Path(os.environ.get("SYNC_STATE", "/var/lib/crm-sync/state.json"))
API = "https://api.mailer.example.com/v3"


class ContactSync:
    """Pulls changed contacts from the CRM and upserts them into the mailer."""

    def __init__(self, session: requests.Session) -> None:
        self.session = session

    def load_cursor(self) -> str | None:
        """Where the last run stopped."""
        try:
            with STATE_FILE.open(encoding="utf-8") as fh:
                return json.load(fh)["cursor"]
        # ok: swallowed-exception -- first run: no state file yet is expected
        except FileNotFoundError:
            return None

    def push(self, contact: dict) -> None:
        resp = self.session.put(f"{API}/contacts/{contact['id']}", json=contact, timeout=10)
        resp.raise_for_status()

    def run_once(self, contacts: list[dict]) -> int:
        """Upsert each contact; returns how many were pushed."""
        pushed = 0
        for contact in contacts:
            try:
                self.push(contact)
                pushed += 1
            # expect: swallowed-exception
            except Exception:
                pass
        return pushed

    def run_once_logged(self, contacts: list[dict]) -> int:
        pushed = 0
        for contact in contacts:
            try:
                self.push(contact)
                pushed += 1
            # ok: swallowed-exception -- logged with traceback, then the batch continues
            except requests.RequestException:
                log.exception("failed to push contact %s", contact.get("id"))
        return pushed

    def delete_missing(self, ids: list[str]) -> None:
        for contact_id in ids:
            try:
                self.session.delete(f"{API}/contacts/{contact_id}", timeout=10).raise_for_status()
            # expect: swallowed-exception
            except:
                continue

    def save_cursor(self, cursor: str) -> None:
        tmp = STATE_FILE.with_suffix(".tmp")
        tmp.write_text(json.dumps({"cursor": cursor}), encoding="utf-8")
        os.replace(tmp, STATE_FILE)

    def cleanup(self) -> None:
        """Remove temporary files left by a crashed run."""
        # ok: swallowed-exception -- only "already gone" is ignored
        with contextlib.suppress(FileNotFoundError):
            STATE_FILE.with_suffix(".tmp").unlink()

    def heartbeat(self) -> None:
        """Tell the monitoring system we are alive."""
        # expect: swallowed-exception
        with contextlib.suppress(Exception):
            self.session.post(f"{API}/heartbeat", timeout=2)

    def forever(self, fetch) -> None:
        while True:
            try:
                self.run_once_logged(fetch(self.load_cursor()))
            # ok: swallowed-exception -- logged with traceback before the retry
            except Exception:
                log.exception("sync iteration failed; retrying in 60s")
            time.sleep(60)
