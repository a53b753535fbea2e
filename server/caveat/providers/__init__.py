"""Providers turn one parsed block into findings: bandit, caveat's rules, jedi."""
