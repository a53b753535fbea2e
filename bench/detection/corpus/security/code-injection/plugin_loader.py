"""Plugin and template support for the reporting tool.

Teams can upload small Python "report plugins" and Jinja snippets for their e-mails.
"""

from __future__ import annotations

import logging.config
import re
import runpy
from pathlib import Path
from types import ModuleType

import jinja2
from flask import Flask, render_template, render_template_string, request
from jinja2.sandbox import SandboxedEnvironment

app = Flask(__name__)
PLUGIN_DIR = Path(__file__).with_name("plugins")
PACKAGE_DIR = Path(__file__).parent


def read_version() -> str:
    """Read ``__version__`` from the package's own version file (setup.py style)."""
    about: dict[str, str] = {}
    source = (PACKAGE_DIR / "__version__.py").read_text(encoding="utf-8")
    # ok: code-injection -- executes a file shipped in this package, not user input
    exec(source, about)
    return about["__version__"]


def load_uploaded_plugin(name: str, source: str) -> ModuleType:
    """Turn an uploaded plugin's source into a module object."""
    module = ModuleType(f"report_plugins.{name}")
    # expect: code-injection
    exec(compile(source, f"<plugin {name}>", "exec"), module.__dict__)
    return module


def run_plugin_file(path: str) -> dict:
    """Run a plugin that was uploaded to disk earlier."""
    # expect: code-injection
    return runpy.run_path(path)


@app.post("/plugins/<name>")
def upload_plugin(name: str):
    source = request.get_data(as_text=True)
    plugin = load_uploaded_plugin(name, source)
    return {"loaded": plugin.__name__}


@app.get("/greeting")
def greeting():
    """Render a greeting banner for the dashboard."""
    name = request.args.get("name", "there")
    # expect: code-injection, xss
    return render_template_string(f"<h1>Hello {name}!</h1><p>Welcome back.</p>")


@app.get("/greeting-safe")
def greeting_safe():
    """Same banner, passing the name as a template variable."""
    name = request.args.get("name", "there")
    # ok: code-injection -- constant template, name passed as context (autoescaped)
    return render_template_string("<h1>Hello {{ name }}!</h1><p>Welcome back.</p>", name=name)


@app.post("/email-preview")
def email_preview():
    """Preview a team's e-mail snippet with sample data."""
    snippet = request.get_json(force=True)["template"]
    # expect: code-injection
    body = jinja2.Template(snippet).render(user={"name": "Sample User"})
    return {"html": body}


@app.post("/email-preview-sandboxed")
def email_preview_sandboxed():
    """Preview rendered in Jinja's sandbox, which blocks attribute escapes."""
    snippet = request.get_json(force=True)["template"]
    env = SandboxedEnvironment(autoescape=True)
    # ok: code-injection -- SandboxedEnvironment
    body = env.from_string(snippet).render(user={"name": "Sample User"})
    return {"html": body}


@app.get("/report/<slug>")
def report(slug: str):
    if not re.fullmatch(r"[a-z0-9-]+", slug):
        return {"error": "bad slug"}, 400
    # ok: code-injection -- template file chosen by name, not built from input
    return render_template("reports/report.html", slug=slug)


def start_logging_listener(port: int = 9030) -> None:
    """Allow ops to push new logging configuration at runtime."""
    # expect: code-injection
    thread = logging.config.listen(port)
    thread.start()
