"""The web archives as a producer of the crawl stage's outputs (docs/architecture.md).

:func:`fetch_window` (``--source archive``) asks Common Crawl's index (every crawl that may
hold the window's pages) and the Wayback CDX server for captures of the edition's article
pages, takes the latest 200 capture per article id, fetches it, writes it to our raw archive
as a WARC response record (the site's original headers; the capture's origin in the record's
WARC headers) and parses it with the site crawl's parsers. It writes what ``crawl`` writes --
``raw/dt=…/<run_id>.warc.gz``, staging ITEMS, CRAWL_ERRORS, SEEN, SEARCHED, CRAWL_STATS -- and
sends not one request to the site. :func:`fill` is an ``auto`` run's second half: after the
site crawl, the archives give the ids the site did not list, refused or failed.

A capture already stored (same archive and capture time, or a row whose content is as new)
is not fetched again: the archives' equivalent of a 304, so a rerun changes nothing.

Verdicts (CrawlStats.archive_health, like the site's health for a site crawl):

| verdict | when | the run |
|---|---|---|
| ``unreachable`` | an index gave no usable answer after retries | red: the crawl fails (archive); red after the load (auto: the site's part loads) |
| ``degraded`` | more than MAX_FAILED_ARTICLE_SHARE of the run's articles could not be had | red after the load |
| ``quiet`` | the indexes answered and hold no capture of the window's articles | green |
| ``ok`` | the rest | green |
"""

from __future__ import annotations

import gzip
import logging
import shutil
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ground.adapters import s3, staging
from ground.core.config import Settings
from ground.core.schema import (
    ARCHIVE_DEGRADED,
    ARCHIVE_OK,
    ARCHIVE_QUIET,
    ARCHIVE_SOURCES,
    ARCHIVE_UNREACHABLE,
    RUN_SOURCE_ARCHIVE,
    RUN_SOURCE_AUTO,
    SITE_NOT_ASKED,
    SOURCE_WAYBACK,
    CrawledArticle,
    CrawlError,
    CrawlStats,
    SearchedDay,
    SeenArticle,
    parse_time,
)
from ground.core.timeutil import KST, Window, article_date
from scrapers.archive import trusted_validators
from scrapers.parsers.registry import Registry, build_item
from scrapers.site_health import (
    MAX_FAILED_ARTICLE_SHARE,
    MIN_FAILED_ARTICLES,
    SiteHealth,
    SiteUnavailable,
)
from scrapers.stage import emit as _emit
from scrapers.warc import (
    ORIGIN_ARCHIVE,
    ORIGIN_FETCHED,
    ORIGIN_RANGE,
    ORIGIN_URI,
    LocalWarcArchive,
    local_files,
    parse_record_uri,
    raw_key,
    record_uri,
    truncation_error,
)
from scrapers.webarchive.captures import (
    Capture,
    Selection,
    article_id_of,
    hosts,
    query_patterns,
    select,
)
from scrapers.webarchive.client import CC_DATA, CC_INDEX, WAYBACK, ArchiveClient, ArchiveError
from scrapers.webarchive.fetch import FetchedCapture, fetch
from scrapers.webarchive.index import CommonCrawlIndex, IndexCache, WaybackIndex

INDEX_CACHE = "archive_index.json.gz"  # staging/<run_id>/: the run's index answers
# CrawlStats.scrapy_stats["source"] of an archive run (the run summaries' 200 count reads the
# downloader key beside it).
WEB_ARCHIVES_SOURCE = "web archives"
# Redirects followed per run at most (each may cost a replay and an index lookup).
REDIRECTS_MAX = 200


class ArchiveUnavailable(SiteUnavailable):
    """An archive's index gave no usable answer: the run cannot tell what the archives hold.
    ``str()`` is the operator's line naming the archive and the cause."""


@dataclass
class ArchivePass:
    """What the archives gave for a window (or for the ids an auto run asked them for)."""

    items: list[CrawledArticle] = field(default_factory=list)
    errors: list[CrawlError] = field(default_factory=list)
    seen: dict[str, SeenArticle] = field(default_factory=dict)
    searched: list[SearchedDay] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    failed_ids: set[str] = field(default_factory=set)
    pages: int = 0
    bytes: int = 0


def _cache(settings: Settings, run_id: str) -> IndexCache:
    key = staging.key(run_id, INDEX_CACHE)
    if s3.exists(settings, key):
        return IndexCache.from_json(gzip.decompress(s3.get_bytes(settings, key)))
    return IndexCache()


def _save_cache(settings: Settings, run_id: str, cache: IndexCache) -> None:
    s3.put_bytes(settings, staging.key(run_id, INDEX_CACHE), gzip.compress(cache.to_json(), mtime=0),
                 "application/gzip")


def _index(settings: Settings, run_id: str, window: Window, client: ArchiveClient,
           cache: IndexCache) -> tuple[Selection, list[Capture], dict[str, Any]]:
    """Every index row of the window's article ids, both archives; the selection."""
    edition = settings.profile
    days = window.kst_dates()
    patterns = query_patterns(edition, days)
    cc = CommonCrawlIndex(client, settings.cc_index_url, cache)
    wayback = WaybackIndex(client, settings.wayback_url, cache)
    rows: list[Capture] = []
    crawls = cc.crawls_for(window.start, window.end)
    for crawl in crawls:
        for pattern in patterns:
            rows.extend(cc.query(crawl, pattern))
    for pattern in patterns:
        rows.extend(wayback.query(pattern, window.start, window.end))
    sel = select(rows, edition, set(days))
    followed = _follow_redirects(sel, settings, window, client, cc, wayback, crawls)
    figures = {"crawls": [c.id for c in crawls], "queries": len(patterns), "index_rows": sel.rows,
               "not_article": sel.not_article, "other_days": sel.other_days, "not_ok": sel.not_ok,
               "redirects_followed": followed}
    return sel, rows, figures


def _follow_redirects(sel: Selection, settings: Settings, window: Window, client: ArchiveClient,
                      cc: CommonCrawlIndex, wayback: WaybackIndex, crawls) -> int:
    """A captured redirect of an article URL whose id has no 200 capture leads to its article.
    Its target is the Common Crawl row's ``redirect``, or the Location of the Wayback replay.
    An article URL's captures were in the window's own queries; a page that moved to another
    URL of the site is looked up by that URL, and its latest 200 capture stands for the id."""
    edition = settings.profile
    site_hosts = set(hosts(edition))
    followed = 0
    for capture in sel.redirects[:REDIRECTS_MAX]:
        source_id = article_id_of(capture.url, edition)
        target_url = capture.redirect
        if target_url is None and capture.archive == SOURCE_WAYBACK:
            try:
                target_url = fetch(client, capture, data_url=settings.cc_data_url,
                                   wayback_url=settings.wayback_url).location
            except ArchiveError as err:
                _emit(f"archives: redirect capture {capture.url} not followed: {err}", logging.WARNING)
                continue
        if not target_url or (urlsplit(target_url).hostname or "").lower().removeprefix("www.") not in site_hosts:
            continue  # nowhere, or off the site
        if article_id_of(target_url, edition) is not None:
            followed += article_id_of(target_url, edition) in sel.chosen  # its captures were asked for
            continue
        found = [c for crawl in crawls for c in cc.lookup(crawl, _bare(target_url))]
        found += wayback.lookup(_bare(target_url), window.start, window.end)
        pages = [c for c in found if c.status == 200]
        if pages:
            best = max(pages, key=Capture.rank)
            sel.take(source_id, replace(best, requested=capture.url))
            followed += 1
    return followed


def _bare(url: str | None) -> str:
    """A URL as CDX servers take it: no scheme (they match http and https alike)."""
    parts = urlsplit(url or "")
    return parts.netloc + parts.path + (f"?{parts.query}" if parts.query else "")


def _already_stored(capture: Capture, stored: dict[str, Any] | None) -> bool:
    """The stored row has this capture, or content as new (a later site fetch): fetching it
    again would change nothing (the loader keeps the newer content)."""
    if not stored:
        return False
    captured = capture.captured_at
    if stored.get("source") == capture.archive and stored.get("captured_at") == captured:
        return True
    fetched_at = stored.get("fetched_at")
    return fetched_at is not None and fetched_at >= captured


def _origin(got: FetchedCapture, now: datetime) -> dict[str, str]:
    headers = {ORIGIN_ARCHIVE: got.capture.archive, ORIGIN_URI: got.source_uri,
               ORIGIN_FETCHED: now.strftime("%Y-%m-%dT%H:%M:%SZ")}
    if got.source_range:
        headers[ORIGIN_RANGE] = got.source_range
    if got.truncated:
        headers["WARC-Truncated"] = got.truncated
    return headers


def _fetch_all(client: ArchiveClient, captures: list[Capture], settings: Settings):
    """(capture, FetchedCapture | ArchiveError) for each, in order; each archive is read by
    its own thread (its host's delay is its own), so both are asked at once."""
    by_archive: dict[str, list[Capture]] = {}
    for capture in captures:
        by_archive.setdefault(capture.archive, []).append(capture)

    def read(batch: list[Capture]) -> list:
        out = []
        for capture in batch:
            try:
                out.append((capture, fetch(client, capture, data_url=settings.cc_data_url,
                                           wayback_url=settings.wayback_url)))
            except ArchiveError as err:
                out.append((capture, err))
        return out

    with ThreadPoolExecutor(max_workers=max(1, len(by_archive)), thread_name_prefix="archive") as pool:
        results = [r for batch in pool.map(read, by_archive.values()) for r in batch]
    order = {id(c): n for n, c in enumerate(captures)}
    return sorted(results, key=lambda r: order[id(r[0])])


def archive_pass(settings: Settings, run_id: str, window: Window, work: Path, *,
                 skip: set[str] | frozenset[str] = frozenset(), stored: dict[str, dict] | None = None,
                 parsers: list[str] | None = None, client: ArchiveClient | None = None) -> ArchivePass:
    """Ask the indexes, fetch the chosen captures but those of ``skip`` (ids the site gave) and
    those already stored, write them to ``work``/warc and parse them. Raises ArchiveError
    when an index gives no usable answer."""
    registry = Registry.from_names(parsers)
    client = client or ArchiveClient(settings.user_agent, settings.archive_delay)
    cache = _cache(settings, run_id)
    hits_before = cache.hits
    try:
        sel, _rows, figures = _index(settings, run_id, window, client, cache)
    finally:
        _save_cache(settings, run_id, cache)
    days = [d.isoformat() for d in window.kst_dates()]
    out = ArchivePass(searched=[SearchedDay(d, a) for d in days for a in ARCHIVE_SOURCES])
    trusted = trusted_validators(settings, {k: v for k, v in (stored or {}).items()}).kept
    wanted, unchanged = [], 0
    for article_id in sorted(sel.chosen):
        capture = sel.chosen[article_id]
        if article_id in skip:
            continue
        if _already_stored(capture, trusted.get(article_id)):
            unchanged += 1
            continue
        wanted.append(capture)
    archive = LocalWarcArchive(work / "warc", settings.s3_bucket, run_id)
    fetched: Counter = Counter()
    published: dict[str, datetime] = {}
    now = datetime.now(UTC)
    try:
        for capture, got in _fetch_all(client, wanted, settings):
            article_id = article_id_of(capture.article_url, settings.profile) or ""
            if isinstance(got, ArchiveError) or got.status != 200:
                error = got if isinstance(got, ArchiveError) else None
                out.errors.append(CrawlError(
                    run_id=run_id, url=error.url if error else got.source_uri,
                    error=error.cause if error else f"HTTP {got.status} on replay (the index said 200)",
                    attempts=error.attempts if error else 1, at=now.isoformat(),
                    status=error.status if error else got.status, article_id=article_id))
                out.failed_ids.add(article_id)
                continue
            fetched[capture.archive] += 1
            out.pages += 1
            out.bytes += len(got.body)
            captured = capture.captured_at
            raw_uri = archive.write(capture.article_url, got.status, got.reason, got.headers, got.body, captured,
                                    warc_headers=_origin(got, now))
            item = build_item(
                registry.extract(got.body, capture.article_url, dict(got.headers)),
                requested_url=capture.article_url, base_url=settings.base_url, http_status=got.status,
                fetched_at=captured.isoformat(), run_id=run_id, etag=got.header("ETag"),
                last_modified=got.header("Last-Modified"), raw_uri=raw_uri,
            )
            item.source, item.captured_at = capture.archive, captured.isoformat()
            cut = truncation_error(got.truncated, item.parse_errors)
            if cut:
                item.parse_errors.append(cut)
            out.items.append(item)
            if item.published_at:
                published[article_id] = parse_time(item.published_at)
    finally:
        archive.close()
    for article_id in sorted(sel.chosen):
        shown = published.get(article_id)
        day = shown.astimezone(KST).date() if shown else article_date(article_id)
        out.seen[article_id] = SeenArticle(article_id=article_id, kst_date=day.isoformat(),
                                           sources=sorted(sel.found_in[article_id]))
    out.figures = {
        **figures,
        "ids_found": len(sel.chosen),
        "found_in": dict(Counter(a for archives in sel.found_in.values() for a in archives)),
        "chosen": dict(Counter(c.archive for c in sel.chosen.values())),
        "skipped_site": len([i for i in sel.chosen if i in skip]),
        "unchanged": unchanged,
        "fetched": dict(fetched),
        "failed": len(out.failed_ids),
        "requests": dict(client.requests),
        "retries": dict(client.retries),
        "index_cache_hits": cache.hits - hits_before,
        "days_without_capture": sorted(set(days) - {article_date(i).isoformat() for i in sel.chosen}),
    }
    return out


def _upload(settings: Settings, run_id: str, work: Path, items: list[CrawledArticle], *, append: bool) -> None:
    """The pass's WARC files to ``raw/dt=…/<run_id>.warc.gz``. ``append`` (an auto run): after
    the site crawl's records of the same run and day -- gzip members concatenate into one
    valid WARC file -- and the items' record offsets move by what was there."""
    shift: dict[str, int] = {}
    for dt, path in local_files(work / "warc").items():
        key = raw_key(dt, run_id)
        data = path.read_bytes()
        if append and s3.exists(settings, key):
            before = s3.get_bytes(settings, key)
            shift[key], data = len(before), before + data
        s3.put_bytes(settings, key, data, "application/warc")
    for item in items:
        if item.raw_uri and shift:
            bucket, key, offset, length = parse_record_uri(item.raw_uri)
            if key in shift:
                item.raw_uri = record_uri(bucket, key, offset + shift[key], length)


def _write(settings: Settings, run_id: str, work: Path, items, errors, seen, searched, *,
           new_items: list[CrawledArticle] | None = None) -> None:
    """The staging outputs; ``new_items`` (auto): the archive pass's items, appended to the
    raw archive after the site's (``items`` are then all of the run's)."""
    _upload(settings, run_id, work, list(items) if new_items is None else new_items, append=new_items is not None)
    staging.write_jsonl(settings, run_id, staging.ITEMS, (i.to_dict() for i in items))
    staging.write_jsonl(settings, run_id, staging.CRAWL_ERRORS, (e.to_dict() for e in errors))
    staging.write_jsonl(settings, run_id, staging.SEEN, (s.to_dict() for s in seen))
    staging.write_jsonl(settings, run_id, staging.SEARCHED, (d.to_dict() for d in searched))


def _too_many(failed: int, total: int) -> bool:
    return failed >= MIN_FAILED_ARTICLES and failed > MAX_FAILED_ARTICLE_SHARE * total


def _unreachable(err: ArchiveError, figures: dict[str, int] | None = None) -> ArchiveUnavailable:
    line = f"web archives unavailable: {err}; nothing was fetched (rerun when the archive answers)"
    return ArchiveUnavailable(SiteHealth(ARCHIVE_UNREACHABLE, line), figures)


def fetch_window(settings: Settings, run_id: str, window: Window, *, stored: dict[str, dict] | None = None,
                 parsers: list[str] | None = None) -> CrawlStats:
    """An archive run's crawl stage (see the module doc). ``stored``: {article_id: {"source",
    "captured_at", "fetched_at", "raw_uri"}} of the window's stored articles
    (storage.queries.stored_captures). Raises :class:`ArchiveUnavailable` when an index gives
    no usable answer."""
    Registry.from_names(parsers)
    s3.ensure_bucket(settings)
    started_at = datetime.now(UTC)
    work = Path(tempfile.mkdtemp(prefix=f"yonhap-archive-{run_id}-"))
    _emit(f"crawl {run_id}: web archives ({settings.cc_index_url}, {settings.wayback_url}) window {window}; "
          "no request to the site")
    try:
        try:
            got = archive_pass(settings, run_id, window, work, stored=stored, parsers=parsers)
        except ArchiveError as err:
            raise _unreachable(err) from err
        _write(settings, run_id, work, got.items, got.errors, got.seen.values(), got.searched)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    attempted = len(got.items) + len(got.failed_ids)
    health, line = ARCHIVE_OK, None
    if _too_many(len(got.failed_ids), attempted):
        health = ARCHIVE_DEGRADED
        line = (f"web archives: {len(got.failed_ids)} of {attempted} captures could not be fetched "
                f"({_causes(got.errors)}), above the {MAX_FAILED_ARTICLE_SHARE:.0%} limit; the others were loaded")
    elif not got.seen:
        health = ARCHIVE_QUIET
        line = f"quiet: the archives hold no capture of the window's articles ({len(got.searched) // 2} day(s) searched)"
    stats = CrawlStats(
        run_id=run_id, window_start=window.start.isoformat(), window_end=window.end.isoformat(),
        article_requests=got.pages + len(got.failed_ids), pages=got.pages, items=len(got.items),
        errors=len(got.errors), seen=len(got.seen), bytes=got.bytes, started_at=started_at.isoformat(),
        finished_at=datetime.now(UTC).isoformat(), site_health=SITE_NOT_ASKED,
        scrapy_stats={"source": WEB_ARCHIVES_SOURCE, "downloader/response_status_count/200": got.pages},
        source=RUN_SOURCE_ARCHIVE, archive_health=health, archive_health_line=line, archive=got.figures,
    )
    staging.write_json(settings, run_id, staging.CRAWL_STATS, stats.to_dict())
    _emit(f"crawl {run_id}: {stats.items} items from the archives ({_per_archive(got.figures)}), "
          f"{got.figures['unchanged']} already stored, {stats.errors} errors; "
          f"requests: {_requests(got.figures)}")
    if line:
        _emit(f"crawl {run_id}: {line}", logging.ERROR if health == ARCHIVE_DEGRADED else logging.INFO)
    return stats


def _per_archive(figures: dict[str, Any]) -> str:
    fetched = figures.get("fetched") or {}
    return ", ".join(f"{a} {fetched.get(a, 0)}" for a in ARCHIVE_SOURCES)


def _requests(figures: dict[str, Any]) -> str:
    sent = figures.get("requests") or {}
    return ", ".join(f"{a} {sent.get(a, 0)}" for a in (CC_INDEX, CC_DATA, WAYBACK))


def _causes(errors: list[CrawlError]) -> str:
    return ", ".join(f"{cause}: {n}" for cause, n in Counter(e.error for e in errors).most_common(3))


def _read(settings: Settings, run_id: str, name: str, cls) -> list:
    key = staging.key(run_id, name)
    if not s3.exists(settings, key):
        return []
    return [cls.from_dict(d) for d in staging.decode_jsonl(s3.get_bytes(settings, key))]


def fill(settings: Settings, run_id: str, window: Window, *, site_error: SiteUnavailable | None = None,
         stored: dict[str, dict] | None = None, parsers: list[str] | None = None) -> CrawlStats:
    """An ``auto`` run's second half, after the site crawl staged its outputs (or gave no usable
    answer: ``site_error``): the archives give the ids the site did not list, refused or failed;
    the staged outputs are rewritten with both. The archive verdict then covers the run: red
    only when too many of its articles came from neither."""
    started_at = datetime.now(UTC)
    site = CrawlStats.from_dict(staging.read_json(settings, run_id, staging.CRAWL_STATS))
    items = _read(settings, run_id, staging.ITEMS, CrawledArticle)
    errors = _read(settings, run_id, staging.CRAWL_ERRORS, CrawlError)
    seen = {s.article_id: s for s in _read(settings, run_id, staging.SEEN, SeenArticle)}
    searched = _read(settings, run_id, staging.SEARCHED, SearchedDay)
    failed_on_site = {e.article_id for e in errors if e.article_id}
    delivered = ({i.article_id for i in items} | set(site.not_modified_ids)) - failed_on_site
    denied = {s.article_id for s in seen.values() if s.robots_denied}
    skip = delivered | denied | (set(seen) - failed_on_site)  # listed and fetched (or skipped) by the site
    work = Path(tempfile.mkdtemp(prefix=f"yonhap-auto-{run_id}-"))
    archive_error: ArchiveError | None = None
    try:
        try:
            got = archive_pass(settings, run_id, window, work, skip=skip, stored=stored, parsers=parsers)
        except ArchiveError as err:
            if site_error is not None:  # neither the site nor the archives: nothing to load
                line = f"{site_error}; and {_unreachable(err)}"
                raise ArchiveUnavailable(SiteHealth(ARCHIVE_UNREACHABLE, line), site_error.figures) from err
            archive_error, got = err, ArchivePass()
        for article_id, entry in got.seen.items():
            if article_id in seen:
                mine = seen[article_id]
                mine.sources = sorted(set(mine.sources) | set(entry.sources))
            else:
                seen[article_id] = entry
        all_items = items + got.items
        all_errors = errors + got.errors
        _write(settings, run_id, work, all_items, all_errors, [seen[i] for i in sorted(seen)],
               searched + got.searched, new_items=got.items)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    from_archives = {i.article_id for i in got.items}
    unrecovered = (failed_on_site - from_archives) | (got.failed_ids - delivered)
    wanted = set(seen) | from_archives
    health, line = ARCHIVE_OK, None
    if archive_error is not None:
        health = ARCHIVE_UNREACHABLE
        line = (f"web archives unavailable: {archive_error}; the site's {len(items)} items were loaded, "
                f"{len(failed_on_site)} failed page(s) were not looked for in the archives")
    elif _too_many(len(unrecovered), len(wanted)):
        health = ARCHIVE_DEGRADED
        line = (f"{len(unrecovered)} of {len(wanted)} articles came neither from {urlsplit(settings.base_url).netloc} "
                f"nor from the archives, above the {MAX_FAILED_ARTICLE_SHARE:.0%} limit")
    elif from_archives:
        line = (f"{len(from_archives)} article(s) from the archives ({_per_archive(got.figures)}): the site did not "
                f"list them, refused or failed them")
        if site_error is not None:
            line = f"{site_error}; {line}"
    site.items = len(all_items)
    site.errors = len(all_errors)
    site.seen = len(seen)
    site.pages += got.pages
    site.bytes += got.bytes
    site.source = RUN_SOURCE_AUTO
    site.archive_health, site.archive_health_line = health, line
    site.archive = {**got.figures, "from_archives": len(from_archives),
                    "seconds": round((datetime.now(UTC) - started_at).total_seconds(), 3)}
    site.finished_at = datetime.now(UTC).isoformat()
    staging.write_json(settings, run_id, staging.CRAWL_STATS, site.to_dict())
    if line:
        _emit(f"crawl {run_id}: {line}", logging.ERROR if health != ARCHIVE_OK else logging.INFO)
    return site
