"""fleetops: back-office services for a small delivery fleet."""

__all__ = ["__version__"]
__version__ = "0.4.0"
