"""Which site a database's rows came from, for databases older than that record
(storage/sites.py): the runs' archived pages say it, and the demo's rows can be removed.

`stack up` calls :func:`classify_unknown_runs` then :func:`mixed_notice`; `yonhap-pipeline db
remove-demo-rows` calls :func:`remove_demo_rows`.
"""

from __future__ import annotations

import re
import zlib
from typing import Any

from ground.adapters import db, s3, staging
from ground.core.config import Settings
from scrapers.warc import parse_record_uri
from storage import sites

# The first record of an archived page starts within this many (gzip) bytes.
_HEAD_BYTES = 64 * 1024
_TARGET_URI = re.compile(rb"^WARC-Target-URI:\s*(\S+)", re.M)
_RAW_FILE = re.compile(r"^raw/dt=[^/]+/(?P<run_id>[^/]+)\.warc\.gz$")  # the S3 layout (docs/usage.md)


def _target_uri(settings: Settings, bucket: str, key: str, offset: int = 0, length: int = _HEAD_BYTES) -> str | None:
    """The URL of the WARC record at ``offset`` (one gzip member) of s3://bucket/key."""
    from botocore.exceptions import ClientError  # lazy: as in ground.adapters.s3

    rng = f"bytes={offset}-{offset + min(length, _HEAD_BYTES) - 1}"
    try:
        data = s3.client(settings).get_object(Bucket=bucket, Key=key, Range=rng)["Body"].read()
        head = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(data, 16 * 1024)
    except (ClientError, zlib.error):
        return None
    found = _TARGET_URI.search(head)
    return found.group(1).decode("utf-8", "replace") if found else None


def classify_unknown_runs(settings: Settings) -> int:
    """Record the site of every run from before migration 0009, read from one of its archived
    pages (an article it stored, else its own raw file); returns how many were classified. Runs
    with nothing archived stay unknown (they hold no article)."""
    conn = db.connect(settings)
    try:
        with conn, conn.cursor() as cur:
            unknown = sites.unknown_runs(cur)
            if not unknown:
                return 0
            pages = sites.archived_pages(cur, unknown)
        found: dict[str, str] = {}
        for run_id, uri in pages.items():
            bucket, key, offset, length = parse_record_uri(uri)
            url = _target_uri(settings, bucket, key, offset, length)
            if url:
                found[run_id] = url
        rest = set(unknown) - set(found)
        if rest:
            for key in s3.list_keys(settings, "raw/"):
                match = _RAW_FILE.match(key)
                if match and match["run_id"] in rest:
                    url = _target_uri(settings, settings.s3_bucket, key)
                    if url:
                        found[match["run_id"]] = url
                        rest.discard(match["run_id"])
        with conn, conn.cursor() as cur:
            for run_id, url in found.items():
                sites.record_site(cur, run_id, url)
        return len(found)
    finally:
        conn.close()


def mixed_notice(settings: Settings) -> str | None:
    """The notice line when this (live) database still holds test-site rows, else None."""
    conn = db.connect(settings)
    try:
        with conn, conn.cursor() as cur:
            runs, articles = sites.mixed_runs(cur, live=settings.live_site)
    finally:
        conn.close()
    return sites.mixed_notice(runs, articles) if runs else None


def remove_demo_rows(settings: Settings) -> dict[str, Any]:
    """Remove every row of the runs that crawled a test site (the bundled replica) and their
    S3 objects (raw archive, curated files, quality report, staging). Idempotent."""
    classify_unknown_runs(settings)
    conn = db.connect(settings)
    try:
        with conn, conn.cursor() as cur:
            runs = sites.test_site_runs(cur)
            deleted = sites.remove_test_site_runs(cur, [r for r, _ in runs]) if runs else {}
    finally:
        conn.close()
    run_ids = {r for r, _ in runs}
    keys = [s3.split_uri(uri)[1] for _, uris in runs for uri in uris]
    if run_ids:
        keys += [k for k in s3.list_keys(settings, "raw/") if (m := _RAW_FILE.match(k)) and m["run_id"] in run_ids]
        for run_id in sorted(run_ids):
            keys += s3.list_keys(settings, f"quality/{run_id}/")
            keys += s3.list_keys(settings, staging.key(run_id, ""))
    client = s3.client(settings)
    unique = sorted(set(keys))
    for start in range(0, len(unique), 1000):
        client.delete_objects(Bucket=settings.s3_bucket,
                              Delete={"Objects": [{"Key": k} for k in unique[start:start + 1000]], "Quiet": True})
    return {"runs": sorted(run_ids), "rows": deleted, "objects": len(unique)}
