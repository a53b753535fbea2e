"""The language server: pygls wiring only (sync, scheduling, publish, actions, hover, settings)."""
