"""Alert fan-out: Slack, PagerDuty, Opsgenie, SMS, syslog and a status-page update.

Called from the monitoring loop (sync) and from the async health-check service.  Every
channel is best-effort, but none may hang the caller: a stuck alert channel during an
incident is how you miss the next alert.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import logging
import os
import socket
import urllib.parse
import urllib.request
from dataclasses import dataclass
from functools import partial

import aiohttp
import httpx
import requests

log = logging.getLogger("alerting")

# expect: hardcoded-secret -- Slack incoming-webhook URLs are bearer credentials
SLACK_WEBHOOK = "https://hooks.slack.com/services/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"
# ok: hardcoded-secret
PAGERDUTY_ROUTING_KEY = os.environ["PAGERDUTY_ROUTING_KEY"]
OPSGENIE_URL = "https://api.eu.opsgenie.com/v2/alerts"
STATUSPAGE_API = "https://api.statuspage.io/v1"
SYSLOG = (os.environ.get("SYSLOG_HOST", "logs.internal.example.com"), 514)
HTTP_KW = {"timeout": (3.05, 10)}

post = partial(requests.post, timeout=10)


@dataclass
class Alert:
    title: str
    severity: str
    source: str
    details: dict


class TimeoutSession(requests.Session):
    """A Session that applies a default timeout to every request."""

    def __init__(self, timeout: float = 10.0) -> None:
        super().__init__()
        self.default_timeout = timeout

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, **kwargs)


opsgenie = TimeoutSession()
opsgenie.headers["Authorization"] = f"GenieKey {os.environ.get('OPSGENIE_API_KEY', '')}"


def to_slack(alert: Alert) -> None:
    text = f":rotating_light: *{alert.title}* ({alert.severity}) from {alert.source}"
    # expect: missing-timeout
    requests.post(SLACK_WEBHOOK, json={"text": text})


def to_slack_thread(alert: Alert, thread_ts: str) -> None:
    # ok: missing-timeout -- partial carries timeout=10
    post(SLACK_WEBHOOK, json={"text": alert.title, "thread_ts": thread_ts})


def to_pagerduty(alert: Alert) -> str:
    body = {
        "routing_key": PAGERDUTY_ROUTING_KEY,
        "event_action": "trigger",
        "payload": {"summary": alert.title, "severity": alert.severity, "source": alert.source, "custom_details": alert.details},
    }
    # ok: missing-timeout
    resp = requests.post("https://events.pagerduty.com/v2/enqueue", json=body, **HTTP_KW)
    resp.raise_for_status()
    return resp.json()["dedup_key"]


def to_opsgenie(alert: Alert) -> None:
    # ok: missing-timeout -- TimeoutSession fills in the default
    resp = opsgenie.post(OPSGENIE_URL, json={"message": alert.title, "priority": "P1" if alert.severity == "critical" else "P3"})
    resp.raise_for_status()


def to_sms(alert: Alert, numbers: list[str]) -> None:
    sid = os.environ["TWILIO_ACCOUNT_SID"]
    url = f"https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json"
    for number in numbers:
        data = urllib.parse.urlencode({"To": number, "From": "+15005550006", "Body": alert.title[:150]}).encode()
        req = urllib.request.Request(url, data=data, method="POST")
        req.add_header("Authorization", "Basic " + os.environ["TWILIO_BASIC_AUTH"])
        # expect: missing-timeout
        with urllib.request.urlopen(req) as resp:
            log.info("sms to %s: %s", number, resp.status)


def to_syslog(alert: Alert) -> None:
    line = f"<10>alerting: {alert.severity} {alert.title}\n".encode()
    # expect: missing-timeout -- connect and send block forever on a dead collector
    with socket.create_connection(SYSLOG) as sock:
        sock.sendall(line)


def to_syslog_v2(alert: Alert) -> None:
    line = f"<10>alerting: {alert.severity} {alert.title}\n".encode()
    # ok: missing-timeout
    with socket.create_connection(SYSLOG, timeout=3) as sock:
        sock.sendall(line)


def statuspage_incident(alert: Alert) -> None:
    page = os.environ["STATUSPAGE_PAGE_ID"]
    # expect: missing-timeout -- timeout=None spelled out is still no timeout
    with httpx.Client(timeout=None, headers={"Authorization": f"OAuth {os.environ['STATUSPAGE_TOKEN']}"}) as client:
        client.post(f"{STATUSPAGE_API}/pages/{page}/incidents", json={"incident": {"name": alert.title, "status": "investigating"}})


def statuspage_resolve(incident_id: str) -> None:
    page = os.environ["STATUSPAGE_PAGE_ID"]
    # ok: missing-timeout -- httpx applies its 5 s default
    httpx.patch(
        f"{STATUSPAGE_API}/pages/{page}/incidents/{incident_id}",
        json={"incident": {"status": "resolved"}},
        headers={"Authorization": f"OAuth {os.environ['STATUSPAGE_TOKEN']}"},
    )


def legacy_nagios_ack(host: str, service: str) -> int:
    # expect: missing-timeout
    conn = http.client.HTTPSConnection("nagios.internal.example.com")
    try:
        conn.request("POST", "/cgi-bin/cmd.cgi", body=json.dumps({"host": host, "service": service, "cmd": "ack"}))
        return conn.getresponse().status
    finally:
        conn.close()


def fan_out(alert: Alert) -> None:
    for channel in (to_slack, to_pagerduty, to_opsgenie, to_syslog):
        try:
            channel(alert)
        except (requests.RequestException, OSError):
            log.warning("alert channel %s failed", channel.__name__, exc_info=True)


async def fan_out_async(alert: Alert) -> None:
    # ok: blocking-in-async -- the sync fan-out runs in a worker thread
    await asyncio.to_thread(fan_out, alert)


async def heartbeat(url: str) -> None:
    # expect: missing-timeout -- total=None switches aiohttp's default off
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None)) as session:
        async with session.get(url) as resp:
            resp.raise_for_status()


async def quick_slack(alert: Alert) -> None:
    # expect: blocking-in-async
    requests.post(SLACK_WEBHOOK, json={"text": alert.title}, timeout=5)


async def quick_slack_v2(alert: Alert) -> None:
    # ok: missing-timeout, blocking-in-async
    async with httpx.AsyncClient(timeout=5) as client:
        await client.post(SLACK_WEBHOOK, json={"text": alert.title})
