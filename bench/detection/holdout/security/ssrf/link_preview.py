"""Link previews, avatar import and outgoing webhooks for the team chat (Flask).

The chat backend runs in the same VPC as the metadata service and the internal admin APIs,
so anything that fetches a URL on a user's behalf goes through the checks in ``urlguard``.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import urllib.request
from urllib.parse import quote, urlparse

import httpx
import requests
from bs4 import BeautifulSoup
from flask import Blueprint, abort, current_app, jsonify, request

from .models import Webhook, db

log = logging.getLogger(__name__)
bp = Blueprint("links", __name__)

MAX_PAGE = 512 * 1024
ALLOWED_IMAGE_HOSTS = {"avatars.githubusercontent.com", "secure.gravatar.com", "lh3.googleusercontent.com"}
DIRECTORY_API = "https://directory.internal.example.com/api"


def is_public_http_url(url: str) -> bool:
    """http(s) only, and every address the name resolves to must be public."""
    parsed = urlparse(url)
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        return False
    try:
        infos = socket.getaddrinfo(parsed.hostname, parsed.port or 443, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return False
    return all(ipaddress.ip_address(info[4][0]).is_global for info in infos)


def _meta(soup: BeautifulSoup, prop: str) -> str | None:
    if (tag := soup.find("meta", attrs={"property": prop})) is not None:
        return tag.get("content")
    return None


@bp.get("/api/preview")
def preview():
    url = request.args.get("url", "")
    if not is_public_http_url(url):
        abort(400)
    # ok: ssrf -- vetted by is_public_http_url; redirects are not followed
    with requests.get(url, timeout=5, stream=True, allow_redirects=False) as resp:
        # ok: unbounded-materialization -- at most MAX_PAGE bytes are read
        raw = resp.raw.read(MAX_PAGE, decode_content=True)
    soup = BeautifulSoup(raw, "html.parser")
    # ok: none-dereference -- _meta returns None when the tag is missing and we keep it
    title = _meta(soup, "og:title") or (soup.title.string if soup.title else url)
    return jsonify({"url": url, "title": title, "image": _meta(soup, "og:image")})


@bp.get("/api/preview/legacy")
def preview_legacy():
    url = request.args["url"]
    # expect: ssrf -- any URL, including http://169.254.169.254/
    resp = requests.get(url, timeout=5)
    # expect: unbounded-materialization -- the whole page, whatever its size
    html = resp.text
    soup = BeautifulSoup(html, "html.parser")
    # expect: none-dereference -- pages without og:title make find() return None
    title = soup.find("meta", attrs={"property": "og:title"})["content"]
    # expect: none-dereference -- <title></title> with children gives .string None
    site = soup.title.string.strip()
    return jsonify({"url": url, "title": title, "site": site})


@bp.post("/api/me/avatar")
def import_avatar():
    avatar_url = request.get_json(force=True)["avatar_url"]
    parsed = urlparse(avatar_url)
    # ok: ssrf -- exact host allowlist, https only
    if parsed.scheme != "https" or parsed.hostname not in ALLOWED_IMAGE_HOSTS:
        abort(400)
    with urllib.request.urlopen(avatar_url, timeout=10) as resp:
        data = resp.read(2 * 1024 * 1024)
    return jsonify({"bytes": len(data)})


@bp.post("/api/me/avatar/from-profile")
def import_avatar_from_profile():
    profile = request.get_json(force=True)
    # expect: ssrf @prof -- "https://cdn.example.com@10.0.0.5/" and "https://cdn.example.com.evil.io/" both pass
    if not profile["avatar_url"].startswith("https://cdn.example.com"):
        abort(400)
    # expect: ssrf @prof
    with urllib.request.urlopen(profile["avatar_url"], timeout=10) as resp:
        data = resp.read(2 * 1024 * 1024)
    return jsonify({"bytes": len(data)})


@bp.post("/api/webhooks")
def register_webhook():
    body = request.get_json(force=True)
    host = urlparse(body["url"]).hostname or ""
    # expect: ssrf -- "evilslack.com" and "slack.com.attacker.net" are not what was meant
    if not (host.endswith("slack.com") or host.endswith("discord.com")):
        abort(400, "only Slack and Discord webhooks are supported")
    hook = Webhook(team_id=body["team_id"], url=body["url"])
    db.session.add(hook)
    db.session.commit()
    return jsonify({"id": hook.id}), 201


@bp.post("/api/webhooks/<int:hook_id>/test")
def test_webhook(hook_id: int):
    hook = db.session.get(Webhook, hook_id)
    if hook is None:
        abort(404)
    # expect: ssrf -- the stored URL was only suffix-checked at registration
    r = httpx.post(hook.url, json={"text": "Test message from Chat"}, timeout=10)
    return jsonify({"status": r.status_code})


@bp.post("/api/webhooks/slack-only")
def slack_notify():
    body = request.get_json(force=True)
    parsed = urlparse(body["url"])
    # ok: ssrf -- exact hostname comparison and scheme pinned
    if parsed.scheme != "https" or parsed.hostname != "hooks.slack.com":
        abort(400)
    r = httpx.post(body["url"], json={"text": body["text"]}, timeout=10)
    return jsonify({"status": r.status_code})


@bp.get("/api/directory/<user_id>")
def directory_lookup(user_id: str):
    # ok: ssrf -- fixed host; the user id is quoted into the path
    resp = requests.get(f"{DIRECTORY_API}/users/{quote(user_id, safe='')}", timeout=5)
    resp.raise_for_status()
    return jsonify(resp.json())


@bp.get("/api/regions/<region>/status")
def region_status(region: str):
    # expect: ssrf -- the caller picks the host name
    resp = requests.get(f"http://status.{region}.internal.example.com/health", timeout=3)
    return jsonify({"region": region, "ok": resp.ok})


@bp.get("/api/status")
def status_page():
    # ok: ssrf -- URL from configuration
    resp = requests.get(current_app.config["STATUS_PAGE_URL"], timeout=3)
    return jsonify(resp.json())


@bp.get("/api/directory/ping")
def directory_ping():
    # expect: missing-timeout
    resp = requests.head(f"{DIRECTORY_API}/ping", allow_redirects=True)
    return jsonify({"ok": resp.ok})
