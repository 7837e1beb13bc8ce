"""Stage hand-off files under S3 ``staging/<run_id>/`` (layout documented in yonhap.schema).

Each file is written whole (one PUT), so a rerun of a stage simply replaces its outputs:
stages are idempotent.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from typing import Any

from yonhap import s3
from yonhap.config import Settings

ITEMS = "items.jsonl.gz"
CRAWL_ERRORS = "crawl_errors.jsonl.gz"
CRAWL_STATS = "crawl_stats.json"
ARTICLES = "articles.jsonl.gz"
REVISIONS = "revisions.jsonl.gz"
TRANSFORM_REJECTS = "transform_rejects.jsonl.gz"
PASSED = "passed.jsonl.gz"
REJECTED = "rejected.jsonl.gz"
GATE = "gate.json"


def key(run_id: str, name: str) -> str:
    return f"staging/{run_id}/{name}"


def encode_jsonl(records: Iterable[dict[str, Any]]) -> bytes:
    lines = (json.dumps(r, ensure_ascii=False, sort_keys=True) for r in records)
    return gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), compresslevel=5, mtime=0)


def decode_jsonl(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in jsonl_lines(data)]


def jsonl_lines(data: bytes) -> Iterator[str]:
    """The record lines of a staging file, undecoded (callers decode as they consume)."""
    return (line for line in gzip.decompress(data).decode("utf-8").splitlines() if line.strip())


def write_jsonl(settings: Settings, run_id: str, name: str, records: Iterable[dict[str, Any]]) -> str:
    return s3.put_bytes(settings, key(run_id, name), encode_jsonl(records), "application/gzip")


def read_jsonl(settings: Settings, run_id: str, name: str, missing_ok: bool = False) -> list[dict[str, Any]]:
    k = key(run_id, name)
    if missing_ok and not s3.exists(settings, k):
        return []
    return decode_jsonl(s3.get_bytes(settings, k))


def write_json(settings: Settings, run_id: str, name: str, record: dict[str, Any]) -> str:
    data = json.dumps(record, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    return s3.put_bytes(settings, key(run_id, name), data, "application/json")


def read_json(settings: Settings, run_id: str, name: str) -> dict[str, Any]:
    return json.loads(s3.get_bytes(settings, key(run_id, name)))
