"""Rows for the quality-gate tests, built from the replica's truth (what the pipeline should
produce for each article), shared by test_expectations and test_expectations_stage."""

from __future__ import annotations

import hashlib
from datetime import date

from devtools.replica.corpus import Corpus
from ground.core.schema import ArticleRow
from ground.core.timeutil import Window

DAY = date(2024, 6, 19)
WINDOW = Window.for_dates(DAY, DAY)
RUN = "test_gate"


def row_from_truth(truth, run_id: str = RUN) -> dict:
    """The ArticleRow the pipeline should produce for a replica article (yna-cms layout)."""
    body = truth.body
    return ArticleRow(
        article_id=truth.article_id,
        url=truth.url,
        title=truth.title,
        title_raw=truth.title_raw,
        version_label=truth.version_label,
        story_id=truth.story_id,
        duplicate_of=truth.duplicate_of,
        section=truth.section,
        published_at=truth.published_at.isoformat(),
        updated_at=truth.updated_at.isoformat() if truth.updated_at else None,
        dateline=truth.dateline,
        lead=truth.lead,
        body=body,
        author_email=truth.author_email,
        images=[dict(img) for img in truth.images],
        word_count=truth.word_count,
        content_hash=hashlib.sha256(body.encode()).hexdigest(),
        raw_uri=None,
        run_id=run_id,
        is_routine=truth.is_routine,
        is_table=getattr(truth, "is_table", False),
        layout="yna-cms-v1",
        byline=getattr(truth, "byline", None),
        editor_note=getattr(truth, "editor_note", None),
        keywords=list(getattr(truth, "keywords", None) or []),
        field_sources={"title_raw": "jsonld", "paragraphs": "selector", "published_at": "selector",
                       "section": "selector", "images": "selector"},
    ).to_dict()


def replica_rows(day: date = DAY, per_day: int = 60) -> list[dict]:
    corpus = Corpus(start=day, end=day, per_day=per_day)
    return [row_from_truth(corpus.truth(i)) for i in corpus.ids_on(day)]


def redesigned(row: dict) -> dict:
    """What the crawler yields after a redesign: no layout parser, body from the fallback
    layer came back empty, metadata still fills title and date."""
    row.update(
        body="", word_count=0, lead=None, section=None, layout="unrecognized",
        field_sources={"title_raw": "meta", "published_at": "meta", "paragraphs": "generic"},
    )
    return row
