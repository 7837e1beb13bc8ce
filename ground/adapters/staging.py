"""Stage hand-off files under S3 ``staging/<run_id>/`` (layout documented in ground.core.schema).

Each file is written whole (one PUT), so a rerun of a stage simply replaces its outputs:
stages are idempotent.
"""

from __future__ import annotations

import gzip
import json
import queue
import threading
import weakref
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

from ground.adapters import s3
from ground.core.config import Settings

ITEMS = "items.jsonl.gz"
CRAWL_ERRORS = "crawl_errors.jsonl.gz"
SEEN = "seen.jsonl.gz"  # ids the crawl saw on the site or in an archive's index (the completeness ledger)
SEARCHED = "searched.jsonl.gz"  # KST days the crawl looked for, per source (the ledger's days)
CRAWL_STATS = "crawl_stats.json"
ARTICLES = "articles.jsonl.gz"
REVISIONS = "revisions.jsonl.gz"
TRANSFORM_REJECTS = "transform_rejects.jsonl.gz"
PASSED = "passed.jsonl.gz"
REJECTED = "rejected.jsonl.gz"
GATE = "gate.json"

_INFLATE_BLOCK = 1 << 20  # compressed bytes per step
_INFLATED_MAX = 8 << 20  # decompressed bytes per step at most
_INFLATED_AHEAD = 64  # steps inflated ahead of the reader at most (memory stays bounded)


def key(run_id: str, name: str) -> str:
    return f"staging/{run_id}/{name}"


def encode_jsonl(records: Iterable[dict[str, Any]]) -> bytes:
    lines = (json.dumps(r, ensure_ascii=False, sort_keys=True) for r in records)
    return gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), compresslevel=5, mtime=0)


def decode_jsonl(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in jsonl_lines(data)]


def jsonl_lines(data: bytes) -> Iterator[bytes]:
    """The record lines of a staging file, undecoded UTF-8 (callers decode as they consume).

    A helper thread starts inflating the file right away, block by block, while the caller
    works through the lines already out (zlib releases the GIL): for the load, both big files
    decompress while the first streams into COPY instead of before each one's decoding.

    Split on "\\n" only: JSON escapes it inside strings, but not U+2028, U+0085 and the other
    characters that str.splitlines would also break a record at."""
    blocks: queue.Queue = queue.Queue(maxsize=_INFLATED_AHEAD)
    abandoned = threading.Event()
    threading.Thread(target=_inflate, args=(data, blocks, abandoned), name="staging-inflate", daemon=True).start()
    lines = _lines(blocks, abandoned)
    weakref.finalize(lines, abandoned.set)  # dropped without being read to the end
    return lines


def _lines(blocks: queue.Queue, abandoned: threading.Event) -> Iterator[bytes]:
    tail = b""
    try:
        while (block := blocks.get()) is not None:
            if isinstance(block, Exception):
                raise ValueError(f"staging file is not valid gzip: {block}") from block
            lines = (tail + block).split(b"\n")
            tail = lines.pop()
            yield from (line for line in lines if line.strip())
        if tail.strip():
            yield tail
    finally:
        abandoned.set()  # the caller stopped early (or never started): let the helper end


def _inflate(data: bytes, blocks: queue.Queue, abandoned: threading.Event) -> None:
    """Decompress every gzip member of ``data`` into ``blocks`` (then None, or the error)."""

    def put(item) -> bool:
        while not abandoned.is_set():
            try:
                blocks.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    try:
        rest = memoryview(data)
        while rest.nbytes:
            inflater = zlib.decompressobj(wbits=31)  # one gzip member
            while not inflater.eof and (rest.nbytes or inflater.unconsumed_tail):
                if inflater.unconsumed_tail:  # output was capped: go on with the same input
                    block = inflater.decompress(inflater.unconsumed_tail, _INFLATED_MAX)
                else:
                    block = inflater.decompress(rest[:_INFLATE_BLOCK], _INFLATED_MAX)
                    rest = rest[_INFLATE_BLOCK:]
                if not put(block):
                    return
            if not inflater.eof:
                raise EOFError("compressed file ended before the end-of-stream marker")
            rest = memoryview(inflater.unused_data + rest.tobytes())  # the next member, if any
    except (zlib.error, EOFError) as err:
        put(err)
        return
    put(None)


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
