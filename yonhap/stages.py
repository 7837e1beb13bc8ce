"""Stage functions (owned by the orchestration work)."""
