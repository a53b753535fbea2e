"""## What it does

Detects money held in binary floating point: amounts, prices, balances, totals, fees,
taxes, salaries, costs, discounts, refunds and payments typed `float` (variables,
attributes, parameters, return types, dataclass/pydantic fields), converted with
`float(...)`, initialised from float literals (also `{"price": 19.99}` and
`Product(price=19.99)`), multiplied by float literals, stored in `FloatField`/`Float`
columns or `fields.Float()` schema fields, parsed with `type=float` (argparse, click, Flask's
`args.get`), rounded with `round(x, 2)` (on a money value, or anywhere in a function about
money); literal price tables (`PLAN_PRICES = {"pro": 29.99}`), float fallbacks
(`row.get("price", 0.0)`, `amount or 0.0`), `float(p) for p in prices`, and money computed
with a float operand (`total = subtotal * (1 + 0.0825)`, `tax = subtotal * rate` with
`rate: float` or `rate = annual_rate / 12` above, `order.total - float(coupon)`); and
`Decimal(19.99)` / `Decimal(float(x))`, which carry the float error into the Decimal.

## Why is this bad?

A float cannot represent most decimal fractions: `0.1 + 0.2 == 0.30000000000000004`,
`round(2.675, 2) == 2.67`. Summing line items, applying tax and rounding with floats
drifts by cents, invoices stop adding up, balances are off by one cent after enough
transactions, and `round()` rounds half to even on a value that is not what it looks
like (CWE-681, CWE-1339).

## Example
```python
@dataclass
class LineItem:
    price: float
    quantity: int

def order_total(items, tax_rate):
    total = 0.0
    for item in items:
        total += item.price * item.quantity
    return round(total * (1 + tax_rate), 2)
```

## Use instead
```python
from decimal import Decimal, ROUND_HALF_UP

@dataclass
class LineItem:
    price: Decimal          # Decimal("19.99"), built from a string
    quantity: int

def order_total(items, tax_rate: Decimal) -> Decimal:
    total = sum((item.price * item.quantity for item in items), Decimal("0"))
    return (total * (1 + tax_rate)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
```
(or keep integer cents: `amount_cents: int`).

## What it does not flag
- `Decimal` values, integer cents (`amount_cents: int`, any name with `cents`), and
  `int` amounts.
- Rates, ratios and percentages (`tax_rate: float`, `discount_pct`, `fee_ratio`,
  `discount = 0.1`): a rate is a dimensionless factor, not an amount of money; the
  amount you multiply it with is what must be a `Decimal`.
- Names that only look like money: counts, quantities, scores, weights, durations,
  coordinates, sizes, `cost` in graph/path-finding code, `load_balance`, display strings
  (`price_label`).
- Generic names (`total`, `value`) unless the surrounding function or class is about
  money (its name says `order`, `invoice`, `cart`, `payment`... or it handles prices).
- Modules that import numpy, pandas, scipy, torch, scikit-learn and friends: floats are
  the norm in numeric and statistical code.
- Display formatting (`f"{price:.2f}"`).
- Money arithmetic whose operands are not known to be floats in the same function (a
  module-level `TAX_RATE` is defined in another block; the rate's own definition is not
  money either).

## Fix safety
With `Decimal` imported, the fix rewrites the float: `price: float` -> `price: Decimal`,
`float(s)` -> `Decimal(s)`, `19.99` -> `Decimal("19.99")`, `round(x, 2)` ->
`Decimal(str(x)).quantize(Decimal("0.01"))`; a Django `FloatField` becomes a
`DecimalField(max_digits=12, decimal_places=2)`. It is unsafe: arithmetic mixing the
new `Decimal` with other floats raises `TypeError` until those are converted too, and
stored data may need a migration.

## References
- https://cwe.mitre.org/data/definitions/681.html
- https://cwe.mitre.org/data/definitions/1339.html
- https://docs.python.org/3/library/decimal.html
- https://docs.python.org/3/tutorial/floatingpoint.html
"""
from __future__ import annotations

import ast
import re

from caveat.engine.findings import Fix, Severity
from caveat.rules.base import Rule, RuleContext
from caveat.analysis.flow import value_before
from caveat.rules.edge._common_a import (iteration_source, keyword, local_name_for, parameter_annotation,
                                         source, terminal_name, words)

STRONG = frozenset({
    "price", "prices", "pricing", "amount", "amounts", "amt", "balance", "balances", "fee", "fees", "tax",
    "taxes", "vat", "salary", "salaries", "cost", "costs", "discount", "discounts", "refund", "refunds",
    "payment", "payments", "subtotal", "revenue", "revenues", "wage", "wages", "payout", "payouts",
    "earnings", "expense", "expenses", "fare", "fares", "commission", "money", "cash", "dollars", "dollar",
    "usd", "eur", "euros", "gbp", "budget", "income", "profit", "profits", "deposit", "deposits",
    "withdrawal", "withdrawals", "paid", "owed", "rent", "tuition", "payroll", "invoice", "msrp",
    "shipping", "surcharge", "tip", "tips", "credit", "debit", "loan", "premium", "bonus", "bonuses",
    "pay", "payslip", "paycheck", "rebate", "rebates", "installment", "installments", "markup", "proceeds",
    "reimbursement", "postage", "copay", "deductible", "stipend", "gratuity", "spend", "spent",
})
WEAK = frozenset({"total", "totals", "sum", "value", "grand", "net", "gross"})
# Tokens that make a money-looking name something else.
NOT_MONEY = frozenset({
    "rate", "rates", "ratio", "pct", "percent", "percentage", "percentages", "bps", "count", "counts",
    "num", "number", "qty", "quantity", "id", "ids", "time", "times", "seconds", "secs", "sec", "ms",
    "duration", "weight", "weights", "score", "scores", "factor", "multiplier", "index", "idx", "pages",
    "items", "size", "len", "length", "days", "hours", "minutes", "tokens", "cents", "points", "distance",
    "memory", "calories", "loss", "epoch", "steps", "bytes", "px", "pixels", "zoom", "scroll", "blur",
    "opacity", "alpha", "padding", "margin", "offset", "angle", "rotation", "degrees", "radius",
    "temperature", "volume", "brightness", "delay", "timeout", "interval", "jitter", "backoff", "progress",
    "width", "height", "lat", "lon", "lng", "latitude", "longitude", "speed", "probability", "prob",
    "confidence", "threshold", "similarity", "load", "battery", "cpu", "disk", "gpu", "heuristic",
    "path", "edge", "node", "move", "travel", "currency", "str", "text", "label", "display", "formatted",
    "fmt", "type", "mode", "key", "name", "field", "col", "column", "url", "format", "flag", "enabled",
    "elasticity", "level", "limit_pct", "share", "version", "noise", "error", "errors", "variance",
})
# Names of functions/classes whose generic "total"/"value" is money.
COMMERCE = frozenset({
    "order", "orders", "invoice", "invoices", "cart", "checkout", "payment", "payments", "billing", "bill",
    "receipt", "transaction", "transactions", "purchase", "sale", "sales", "account", "wallet", "ledger",
    "payroll", "price", "pricing", "product", "shop", "subscription", "refund", "charge", "tax",
    "shipping", "fee", "money", "finance", "financial", "bank", "budget", "expense", "salary", "loan",
    "mortgage", "basket", "quote", "revenue", "commission", "balance", "deposit", "withdraw", "transfer",
    "pay", "paid", "amount", "cost", "costs", "discount", "coupon", "tip", "fare", "booking", "bonus",
    "payout", "wage", "wages", "earnings", "profit", "income", "finance", "accounting", "vat",
})
_GRAPH = frozenset({"graph", "path", "edge", "edges", "node", "nodes", "dijkstra", "astar", "heuristic",
                    "route", "search", "neighbor", "neighbors", "neighbour", "mst", "tree", "grid", "move",
                    "moves", "step", "frontier", "heap", "travel", "tsp"})
_NUMERIC_LIBS = ("numpy", "pandas", "scipy", "torch", "tensorflow", "sklearn", "statsmodels", "jax",
                 "keras", "xgboost", "lightgbm", "matplotlib", "seaborn", "plotly", "pyspark", "polars",
                 "networkx", "sympy", "cvxpy", "pulp")
_RATE_LIKE = frozenset({"discount", "discounts", "tax", "taxes", "vat", "fee", "fees", "commission", "tip",
                        "tips", "bonus", "premium", "interest"})
_FLOAT_FIELDS = {"FloatField", "Float", "FLOAT", "confloat", "Double", "DOUBLE", "REAL", "DOUBLE_PRECISION"}


# Block-level prefilters: something float-like (cheap substring tests first), then a
# money-like word.
_FLOAT_WORDS = ("float", "Float", "FLOAT", "REAL", "Double", "round(", "Decimal(")
_FLOAT_LITERAL = re.compile(r"\d\.")
_MONEYISH = re.compile("|".join(sorted(STRONG | COMMERCE | WEAK, key=len, reverse=True)))  # on lower-cased text


def _floatish(text: str) -> bool:
    return any(word in text for word in _FLOAT_WORDS) or _FLOAT_LITERAL.search(text) is not None


def money_words(name: str | None) -> tuple[bool, bool]:
    """(strong, weak): does ``name`` name an amount of money?"""
    if not name:
        return False, False
    tokens = words(name)
    if not tokens or any(t in NOT_MONEY for t in tokens):
        return False, False
    strong = any(t in STRONG for t in tokens)
    weak = not strong and any(t in WEAK for t in tokens)
    return strong, weak


class FloatMoney(Rule):
    code = "CAV205"
    name = "float-money"
    category = "float-money"
    cwe = 681
    severity = Severity.WARNING
    fixable = True

    def check(self, ctx: RuleContext) -> None:
        if not _floatish(ctx.text) or not _MONEYISH.search(ctx.text.lower()):
            return
        if ctx.imports_any(*_NUMERIC_LIBS):
            return
        self._money_cache: dict[int, bool] = {}
        found: dict[int, tuple[ast.AST, str, Fix | None]] = {}  # statement -> first finding

        def add(node: ast.AST, message: str, fix: Fix | None = None) -> None:
            statement = ctx.statement_of(node) if not isinstance(node, ast.stmt) else node
            key = id(statement)
            if key not in found:
                found[key] = (node, message, fix)

        decimal = local_name_for(ctx, "decimal.Decimal")
        for node in ctx.nodes(ast.AnnAssign, ast.arg, ast.FunctionDef, ast.AsyncFunctionDef,
                              ast.Call, ast.Assign, ast.AugAssign, ast.BinOp, ast.Dict, ast.keyword):
            if isinstance(node, ast.AnnAssign):
                self._annotated(ctx, node, node.target, node.annotation, add, decimal)
                if node.value is not None:
                    self._assigned(ctx, node, [node.target], node.value, add, decimal)
            elif isinstance(node, ast.arg):
                if node.annotation is not None:
                    self._annotated(ctx, node, node, node.annotation, add, decimal)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._defaults(ctx, node, add, decimal)
                if node.returns is not None:
                    self._annotated(ctx, node, node, node.returns, add, decimal)
            elif isinstance(node, ast.Assign):
                self._assigned(ctx, node, node.targets, node.value, add, decimal)
            elif isinstance(node, ast.AugAssign):
                self._assigned(ctx, node, [node.target], node.value, add, decimal)
            elif isinstance(node, ast.Call):
                self._call(ctx, node, add, decimal)
            elif isinstance(node, ast.BinOp):
                self._binop(ctx, node, add, decimal)
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values):
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        self._keyed_literal(ctx, key.value, value, add, decimal)
            elif isinstance(node, ast.keyword) and node.arg:
                self._keyed_literal(ctx, node.arg, node.value, add, decimal)
        findings = sorted(found.values(), key=lambda f: (f[0].lineno, f[0].col_offset))
        for node, message, fix in findings:
            if _signature_of_flagged_body(ctx, node, findings):
                continue  # one defect, one diagnostic: the float in the body is the root
            ctx.report(self, node, message, fix=fix)

    # --- is this name money here? --------------------------------------------
    def _is_money(self, ctx: RuleContext, name: str | None, at: ast.AST) -> bool:
        strong, weak = money_words(name)
        tokens = set(words(name or ""))
        if strong and tokens & {"cost", "costs"} and self._graph_context(ctx, at):
            return False
        if strong:
            return True
        return weak and self._commerce_context(ctx, at)

    def _graph_context(self, ctx: RuleContext, at: ast.AST) -> bool:
        if ctx.is_imported("heapq") or ctx.is_imported("networkx"):
            return True
        for ancestor in ctx.ancestors(at):
            if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if set(words(ancestor.name)) & _GRAPH:
                    return True
        return False

    def _commerce_context(self, ctx: RuleContext, at: ast.AST) -> bool:
        for ancestor in [at, *ctx.ancestors(at)]:
            if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if set(words(ancestor.name)) & COMMERCE:
                    return True
                if not isinstance(ancestor, ast.ClassDef) and self._mentions_money(ancestor):
                    return True
        return False

    def _mentions_money(self, scope: ast.AST) -> bool:
        key = id(scope)
        if key not in self._money_cache:
            hit = False
            for node in ast.walk(scope):
                name = terminal_name(node) if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)) else \
                    node.arg if isinstance(node, ast.arg) else None
                if name and money_words(name)[0]:
                    hit = True
                    break
            self._money_cache[key] = hit
        return self._money_cache[key]

    # --- annotations ---------------------------------------------------------
    def _annotated(self, ctx, owner, target, annotation, add, decimal) -> None:
        float_node = _float_in_annotation(annotation)
        if float_node is None:
            return
        if isinstance(target, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name, what = target.name, f"`{target.name}()` is declared to return `float`"
        elif isinstance(target, ast.arg):
            name, what = target.arg, f"parameter `{target.arg}` is typed `float`"
        else:
            name = terminal_name(target)
            what = f"`{source(ctx, target)}` is typed `float`"
        if not self._is_money(ctx, name, owner):
            return
        fix = None
        if decimal:
            fix = Fix(f"Use `{decimal}`", (ctx.replace(float_node, decimal),), safe=False)
        add(float_node if not isinstance(owner, ast.AnnAssign) else owner,
            f"{what} but holds money: binary floats cannot represent most cents "
            f"(0.1 + 0.2 != 0.3), so sums and roundings drift; use `Decimal` (built from strings) or "
            f"integer cents.", fix)

    # --- values: float literals, float() conversions ----------------------------
    def _assigned(self, ctx, statement, targets, value, add, decimal) -> None:
        names = [terminal_name(t) for t in targets if isinstance(t, (ast.Name, ast.Attribute, ast.Subscript))]
        money = [n for n in names if self._is_money(ctx, n, statement)]
        if not money:
            return
        target = money[0]
        if isinstance(value, ast.Call) and _is_float_call(ctx, value):
            add(value, f"`{target}` is converted with `float()`: binary floats cannot represent most cents, "
                f"so money arithmetic drifts; parse it with `Decimal(...)` from the string instead.",
                _float_call_fix(ctx, value, decimal))
            return
        if isinstance(value, ast.Call):
            field = _float_field(ctx, value)
            if field is not None:
                add(value, f"`{target}` is stored as a floating-point column (`{field}`): every amount "
                    f"read back is a binary approximation; use a fixed-point decimal column "
                    f"(`DecimalField`/`Numeric(12, 2)`).", _field_fix(ctx, value, field))
                return
        literal = _float_literal(value) or _float_default(value)
        if literal is None and isinstance(value, ast.Name) and isinstance(statement, ast.AugAssign):
            return
        if literal is not None and _literal_is_money(target, _number(literal)):
            add(literal, f"`{target}` starts from the float `{source(ctx, literal)}`: binary floats cannot "
                f"represent most cents, so money arithmetic drifts; use `Decimal(\"{source(ctx, literal)}\")` "
                f"or integer cents.", _literal_fix(ctx, literal, decimal))
            return
        table = _float_table(value)
        if table is not None and _literal_is_money(target, _number(table)):
            add(table, f"`{target}` holds amounts as floats (`{source(ctx, table)}`): binary floats cannot "
                f"represent most cents, so totals computed from them drift; use `Decimal(\"{source(ctx, table)}\")` "
                f"(or integer cents) for each entry.", _literal_fix(ctx, table, decimal))
            return
        operand = self._float_operand(ctx, value)
        if operand is not None:
            add(operand, f"`{target}` is computed with `{source(ctx, operand)}`, a binary float: the amount "
                f"drifts by cents (and mixing it with a `Decimal` raises TypeError); keep the amount and the "
                f"factor in `Decimal` (`Decimal(\"0.0825\")`) or work in integer cents.",
                _literal_fix(ctx, operand, decimal) if isinstance(operand, ast.Constant) else None)

    def _float_operand(self, ctx, value: ast.AST, depth: int = 0) -> ast.AST | None:
        """A float inside money arithmetic: ``subtotal * (1 + 0.0825)``, ``total - float(x)``,
        ``subtotal * rate`` with ``rate: float``, ``rate = 0.08`` or ``rate = annual_rate / 12``
        above. Only the arithmetic itself is searched (not call arguments, comparisons or
        ``Decimal(...)``)."""
        if not isinstance(value, ast.BinOp) or not isinstance(value.op, (ast.Mult, ast.Add, ast.Sub, ast.Div,
                                                                         ast.Pow)) or depth > 2:
            return None
        pending = [value.left, value.right]
        while pending:
            node = pending.pop(0)
            if isinstance(node, ast.BinOp):
                pending += [node.left, node.right]
            elif isinstance(node, ast.UnaryOp):
                pending.append(node.operand)
            elif isinstance(node, ast.Constant) and isinstance(node.value, float):
                return node
            elif isinstance(node, ast.Call) and _is_float_call(ctx, node):
                return node
            elif isinstance(node, ast.Name):
                annotation = parameter_annotation(ctx, node)
                if annotation is not None:
                    if _float_in_annotation(annotation) is not None:
                        return node
                    continue
                bound = value_before(ctx, node)
                if bound is not None and (_float_literal(bound) is not None or
                                          isinstance(bound, ast.Call) and _is_float_call(ctx, bound) or
                                          self._float_operand(ctx, bound, depth + 1) is not None):
                    return node
        return None

    def _keyed_literal(self, ctx, key: str, value: ast.AST, add, decimal) -> None:
        """``{"price": 19.99}`` / ``Product(price=19.99)``: a money field given a float."""
        literal = _float_literal(value)
        if literal is None:
            return
        number = literal.value if isinstance(literal, ast.Constant) else -literal.operand.value
        if self._is_money(ctx, key, value) and _literal_is_money(key, number):
            add(literal, f"`{key}` is given the float `{source(ctx, literal)}`: binary floats cannot represent "
                f"most cents, so totals computed from it drift; use `Decimal(\"{source(ctx, literal)}\")` or "
                f"integer cents.", _literal_fix(ctx, literal, decimal))

    def _defaults(self, ctx, func, add, decimal) -> None:
        args = func.args
        positional = args.posonlyargs + args.args
        pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults))
        pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
        for arg, default in pairs:
            literal = _float_literal(default)
            if literal is None or arg.annotation is not None:
                continue
            value = literal.value if isinstance(literal, ast.Constant) else -literal.operand.value
            if self._is_money(ctx, arg.arg, func) and _literal_is_money(arg.arg, value):
                add(literal, f"parameter `{arg.arg}` defaults to the float `{source(ctx, literal)}`: money in "
                    f"binary floats drifts by cents; use a `Decimal` (or integer cents).",
                    _literal_fix(ctx, literal, decimal))

    def _call(self, ctx, call, add, decimal) -> None:
        func = call.func
        converter = keyword(call, "type")
        if converter is not None and isinstance(converter.value, ast.Name) and converter.value.id == "float" \
                and "float" not in ctx.imports:
            # `parser.add_argument("--amount", type=float)`, `request.args.get("price", type=float)`
            dest = keyword(call, "dest")
            label = dest.value if dest is not None else call.args[0] if call.args else None
            name = label.value.lstrip("-").replace("-", "_") if isinstance(label, ast.Constant) and \
                isinstance(label.value, str) else None
            if name and self._is_money(ctx, name, call):
                add(converter.value, f"`{name}` is parsed with `type=float`: binary floats cannot represent most "
                    f"cents, so the amount drifts before it is used; parse it with `type=Decimal`.",
                    Fix(f"Parse it with `{decimal}`", (ctx.replace(converter.value, decimal),), safe=False)
                    if decimal else None)
                return
        if _is_float_call(ctx, call) and call.args:
            name = terminal_name(call.args[0])
            if isinstance(call.args[0], ast.Name):
                # `float(p) for p in prices`: the variable stands for what it ranges over
                iterable = iteration_source(ctx, call.args[0])
                if iterable is not None and not self._is_money_argument(ctx, name, call):
                    name = terminal_name(iterable) or name
            if self._is_money_argument(ctx, name, call):
                add(call, f"`{source(ctx, call)}` turns money into a binary float: amounts such as 0.10 are "
                    f"not representable and sums drift by cents; use `Decimal({source(ctx, call.args[0])})`.",
                    _float_call_fix(ctx, call, decimal))
                return
            parent = ctx.parent(call)
            if isinstance(parent, ast.keyword) and self._is_money(ctx, parent.arg, call):
                add(call, f"`{parent.arg}` is converted with `float()`: binary floats cannot represent most "
                    f"cents, so money arithmetic drifts; use `Decimal(...)` from the string instead.",
                    _float_call_fix(ctx, call, decimal))
                return
            if isinstance(parent, ast.Dict):
                key = next((k for k, v in zip(parent.keys, parent.values) if v is call), None)
                if isinstance(key, ast.Constant) and isinstance(key.value, str) and self._is_money(ctx, key.value, call):
                    add(call, f"`{key.value}` is converted with `float()`: binary floats cannot represent most "
                        f"cents; use `Decimal(...)` from the string instead.", _float_call_fix(ctx, call, decimal))
                return
        qualified = ctx.qualified_name(func) or ""
        if qualified == "decimal.Decimal" and len(call.args) == 1:
            arg = call.args[0]
            literal = _float_literal(arg)
            if literal is not None or (isinstance(arg, ast.Call) and _is_float_call(ctx, arg)):
                add(call, f"`{source(ctx, call)}` builds the Decimal from a binary float, so it inherits the "
                    f"float's error (Decimal(0.1) is 0.1000000000000000055...); pass a string.",
                    _decimal_from_float_fix(ctx, arg, decimal))
                return
        if isinstance(func, ast.Name) and func.id == "round" and func.id not in ctx.imports and len(call.args) == 2:
            digits = call.args[1]
            if isinstance(digits, ast.Constant) and digits.value == 2 and self._mentions_money_expr(ctx, call):
                add(call, f"`{_short(source(ctx, call))}` rounds money held in a float: the value is not what it "
                    f"looks like (round(2.675, 2) == 2.67) and Python rounds half to even; use "
                    f"`Decimal.quantize(Decimal(\"0.01\"), rounding=ROUND_HALF_UP)`.",
                    _round_fix(ctx, call, decimal))

    def _is_money_argument(self, ctx, name, at) -> bool:
        if not name:
            return False
        tokens = words(name)
        if "cents" in tokens:
            return False
        relaxed = [t for t in tokens if t not in ("str", "text", "raw", "input", "field", "key", "value")]
        return bool(relaxed) and self._is_money(ctx, "_".join(relaxed), at)

    def _mentions_money_expr(self, ctx, call: ast.Call) -> bool:
        for node in ast.walk(call.args[0]):
            if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)) and self._is_money(ctx, terminal_name(node), call):
                return True
        parent = ctx.parent(call)
        if isinstance(parent, (ast.Assign, ast.AnnAssign)):
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            if any(self._is_money(ctx, terminal_name(t), call) for t in targets):
                return True
        if isinstance(parent, ast.Return):
            func = ctx.enclosing_function(call)
            if func is not None and self._is_money(ctx, func.name, call):
                return True
        if isinstance(parent, ast.keyword) and self._is_money(ctx, parent.arg, call):
            return True
        # rounding to cents inside a function about money (`split_bonus_pool`, `invoice_total`)
        func = ctx.enclosing_function(call)
        return func is not None and bool(set(words(func.name)) & (COMMERCE | STRONG)) \
            and not (set(words(func.name)) & NOT_MONEY)

    def _binop(self, ctx, node: ast.BinOp, add, decimal) -> None:
        if not isinstance(node.op, (ast.Mult, ast.Add, ast.Sub)):
            return
        for literal, other in ((node.left, node.right), (node.right, node.left)):
            if not (isinstance(literal, ast.Constant) and isinstance(literal.value, float)):
                continue
            if isinstance(other, (ast.Name, ast.Attribute, ast.Subscript)) and \
                    self._is_money(ctx, terminal_name(other), node) and not _inside_decimal(ctx, node):
                add(literal, f"`{source(ctx, node)}` does money arithmetic with the float `{source(ctx, literal)}`: "
                    f"the result is a binary approximation that drifts by cents (and raises TypeError once "
                    f"`{terminal_name(other)}` is a Decimal); use `Decimal(\"{source(ctx, literal)}\")`.",
                    _literal_fix(ctx, literal, decimal))
                return


def _signature_of_flagged_body(ctx: RuleContext, node: ast.AST, findings) -> bool:
    """A return annotation whose function body already has a finding."""
    parent = ctx.parent(node)
    while parent is not None and not isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.stmt)):
        parent = ctx.parent(parent)
    if not isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)) or parent.returns is None:
        return False
    if not any(n is node for n in ast.walk(parent.returns)):
        return False
    first, last = parent.body[0].lineno, parent.end_lineno or parent.lineno
    return any(first <= other.lineno <= last for other, _, _ in findings if other is not node)


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _float_in_annotation(annotation: ast.AST) -> ast.Name | None:
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        return None
    for node in ast.walk(annotation):
        if isinstance(node, ast.Name) and node.id == "float":
            return node
    return None


def _is_float_call(ctx: RuleContext, call: ast.Call) -> bool:
    return isinstance(call.func, ast.Name) and call.func.id == "float" and "float" not in ctx.imports \
        and len(call.args) == 1


def _float_literal(node: ast.AST | None) -> ast.AST | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, float):
        return node
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and isinstance(node.operand.value, float):
        return node
    return None


def _float_default(value: ast.AST) -> ast.AST | None:
    """The float fallback of ``row.get("price", 0.0)``, ``getattr(o, "fee", 0.0)``,
    ``amount or 0.0`` and ``x if ok else 0.0``."""
    if isinstance(value, ast.Call) and len(value.args) >= 2:
        func = value.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        if name in ("get", "getattr", "pop", "setdefault", "getfloat"):
            return _float_literal(value.args[-1])
    if isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or):
        return _float_literal(value.values[-1])
    if isinstance(value, ast.IfExp):
        return _float_literal(value.body) or _float_literal(value.orelse)
    return None


def _float_table(value: ast.AST) -> ast.AST | None:
    """The first float in a literal table of amounts: ``{"basic": 9.99, "pro": 29.99}``,
    ``[4.99, 9.99]`` (every entry a number, at least one with cents)."""
    if isinstance(value, ast.Dict):
        entries = value.values
    elif isinstance(value, (ast.List, ast.Tuple, ast.Set)):
        entries = value.elts
    else:
        return None
    floats = [_float_literal(e) for e in entries]
    if not entries or not all(f is not None or isinstance(e, ast.Constant) and type(e.value) is int
                              for f, e in zip(floats, entries)):
        return None
    return next((f for f in floats if f is not None and (f.value if isinstance(f, ast.Constant) else
                                                         f.operand.value) % 1), None)


def _literal_is_money(name: str, value: float) -> bool:
    """``discount = 0.1`` is a rate; ``discount = 5.0`` and ``price = 0.99`` are money."""
    if value == 0 or abs(value) >= 1:
        return True
    return not (set(words(name)) & _RATE_LIKE)


def _inside_decimal(ctx: RuleContext, node: ast.AST) -> bool:
    for ancestor in ctx.ancestors(node):
        if isinstance(ancestor, ast.Call) and (ctx.qualified_name(ancestor.func) or "") == "decimal.Decimal":
            return True
        if isinstance(ancestor, ast.stmt):
            return False
    return False


def _float_field(ctx: RuleContext, call: ast.Call) -> str | None:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if name in ("FloatField", "confloat") or name in _FLOAT_FIELDS and name != "REAL":
        return name  # also marshmallow's `fields.Float()`, `sa.Float()`
    if name in ("Column", "mapped_column", "Field") and call.args:
        first = call.args[0]
        type_name = first.attr if isinstance(first, ast.Attribute) else first.id if isinstance(first, ast.Name) else \
            (first.func.attr if isinstance(first.func, ast.Attribute) else getattr(first.func, "id", None)) \
            if isinstance(first, ast.Call) else None
        if type_name in _FLOAT_FIELDS:
            return type_name
    return None


# --- fixes --------------------------------------------------------------------
def _literal_fix(ctx: RuleContext, literal: ast.AST, decimal: str | None) -> Fix | None:
    if not decimal:
        return None
    text = source(ctx, literal)
    return Fix(f"Use `{decimal}(\"{text}\")`", (ctx.replace(literal, f'{decimal}("{text}")'),), safe=False)


def _stringish(node: ast.AST) -> bool:
    if isinstance(node, ast.Subscript):
        return True
    if isinstance(node, ast.Call):
        func = node.func
        return (isinstance(func, ast.Attribute) and func.attr in ("get", "strip", "getvalue")) or \
            (isinstance(func, ast.Name) and func.id in ("input", "str"))
    name = terminal_name(node)
    return bool(name) and bool(set(words(name)) & {"str", "text", "raw", "input", "string"})


def _float_call_fix(ctx: RuleContext, call: ast.Call, decimal: str | None) -> Fix | None:
    if not decimal or len(call.args) != 1:
        return None
    arg = source(ctx, call.args[0])
    text = f"{decimal}({arg})" if _stringish(call.args[0]) else f"{decimal}(str({arg}))"
    return Fix(f"Parse it with `{decimal}`", (ctx.replace(call, text),), safe=False)


def _decimal_from_float_fix(ctx: RuleContext, arg: ast.AST, decimal: str | None) -> Fix | None:
    if isinstance(arg, ast.Call):  # Decimal(float(x)) -> Decimal(x) / Decimal(str(x))
        inner = arg.args[0]
        text = source(ctx, inner) if _stringish(inner) else f"str({source(ctx, inner)})"
        return Fix("Build the Decimal from the string", (ctx.replace(arg, text),), safe=False)
    return Fix("Build the Decimal from a string literal", (ctx.replace(arg, f'"{source(ctx, arg)}"'),), safe=False)


def _round_fix(ctx: RuleContext, call: ast.Call, decimal: str | None) -> Fix | None:
    if not decimal:
        return None
    value = source(ctx, call.args[0])
    return Fix("Quantize a Decimal to cents", (ctx.replace(
        call, f'{decimal}(str({value})).quantize({decimal}("0.01"))'),), safe=False)


def _field_fix(ctx: RuleContext, call: ast.Call, field: str) -> Fix | None:
    func = call.func
    if field != "FloatField" or call.args:
        return None
    prefix = source(ctx, func)[: -len("FloatField")]
    keywords = ", ".join(source(ctx, kw) for kw in call.keywords)
    text = f"{prefix}DecimalField(max_digits=12, decimal_places=2{', ' + keywords if keywords else ''})"
    if "\n" in text:
        return None
    return Fix("Use a DecimalField", (ctx.replace(call, text),), safe=False)


def _number(literal: ast.AST) -> float:
    """The value of a float literal, ``-19.99`` (a unary minus) included."""
    return literal.value if isinstance(literal, ast.Constant) else -literal.operand.value
