"""A small "formula" service used by the spreadsheet-like pricing editor (Flask)."""

from __future__ import annotations

import ast
import math
import operator

import pandas as pd
import torch
from flask import Flask, abort, jsonify, request

app = Flask(__name__)

BIN_OPS = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
}

SAFE_FUNCS = {"sqrt": math.sqrt, "log": math.log, "ceil": math.ceil, "floor": math.floor}


@app.post("/formula/evaluate")
def evaluate_formula():
    """Evaluate a formula such as ``price * 1.2 + shipping`` against the given variables."""
    payload = request.get_json(force=True)
    formula = payload["formula"]
    variables = payload.get("variables", {})
    # expect: code-injection
    result = eval(formula, {"__builtins__": {}}, {**SAFE_FUNCS, **variables})
    return jsonify({"result": result})


@app.post("/formula/binary")
def binary_op():
    """Apply one arithmetic operator to two operands."""
    payload = request.get_json(force=True)
    op = BIN_OPS.get(payload.get("op"))
    if op is None:
        abort(400, "unsupported operator")
    # ok: code-injection -- dispatch through a fixed table, nothing evaluated
    return jsonify({"result": op(float(payload["a"]), float(payload["b"]))})


@app.post("/formula/literal")
def parse_literal():
    """Parse a Python literal (list, dict, number) typed into the editor."""
    raw = request.get_data(as_text=True)
    try:
        # ok: code-injection -- literal_eval only accepts literals
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        abort(400, "not a literal")
    return jsonify({"value": value})


@app.get("/formula/column")
def derived_column():
    """Preview a derived column on the sample dataset: ``?expr=price*qty``."""
    expr = request.args["expr"]
    frame = pd.DataFrame({"price": [10, 20, 30], "qty": [1, 2, 3]})
    # expect: code-injection
    frame["derived"] = frame.eval(expr, engine="python")
    return jsonify(frame.to_dict(orient="records"))


@app.get("/formula/sample-total")
def sample_total():
    """Total of the sample dataset, computed with a fixed pandas expression."""
    frame = pd.DataFrame({"price": [10, 20, 30], "qty": [1, 2, 3]})
    # ok: code-injection -- constant expression
    frame["total"] = frame.eval("price * qty")
    return jsonify({"total": int(frame["total"].sum())})


class Scorer:
    """Wraps a small torch model that ranks formulas by likely intent."""

    def __init__(self, model: torch.nn.Module) -> None:
        self.model = model
        # ok: code-injection -- nn.Module.eval() switches to inference mode
        self.model.eval()

    def score(self, features: list[float]) -> float:
        with torch.no_grad():
            return float(self.model(torch.tensor([features])).item())


@app.post("/formula/validate")
def validate_formula():
    """Check a formula compiles before saving it."""
    source = request.get_json(force=True)["formula"]
    # expect: code-injection @cmp
    code = compile(source, "<formula>", "eval")
    # expect: code-injection @cmp
    value = eval(code, {"math": math})
    return jsonify({"ok": True, "sample": value})
