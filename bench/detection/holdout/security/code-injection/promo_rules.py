"""Promotion rules for the storefront.

Merchants write rules in the admin UI ("orders over 50 from DE get FREESHIP"), which are
stored as small expressions and evaluated at checkout.  Rule packs can also be imported from
YAML exported by another shop.
"""

from __future__ import annotations

import ast
import logging
import operator
import subprocess
import sys
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any, Callable

import yaml
from flask import Blueprint, abort, jsonify, request
from jinja2 import Environment
from jinja2.sandbox import SandboxedEnvironment
from simpleeval import simple_eval

log = logging.getLogger(__name__)
bp = Blueprint("promo_rules", __name__, url_prefix="/admin/promos")

CENT = Decimal("0.01")

OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "in": lambda a, b: a in b,
}


@dataclass
class Rule:
    name: str
    condition: str
    percent_off: Decimal = Decimal("0")
    banner_template: str = ""
    # ok: mutable-default-arg -- default_factory gives every rule its own list
    tags: list[str] = field(default_factory=list)


@dataclass
class Cart:
    country: str
    subtotal: Decimal
    items: list[dict] = field(default_factory=list)

    def context(self) -> dict[str, Any]:
        return {"country": self.country, "subtotal": self.subtotal, "n_items": len(self.items)}


class RuleEngine:
    # ok: mutable-default-arg -- a tuple cannot be mutated between calls
    def __init__(self, rules: tuple[Rule, ...] = ()) -> None:
        self.rules = list(rules)
        self.banner_env = SandboxedEnvironment(autoescape=True)

    # expect: mutable-default-arg
    def matching(self, cart: Cart, extra: dict = {}) -> list[Rule]:
        ctx = cart.context()
        extra.setdefault("checked", 0)
        hits = []
        for rule in self.rules:
            extra["checked"] += 1
            # expect: code-injection -- merchants control the expression; empty builtins is no sandbox
            if eval(rule.condition, {"__builtins__": {}}, ctx):
                hits.append(rule)
        return hits

    def matching_safe(self, cart: Cart) -> list[Rule]:
        ctx = cart.context()
        # ok: code-injection -- simpleeval only knows names and operators we hand it
        return [r for r in self.rules if simple_eval(r.condition, names=ctx)]

    def banner(self, rule: Rule, cart: Cart) -> str:
        # ok: code-injection -- sandboxed environment for merchant-written templates
        return self.banner_env.from_string(rule.banner_template).render(**cart.context())

    def discount(self, rule: Rule, cart: Cart) -> Decimal:
        return (cart.subtotal * rule.percent_off / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def compile_structured(spec: dict) -> Callable[[dict], bool]:
    """Structured rules from the new editor: {"field": ..., "op": ..., "value": ...}."""
    op = OPS.get(spec["op"])
    if op is None:
        raise ValueError(f"unknown operator {spec['op']!r}")
    # ok: code-injection -- the operator is looked up in a fixed table
    return lambda ctx: op(ctx[spec["field"]], spec["value"])


def compile_lambda(expr: str) -> Callable[[dict], bool]:
    # expect: code-injection @lam -- the expression is spliced into Python source
    source = f"lambda ctx: bool({expr})"
    # expect: code-injection @lam
    return eval(source)


def parse_literal_list(raw: str) -> list:
    # ok: code-injection -- literals only
    value = ast.literal_eval(raw)
    if not isinstance(value, list):
        raise ValueError("expected a list")
    return value


def load_rule_pack(text: str) -> list[Rule]:
    # expect: insecure-deserialization -- full Loader builds arbitrary Python objects
    data = yaml.load(text, Loader=yaml.Loader)
    return [Rule(**item) for item in data["rules"]]


def load_rule_pack_safe(text: str) -> list[Rule]:
    # ok: insecure-deserialization
    data = yaml.safe_load(text)
    return [Rule(**item) for item in data.get("rules", [])]


@bp.post("/preview")
def preview():
    body = request.get_json(force=True)
    cart = Cart(country=body["country"], subtotal=Decimal(str(body["subtotal"])))
    # expect: code-injection -- server-side template injection through the default Environment
    html = Environment().from_string(body["banner_template"]).render(**cart.context())
    return jsonify({"banner": html})


@bp.post("/dry-run")
def dry_run():
    """Run a merchant snippet against sample carts in a child interpreter."""
    snippet = request.form["snippet"]
    # expect: code-injection -- a separate process is still arbitrary code on our host
    proc = subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True, timeout=5)
    return jsonify({"stdout": proc.stdout[-2000:], "rc": proc.returncode})


@bp.post("/import")
def import_pack():
    text = request.get_data(as_text=True)
    try:
        rules = load_rule_pack(text)
    except (yaml.YAMLError, KeyError, TypeError):
        log.warning("rejected rule pack", exc_info=True)
        abort(400)
    engine = RuleEngine(tuple(rules))
    return jsonify({"imported": [r.name for r in engine.rules]})


@bp.post("/hooks/<name>")
def run_hook(name: str):
    """Legacy hook: merchants could paste a Python snippet into 'custom code'."""
    snippet = request.get_json(force=True).get("code", "")
    ns: dict[str, Any] = {"cart": request.get_json(force=True).get("cart", {})}
    # expect: code-injection
    exec(compile(snippet, f"<hook {name}>", "exec"), ns)
    return jsonify({"result": ns.get("result")})


def apply_best(engine: RuleEngine, cart: Cart) -> Decimal:
    rules = engine.matching_safe(cart)
    best = partial(engine.discount, cart=cart)
    # ok: empty-input -- default= covers carts that match no rule
    return max((best(r) for r in rules), default=Decimal("0"))
