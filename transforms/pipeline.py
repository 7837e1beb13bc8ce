"""``transform_batch``: crawled items in, clean rows + revisions + rejects out (pure, no I/O).

Steps: clean/normalize every item (transforms.clean) -> one row per article id and its
revisions (transforms.revisions) -> one row per canonical URL and duplicates
(transforms.dedupe) -> story linking (transforms.stories).

``stored`` are rows already in yonhap.articles (storage.queries.articles_for_linking): their
story_id / duplicate_of are never changed, new articles link to them, and an article whose
stored content_hash is unchanged adds no revision.

What is rejected here vs by the quality gate: this stage rejects only items it cannot turn
into a row (no valid id, crawler parse errors, non-200 page, unparseable times, a canonical
URL owned by another article). Rows with an empty body or title still flow on: the gate owns
those expectations and quarantines them with its reasons.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ground.core.schema import ArticleRow, CrawledArticle, RejectedItem, RevisionRow, parse_time
from transforms.clean import (
    Unusable,
    clean_item,
    continued_part,
    is_routine,
    split_title,
    version_rank,
)
from transforms.dedupe import claim_urls, find_duplicates
from transforms.features import Doc, to_datetime
from transforms.revisions import collapse
from transforms.stories import link

STAGE = "transform"


@dataclass
class TransformResult:
    articles: list[ArticleRow]
    revisions: list[RevisionRow]
    rejects: list[RejectedItem]
    counts: dict[str, int] = field(default_factory=dict)


def _row_doc(row: ArticleRow, stored: dict[str, Any] | None) -> Doc:
    doc = Doc(
        article_id=row.article_id,
        url=row.url,
        title=row.title,
        version_label=row.version_label,
        rank=version_rank(row.version_label),
        is_routine=row.is_routine,
        is_table=row.is_table,
        published=parse_time(row.published_at),
        content_hash=row.content_hash,
        body=row.body,
        stored=stored is not None,
        row=row,
        part=continued_part(row.title),
    )
    if stored is not None:  # a refetch: the stored story and duplicate status stay
        doc.story_id = stored.get("story_id") or row.article_id
        doc.duplicate_of = stored.get("duplicate_of")
    return doc


def _stored_doc(data: dict[str, Any]) -> Doc:
    title_raw = data.get("title_raw") or ""
    label, clean_title = split_title(title_raw)
    title = data.get("title") if data.get("title") is not None else clean_title
    label = data.get("version_label", label)
    routine = data.get("is_routine")
    return Doc(
        article_id=data["article_id"],
        url=data.get("url") or "",
        title=title,
        version_label=label,
        rank=version_rank(label),
        is_routine=is_routine(title) if routine is None else bool(routine),
        is_table=bool(data.get("is_table")),
        published=to_datetime(data.get("published_at")),
        content_hash=data.get("content_hash") or "",
        body=data.get("body") or "",
        stored=True,
        story_id=data.get("story_id") or data["article_id"],
        duplicate_of=data.get("duplicate_of"),
        part=continued_part(title),
    )


def _reject(run_id: str | None, article_id: str | None, url: str | None, reasons: list[str], payload) -> RejectedItem:
    return RejectedItem(
        run_id=run_id or "",
        article_id=article_id or None,
        url=url or None,
        reasons=reasons,
        payload=payload,
        stage=STAGE,
    )


def _as_item(raw: CrawledArticle | dict[str, Any]) -> CrawledArticle:
    if isinstance(raw, CrawledArticle):
        return raw
    try:
        return CrawledArticle.from_dict(dict(raw))
    except (TypeError, ValueError) as err:
        raise Unusable([f"not a CrawledArticle: {err}"]) from None


def transform_batch(
    items: Iterable[CrawledArticle | dict[str, Any]],
    stored: Iterable[dict[str, Any]] = (),
    *,
    run_id: str | None = None,
) -> TransformResult:
    """Clean, dedupe, link and version one batch (see the module docstring)."""
    # The batch allocates millions of small acyclic objects; the cyclic garbage collector's
    # repeated scans of them cost ~20% of the run and grow with the batch. Nothing here
    # builds reference cycles, so it is paused for the call (and restored as it was).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _transform(items, stored, run_id)
    finally:
        if was_enabled:
            gc.enable()


def _transform(items, stored, run_id) -> TransformResult:
    rows: list[ArticleRow] = []
    rejects: list[RejectedItem] = []
    items_in = 0
    for raw in items:
        items_in += 1
        try:
            item = _as_item(raw)
            rows.append(clean_item(item, run_id))
        except Unusable as err:
            payload = raw.to_dict() if isinstance(raw, CrawledArticle) else dict(raw)
            rid = run_id or payload.get("run_id")
            rejects.append(_reject(rid, payload.get("article_id"), payload.get("url"), err.reasons, payload))

    stored_by_id = {s["article_id"]: s for s in stored}
    latest, revisions = collapse(rows, {k: s.get("content_hash") for k, s in stored_by_id.items()})
    batch_docs = [_row_doc(row, stored_by_id.get(row.article_id)) for row in latest]
    in_batch = {d.article_id for d in batch_docs}
    stored_docs = [_stored_doc(s) for k, s in stored_by_id.items() if k not in in_batch]

    kept, losers = claim_urls(batch_docs, {d.url: d.article_id for d in stored_docs if d.url})
    lost_ids = set()
    for doc, reason in losers:
        lost_ids.add(doc.article_id)
        rejects.append(_reject(doc.row.run_id, doc.article_id, doc.url, [reason], doc.row.to_dict()))
    revisions = [r for r in revisions if r.article_id not in lost_ids]

    duplicates = find_duplicates(kept, stored_docs)
    link(kept, stored_docs, duplicates)
    articles = []
    for doc in sorted(kept, key=lambda d: d.order_key):
        doc.row.story_id = doc.story_id or doc.article_id
        doc.row.duplicate_of = doc.duplicate_of
        articles.append(doc.row)

    counts = {
        "items": items_in,
        "articles": len(articles),
        "revisions": len(revisions),
        "rejected": len(rejects),
        "duplicates": sum(1 for a in articles if a.duplicate_of),
        "refetched_unchanged": sum(
            1 for a in articles
            if a.article_id in stored_by_id and stored_by_id[a.article_id].get("content_hash") == a.content_hash
        ),
        "stories_joined": sum(1 for a in articles if a.story_id != a.article_id and not a.duplicate_of),
    }
    return TransformResult(articles=articles, revisions=revisions, rejects=rejects, counts=counts)
