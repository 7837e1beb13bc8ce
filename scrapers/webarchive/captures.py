"""Captures of article pages in the archives' indexes, and which one per article id is taken.

Pure functions over CDX rows (no HTTP). The window's days decide the index queries: article
ids carry their KST day (``AFR20240619…``), so one prefix query per month of the window (per
day when the window holds only a few days of that month) on each host of the edition, the
desktop host and the mobile one (``fr.yna.co.kr``, ``m-fr.yna.co.kr``), finds them all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from ground.core.editions import Edition
from ground.core.schema import SOURCE_CC, SOURCE_WAYBACK
from ground.core.timeutil import article_date
from scrapers.canonical import ARTICLE_PATH_RE

# A month with more of the window's days than this is asked for with one month prefix
# (AFR202406*), else day by day (AFR20240619*): a 3-day backfill asks for 3 days, a month asks once.
DAY_QUERIES_MAX = 3
# Archive order when two captures of an id share a timestamp (deterministic choice).
_ARCHIVE_RANK = {SOURCE_CC: 1, SOURCE_WAYBACK: 0}


@dataclass(frozen=True)
class Capture:
    """One index row: a page as an archive captured it (``status`` None: a revisit or unknown)."""

    archive: str  # SOURCE_CC | SOURCE_WAYBACK
    url: str  # the URL the archive's crawler requested
    timestamp: str  # YYYYMMDDhhmmss, UTC
    status: int | None
    mime: str | None = None
    digest: str | None = None
    filename: str | None = None  # cc: the WARC file, its byte range
    offset: int | None = None
    length: int | None = None
    redirect: str | None = None  # cc: the Location of a 3xx capture
    crawl: str | None = None  # cc: the crawl id (CC-MAIN-2024-26)
    # The article URL this capture stands for when it was reached through a captured redirect
    # (the page moved to another URL); None: its own URL.
    requested: str | None = None

    @property
    def article_url(self) -> str:
        return self.requested or self.url

    @property
    def captured_at(self) -> datetime:
        return datetime.strptime(self.timestamp[:14].ljust(14, "0"), "%Y%m%d%H%M%S").replace(tzinfo=UTC)

    @property
    def is_redirect(self) -> bool:
        return self.status is not None and 300 <= self.status < 400

    def rank(self) -> tuple:
        """Latest first; on a tie Common Crawl (a WARC record with its headers), then the URL."""
        return (self.timestamp, _ARCHIVE_RANK.get(self.archive, 0), self.url)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def capture_from_row(archive: str, row, crawl: str | None = None) -> Capture:
    """A Capture from one CDX row (a dict, or cdx_toolkit's CaptureObject: pywb and IA field
    names are already the same there: url, timestamp, status, mime, digest, …)."""
    get = row.get
    return Capture(
        archive=archive, url=str(get("url") or get("original") or ""), timestamp=str(get("timestamp") or ""),
        status=_int(get("status") or get("statuscode")), mime=get("mime") or get("mimetype"),
        digest=get("digest"), filename=get("filename"), offset=_int(get("offset")), length=_int(get("length")),
        redirect=get("redirect"), crawl=crawl,
    )


def hosts(edition: Edition) -> tuple[str, ...]:
    """The hosts an edition's articles were served from: the site and its mobile twin."""
    return (edition.host, f"m-{edition.host}")


def id_prefixes(days: list[date], id_prefix: str) -> list[str]:
    """Article-id prefixes covering ``days``: a month's prefix when the window holds more than
    DAY_QUERIES_MAX of its days, else one per day (captures of other days are dropped later)."""
    by_month: dict[str, list[date]] = defaultdict(list)
    for day in sorted(set(days)):
        by_month[f"{day:%Y%m}"].append(day)
    out = []
    for month, in_month in sorted(by_month.items()):
        if len(in_month) > DAY_QUERIES_MAX:
            out.append(f"{id_prefix}{month}")
        else:
            out.extend(f"{id_prefix}{d:%Y%m%d}" for d in in_month)
    return out


def query_patterns(edition: Edition, days: list[date]) -> list[str]:
    """The CDX ``url`` patterns (prefix queries) for the window's days, every host."""
    return [f"{host}/view/{prefix}*" for prefix in id_prefixes(days, edition.id_prefix) for host in hosts(edition)]


def article_id_of(url: str, edition: Edition) -> str | None:
    """The edition's article id a captured URL is the page of (either host, http or https,
    any query), else None: list pages, search, photos, another edition's ids."""
    try:
        parts = urlsplit(url if "://" in url else "http://" + url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower().removeprefix("www.")
    if host not in hosts(edition):
        return None
    m = ARTICLE_PATH_RE.match(parts.path)
    if not m or not m.group(1).startswith(edition.id_prefix):
        return None
    return m.group(1)


@dataclass
class Selection:
    """What the indexes offered for the window: per article id the capture to fetch, and what
    was left aside (counted for the run's figures)."""

    chosen: dict[str, Capture] = field(default_factory=dict)  # article id -> latest 200 capture
    found_in: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # id -> archives
    redirects: list[Capture] = field(default_factory=list)  # 3xx captures of ids without a 200 one
    not_article: int = 0  # rows of other pages (list pages, photos, another edition)
    other_days: int = 0  # article captures of days outside the window
    not_ok: int = 0  # 4xx/5xx/revisit captures
    rows: int = 0

    def take(self, article_id: str, capture: Capture) -> None:
        self.found_in[article_id].add(capture.archive)
        best = self.chosen.get(article_id)
        if best is None or capture.rank() > best.rank():
            self.chosen[article_id] = capture


def select(captures, edition: Edition, days: set[date]) -> Selection:
    """Keep the 200 captures of the edition's article pages of ``days``; per article id the
    latest (``Capture.rank``). A 3xx capture of an article URL whose id has no 200 capture is
    kept to be followed (its target: the Location, known from a Common Crawl row, learned by
    fetching a Wayback one)."""
    sel = Selection()
    pending: list[Capture] = []
    for capture in captures:
        sel.rows += 1
        article_id = article_id_of(capture.url, edition)
        if article_id is None:
            sel.not_article += 1
            continue
        if article_date(article_id) not in days:
            sel.other_days += 1
            continue
        if capture.status == 200:
            sel.take(article_id, capture)
        elif capture.is_redirect:
            pending.append(capture)
        else:
            sel.not_ok += 1
    for capture in sorted(pending, key=Capture.rank, reverse=True):
        source_id = article_id_of(capture.url, edition)
        if source_id in sel.chosen or any(article_id_of(c.url, edition) == source_id for c in sel.redirects):
            continue  # http -> https, mobile -> desktop of an id already captured; one per id
        sel.redirects.append(capture)
    return sel
