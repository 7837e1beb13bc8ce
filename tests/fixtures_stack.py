"""Fixtures for the embedded stack (real Postgres + S3 endpoint over HTTP). Filled in by the storage work."""
