"""The rule registry: caveat's own rules (one module each), bandit's, and meta codes.

Rules are discovered from the modules of ``caveat.rules.security``,
``caveat.rules.edge`` and ``caveat.rules.api``; adding a rule is adding a file.
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from caveat.rules.base import Rule, RuleInfo

FAMILIES = ("security", "edge", "api")


@lru_cache(maxsize=1)
def caveat_rules() -> tuple[type[Rule], ...]:
    found: dict[str, type[Rule]] = {}
    for family in FAMILIES:
        package = importlib.import_module(f"caveat.rules.{family}")
        for module_info in pkgutil.iter_modules(package.__path__):
            if module_info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{package.__name__}.{module_info.name}")
            for value in vars(module).values():
                if (isinstance(value, type) and issubclass(value, Rule) and value is not Rule
                        and value.__module__ == module.__name__ and getattr(value, "code", None)):
                    if value.code in found:
                        raise RuntimeError(f"duplicate rule code {value.code} in {module.__name__}")
                    found[value.code] = value
    return tuple(sorted(found.values(), key=lambda rule: rule.code))


@lru_cache(maxsize=1)
def all_rules() -> dict[str, RuleInfo]:
    from caveat.rules import meta
    from caveat.rules.bandit.catalog import bandit_rules

    infos: dict[str, RuleInfo] = {}
    for info in meta.META_RULES:
        infos[info.code] = info
    for rule in caveat_rules():
        infos[rule.code] = rule.info()
    infos.update(bandit_rules())
    return dict(sorted(infos.items()))


@lru_cache(maxsize=1)
def default_off() -> frozenset[str]:
    """Codes off unless selected by exact code: noisy bandit tests, and bandit
    tests that an enabled-by-default caveat rule replaces."""
    from caveat.rules.bandit.catalog import NOISY

    replaced = {code for rule in caveat_rules() for code in getattr(rule, "replaces", ())}
    return frozenset(NOISY | replaced)


@lru_cache(maxsize=1)
def opt_in() -> frozenset[str]:
    """Codes of the `strict` profile only: rules whose measured precision on real applications
    is below the policy's bar (``meta.ON_BY_DEFAULT``). Selected by code, category, `strict`."""
    from caveat.rules import meta

    return frozenset(code for code in all_rules() if meta.below_default_bar(code)) - default_off()


@lru_cache(maxsize=1)
def default_claims() -> frozenset[tuple[str, str]]:
    """(code, claim) pairs of opt-in rules whose narrower claim (``Finding.claim``) is in the
    default set: the rule is below the policy's bar, the claim is not measured below it."""
    from caveat.rules import meta

    strict = opt_in()
    return frozenset((rule.code, claim) for rule in caveat_rules() if rule.code in strict
                     for claim in rule.claims if not meta.claim_below_default_bar(rule.code, claim))


def default_of(code: str) -> str:
    """``on``, ``strict`` (in the opt-in profile), ``on (request data)`` (the rule's narrower claim
    is in the default set, the rest of it in the strict profile) or ``off`` (only by exact code)."""
    from caveat.rules.meta import CLAIM_LABELS

    if code in default_off():
        return "off"
    if code not in opt_in():
        return "on"
    claims = [CLAIM_LABELS.get(claim, claim) for c, claim in sorted(default_claims()) if c == code]
    return f"on ({', '.join(claims)})" if claims else "strict"
