"""RQ jobs that push our contacts and deals to HubSpot and pull back lifecycle stages.

Enqueued by the web app after every sign-up / plan change, and in bulk by the nightly
``resync_all`` job.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import requests
from redis import Redis
from rq import Queue, get_current_job

from .db import Contact, session_scope

log = logging.getLogger("crm_sync")

HUBSPOT_API = "https://api.hubapi.com"
# expect: missing-timeout -- redis-py has no socket timeout unless one is given
redis = Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/0"))
queue = Queue("crm", connection=redis)
STATE_DIR = Path(os.environ.get("CRM_STATE_DIR", "/var/lib/crm-sync"))


class CrmError(Exception):
    """HubSpot answered, but not with what we needed."""


class RetryLater(Exception):
    pass


@dataclass
class SyncReport:
    pushed: int = 0
    failed: list[int] = field(default_factory=list)


class HubSpot:
    def __init__(self, token: str, timeout: float = 15.0) -> None:
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.timeout = timeout

    def _request(self, method: str, path: str, **kwargs) -> dict:
        try:
            # ok: missing-timeout
            resp = self.session.request(method, f"{HUBSPOT_API}{path}", timeout=self.timeout, **kwargs)
            resp.raise_for_status()
        except requests.HTTPError as exc:
            if exc.response is not None and exc.response.status_code == 429:
                # ok: lost-exception-context -- deliberate: the retry needs no traceback
                raise RetryLater() from None
            # expect: lost-exception-context -- status, URL and body of the failure are gone
            raise CrmError(f"HubSpot {method} {path} failed")
        try:
            return resp.json()
        except json.JSONDecodeError as exc:
            # ok: lost-exception-context
            raise CrmError(f"HubSpot returned non-JSON for {path}") from exc

    def upsert_contact(self, props: dict) -> str:
        return self._request("POST", "/crm/v3/objects/contacts", json={"properties": props})["id"]

    def lifecycle_stage(self, hubspot_id: str) -> str | None:
        try:
            data = self._request("GET", f"/crm/v3/objects/contacts/{hubspot_id}", params={"properties": "lifecyclestage"})
        # expect: swallowed-exception -- outages look exactly like "no stage"
        except CrmError:
            return None
        return data["properties"].get("lifecyclestage")

    def search(self, email: str) -> list[dict]:
        # expect: missing-timeout -- bypasses _request and its timeout
        resp = self.session.post(f"{HUBSPOT_API}/crm/v3/objects/contacts/search", json={"query": email})
        resp.raise_for_status()
        return resp.json().get("results", [])


@functools.lru_cache(maxsize=1)
def client() -> HubSpot:
    return HubSpot(os.environ["HUBSPOT_TOKEN"])


def contact_props(contact: Contact) -> dict:
    try:
        company = contact.extra["company"]
    # ok: swallowed-exception -- a missing key has an obvious default
    except KeyError:
        company = ""
    try:
        email = contact.emails[0]
    except IndexError:
        # expect: lost-exception-context
        raise ValueError(f"contact {contact.id} has no e-mail address")
    return {"email": email, "firstname": contact.first_name, "lastname": contact.last_name, "company": company}


# expect: mutable-default-arg
def push_contacts(contact_ids: list[int], skip: set[int] = set()) -> SyncReport:
    hs = client()
    report = SyncReport()
    with session_scope() as session:
        for cid in contact_ids:
            if cid in skip:
                continue
            contact = session.get(Contact, cid)
            if contact is None:
                continue
            try:
                contact.hubspot_id = hs.upsert_contact(contact_props(contact))
                report.pushed += 1
            # ok: swallowed-exception -- logged with the traceback and reported
            except (CrmError, ValueError):
                log.warning("could not push contact %s", cid, exc_info=True)
                report.failed.append(cid)
            skip.add(cid)
    return report


def pull_stages(contacts: Iterable[Contact]) -> Iterator[tuple[int, str]]:
    hs = client()
    for c in contacts:
        try:
            stage = hs.lifecycle_stage(c.hubspot_id)
        # expect: swallowed-exception
        except Exception:
            continue
        if stage:
            yield c.id, stage


def forget_cached(contact_id: int) -> None:
    # expect: swallowed-exception -- also hides a dead Redis
    with contextlib.suppress(Exception):
        redis.delete(f"crm:contact:{contact_id}")
    # ok: swallowed-exception -- only "already gone" is expected here
    with contextlib.suppress(FileNotFoundError):
        (STATE_DIR / f"{contact_id}.json").unlink()


def load_checkpoint() -> int:
    try:
        with open(STATE_DIR / "checkpoint.json", encoding="utf-8") as fh:
            return int(json.load(fh)["last_id"])
    # expect: swallowed-exception -- a corrupt checkpoint silently restarts from zero
    except:
        return 0


def save_checkpoint(last_id: int) -> None:
    tmp = STATE_DIR / "checkpoint.json.tmp"
    tmp.write_text(json.dumps({"last_id": last_id}), encoding="utf-8")
    tmp.replace(STATE_DIR / "checkpoint.json")


def resync_all(batch: int = 500) -> int:
    job = get_current_job()
    start = load_checkpoint()
    pushed = 0
    try:
        with session_scope() as session:
            ids = [row.id for row in session.query(Contact.id).filter(Contact.id > start).order_by(Contact.id).limit(batch)]
        report = push_contacts(ids)
        pushed = report.pushed
        if ids:
            save_checkpoint(ids[-1])
    # ok: swallowed-exception -- records the error on the job, then re-raises
    except Exception as exc:
        if job is not None:
            job.meta["error"] = repr(exc)
            job.save_meta()
        # ok: lost-exception-context -- bare raise keeps everything
        raise
    finally:
        log.info("resync pushed %d contacts", pushed)
    return pushed


def mark_synced(contact_id: int) -> None:
    try:
        with session_scope() as session:
            # expect: none-dereference -- the contact may have been deleted meanwhile
            session.get(Contact, contact_id).synced = True
    finally:
        # expect: swallowed-exception -- return in finally discards any exception in flight
        return


def enqueue_push(contact_id: int) -> None:
    try:
        queue.enqueue(push_contacts, [contact_id], job_timeout=120)
    # ok: swallowed-exception -- logged with the traceback, caller carries on
    except Exception:
        log.exception("could not enqueue CRM push for %s", contact_id)
