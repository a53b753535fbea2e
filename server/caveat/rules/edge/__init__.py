"""caveat's own edge rules: one module per rule."""
