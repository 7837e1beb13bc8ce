"""The one item schema, and the staging layout every stage hands off through.

Stage hand-off (all under the run's S3 staging prefix, JSON lines, gzip):

    crawl      -> staging/<run_id>/items.jsonl.gz        CrawledArticle per fetched article page
                  staging/<run_id>/crawl_errors.jsonl.gz CrawlError per fetch that failed after retries
                  staging/<run_id>/crawl_stats.json      CrawlStats
    transform  -> staging/<run_id>/articles.jsonl.gz     ArticleRow per article id (latest content)
                  staging/<run_id>/revisions.jsonl.gz    RevisionRow per distinct content seen
                  staging/<run_id>/transform_rejects.jsonl.gz  RejectedItem (unparseable pages)
    validate   -> staging/<run_id>/passed.jsonl.gz       ArticleRow that passed the critical checks
                  staging/<run_id>/rejected.jsonl.gz     RejectedItem (with every failed expectation)
                  staging/<run_id>/gate.json             GateSummary
    load       -> Postgres schema `yonhap`, S3 curated/ (Parquet)

Times are ISO-8601 strings with an offset in JSON (KST +09:00 for site times, UTC for fetch
times); :func:`parse_time` turns them back into tz-aware datetimes.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ground.core.editions import ALL_SECTIONS, ALL_USAGE_NOTICES, EDITIONS, FR  # noqa: F401 (re-exported)

# Extraction layers, in the order they are tried; field_sources maps a field to one of these.
LAYER_JSONLD = "jsonld"
LAYER_META = "meta"  # OpenGraph / article:* meta / canonical link
LAYER_SELECTOR = "selector"  # the layout-versioned site parser
LAYER_GENERIC = "generic"  # trafilatura fallback
LAYERS = (LAYER_JSONLD, LAYER_META, LAYER_SELECTOR, LAYER_GENERIC)

# Desk labels of `article:section`, per edition (ground.core.editions): French labels
# inferred from the English ones (docs/site.md, "Sections"). The news-list link shown on every page
# ("Actualités", "All News") is never one of them.
SECTIONS = FR.sections  # the default edition's; ALL_SECTIONS: any edition's
NEWS_LIST_LABEL = FR.news_list_label
NEWS_LIST_LABELS = tuple(e.news_list_label for e in EDITIONS.values())

# The words inside the marker that ends an item's text (a regex alternation, case-insensitive
# where used): "(FIN)" (fr) / "(END)" (en) on the last part, "(A SUIVRE)" / "(MORE)" on
# continued parts, any edition's. The parsers and the transforms' second line of defense both
# build on it. "À SUIVRE" is the accented spelling of the French continuation marker.
END_MARKER_WORDS = "|".join(dict.fromkeys(
    re.escape(m.strip("()")).replace(r"\ ", r"\s+").replace("A", "[AÀ]", 1 if m.startswith("(A ") else 0)
    for e in EDITIONS.values() for m in (e.end_marker, e.continuation_marker)))

USAGE_NOTICE = FR.usage_notices[0]  # the French caption notice; ALL_USAGE_NOTICES: every one

# Bylines and editor's notes: the lines before the dateline that are not body text. The
# parsers take them out of the body, the transforms' cleaner drops what still reached it and
# the quality gate rejects a body holding one; all three build on these patterns, applied to
# whitespace-collapsed text (runs of spaces are one U+0020).
# A byline: "Par Kim Min-ji", "By Lee Minji", "Par Kim Min-ji et Park Jae-ho", "Par A, B & C".
# Names only (capitalized words, the apostrophe typographic or not, joined by a space, a comma,
# " et ", " and " or " & "): "Par ailleurs, …" is text. Before the dateline the prefix may be in
# capitals ("PAR …", "BY …"); BYLINE_WORD alone is for text after it (the gate: a line such as
# "PAR SECTEUR" in a price table is not a byline).
_NAME_WORD = r"[A-ZÀ-ÖØ-Þ][\w'’.-]*"
BYLINE_NAMES = rf"{_NAME_WORD}(?:(?: | ?, ?| et | and | & ){_NAME_WORD})*"
_BYLINE_WORDS = tuple(dict.fromkeys(e.byline_word for e in EDITIONS.values()))
BYLINE_WORD = "(?:" + "|".join(_BYLINE_WORDS) + ")"
BYLINE_PREFIX = "(?:" + "|".join((*_BYLINE_WORDS, *(w.upper() for w in _BYLINE_WORDS))) + ") "
# An editor's note: "(ATTN : ajout …)", "(NDLR : …)", "(ATTN: ADDS …)"; group ``note``: its text,
# without the parentheses and the spaces inside them.
EDITOR_NOTE_TAG = r"(?:ATTN|NDLR)\b"
EDITOR_NOTE = rf"\(\s*(?P<note>{EDITOR_NOTE_TAG}.*?)\s*\)"
# A whole line that is a byline (group ``byline``: the names) or an editor's note.
BYLINE_RE = re.compile(rf"^{BYLINE_PREFIX}(?P<byline>{BYLINE_NAMES})$")
EDITOR_NOTE_RE = re.compile(rf"^{EDITOR_NOTE}$", re.S)

# A text cut short with an ellipsis, "..." or "…" (trailing spaces aside), as the site's meta
# description is ("… ont re..."): a lead like that is not the first paragraph. The cleaner then
# prefers the lead derived from the body; the gate rejects a stored lead that still is one.
CUT_TEXT_REGEX = r"(?:\.\.\.|\u2026)\s*$"
_CUT_TEXT_RE = re.compile(CUT_TEXT_REGEX)


def cut_stem(text: str) -> str | None:
    """The kept part of a cut text ("Les deux voisins ont re..." -> "Les deux voisins ont re");
    None when ``text`` is not cut (see CUT_TEXT_REGEX)."""
    m = _CUT_TEXT_RE.search(text)
    return text[: m.start()].rstrip() if m else None


def parse_time(value: str | None) -> datetime | None:
    if value is None or value == "":
        return None
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        raise ValueError(f"naive time {value!r} in staged data")
    return dt


def format_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}")
    return value.isoformat()


class _Record:
    """JSON round-trip for the dataclasses below (dict in, dict out, unknown keys refused)."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        unknown = data.keys() - _field_names(cls)
        if unknown:
            raise ValueError(f"{cls.__name__}: unknown fields {sorted(unknown)}")
        return cls(**data)


@functools.cache
def _field_names(cls) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls))  # loads call from_dict per record


# Where a stored article's content came from (yonhap.articles.source, migration 0011): our own
# fetch from the site, or a capture of the page in a public web archive.
SOURCE_SITE = "site"
SOURCE_CC = "cc"  # Common Crawl
SOURCE_WAYBACK = "wayback"  # the Internet Archive's Wayback Machine
ARTICLE_SOURCES = (SOURCE_SITE, SOURCE_CC, SOURCE_WAYBACK)
ARCHIVE_SOURCES = (SOURCE_CC, SOURCE_WAYBACK)

# What a run fetches from (`run --source`, the backfill form's `source`): the site (today's
# behaviour), the web archives only (no request to the site), or the site first and the
# archives for the ids the site does not list, refuses or fails.
RUN_SOURCE_SITE = "site"
RUN_SOURCE_ARCHIVE = "archive"
RUN_SOURCE_AUTO = "auto"
RUN_SOURCES = (RUN_SOURCE_SITE, RUN_SOURCE_ARCHIVE, RUN_SOURCE_AUTO)


@dataclass
class ImageInfo(_Record):
    url: str
    alt: str | None = None
    caption: str | None = None  # without the usage notice
    notice: str | None = None  # the usage notice on its own, when present


@dataclass
class CrawledArticle(_Record):
    """One fetched article page, as the crawler extracted it (the one item schema).

    Produced by the spider (scrapers/) and by reprocessing the raw WARC archive; consumed by
    transforms/. Site times are ISO strings in KST; ``fetched_at`` is UTC.
    """

    article_id: str
    url: str  # canonical URL (tracking queries removed)
    requested_url: str
    http_status: int
    fetched_at: str
    run_id: str
    title_raw: str | None = None
    section: str | None = None
    published_at: str | None = None
    updated_at: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)  # ImageInfo.to_dict()
    author_email: str | None = None
    lead: str | None = None
    byline: str | None = None  # "Kim Min-ji" from a "Par Kim Min-ji" line before the dateline
    editor_note: str | None = None  # "ATTN : …" / "NDLR : …" before the dateline, no parentheses
    keywords: list[str] = field(default_factory=list)  # page tags, without "#", page order
    etag: str | None = None
    last_modified: str | None = None
    layout: str | None = None  # parser that handled the page, e.g. "yna-cms-v1"
    field_sources: dict[str, str] = field(default_factory=dict)  # field -> LAYER_*
    parse_errors: list[str] = field(default_factory=list)  # non-empty -> quarantined
    parse_warnings: list[str] = field(default_factory=list)  # recorded, never a reason to refuse
    raw_uri: str | None = None  # s3://bucket/raw/dt=…/<run_id>.warc.gz#offset=N
    source: str = SOURCE_SITE  # SOURCE_*: our fetch, or a web archive's capture
    captured_at: str | None = None  # the archive's capture time (UTC; = fetched_at); None: our fetch


@dataclass
class CrawlError(_Record):
    """A fetch that failed after retries (goes to yonhap.crawl_errors, retried next run)."""

    run_id: str
    url: str
    error: str  # "HTTP 503", "ConnectionLost", "TimeoutError", …
    attempts: int
    at: str
    status: int | None = None
    article_id: str | None = None  # the article the fetch was for (None: a list/feed page)


@dataclass
class SeenArticle(_Record):
    """An article id the crawler saw on the site and meant to fetch (yonhap.seen_articles: the
    completeness ledger's denominator). ``kst_date`` is the KST day the site showed for it
    (``listed_at``'s date), else its id's date."""

    article_id: str
    kst_date: str  # YYYY-MM-DD
    sources: list[str]  # list | feed | announced (the site) | cc | wayback (an archive's index)
    listed_at: str | None = None
    robots_denied: bool = False


@dataclass
class SearchedDay(_Record):
    """A KST day a run looked for articles in one source (yonhap.searched_days): the site's
    list pages and feed, or an archive's index. A day looked for with nothing seen anywhere is
    how the ledger shows a day missing from every source."""

    kst_date: str  # YYYY-MM-DD
    source: str  # SOURCE_*


# CrawlStats.scrapy_stats["source"] of a reprocess (re-parsed from the WARC archive, not fetched).
RAW_ARCHIVE_SOURCE = "raw archive"

# CrawlStats.site_health: what the site's answers said (scrapers.site_health decides; the load
# and the run summaries read it). Verdicts that fail the crawl itself never reach a load.
SITE_OK = "ok"
SITE_QUIET = "quiet"  # the site answered; nothing new or changed in the window (green)
SITE_DEGRADED = "degraded"  # too many of the run's article pages failed: red after the load
SITE_UNREACHABLE = "unreachable"  # no HTTP answer at all
SITE_ROBOTS_UNAVAILABLE = "robots_unavailable"  # robots.txt 5xx: RFC 9309 disallow-all
SITE_DISCOVERY_FAILED = "discovery_failed"  # every feed and list-page request failed
SITE_NOT_ASKED = "not_asked"  # an archive run: no request to the site at all

# CrawlStats.archive_health: what the web archives' answers said (scrapers.webarchive.health).
ARCHIVE_OK = "ok"
ARCHIVE_QUIET = "quiet"  # the indexes answered; no capture of the window's articles anywhere
ARCHIVE_DEGRADED = "degraded"  # too many of the run's articles could not be had: red after the load
ARCHIVE_UNREACHABLE = "unreachable"  # an index gave no usable answer after retries


@dataclass
class CrawlStats(_Record):
    run_id: str
    window_start: str
    window_end: str
    list_pages: int = 0
    rss_requests: int = 0
    article_requests: int = 0
    pages: int = 0  # every response received (any status)
    items: int = 0  # article items produced
    not_modified: int = 0  # 304 answers to conditional requests
    not_modified_ids: list[str] = field(default_factory=list)  # touch last_seen_at
    errors: int = 0
    retries: int = 0
    robots_denied: int = 0
    targets: int = 0  # ids asked for by name (an event run: no list walk, no feed)
    seen: int = 0  # article ids seen on the site and meant to fetch (staging SEEN: the ledger)
    archive_missing: int = 0  # stored articles fetched in full: their archived page was gone
    # reprocess: KST days with stored articles but no archived 200 page -> articles expected
    archive_missing_days: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    started_at: str | None = None
    finished_at: str | None = None
    site_health: str = SITE_OK  # SITE_* above
    site_health_line: str | None = None  # the verdict in one line (None when all is well)
    scrapy_stats: dict[str, Any] = field(default_factory=dict)
    source: str = RUN_SOURCE_SITE  # RUN_SOURCE_*: what the run fetched from
    archive_health: str | None = None  # ARCHIVE_* (archive and auto runs), else None
    archive_health_line: str | None = None
    # archive and auto runs: captures found and fetched per archive, requests per archive host,
    # ids taken from the archives (scrapers.webarchive.stage)
    archive: dict[str, Any] = field(default_factory=dict)


# Columns of yonhap.articles in table order (the first analyst surface, docs/analysts.md), plus our additions after them.
ARTICLE_COLUMNS = (
    "article_id", "url", "title", "title_raw", "version_label", "story_id", "duplicate_of",
    "section", "published_at", "updated_at", "dateline", "lead", "body", "author_email",
    "images", "word_count", "content_hash", "first_seen_at", "last_seen_at", "raw_uri", "run_id",
    # additions
    "is_routine", "layout", "field_sources", "etag", "last_modified", "fetched_at",
    # round 2: migration 0004
    "byline", "editor_note", "keywords",
    # issue 21: migration 0007 ("fr" | "en", ground.core.editions)
    "edition",
    # issue 32: migration 0010 (mostly figures: a price list, a continued part)
    "is_table",
    # issue 35: migration 0011 (site | cc | wayback; the archive's capture time)
    "source", "captured_at",
)


@dataclass
class ArticleRow(_Record):
    """One clean article (transform output, quality-gate input, load input).

    first_seen_at / last_seen_at are maintained by the loader, not carried here.
    """

    article_id: str
    url: str
    title: str
    title_raw: str
    version_label: str | None
    story_id: str
    duplicate_of: str | None
    section: str | None
    published_at: str | None
    updated_at: str | None
    dateline: str | None
    lead: str | None
    body: str
    author_email: str | None
    images: list[dict[str, Any]]
    word_count: int
    content_hash: str
    raw_uri: str | None
    run_id: str
    is_routine: bool = False
    layout: str | None = None
    field_sources: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: str | None = None
    byline: str | None = None
    editor_note: str | None = None
    keywords: list[str] = field(default_factory=list)
    edition: str = FR.code  # the edition of the id's prefix (the transform sets it)
    is_table: bool = False  # mostly figures (transforms.clean.is_table); a routine item too
    source: str = SOURCE_SITE  # SOURCE_*: where the content came from
    captured_at: str | None = None  # an archive's capture time; None for our own fetch


@dataclass
class RevisionRow(_Record):
    article_id: str
    content_hash: str
    title_raw: str
    body: str
    fetched_at: str


@dataclass
class RejectedItem(_Record):
    run_id: str
    article_id: str | None
    url: str | None
    reasons: list[str]
    payload: dict[str, Any]
    stage: str = "validate"  # "parse" | "transform" | "validate"


@dataclass
class GateSummary(_Record):
    run_id: str
    success: bool  # False -> the run fails (a batch-level critical expectation failed)
    rows_in: int
    rows_passed: int
    rows_rejected: int
    failed_critical: list[str] = field(default_factory=list)  # batch-level, human-readable
    warnings: list[str] = field(default_factory=list)
    report_uri: str | None = None  # s3://bucket/quality/<run_id>/index.html
    results_uri: str | None = None  # s3://bucket/quality/<run_id>/results.json
