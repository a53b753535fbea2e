"""Flask API for the dispatch dashboard."""
from __future__ import annotations

import io
import logging
from functools import wraps
from typing import Any, Callable

from flask import Blueprint, Flask, abort, current_app, g, jsonify, make_response, request, send_file
# expect: removed-api -- lacks flask escape ## removed in Flask 3.0 (markupsafe.escape)
from flask import escape
# expect: undeclared-dependency -- undeclared werkzeug ## Flask's dependency, not the project's
from werkzeug.exceptions import HTTPException
# expect: undeclared-dependency -- undeclared markupsafe
from markupsafe import Markup

from .auth import TokenService
from .schemas import Order, OrderPatch

log = logging.getLogger(__name__)

# ok: unknown-keyword-argument -- accepts flask.Blueprint url_prefix
api = Blueprint("api", __name__, url_prefix="/api/v1")
# expect: unknown-keyword-argument -- raises TypeError: flask.Blueprint("a", "probe", prefix="/x")
admin = Blueprint("admin", __name__, prefix="/admin")


def require_token(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        # ok: hallucinated-attribute -- has flask.Request.from_values("/x") headers
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            abort(401)
        tokens: TokenService = current_app.extensions["tokens"]
        principal = tokens.try_verify(header.removeprefix("Bearer "))
        if principal is None:
            # ok: unknown-keyword-argument -- runs-until Unauthorized: flask.abort(401, description="x") ## abort(code, *args, **kwargs) passes description= on to the HTTPException
            abort(401, description="invalid or expired token")
        # ok: hallucinated-attribute -- runs: ctx = flask.Flask("probe").app_context(); ctx.push(); flask.g.principal = 1; ctx.pop() ## flask.g is an _AppCtxGlobals namespace; any attribute can be set on it
        g.principal = principal
        return view(*args, **kwargs)

    return wrapper


@api.get("/orders")
@require_token
def list_orders() -> Any:
    # ok: unknown-keyword-argument -- accepts werkzeug.datastructures.MultiDict.get type
    page = request.args.get("page", default=1, type=int)
    # expect: hallucinated-attribute -- lacks werkzeug.datastructures.MultiDict get_int
    size = request.args.get_int("size", 50)
    orders = current_app.extensions["orders"].page(page, size)
    return jsonify([o.model_dump(mode="json") for o in orders])


@api.post("/orders")
@require_token
def create_order() -> Any:
    # ok: unknown-keyword-argument -- accepts flask.Request.get_json silent
    payload = request.get_json(silent=True)
    if payload is None:
        abort(400)
    order = Order.model_validate(payload)
    current_app.extensions["orders"].add(order)
    # ok: unknown-keyword-argument -- runs: ctx = flask.Flask("probe").app_context(); ctx.push(); flask.jsonify(id=1, status="x"); ctx.pop() ## jsonify(*args, **kwargs) serialises keyword arguments as object members
    return jsonify(id=order.id, status=order.status.value), 201


@api.patch("/orders/<int:order_id>")
@require_token
def patch_order(order_id: int) -> Any:
    # expect: hallucinated-attribute -- lacks flask.Request json_body
    patch = OrderPatch.model_validate(request.json_body)
    updated = current_app.extensions["orders"].patch(order_id, patch)
    return jsonify(updated.model_dump(mode="json"))


@api.get("/orders/search")
@require_token
def search_orders() -> Any:
    # expect: hallucinated-attribute -- lacks flask.Request query_params ## Starlette's name; Flask has request.args
    term = request.query_params.get("q", "")
    # ok: hallucinated-attribute -- has flask.Request is_json
    if request.is_json:
        term = request.get_json().get("q", term)
    return jsonify(current_app.extensions["orders"].search(term))


@api.post("/orders/<int:order_id>/proof")
@require_token
def upload_proof(order_id: int) -> Any:
    # ok: hallucinated-attribute -- has werkzeug.datastructures.FileStorage save
    request.files["photo"].save(f"/var/lib/fleetops/proofs/{order_id}.jpg")
    # ok: hallucinated-attribute -- has flask.Request.from_values("/x") remote_addr
    log.info("proof for %s uploaded from %s", order_id, request.remote_addr)
    return "", 204


@api.get("/orders/<int:order_id>/label")
@require_token
def download_label(order_id: int) -> Any:
    pdf = current_app.extensions["labels"].render(order_id)
    # expect: removed-api -- raises TypeError: flask.send_file(io.BytesIO(b"x"), attachment_filename="a.txt") ## removed in Flask 2.2 (download_name)
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     attachment_filename=f"label-{order_id}.pdf")


@api.get("/orders/<int:order_id>/label.pdf")
@require_token
def download_label_v2(order_id: int) -> Any:
    pdf = current_app.extensions["labels"].render(order_id)
    # ok: unknown-keyword-argument -- accepts flask.send_file download_name && accepts flask.send_file max_age
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"label-{order_id}.pdf", max_age=0)


@admin.get("/greeting")
def greeting() -> Any:
    name = request.args.get("name", "driver")
    body = f"<p>Hello {escape(name)}</p>"
    resp = make_response(body)
    # ok: hallucinated-attribute -- has flask.Response mimetype
    resp.mimetype = "text/html"
    return resp


@admin.get("/banner")
def banner() -> Any:
    # ok: hallucinated-attribute -- has markupsafe.Markup format
    return str(Markup("<b>{}</b>").format(request.args.get("text", "")))


def handle_http_error(exc: HTTPException) -> Any:
    # ok: hallucinated-attribute -- has werkzeug.exceptions.HTTPException description
    resp = jsonify(error=exc.name, detail=exc.description)
    # ok: hallucinated-attribute -- has werkzeug.exceptions.HTTPException code
    resp.status_code = exc.code or 500
    return resp


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    # ok: hallucinated-attribute -- has flask.Config from_prefixed_env
    app.config.from_prefixed_env()
    app.config.update(config or {})
    # ok: hallucinated-attribute -- has flask.json.provider.DefaultJSONProvider sort_keys
    app.json.sort_keys = False
    app.register_blueprint(api)
    app.register_blueprint(admin)
    app.register_error_handler(HTTPException, handle_http_error)
    app.extensions["tokens"] = TokenService(app.config.get("SECRET_KEY", "dev"))
    return app


def install_legacy_hooks(app: Flask) -> None:
    # expect: removed-api -- lacks flask.Flask before_first_request ## removed in Flask 2.3
    @app.before_first_request
    def warm_up() -> None:
        log.info("warming caches")

    # ok: hallucinated-attribute -- has flask.Flask before_request
    @app.before_request
    def tag_request() -> None:
        # ok: hallucinated-attribute -- has flask.Request.from_values("/x") path
        g.request_path = request.path


def client_ip() -> str:
    # expect: hallucinated-attribute -- lacks flask.Request client_ip
    return request.client_ip or request.remote_addr or "unknown"


def request_body_size() -> int:
    # expect: hallucinated-attribute -- lacks flask.Request body ## Flask has request.data / get_data()
    return len(request.body)


def current_user_id() -> str:
    # expect: hallucinated-attribute -- lacks flask.Flask current_user ## flask-login provides current_user, not Flask
    return current_app.current_user.id
