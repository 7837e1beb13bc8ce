"""The measuring parts of the benchmarks, checked against the replica's truth (no crawl here):
peer scoring (bench_peers), list-page truth and access-log counts (crawl_harness)."""

from __future__ import annotations

from datetime import date

from bench import bench_peers
from devtools.harness.crawl import RequestCounts, list_pages_of
from devtools.replica import Corpus


def _record_from_truth(truth) -> dict:
    return {
        "title": truth.title_raw,
        "published_at": truth.published_at.isoformat(),
        "published_date": truth.published_at.date().isoformat(),
        "paragraphs": list(truth.paragraphs),
        "section": truth.section,
        "lead": truth.lead,
        "author_email": truth.author_email,
        "image_urls": [i["url"] for i in truth.images],
        "captions": [i["caption"] for i in truth.images],
        "keywords": list(reversed(truth.keywords)),  # compared as a set
    }


def _truth_with_photos(corpus: Corpus):
    return next(t for t in map(corpus.truth, corpus.ids_on(date(2024, 6, 10)))
                if t.images and t.author_email and len(t.keywords) > 1)


def test_peer_scoring_accepts_the_truth_spelled_with_nbsp_and_line_breaks():
    truth = _truth_with_photos(Corpus(start=date(2024, 6, 1), end=date(2024, 6, 10), per_day=30))
    record = _record_from_truth(truth)
    record["paragraphs"] = [p.replace(" ", "\xa0", 3) + "\n" for p in truth.paragraphs]
    record["title"] = "  " + truth.title_raw.replace(" ", "\xa0 ", 1)
    record["published_at"] = truth.published_at.replace(tzinfo=None).isoformat()  # zone-less = KST
    assert all(bench_peers.field_hits(record, truth).values())


def test_peer_scoring_rejects_what_a_generic_extractor_typically_adds():
    truth = _truth_with_photos(Corpus(start=date(2024, 6, 1), end=date(2024, 6, 10), per_day=30))
    record = _record_from_truth(truth)
    record["paragraphs"] = list(truth.paragraphs) + ["(FIN)"]
    record["published_at"] = truth.published_at.date().isoformat() + "T00:00:00"  # day only
    record["image_urls"] = [truth.images[0]["url"]]
    record["captions"] = None  # the tool has no captions
    record["keywords"] = truth.keywords[:1]  # meta keywords only partly
    hits = bench_peers.field_hits(record, truth)
    assert [k for k, ok in hits.items() if not ok] == ["published_at", "paragraphs", "image_urls", "captions",
                                                       "keywords"]
    score = bench_peers.score([record], [(truth.article_id, "yna-cms", truth)])
    assert score["paragraph_recall"] == 1.0
    assert score["paragraph_precision"] == len(truth.paragraphs) / (len(truth.paragraphs) + 1)


def test_list_pages_of_a_day_match_the_replica_listing():
    corpus = Corpus(start=date(2024, 6, 1), end=date(2024, 6, 10), per_day=30)
    day = date(2024, 6, 7)
    first, last = list_pages_of(corpus, corpus.ids_on(day))
    on_pages = {item.article_id for n in range(first, last + 1) for item in corpus.list_page(n)}
    assert set(corpus.ids_on(day)) <= on_pages
    for n in (first - 1, last + 1):  # the neighbours hold none of the day
        assert not {item.article_id for item in corpus.list_page(n)} & set(corpus.ids_on(day))


def test_request_counts_classify_the_access_log():
    log = [
        {"path": "/robots.txt", "status": 200}, {"path": "/RSS/news.xml", "status": 200},
        {"path": "/news", "status": 200}, {"path": "/news/8", "status": 200},
        {"path": "/view/AFR20240610000100884?input=1195m", "status": 200},
        {"path": "/view/AFR20240610000200884", "status": 304},
        {"path": "/view/AFR20240610000300884", "status": 503},
    ]
    counts = RequestCounts.from_log(log)
    assert (counts.total, counts.robots, counts.rss, counts.discovery) == (7, 1, 1, 3)
    assert counts.list_pages == [1, 8]
    assert counts.article_200 == ["AFR20240610000100884"] and counts.article_304 == ["AFR20240610000200884"]
    assert counts.article_other == {503: 1}
