"""Yonhap French-service scraping pipeline: shared core (settings, schema, stack, CLI)."""

__version__ = "0.1.0"
