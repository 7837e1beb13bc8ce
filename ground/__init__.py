"""The ground every stage stands on: `core` (settings, editions, the item schema, run ids, time;
the standard library only) and `adapters` (PostgreSQL, S3, the staging files, notifications).
It imports no stage and nothing above."""

__version__ = "0.1.0"
