"""The knowledge base of API changes (server/caveat/data/removed_apis.json).

Two sources, merged by tools/removed_apis/build.py: tools/build_removed_apis.py compares real
releases of popular libraries (their wheels from PyPI, read with the static index) and records
the public names and keywords a release had and every later release lacks, with the version
that dropped them (the standard library: typeshed's ``sys.version_info`` conditions); and
tools/removed_apis/sources.toml holds entries transcribed from changelogs (with the replacement
to use), most verified against the wheels around the change. Callers consult an entry only for a
name the installed version lacks: names that came back and deprecations are not removals.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from packaging.version import InvalidVersion, Version


@dataclass(frozen=True)
class Change:
    distribution: str  # "python" for the standard library
    module: str
    owner: str
    name: str
    kind: str  # attribute, keyword, module
    change: str  # removed, added, deprecated
    version: str
    replacement: str
    reference: str

    @property
    def top(self) -> str:
        return self.module.split(".")[0]

    @property
    def label(self) -> str:
        return "Python" if self.distribution == "python" else self.distribution

    def applies(self, installed: str | None) -> bool:
        """Whether the change is in effect for the installed version."""
        if not installed:
            return False
        try:
            have = Version(installed)
            at = Version(self.version)
        except InvalidVersion:
            return False
        if self.change == "added":
            return have < at
        return have >= at

    def describe(self, installed: str) -> str:
        what = f"{self.owner}.{self.name}" if self.owner and self.kind == "attribute" else self.name
        if self.change == "removed":
            text = f"`{what}` was removed in {self.label} {self.version} (installed: {installed})"
        elif self.change == "added":
            text = f"`{what}` only exists from {self.label} {self.version} on (installed: {installed})"
        else:
            text = f"`{what}` is deprecated since {self.label} {self.version} (installed: {installed})"
        return f"{text}; use {self.replacement}" if self.replacement else text


@lru_cache(maxsize=1)
def changes() -> tuple[Change, ...]:
    path = Path(__file__).resolve().parent.parent.parent / "data" / "removed_apis.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ()
    fields = Change.__dataclass_fields__
    # A deprecation that still works is not a removal: the API checks say nothing about it.
    return tuple(Change(**{k: v for k, v in entry.items() if k in fields}) for entry in data.get("entries", [])
                 if entry.get("change") != "deprecated")


@lru_cache(maxsize=1)
def _by_name() -> dict[tuple[str, str], list[Change]]:
    index: dict[tuple[str, str], list[Change]] = {}
    for change in changes():
        index.setdefault((change.kind, change.name), []).append(change)
    return index


def module_attribute(qualified: str) -> list[Change]:
    """Changes for ``pkg.mod.name`` used through the imports (``np.float`` -> ``numpy.float``)."""
    module, _, name = qualified.rpartition(".")
    return [c for c in _by_name().get(("attribute", name), ()) if not c.owner and c.module == module]


def is_class_attribute_name(name: str) -> bool:
    """Whether the knowledge base records a change of a class attribute of this name."""
    return any(change.owner for change in _by_name().get(("attribute", name), ()))


def class_attribute(name: str, owners: set[str] | frozenset[str]) -> list[Change]:
    """Changes for ``Owner.name`` where ``owners`` are full names of the receiver's classes."""
    found = []
    for change in _by_name().get(("attribute", name), ()):
        if not change.owner:
            continue
        for owner in owners:
            parts = owner.split(".")
            if parts[-1] == change.owner and (parts[0] == change.top or change.distribution == "python"
                                              and owner.startswith(change.module)):
                found.append(change)
                break
    return found


def keyword(name: str, callee_full_name: str) -> list[Change]:
    found = []
    for change in _by_name().get(("keyword", name), ()):
        if callee_full_name.split(".")[0] != change.top and not callee_full_name.startswith(change.module):
            continue
        if callee_full_name == change.owner or callee_full_name.endswith("." + change.owner) \
                or f".{change.owner}." in callee_full_name:
            found.append(change)
    return found


@lru_cache(maxsize=1)
def _modules() -> tuple[Change, ...]:
    return tuple(change for change in changes() if change.kind == "module")


def module(dotted: str) -> list[Change]:
    """Changes of whole modules (``import imp``); asked once per import, so only those entries are scanned."""
    return [change for change in _modules() if dotted == change.name or dotted.startswith(change.name + ".")]
