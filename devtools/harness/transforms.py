"""Crawled items built from the replica's truth (shared by the transform tests and the bench).

The crawler's own output is tested against the same truth elsewhere; here we feed the
transform what a correct crawl of the replica yields, so every expectation is the truth.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from devtools.replica import ArticleTruth, Corpus, ReplicaConfig
from ground.core.schema import CrawledArticle, format_time
from ground.core.timeutil import UTC


def item_from_truth(truth: ArticleTruth, fetched_at: datetime | None = None, run_id: str = "test-run") -> CrawledArticle:
    fetched = fetched_at or truth.published_at + timedelta(minutes=30)
    return CrawledArticle(
        article_id=truth.article_id,
        url=truth.url,
        requested_url=truth.url + "?input=1195m",
        http_status=200,
        fetched_at=format_time(fetched.astimezone(UTC)),
        run_id=run_id,
        title_raw=truth.title_raw,
        section=truth.section,
        published_at=format_time(truth.published_at),
        updated_at=format_time(truth.updated_at),
        paragraphs=list(truth.paragraphs),
        images=[dict(i) for i in truth.images],
        author_email=truth.author_email,
        lead=truth.lead,
        byline=getattr(truth, "byline", None),
        editor_note=getattr(truth, "editor_note", None),
        keywords=list(getattr(truth, "keywords", None) or []),
        layout="yna-cms-v1",
    )


def corpus(days: int = 14, per_day: int = 60, seed: int = 1, start: date = date(2024, 6, 1),
           edition: str = "fr") -> Corpus:
    return Corpus(ReplicaConfig(seed=seed, start=start, end=start + timedelta(days=days - 1), per_day=per_day,
                                edition=edition))


def truths(c: Corpus) -> dict[str, ArticleTruth]:
    """Every article of the corpus (hostile test pages excluded), unedited."""
    out = {}
    for article_id in c.ids_newest_first():
        t = c.truth(article_id, edited=False)
        if t.kind != "hostile":
            out[article_id] = t
    return out


def stored_rows(articles) -> list[dict]:
    """ArticleRows as storage.queries.articles_for_linking returns them (the columns it reads)."""
    keys = ("article_id", "url", "title", "title_raw", "version_label", "story_id", "duplicate_of",
            "published_at", "body", "content_hash", "is_routine")
    rows = []
    for a in articles:
        row = {k: getattr(a, k) for k in keys}
        row["published_at"] = datetime.fromisoformat(a.published_at)  # psycopg2 gives datetimes
        rows.append(row)
    return rows
