"""rass (rassumfrassum) preset used by caveat.el's `caveat-eglot-multiplexed-command'.

rass answers the client's `initialize` with the capabilities of the servers that have
answered within 3 s of the first one; a server that starts slower (caveat on a busy
machine) is then left out of code actions for the whole session. This preset only
widens that window for `initialize`; the servers come from the command line:

    rass /path/to/caveat_rass.py -- caveat serve -- ruff server
"""
from rassumfrassum.frassum import LspLogic

INITIALIZE_TIMEOUT_MS = 30_000


class CaveatLogic(LspLogic):
    def get_aggregation_timeout_ms(self, method):
        if method == "initialize":
            return INITIALIZE_TIMEOUT_MS
        return super().get_aggregation_timeout_ms(method)


def servers():
    return []


def logic_class():
    return CaveatLogic
