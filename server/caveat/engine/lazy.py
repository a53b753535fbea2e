"""Import a heavy module on first use instead of at import time.

libcst takes about a quarter of a second to import and is only needed when a
quick-fix is built with it, yet rule modules import it at their top. Until an
attribute of it is used, ``sys.modules["libcst"]`` is a stand-in module that
imports the real one on first attribute access (and then mirrors it), so a
language server that never builds such a fix never pays for it.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types

_LOCK = threading.RLock()


class _Deferred(types.ModuleType):
    def __getattr__(self, name: str):
        return getattr(_load(self), name)


def _load(stand_in: _Deferred) -> types.ModuleType:
    with _LOCK:
        if sys.modules.get(stand_in.__name__) is stand_in:
            del sys.modules[stand_in.__name__]
            try:
                real = importlib.import_module(stand_in.__name__)
            except BaseException:
                sys.modules[stand_in.__name__] = stand_in
                raise
            stand_in.__dict__.update(real.__dict__)
        return sys.modules[stand_in.__name__]


def defer(name: str) -> None:
    """Make ``import name`` cheap until the module is used (no-op if already imported or missing)."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None:
        return
    stand_in = _Deferred(name)
    stand_in.__spec__ = spec
    stand_in.__file__ = spec.origin
    stand_in.__package__ = name
    # No __path__ here: importing a submodule reads the package's __path__, which loads the real package.
    sys.modules[name] = stand_in


def load(name: str) -> None:
    """Import a deferred module now (a server does this when idle, so the first quick-fix
    built while the user types does not pay for the import)."""
    stand_in = sys.modules.get(name)
    if isinstance(stand_in, _Deferred):
        _load(stand_in)
