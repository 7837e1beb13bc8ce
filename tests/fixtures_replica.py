"""Fixtures for the replica site over real HTTP. Filled in by the replica work."""
