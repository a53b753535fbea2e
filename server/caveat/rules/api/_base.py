"""The shared base of the API rules.

API rules need the project's environment (jedi, installed distributions, declared
dependencies), so their findings are produced by the API provider
(``caveat.providers.api``) in the engine's slow stage (``Engine.analyze_api``), off the
event loop, after the local checks have published. The rule classes carry the metadata
(code, name, category, CWE, severity) and the documentation; their ``check`` does nothing.
"""
from __future__ import annotations

from caveat.rules.base import Rule, RuleContext


class ApiRule(Rule):
    """Metadata and docs only: the jedi provider (caveat.providers.api) reports these findings."""

    local = False

    def check(self, ctx: RuleContext) -> None:
        return  # produced by caveat.providers.api in Engine.analyze_api
