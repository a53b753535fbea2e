"""Fixtures for the editor end-to-end tests (helpers live in editor_harness.py)."""
from editor_harness import caveat_exe, isolated_env, shop  # noqa: F401  (pytest fixtures)
