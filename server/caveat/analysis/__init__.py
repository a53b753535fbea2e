"""Shared semantic helpers for rules: flow facts (flow.py), user input (taint.py), guards (guards.py)."""
