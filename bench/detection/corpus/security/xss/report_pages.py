"""Server-rendered report pages for the FastAPI admin (Jinja2 without a framework)."""

from __future__ import annotations

import html

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

app = FastAPI()
templates = Jinja2Templates(directory="templates")

# expect: xss @raw
raw_env = Environment(loader=FileSystemLoader("templates/reports"), autoescape=False)
# ok: xss -- autoescaping on for html/xml templates
safe_env = Environment(
    loader=FileSystemLoader("templates/reports"), autoescape=select_autoescape(["html", "xml"])
)


@app.get("/reports/{name}", response_class=HTMLResponse)
async def report(name: str, title: str = "Report") -> str:
    """Render a stored report with a caller-chosen title."""
    tpl = raw_env.get_template("report.html")
    # expect: xss @raw
    return tpl.render(title=title, name=name)


@app.get("/reports-safe/{name}", response_class=HTMLResponse)
async def report_safe(name: str, title: str = "Report") -> str:
    tpl = safe_env.get_template("report.html")
    # ok: xss -- rendered by the autoescaping environment
    return tpl.render(title=title, name=name)


@app.get("/welcome", response_class=HTMLResponse)
async def welcome(user: str = "guest") -> HTMLResponse:
    """Welcome banner."""
    # expect: xss
    return HTMLResponse(content=f"<h1>Welcome, {user}</h1>")


@app.get("/welcome-safe", response_class=HTMLResponse)
async def welcome_safe(user: str = "guest") -> HTMLResponse:
    # ok: xss -- html.escape
    return HTMLResponse(content=f"<h1>Welcome, {html.escape(user)}</h1>")


@app.get("/dashboard", response_class=HTMLResponse)
async def dashboard(request: Request, team: str = ""):
    # ok: xss -- Jinja2Templates autoescapes .html templates
    return templates.TemplateResponse(request, "dashboard.html", {"team": team})


def render_rows(rows: list[dict[str, str]]) -> str:
    """Render table rows for the export preview."""
    out = []
    for row in rows:
        # expect: xss @rows
        cells = "".join(f"<td>{value}</td>" for value in row.values())
        # expect: xss @rows
        out.append(f"<tr>{cells}</tr>")
    return "\n".join(out)


@app.post("/export/preview", response_class=HTMLResponse)
async def export_preview(request: Request) -> str:
    """Preview of a CSV the user uploaded, rendered as an HTML table."""
    rows = (await request.json())["rows"][:100]
    return "<table>" + render_rows(rows) + "</table>"
