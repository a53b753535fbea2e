"""Link previews for the chat app: fetch a URL a user pasted and extract its title."""

from __future__ import annotations

import re
import urllib.request
from urllib.parse import quote, urljoin, urlparse

import requests
from flask import Flask, abort, jsonify, request

app = Flask(__name__)

TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
OEMBED_PROVIDERS = {"www.youtube.com", "vimeo.com", "open.spotify.com"}
MAX_BYTES = 512 * 1024
WIKI_API = "https://wiki.internal.example.com/api"


def _title(html: str) -> str:
    m = TITLE_RE.search(html)
    return m.group(1).strip() if m else ""


@app.get("/preview")
def preview():
    """``/preview?url=https://example.com/post`` -> {"title": ...}."""
    url = request.args["url"]
    # expect: ssrf
    resp = requests.get(url, timeout=5, stream=True)
    html = resp.raw.read(MAX_BYTES, decode_content=True).decode(errors="replace")
    return jsonify({"url": url, "title": _title(html)})


@app.get("/oembed")
def oembed():
    """oEmbed lookup, restricted to a few known providers."""
    url = request.args["url"]
    parsed = urlparse(url)
    if parsed.scheme != "https" or parsed.hostname not in OEMBED_PROVIDERS:
        abort(400, "unsupported provider")
    # ok: ssrf -- scheme and host checked against an allowlist
    resp = requests.get(f"https://{parsed.hostname}/oembed", params={"url": url}, timeout=5)
    return jsonify(resp.json())


@app.get("/favicon")
def favicon():
    """Fetch the favicon of the site a link points to."""
    site = request.args["site"]
    # expect: ssrf
    with urllib.request.urlopen(f"{site.rstrip('/')}/favicon.ico", timeout=5) as resp:
        return resp.read(64 * 1024), 200, {"Content-Type": "image/x-icon"}


@app.get("/gh/<owner>/<repo>")
def github_card(owner: str, repo: str):
    """Repository card for GitHub links."""
    # ok: ssrf -- fixed host, path components quoted
    api = f"https://api.github.com/repos/{quote(owner, safe='')}/{quote(repo, safe='')}"
    data = requests.get(api, timeout=5).json()
    return jsonify({"name": data.get("full_name"), "stars": data.get("stargazers_count")})


@app.get("/wiki/search")
def wiki_search():
    """Search our wiki; the user's text only travels as a query parameter."""
    # ok: ssrf -- fixed host and path; user input is URL-encoded into params
    resp = requests.get(f"{WIKI_API}/search", params={"q": request.args.get("q", "")}, timeout=5)
    return jsonify(resp.json())


@app.get("/wiki/page")
def wiki_page():
    """Fetch a wiki page by its path, e.g. ``?path=teams/payments``."""
    # expect: ssrf @wiki -- urljoin() lets "//other-host/x" or "http://..." replace the base host
    url = urljoin(WIKI_API + "/", request.args["path"])
    # expect: ssrf @wiki
    resp = requests.get(url, timeout=5, stream=True)
    return resp.raw.read(MAX_BYTES, decode_content=True)


@app.get("/wiki/page-v2")
def wiki_page_v2():
    # ok: ssrf -- the path is quoted into a single segment of a fixed URL
    url = f"{WIKI_API}/pages/{quote(request.args['path'], safe='')}"
    resp = requests.get(url, timeout=5, stream=True)
    return resp.raw.read(MAX_BYTES, decode_content=True)


@app.get("/tenant-status")
def tenant_status():
    """Status of a customer's hosted instance: ``https://<tenant>.apps.example.com``."""
    tenant = request.args["tenant"]
    # expect: ssrf
    resp = requests.get(f"https://{tenant}.apps.example.com/health", timeout=3)
    return jsonify({"tenant": tenant, "status": resp.status_code})


@app.get("/docs-proxy")
def docs_proxy():
    """Proxy pages from our documentation site for the in-app help panel."""
    url = request.args["url"]
    host = urlparse(url).hostname or ""
    if not host.endswith("example.com"):
        abort(400)
    # expect: ssrf
    resp = requests.get(url, timeout=5)
    # expect: unbounded-materialization -- the slice comes after the whole body is read
    return resp.text[:MAX_BYTES]
