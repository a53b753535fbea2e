"""Discount rules engine: marketing staff define rules as expressions in the admin UI.

A rule row looks like ``{"name": "vip", "condition": "cart.total > 100 and user.vip"}``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable

from simpleeval import EvalWithCompoundTypes

log = logging.getLogger(__name__)

Predicate = Callable[[dict[str, Any]], bool]


@dataclass
class Rule:
    name: str
    condition: str
    percent_off: int


class RuleEngine:
    """Compiles rule conditions and applies them to carts."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules

    def matches(self, rule: Rule, context: dict[str, Any]) -> bool:
        """Does ``rule`` apply to this cart?"""
        # expect: code-injection
        return bool(eval(rule.condition, {}, context))

    def matches_safe(self, rule: Rule, context: dict[str, Any]) -> bool:
        """Same check through simpleeval, which only allows a tiny expression language."""
        evaluator = EvalWithCompoundTypes(names=context)
        # ok: code-injection -- simpleeval, not Python eval
        return bool(evaluator.eval(rule.condition))

    def compile_all(self) -> dict[str, Predicate]:
        """Pre-compile every rule into a lambda for the hot path."""
        compiled: dict[str, Predicate] = {}
        for rule in self.rules:
            # expect: code-injection @lam
            src = f"lambda ctx: {rule.condition}"
            # expect: code-injection @lam
            compiled[rule.name] = eval(src)
        return compiled

    def define_helpers(self, helper_source: str) -> dict[str, Any]:
        """Marketing can also attach helper functions to the rule set."""
        namespace: dict[str, Any] = {}
        # expect: code-injection
        exec(helper_source, namespace)
        return namespace


def best_discount(engine: RuleEngine, context: dict[str, Any]) -> int:
    """Largest discount among the matching rules (0 when none match)."""
    percents = [r.percent_off for r in engine.rules if engine.matches_safe(r, context)]
    return max(percents, default=0)


def describe(rule: Rule) -> str:
    """Human-readable summary shown in the admin list."""
    # ok: code-injection -- a string that merely mentions eval
    return f"{rule.name}: eval('{rule.condition}') -> {rule.percent_off}% off"
