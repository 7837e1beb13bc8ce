"""Deterministic synthetic batches (ArticleRow & co.) and their staging files, for storage
tests and bench/bench_load.

The vocabulary is a made-up list of common French words; nothing here is site text.
"""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta

from ground.adapters import staging
from ground.core.editions import EDITIONS, FR
from ground.core.schema import SECTIONS, ArticleRow, CrawlStats, GateSummary, RevisionRow
from ground.core.timeutil import KST, UTC

WORDS = (
    "gouvernement ministre économie exportations séoul pyongyang sommet réunion accord "
    "président assemblée nationale entreprise semi-conducteurs croissance inflation banque "
    "taux marché bourse festival musique cinéma football équipe victoire saison élection "
    "parti opposition sécurité défense missile coopération diplomatie culture patrimoine "
    "tourisme recherche innovation technologie intelligence artificielle climat énergie "
    "nucléaire hydrogène transport ferroviaire santé hôpital vaccin éducation université "
    "étudiants jeunesse emploi salaire industrie automobile navire chantier port commerce"
).split()


# Made-up tags and staff names (plausible shapes only).
TAGS = (
    "Corée du Nord", "économie", "exportations", "semi-conducteurs", "diplomatie", "Japon",
    "Chine", "Etats-Unis", "culture", "K-pop", "football", "climat", "énergie", "santé",
)
NAMES = ("Kim Min-ji", "Park Jae-ho", "Lee Soo-jin", "Choi Dong-hyun", "Jung Ha-eun")


def content_hash(title_raw: str, body: str) -> str:
    return hashlib.sha256(f"{title_raw}\n{body}".encode()).hexdigest()


def article_id(day: datetime, n: int, edition: str = FR.code) -> str:
    return f"{EDITIONS[edition].id_prefix}{day:%Y%m%d}{n:09d}"


def make_article(
    n: int,
    run_id: str = "run_synth",
    *,
    day: datetime | None = None,
    paragraphs: int = 6,
    seed: int = 0,
    body: str | None = None,
    title: str | None = None,
    fetched_at: datetime | None = None,
    edition: str = FR.code,
    **overrides,
) -> ArticleRow:
    ed = EDITIONS[edition]
    rng = random.Random(seed * 1_000_003 + n)
    day = day or datetime(2024, 6, 19, tzinfo=KST)
    published = day + timedelta(minutes=(n * 7) % 1440)
    if title is None:
        title = " ".join(rng.choice(WORDS) for _ in range(8)).capitalize()
    if body is None:
        paras = [" ".join(rng.choice(WORDS) for _ in range(40)) + "." for _ in range(paragraphs)]
        paras[0] = f"SEOUL, {ed.dateline_date(day)} (Yonhap) -- " + paras[0]
        body = "\n\n".join(paras)
    aid = article_id(day, n, edition)
    fetched = fetched_at or datetime(2024, 6, 20, 1, 0, tzinfo=UTC)
    first = body.split("\n\n", 1)[0]
    lead = first.split(" -- ", 1)[1] if " -- " in first else first
    byline = rng.choice(NAMES) if rng.random() < 0.4 else None
    note = "ATTN : ajout de précisions aux paragraphes 2 et 3" if rng.random() < 0.1 else None
    keywords = rng.sample(TAGS, rng.randint(0, 4))
    values = dict(
        article_id=aid,
        url=f"{ed.base_url}/view/{aid}",
        title=title,
        title_raw=title,
        version_label=None,
        story_id=aid,
        duplicate_of=None,
        section=SECTIONS[n % len(SECTIONS)],
        published_at=published.isoformat(),
        updated_at=None,
        dateline="SEOUL, 19 juin (Yonhap)",
        lead=lead,
        body=body,
        author_email="redaction@example.org",
        images=[{"url": f"https://img.example.org/{aid}.jpg", "caption": "Une photo", "alt": None}],
        word_count=len(body.split()),
        content_hash=content_hash(title, body),
        raw_uri=f"s3://bucket/raw/dt={day:%Y-%m-%d}/{run_id}.warc.gz#offset={n * 1000}",
        run_id=run_id,
        is_routine=False,
        layout="yna-cms-v1",
        field_sources={"title": "jsonld", "body": "selector"},
        etag=f'"{n:x}"',
        last_modified="Wed, 19 Jun 2024 02:00:00 GMT",
        fetched_at=fetched.isoformat(),
        byline=byline,
        editor_note=note,
        keywords=keywords,
        edition=ed.code,
    )
    values.update(overrides)
    if "content_hash" not in overrides and ("body" in overrides or "title_raw" in overrides):
        values["content_hash"] = content_hash(values["title_raw"], values["body"])
    return ArticleRow(**values)


def revision_of(row: ArticleRow) -> RevisionRow:
    return RevisionRow(row.article_id, row.content_hash, row.title_raw, row.body, row.fetched_at or "")


def stage_batch(settings, run_id, rows, *, revisions=None, rejects=(), transform_rejects=(), errors=(),
                stats=None, gate=None, seen=()) -> None:
    """Write a run's staging files the way crawl/transform/validate would (for tests, bench);
    ``seen``: SeenArticle records of the completeness ledger (none: no seen file, as before it)."""
    staging.write_jsonl(settings, run_id, staging.PASSED, (r.to_dict() for r in rows))
    revs = [revision_of(r) for r in rows] if revisions is None else revisions
    staging.write_jsonl(settings, run_id, staging.REVISIONS, (r.to_dict() for r in revs))
    staging.write_jsonl(settings, run_id, staging.REJECTED, (r.to_dict() for r in rejects))
    staging.write_jsonl(settings, run_id, staging.TRANSFORM_REJECTS, (r.to_dict() for r in transform_rejects))
    staging.write_jsonl(settings, run_id, staging.CRAWL_ERRORS, (e.to_dict() for e in errors))
    if seen:
        staging.write_jsonl(settings, run_id, staging.SEEN, (s.to_dict() for s in seen))
    staging.write_json(settings, run_id, staging.CRAWL_STATS,
                       (stats or stats_for(run_id, len(rows))).to_dict())
    staging.write_json(settings, run_id, staging.GATE,
                       (gate or gate_for(run_id, len(rows), rejected=len(rejects))).to_dict())


def stats_for(run_id: str, items: int, *, not_modified_ids: list[str] | None = None) -> CrawlStats:
    return CrawlStats(
        run_id=run_id,
        window_start=datetime(2024, 6, 19, tzinfo=KST).isoformat(),
        window_end=datetime(2024, 6, 20, tzinfo=KST).isoformat(),
        pages=items + 3,
        items=items,
        not_modified=len(not_modified_ids or []),
        not_modified_ids=list(not_modified_ids or []),
        started_at=datetime(2024, 6, 20, 0, 55, tzinfo=UTC).isoformat(),
        finished_at=datetime(2024, 6, 20, 1, 5, tzinfo=UTC).isoformat(),
    )


def gate_for(run_id: str, rows: int, success: bool = True, rejected: int = 0) -> GateSummary:
    return GateSummary(
        run_id=run_id,
        success=success,
        rows_in=rows + rejected,
        rows_passed=rows,
        rows_rejected=rejected,
        failed_critical=[] if success else ["row count 0 below the expected band [10, 40]"],
        report_uri=f"s3://bucket/quality/{run_id}/index.html",
    )
