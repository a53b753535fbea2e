"""The shape every injection rule shares: sinks from ``analysis/sinks.py``, sources and
sanitizers from ``analysis/taint.py``. A rule subclasses :class:`TaintSinkRule`, names
its sink ``family`` and taint ``kind``, and writes its message; that is the whole rule."""
from __future__ import annotations

import ast

from caveat.analysis import sinks, taint
from caveat.rules.base import Rule, RuleContext


class TaintSinkRule(Rule):
    family: str = ""   # a key of ``sinks.SINKS``
    kind: str = ""     # the taint kind: which escapers count as sanitizers
    remote_only: bool = True  # a CLI's own arguments (sys.argv, input()) are not an attack
    claims = (taint.REQUEST,)

    def message(self, ctx: RuleContext, call: ast.Call, source: str, sink: sinks.Sink) -> str:
        raise NotImplementedError

    def check(self, ctx: RuleContext) -> None:
        reported: set[ast.Call] = set()
        for call, arg, sink in sinks.sink_arguments(ctx, self.family):
            if call in reported:
                continue
            found = taint.user_input_sources(ctx, arg, kind=self.kind)
            if self.remote_only:
                found = taint.remote_only(found)
            if found:
                reported.add(call)
                ctx.report(self, call, self.message(ctx, call, found[0], sink), claim=taint.request_claim_of(ctx, arg, found))
