"""What a file *is*, judged from its path: the one definition of a test module
and of a settings module, shared by the engine (its cache key) and the rules.

Rules must not invent their own variant: the engine caches a block's findings
under the path's kind (``path_kind``), so a rule that decided "test file"
differently would be served findings computed for another kind of file.
"""
from __future__ import annotations

TEST_FOLDERS = frozenset({"tests", "test", "testing"})
# Sample code kept under a test folder stands for application code (annotated
# rule fixtures, recorded inputs): it is analysed as such.
SAMPLE_FOLDERS = frozenset({"fixtures", "fixture", "testdata", "samples", "examples", "data"})


def _parts(path: str) -> list[str]:
    return [p for p in path.replace("\\", "/").split("/") if p]


def is_test_path(path: str) -> bool:
    """``test_*.py``, ``*_test.py``, ``conftest.py``, or a module anywhere under a
    ``tests``/``test``/``testing`` folder - except sample code under
    ``tests/fixtures/`` (or ``testdata``, ``samples``, ``examples``, ``data``)."""
    parts = _parts(path)
    if not parts:
        return False
    name = parts[-1]
    if name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py":
        return True
    folders = parts[:-1]
    for index, folder in enumerate(folders):
        if folder in TEST_FOLDERS:
            return not any(f in SAMPLE_FOLDERS for f in folders[index + 1:])
    return False


def is_settings_path(path: str) -> bool:
    """``settings.py`` or a module inside a ``settings/`` package (Django style)."""
    parts = _parts(path)
    return bool(parts) and (parts[-1] == "settings.py" or "settings" in parts[:-1])


# Words in a settings module's name that say it configures a developer's machine or a test run
# (Django's split settings: ``settings/dev.py`` beside ``settings/production.py``).
DEVELOPMENT_WORDS = frozenset({"dev", "devel", "develop", "development", "local", "test", "tests", "testing", "ci"})


def is_development_settings(path: str) -> bool:
    """A settings module for development or tests: ``settings/dev.py``, ``settings/local.py``,
    ``settings_dev.py`` (its name, split at ``_``, has a word of DEVELOPMENT_WORDS)."""
    parts = _parts(path)
    if not parts or not is_settings_path(path):
        return False
    stem = parts[-1].rsplit(".", 1)[0]
    return bool(set(stem.lower().split("_")) & DEVELOPMENT_WORDS)


def path_kind(path: str) -> str:
    """The path facts rules may use, as one string ("test", "settings",
    "test|settings" or ""): part of the engine's cache key."""
    return "|".join(kind for kind, hit in (("test", is_test_path(path)), ("settings", is_settings_path(path)))
                    if hit)
