"""HTTP endpoints of the shop service."""
import traceback

from flask import Flask, jsonify, request

from shop.orders import find_orders

app = Flask(__name__)


@app.route("/orders")
def list_orders():
    try:
        rows = find_orders(request.args["customer"], request.args.get("sort", "id"))
        return jsonify(rows)
    except Exception:
        return jsonify({"error": traceback.format_exc()}), 500


@app.route("/health")
def health():
    try:
        return {"status": "ok"}
    except Exception:
        pass


if __name__ == "__main__":
    app.run(debug=True)
