"""Bandit's tests as caveat codes: catalog (category, docs) and quick-fixes."""
