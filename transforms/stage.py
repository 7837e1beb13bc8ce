"""Transform stage: staging ITEMS -> ARTICLES, REVISIONS, TRANSFORM_REJECTS (S3 staging/<run_id>/).

Airflow tasks and the CLI call :func:`transform`; the work itself is the pure
:func:`transforms.pipeline.transform_batch`. Rerunning replaces the three outputs (idempotent).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ground.adapters import s3, staging
from ground.core.config import Settings
from ground.core.schema import parse_time
from ground.core.timeutil import id_time

# How far around the batch's publication times stored rows matter: the story-linking window
# (new versions join stories up to 48 h old) and the duplicate window, whichever is larger.
LOOKBACK = timedelta(hours=48)


class NoStagedItems(RuntimeError):
    """The crawl (or reprocess) stage has not written this run's items."""


def linking_range(items: list[dict[str, Any]]) -> tuple[datetime, datetime] | None:
    """[start, end) of publication times the ``stored`` rows should cover for these staged
    items (their times, or their id dates, widened by LOOKBACK); None for no usable item."""
    times = []
    for item in items:
        try:
            when = parse_time(item.get("published_at"))
        except (TypeError, ValueError):
            when = None  # the transform rejects it with a reason
        when = when or id_time(str(item.get("article_id") or ""))
        if when is not None:
            times.append(when)
    if not times:
        return None
    return min(times) - LOOKBACK, max(times) + LOOKBACK


def read_items(settings: Settings, run_id: str) -> list[dict[str, Any]]:
    if not s3.exists(settings, staging.key(run_id, staging.ITEMS)):
        raise NoStagedItems(
            f"no staged items for run {run_id!r} (s3://{settings.s3_bucket}/"
            f"{staging.key(run_id, staging.ITEMS)}): run the crawl stage first"
        )
    return staging.read_jsonl(settings, run_id, staging.ITEMS)


def transform(settings: Settings, run_id: str, stored: list[dict]) -> dict:
    """Read ITEMS, write ARTICLES, REVISIONS, TRANSFORM_REJECTS; return the counts."""
    from transforms.pipeline import transform_batch  # lazy: numpy ~0.1 s; DAG parsing loads this

    items = read_items(settings, run_id)
    result = transform_batch(items, stored, run_id=run_id)
    s3.ensure_bucket(settings)
    staging.write_jsonl(settings, run_id, staging.ARTICLES, (a.to_dict() for a in result.articles))
    staging.write_jsonl(settings, run_id, staging.REVISIONS, (r.to_dict() for r in result.revisions))
    staging.write_jsonl(settings, run_id, staging.TRANSFORM_REJECTS, (r.to_dict() for r in result.rejects))
    return dict(result.counts)
