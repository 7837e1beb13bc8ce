"""One saved page through the pipeline's own decisions, for an operator's question "why was
this page refused?": parse (scrapers.parsers) → clean (transforms.clean) → the quality gate's
row-level checks (expectations.gate), exactly as a run makes them, without a crawl, a
database or S3. Airflow-free; `yonhap-pipeline extract` prints what :func:`extract_page` returns.
"""

from __future__ import annotations

from typing import Any

from expectations.gate import check_batch
from ground.core.editions import EDITIONS, edition_of_id
from ground.core.schema import ARTICLE_COLUMNS, ArticleRow, CrawledArticle, parse_time
from ground.core.timeutil import Window, to_kst, utcnow
from scrapers.canonical import article_id_from_url
from scrapers.parsers.registry import Registry, build_item
from transforms.clean import Unusable, clean_item

RUN_ID = "extract"
LOADED = "loaded"
REJECTED = "rejected"
# The row as `yonhap.articles` stores it: its columns, in table order (ArticleRow covers all
# but the loader-maintained first_seen_at / last_seen_at).
__all__ = ["EDITIONS", "LOADED", "REJECTED", "article_id_from_url", "extract_page"]
ROW_COLUMNS = tuple(c for c in ARTICLE_COLUMNS if c in ArticleRow.__dataclass_fields__
                    and c not in ("layout", "field_sources", "etag", "last_modified", "fetched_at"))


def extract_page(body: bytes, url: str, *, edition: str = "fr", headers: dict[str, str] | None = None,
                 gate: bool = True) -> dict[str, Any]:
    """The row one page would become, its field sources, warnings and the pipeline's verdict.

    ``gate=False`` skips the quality gate's row checks (they import Great Expectations, a few
    seconds); the verdict then reflects the parser and the cleaning only.
    """
    if edition not in EDITIONS:
        raise ValueError(f"--edition {edition!r} is not supported; known: {', '.join(sorted(EDITIONS))}")
    own = edition_of_id(article_id_from_url(url))
    if own is not None and own.code != edition:
        raise ValueError(f"--url names a {own.code} article ({own.id_prefix}…), not one of --edition {edition}")
    fetched_at = utcnow()
    headers = headers or {"Content-Type": "text/html; charset=utf-8"}
    item = build_item(
        Registry().extract(body, url, headers),
        requested_url=url, base_url=EDITIONS[edition].base_url, http_status=200,
        fetched_at=fetched_at.isoformat(), run_id=RUN_ID,
    )
    out: dict[str, Any] = {"layout": item.layout}
    reasons: list[str] = []
    row: ArticleRow | None = None
    try:
        row = clean_item(item, RUN_ID)
    except Unusable as err:
        reasons = list(err.reasons)
    if row is not None:
        out.update({c: getattr(row, c) for c in ROW_COLUMNS})
        if gate:
            reasons = _gate_reasons(row)
    else:
        out.update(_item_fields(item))
    # Story linking needs the stored stories (a run does it): one page alone has no story yet,
    # and its own id would read as an answer.
    out["story_id"] = None
    out["field_sources"] = dict(item.field_sources)
    out["warnings"] = list(item.parse_warnings)
    out["verdict"] = REJECTED if reasons else LOADED
    out["reasons"] = reasons
    return out


def _item_fields(item: CrawledArticle) -> dict[str, Any]:
    """What the parser found when no row could be built (same column names, where they exist)."""
    fields = {c: getattr(item, c, None) for c in ROW_COLUMNS}
    fields["body"] = "\n\n".join(item.paragraphs) if item.paragraphs else None
    return fields


def _gate_reasons(row: ArticleRow) -> list[str]:
    """The quality gate's row-level verdict on this one row, for the KST day it was published
    (a batch-level finding on a batch of one, such as volume, is not about the page)."""
    published = parse_time(row.published_at)
    day = to_kst(published).date() if published else to_kst(utcnow()).date()
    result = check_batch([row.to_dict()], Window.for_dates(day, day), [], RUN_ID)
    return [reason for rejected in result.rejected for reason in rejected.reasons]
