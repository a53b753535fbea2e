"""The dashboard: one self-contained HTML file (inline CSS, data and script; no network).

The report's JSON is embedded as data and drawn by ``dashboard.js`` (SVG, no library), so
the page shows exactly the numbers ``--format json`` gives.
"""
from __future__ import annotations

import html
import json
from importlib import resources

from caveat import __version__
from caveat.history.links import Links
from caveat.history.timeline import History


def dashboard(history: History, links: Links) -> str:
    data = history.to_json()
    title = f"caveat report: {history.repository}"
    span = f"{data['range']['since'] or '…'} to {data['range']['until'] or '…'}"
    return _PAGE.format(
        title=html.escape(title), css=_asset("dashboard.css"), script=_asset("dashboard.js"),
        repository=html.escape(history.repository), span=html.escape(span), period=html.escape(history.period),
        version=html.escape(__version__), data=_script_json(data),
        links=_script_json(links.templates(str(history.local_root or history.repository))),
    )


def _asset(name: str) -> str:
    return resources.files("caveat.history").joinpath(name).read_text(encoding="utf-8")


def _script_json(value) -> str:
    """JSON that cannot end its <script> element early."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<h1>Velocity and defects</h1>
<p class="meta">{repository} · {span} · per {period} · caveat {version}</p>
<noscript><p>This report draws its charts and tables with JavaScript; the same numbers are in
<code>caveat report --format json</code>.</p></noscript>
<div id="cards"></div>
<div id="charts"></div>
<h2>Per {period}</h2>
<table id="periods"></table>
<h2>Open findings introduced in this range</h2>
<table id="open"></table>
<p class="note">Findings are caveat's local checks (bandit and caveat's rules) on each version of each changed
Python file; API checks are off for history. A commit is AI-assisted when its trailers name an assistant.
Merge commits are not counted. Periods follow the committer date, UTC.</p>
<script type="application/json" id="caveat-data">{data}</script>
<script type="application/json" id="caveat-links">{links}</script>
<script>{script}</script>
</body>
</html>
"""
