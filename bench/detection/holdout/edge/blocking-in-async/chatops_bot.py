"""ChatOps bot: Slack slash commands served by an aiohttp app.

    /deploy-status <service>     /logs <service>     /snapshot <db>     /whois <host>

Slack expects an answer within 3 seconds, and all commands share one event loop, so a
blocking call in any handler delays every other user's command.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import socket
import subprocess
import time
from functools import partial
from pathlib import Path

import aiofiles
import asyncpg
import boto3
import httpx
import psycopg2
import requests
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger("chatops")

DEPLOY_API = os.environ.get("DEPLOY_API", "https://deploy.internal.example.com/api/v2")
RUNBOOKS = Path(os.environ.get("RUNBOOK_DIR", "/srv/runbooks"))
verifier = SignatureVerifier(os.environ["SLACK_SIGNING_SECRET"])
s3 = boto3.client("s3")


def reply(text: str, *, ephemeral: bool = True) -> web.Response:
    return web.json_response({"response_type": "ephemeral" if ephemeral else "in_channel", "text": text})


@web.middleware
async def verify_slack(request: web.Request, handler):
    body = await request.read()
    if not verifier.is_valid_request(body, dict(request.headers)):
        return web.Response(status=401)
    return await handler(request)


async def deploy_status(request: web.Request) -> web.Response:
    form = await request.post()
    service = form.get("text", "").strip()
    # expect: blocking-in-async
    resp = requests.get(f"{DEPLOY_API}/services/{service}/status", timeout=5)
    return reply(f"{service}: {resp.json().get('status', 'unknown')}")


async def deploy_status_v2(request: web.Request) -> web.Response:
    form = await request.post()
    service = form.get("text", "").strip()
    # ok: blocking-in-async -- runs in a worker thread
    resp = await asyncio.to_thread(requests.get, f"{DEPLOY_API}/services/{service}/status", timeout=5)
    return reply(f"{service}: {resp.json().get('status', 'unknown')}")


async def rollout_progress(request: web.Request) -> web.Response:
    form = await request.post()
    service = form.get("text", "").strip()
    async with httpx.AsyncClient(timeout=5) as client:
        for _ in range(3):
            # ok: blocking-in-async -- awaited async client
            r = await client.get(f"{DEPLOY_API}/services/{service}/rollout")
            if r.json().get("done"):
                return reply(f"{service}: rollout finished")
            # expect: blocking-in-async
            time.sleep(0.5)
    return reply(f"{service}: still rolling out")


async def tail_logs(request: web.Request) -> web.Response:
    form = await request.post()
    service = form.get("text", "").strip()
    # expect: blocking-in-async
    out = subprocess.run(["journalctl", "-u", service, "-n", "20", "--no-pager"], capture_output=True, text=True, timeout=5)
    return reply(f"```{out.stdout[-3000:]}```")


async def tail_logs_v2(request: web.Request) -> web.Response:
    form = await request.post()
    service = form.get("text", "").strip()
    # ok: blocking-in-async
    proc = await asyncio.create_subprocess_exec(
        "journalctl", "-u", service, "-n", "20", "--no-pager", stdout=asyncio.subprocess.PIPE
    )
    stdout, _ = await asyncio.wait_for(proc.communicate(), timeout=5)
    return reply(f"```{stdout.decode()[-3000:]}```")


async def runbook(request: web.Request) -> web.Response:
    form = await request.post()
    name = Path(form.get("text", "index").strip()).name
    # expect: blocking-in-async
    text = (RUNBOOKS / f"{name}.md").read_text(encoding="utf-8")
    return reply(text[:3000])


async def runbook_v2(request: web.Request) -> web.Response:
    form = await request.post()
    name = Path(form.get("text", "index").strip()).name
    # ok: blocking-in-async
    async with aiofiles.open(RUNBOOKS / f"{name}.md", encoding="utf-8") as fh:
        text = await fh.read(3000)
    return reply(text)


async def oncall(request: web.Request) -> web.Response:
    # expect: blocking-in-async @pg -- psycopg2 blocks the loop for the whole query
    conn = psycopg2.connect(os.environ["ONCALL_DSN"], connect_timeout=3)
    try:
        with conn.cursor() as cur:
            # expect: blocking-in-async @pg
            cur.execute("SELECT name FROM oncall WHERE now() BETWEEN starts_at AND ends_at LIMIT 1")
            row = cur.fetchone()
    finally:
        conn.close()
    return reply(f"on call: {row[0] if row else 'nobody?!'}")


async def oncall_v2(request: web.Request) -> web.Response:
    pool: asyncpg.Pool = request.app["pg"]
    # ok: blocking-in-async
    name = await pool.fetchval("SELECT name FROM oncall WHERE now() BETWEEN starts_at AND ends_at LIMIT 1")
    return reply(f"on call: {name or 'nobody?!'}")


async def snapshot(request: web.Request) -> web.Response:
    form = await request.post()
    db = form.get("text", "").strip()
    key = f"snapshots/{db}/{int(time.time())}.json"
    meta = json.dumps({"db": db, "requested_by": form.get("user_name")})
    # expect: blocking-in-async -- boto3 is synchronous network I/O
    s3.put_object(Bucket="ops-snapshots", Key=key, Body=meta.encode())
    return reply(f"snapshot of {db} requested ({key})")


async def snapshot_v2(request: web.Request) -> web.Response:
    form = await request.post()
    db = form.get("text", "").strip()
    key = f"snapshots/{db}/{int(time.time())}.json"
    put = partial(s3.put_object, Bucket="ops-snapshots", Key=key, Body=json.dumps({"db": db}).encode())
    # ok: blocking-in-async -- executor thread
    await asyncio.get_running_loop().run_in_executor(None, put)
    return reply(f"snapshot of {db} requested ({key})")


async def whois(request: web.Request) -> web.Response:
    form = await request.post()
    host = form.get("text", "").strip()
    # expect: blocking-in-async -- resolver call on the loop
    addr = socket.gethostbyname(host)
    return reply(f"{host} -> {addr}")


async def whois_v2(request: web.Request) -> web.Response:
    form = await request.post()
    host = form.get("text", "").strip()
    # ok: blocking-in-async
    infos = await asyncio.get_running_loop().getaddrinfo(host, None)
    return reply(f"{host} -> {', '.join(sorted({i[4][0] for i in infos}))}")


async def rotate_bot_password(request: web.Request) -> web.Response:
    form = await request.post()
    salt = os.urandom(16)
    # expect: blocking-in-async -- 600k PBKDF2 rounds is ~0.5 s of CPU on the loop
    digest = hashlib.pbkdf2_hmac("sha256", form["text"].encode(), salt, 600_000)
    request.app["bot_password"] = (salt, digest)
    return reply("rotated")


async def audit(request: web.Request) -> web.Response:
    form = await request.post()

    def write_entry() -> None:
        with open("/var/log/chatops/audit.log", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(dict(form)) + "\n")

    # ok: blocking-in-async -- the file I/O happens in the nested function, in a thread
    await asyncio.to_thread(write_entry)
    return reply("noted")


async def on_startup(app: web.Application) -> None:
    app["pg"] = await asyncpg.create_pool(os.environ["ONCALL_DSN"], min_size=1, max_size=4, timeout=5)


async def on_cleanup(app: web.Application) -> None:
    await app["pg"].close()


def make_app() -> web.Application:
    app = web.Application(middlewares=[verify_slack])
    app.router.add_post("/slack/deploy-status", deploy_status_v2)
    app.router.add_post("/slack/rollout", rollout_progress)
    app.router.add_post("/slack/logs", tail_logs_v2)
    app.router.add_post("/slack/runbook", runbook_v2)
    app.router.add_post("/slack/oncall", oncall_v2)
    app.router.add_post("/slack/snapshot", snapshot_v2)
    app.router.add_post("/slack/whois", whois_v2)
    app.router.add_post("/slack/audit", audit)
    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    return app


if __name__ == "__main__":
    web.run_app(make_app(), port=int(os.environ.get("PORT", "8080")))
