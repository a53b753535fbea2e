"""A small order service used to demonstrate caveat."""
