"""One row per article id, and the history of its distinct contents.

* Several fetches of one id in a batch: the latest fetched content wins (ties: the larger
  content hash, so the answer does not depend on input order).
* Every distinct content (by ``content_hash``) that differs from the stored one becomes a
  :class:`RevisionRow`, oldest first — a new article's first content included (it is
  revision 1), an unchanged refetch adds none. The loader numbers and appends them
  idempotently.
"""

from __future__ import annotations

from collections import defaultdict

from ground.core.schema import ArticleRow, RevisionRow, parse_time


def _fetch_key(row: ArticleRow) -> tuple[float, str]:
    fetched = parse_time(row.fetched_at)
    return (fetched.timestamp() if fetched else 0.0, row.content_hash)


def collapse(
    rows: list[ArticleRow], stored_hashes: dict[str, str | None]
) -> tuple[list[ArticleRow], list[RevisionRow]]:
    """``rows`` (any order, ids may repeat) -> (one latest row per id, new revisions)."""
    by_id: dict[str, list[ArticleRow]] = defaultdict(list)
    for row in rows:
        by_id[row.article_id].append(row)
    latest: list[ArticleRow] = []
    revisions: list[RevisionRow] = []
    for article_id in sorted(by_id):
        fetches = sorted(by_id[article_id], key=_fetch_key)
        latest.append(fetches[-1])
        seen = {stored_hashes.get(article_id)}
        for row in fetches:
            if row.content_hash in seen:
                continue
            seen.add(row.content_hash)
            revisions.append(
                RevisionRow(
                    article_id=article_id,
                    content_hash=row.content_hash,
                    title_raw=row.title_raw,
                    body=row.body,
                    fetched_at=row.fetched_at or "",
                )
            )
    return latest, revisions
