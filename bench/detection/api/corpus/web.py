"""The storefront's Flask app."""
from __future__ import annotations

import hmac

from flask import Flask, abort, jsonify, request, send_file
# expect: removed-api -- flask.escape was removed in Flask 3.0
from flask import escape
# expect: removed-api -- safe_str_cmp was removed in Werkzeug 2.1
from werkzeug.security import safe_str_cmp
# ok: removed-api
from werkzeug.security import check_password_hash, generate_password_hash
from jinja2 import Environment, select_autoescape

app = Flask(__name__)
templates = Environment(autoescape=select_autoescape())


# expect: removed-api -- before_first_request was removed in Flask 2.3
@app.before_first_request
def warm_up() -> None:
    app.logger.info("warming up")


@app.get("/hello")
def hello():
    name = request.args.get("name", "")
    return f"Hello {escape(name)}"


@app.post("/login")
def login():
    # expect: unknown-keyword-argument
    payload = request.get_json(forse=True)
    # ok: unknown-keyword-argument
    payload = request.get_json(force=True, silent=True) or {}
    if not check_password_hash(app.config["ADMIN_HASH"], payload.get("password", "")):
        abort(401)
    return jsonify(ok=True)


@app.post("/api-key")
def api_key():
    supplied = request.headers.get("X-Api-Key", "")
    if safe_str_cmp(supplied, app.config["API_KEY"]):
        return jsonify(ok=True)
    # ok: hallucinated-attribute
    if hmac.compare_digest(supplied, app.config["API_KEY"]):
        return jsonify(ok=True)
    abort(403)


@app.get("/invoice/<int:number>")
def invoice(number: int):
    path = f"/srv/invoices/{number}.pdf"
    # expect: removed-api -- attachment_filename was removed in Flask 2.2 (download_name)
    return send_file(path, as_attachment=True, attachment_filename=f"invoice-{number}.pdf")


@app.get("/invoice-ok/<int:number>")
def invoice_ok(number: int):
    # ok: unknown-keyword-argument
    return send_file(f"/srv/invoices/{number}.pdf", as_attachment=True, download_name=f"invoice-{number}.pdf")


def render(name: str, **context) -> str:
    # expect: hallucinated-attribute
    template = templates.get_template_by_name(name)
    # ok: hallucinated-attribute
    template = templates.get_template(name)
    return template.render(**context)


def setup() -> None:
    # expect: hallucinated-attribute
    app.register_blueprints([])
    # ok: hallucinated-attribute
    app.config.from_mapping(SECRET_KEY="dev")
    generate_password_hash("x")
