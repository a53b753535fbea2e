"""caveat's own api rules: one module per rule."""
