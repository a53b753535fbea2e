"""caveat: a language server and CI checker for the defects AI coding assistants write."""

__version__ = "0.1.0"
