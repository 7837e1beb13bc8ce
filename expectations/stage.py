"""The validate stage: staging ARTICLES -> quality gate -> PASSED, REJECTED, GATE, plus the
evidence under S3 ``quality/<run_id>/`` (results.json and the Data Docs site).

Idempotent: a rerun replaces every output and removes evidence files of the earlier try.
"""

from __future__ import annotations

import json
import mimetypes
import sys
import tempfile
from pathlib import Path
from typing import Any

from expectations import gate, volume
from ground.adapters import s3, staging
from ground.core.config import Settings
from ground.core.schema import RAW_ARCHIVE_SOURCE, RUN_SOURCE_ARCHIVE, GateSummary
from ground.core.timeutil import Window

RESULTS_NAME = "results.json"
REPORT_NAME = "index.html"
LINK_SECONDS = 7 * 24 * 3600  # presigned browse links in task logs stay valid a week


class StagingMissing(RuntimeError):
    """The stage's input is not in staging (the previous stage did not run)."""


def quality_prefix(run_id: str) -> str:
    return f"quality/{run_id}/"


def validate(settings: Settings, run_id: str, window: Window, history: list[dict], *,
             cold_start_notice: bool = True) -> GateSummary:
    """Run the quality gate on the run's staged articles (see expectations.gate;
    ``cold_start_notice`` as in gate.check_batch)."""
    stats = _staged_stats(settings, run_id)
    rows = staging.read_jsonl(settings, run_id, staging.ARTICLES)
    unchanged = unchanged_count(stats)

    with tempfile.TemporaryDirectory(prefix=f"gx-docs-{run_id}-") as docs:
        result = gate.check_batch(rows, window, history, run_id, docs_dir=Path(docs), unchanged=unchanged,
                                  from_archive=_from_archive(stats), targets=int(stats.get("targets") or 0),
                                  cold_start_notice=cold_start_notice)
        summary = result.summary
        summary.results_uri, summary.report_uri = publish_evidence(
            settings, run_id, result.results, Path(docs)
        )

    staging.write_jsonl(settings, run_id, staging.PASSED, result.passed)
    staging.write_jsonl(settings, run_id, staging.REJECTED, (r.to_dict() for r in result.rejected))
    staging.write_json(settings, run_id, staging.GATE, summary.to_dict())  # written last: done marker

    print(gate.describe(summary))
    page = run_page_key(settings, run_id)
    if page:
        print(f"  browse (valid 7 days): {http_link(settings, page)}")
    sys.stdout.flush()
    return summary


def cold_start_warning(settings: Settings, run_id: str, window: Window, history: list[dict]) -> str | None:
    """The cold-start warning :func:`validate` would show for the run, None when its volume
    band is not a cold start (learned, a reprocess, an event run). Raises StagingMissing as
    validate does, so a run that cannot validate never takes the install's notice."""
    stats = _staged_stats(settings, run_id)
    band = gate.band_for(window, history, run_id, from_archive=_from_archive(stats),
                         targets=int(stats.get("targets") or 0))
    return volume.cold_start_line(band) if band.cold_start else None


def _staged_stats(settings: Settings, run_id: str) -> dict[str, Any]:
    """The run's crawl stats, once its transformed articles are known to be staged."""
    s3.ensure_bucket(settings)
    if not s3.exists(settings, staging.key(run_id, staging.ARTICLES)):
        raise StagingMissing(
            f"no staged articles for run {run_id!r} "
            f"(s3://{settings.s3_bucket}/{staging.key(run_id, staging.ARTICLES)}): run transform first"
        )
    return _crawl_stats(settings, run_id)


def warm() -> None:
    """Import Great Expectations and build the gate's context now (seconds), e.g. in a thread
    while the crawl runs, so the validation itself starts warm."""
    gate.runtime()


def _crawl_stats(settings: Settings, run_id: str) -> dict[str, Any]:
    """The crawl stage's CrawlStats of the run ({} when the crawl stage left none)."""
    if not s3.exists(settings, staging.key(run_id, staging.CRAWL_STATS)):
        return {}
    return staging.read_json(settings, run_id, staging.CRAWL_STATS)


def unchanged_count(stats: dict[str, Any]) -> int:
    """Articles the crawl saw that answered 304 Not Modified, 0 without stats."""
    value = stats.get("not_modified")
    return value if isinstance(value, int) and value > 0 else 0


def _from_archive(stats: dict[str, Any]) -> bool:
    """True when the rows were re-parsed from the raw archive (a reprocess) or came from the
    web archives (``--source archive``): they count what an archive holds, not what the site
    published, so the volume band does not apply."""
    return ((stats.get("scrapy_stats") or {}).get("source") == RAW_ARCHIVE_SOURCE
            or stats.get("source") == RUN_SOURCE_ARCHIVE)


def publish_evidence(settings: Settings, run_id: str, results: dict[str, Any], docs_dir: Path) -> tuple[str, str]:
    """Upload results.json and every Data Docs file; drop files an earlier try left behind.
    Returns (results_uri, report_uri)."""
    prefix = quality_prefix(run_id)
    uploaded: set[str] = set()
    results_key = prefix + RESULTS_NAME
    body = json.dumps(results, ensure_ascii=False, sort_keys=True, indent=1, default=str).encode("utf-8")
    results_uri = s3.put_bytes(settings, results_key, body, "application/json")
    uploaded.add(results_key)
    for path in sorted(p for p in docs_dir.rglob("*") if p.is_file()):
        key = prefix + path.relative_to(docs_dir).as_posix()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type == "application/javascript":
            content_type += "; charset=utf-8"
        s3.put_bytes(settings, key, path.read_bytes(), content_type)
        uploaded.add(key)
    report_key = prefix + REPORT_NAME
    if report_key not in uploaded:
        raise RuntimeError(f"Data Docs build produced no {REPORT_NAME} in {docs_dir}")
    stale = [k for k in s3.list_keys(settings, prefix) if k not in uploaded]
    client = s3.client(settings)
    for start in range(0, len(stale), 1000):
        client.delete_objects(
            Bucket=settings.s3_bucket,
            Delete={"Objects": [{"Key": k} for k in stale[start:start + 1000]], "Quiet": True},
        )
    return results_uri, s3.uri(settings, report_key)


def http_link(settings: Settings, key: str, expires: int = LINK_SECONDS) -> str:
    """A browsable HTTPS/HTTP link to an object (presigned: works on AWS and the local stack)."""
    return s3.client(settings).generate_presigned_url(
        "get_object", Params={"Bucket": settings.s3_bucket, "Key": key}, ExpiresIn=expires
    )


def run_page_key(settings: Settings, run_id: str) -> str | None:
    """Key of this run's validation page in the Data Docs site (the page an operator wants)."""
    pages = [k for k in s3.list_keys(settings, quality_prefix(run_id) + "validations/") if k.endswith(".html")]
    return pages[0] if pages else None
