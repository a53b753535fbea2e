"""caveat's own security rules: one module per rule."""
