"""Discovery (pure): read list pages and the RSS feed, and seek the list pages of a window.

The latest-news list is newest first, 20 items a page, and a page past the end is empty. To
find the first page holding a window we gallop (pages 1, 2, 4, 8, ...) until a page reaches
below the window's end, then bisect between the last two probes; that costs at most
2*log2(p)+2 list pages for a window starting on page p. From there we walk forward until
items are older than the window. No network here: the spider feeds pages in and asks what
to fetch next.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from email.utils import parsedate_to_datetime

from ground.core.timeutil import KST, Window
from ground.core.timeutil import article_date as _article_date
from scrapers.canonical import article_id_from_url, canonicalize, is_followable

# Ids are parsed many times per page (bounds, validation); the date of an id never changes.
article_date = functools.lru_cache(maxsize=65536)(_article_date)

_LIST_DATE_RE = re.compile(r"(\d{1,2})\.(\d{1,2})\.?(?:(\d{4}))?\s+(\d{1,2})[:h](\d{2})")
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class ListEntry:
    """An article seen on a list page or in the feed, with bounds on its publication time.

    ``published`` is exact when the page showed a time; otherwise only the id's KST date is
    known and [earliest, latest) spans that whole day.
    """

    article_id: str
    url: str
    published: datetime | None

    @property
    def earliest(self) -> datetime:
        if self.published is not None:
            return self.published
        return datetime.combine(article_date(self.article_id), time(0), KST)

    @property
    def latest(self) -> datetime:
        """Exclusive upper bound."""
        if self.published is not None:
            return self.published + _TICK
        return datetime.combine(article_date(self.article_id) + timedelta(days=1), time(0), KST)

    def may_be_in(self, window: Window) -> bool:
        return self.earliest < window.end and self.latest > window.start

    def surely_before(self, moment: datetime) -> bool:
        return self.latest <= moment


def _entry(href: str, base_url: str, published: datetime | None) -> ListEntry | None:
    url = canonicalize(href, base_url)
    if not is_followable(url, base_url):
        return None
    article_id = article_id_from_url(url)
    if article_id is None or article_date(article_id) is None:
        return None
    return ListEntry(article_id, url, published)


def list_date(text: str, article_id: str) -> datetime | None:
    """'19.06 20:04' (KST, no year) -> aware datetime; the year comes from the article id.

    A day/month that disagrees with the id's date is not trusted (None).
    """
    day = article_date(article_id)
    m = _LIST_DATE_RE.search(text or "")
    if day is None or not m:
        return None
    d, mo, year, hh, mm = m.groups()
    try:
        shown = date(int(year) if year else day.year, int(mo), int(d))
        clock = time(int(hh), int(mm))
    except ValueError:
        return None
    if shown != day:
        return None
    return datetime.combine(day, clock, KST)


def parse_list_page(body: bytes, base_url: str) -> list[ListEntry]:
    """Article entries of a /news list page, in page order (newest first).

    Only the list block is read, so navigation and related links never become requests.
    """
    from lxml import html as lxml_html  # lazy: only parsing needs lxml; CLI start-up loads this

    if not body or not body.strip():
        return []
    doc = lxml_html.fromstring(body)
    entries: list[ListEntry] = []
    seen: set[str] = set()
    for art in doc.xpath(
        '//div[contains(concat(" ", normalize-space(@class), " "), " smain-list-type01 ")]//li'
    ):
        hrefs = art.xpath('.//*[contains(concat(" ", normalize-space(@class), " "), " tit ")]//a/@href') or art.xpath(
            ".//a/@href"
        )
        if not hrefs:
            continue
        date_text = " ".join(
            art.xpath('.//*[contains(concat(" ", normalize-space(@class), " "), " date ")]//text()')
        )
        url = canonicalize(hrefs[0], base_url)
        article_id = article_id_from_url(url)
        if article_id is None:
            continue
        entry = _entry(hrefs[0], base_url, list_date(date_text, article_id))
        if entry and entry.article_id not in seen:
            seen.add(entry.article_id)
            entries.append(entry)
    return entries


def rss_date(text: str | None) -> datetime | None:
    """RFC 822 pubDate; a date without a zone is KST wall-clock time (Yonhap's feeds)."""
    if not text or not text.strip():
        return None
    try:
        dt = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=KST)
    # email.utils maps "-0000" to naive and "+0000" to UTC; both are honored as given.
    return dt.astimezone(KST)


def parse_rss(body: bytes, base_url: str) -> list[ListEntry]:
    from lxml import etree  # lazy: as in parse_list_page()

    if not body or not body.strip():
        return []
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    root = etree.fromstring(body, parser=parser)
    if root is None:
        return []
    entries: list[ListEntry] = []
    seen: set[str] = set()
    for item in root.iter("item"):
        link = (item.findtext("link") or "").strip()
        if not link:
            continue
        entry = _entry(link, base_url, rss_date(item.findtext("pubDate")))
        if entry is None:
            continue
        # A feed time that disagrees with the id's date is not trusted.
        if entry.published is not None and entry.published.date() != article_date(entry.article_id):
            entry = ListEntry(entry.article_id, entry.url, None)
        if entry.article_id not in seen:
            seen.add(entry.article_id)
            entries.append(entry)
    return entries


def feed_covers(entries: list[ListEntry], window: Window) -> bool:
    """True when the feed reaches back before the window start, so it lists every article of
    the window newer than its oldest item and the list pages need not be searched."""
    return bool(entries) and any(e.surely_before(window.start) for e in entries)


@dataclass
class ListSeek:
    """Gallop + bisect to the first list page of a window, then walk forward.

    Drive it with ``next_pages()`` / ``observe(page, entries)``; ``observe`` returns the
    entries to request (only those that may be in the window). Locating is sequential (each
    probe depends on the last); the walk keeps up to ``lookahead`` pages in flight, so
    discovery keeps pace with concurrent article downloads (it may overshoot the window's end
    by at most ``lookahead - 1`` pages). A page that could not be fetched is observed as
    ``None``: while locating it counts as reaching below the window's end, which can only
    start the walk earlier, never skip articles; while walking it is asked once more.
    """

    window: Window
    lookahead: int = 1
    max_page: int = 1 << 24
    max_failed_streak: int = 3
    phase: str = "gallop"
    lo: int = 0  # highest page known to be entirely newer than the window
    hi: int | None = None  # lowest page known to reach below the window end
    probe: int = 1
    located: int | None = None
    seek_requests: int = 0
    walk_requests: int = 0
    failed_streak: int = 0  # consecutive unfetchable pages while walking
    cursor: int = 0  # next page to process in walk order
    issued_upto: int = 0  # highest page handed out while walking
    pages: dict[int, list[ListEntry] | None] = field(default_factory=dict)
    inflight: set[int] = field(default_factory=set)
    refetch: list[int] = field(default_factory=list)
    refetched: set[int] = field(default_factory=set)

    @property
    def done(self) -> bool:
        return self.phase == "done"

    def next_pages(self) -> list[int]:
        """Pages to request now (none while the answer to an earlier one is awaited)."""
        if self.phase == "done":
            return []
        if self.phase in ("gallop", "bisect"):
            if self.probe in self.inflight:
                return []
            self.inflight.add(self.probe)
            return [self.probe]
        out: list[int] = []
        while self.refetch and len(self.inflight) < self.lookahead:
            page = self.refetch.pop()
            self.inflight.add(page)
            out.append(page)
        # Never more than `lookahead` pages ahead of the first unprocessed one.
        horizon = min(self.max_page, self.cursor + self.lookahead - 1)
        while len(self.inflight) < self.lookahead and self.issued_upto < horizon:
            self.issued_upto += 1
            if self.issued_upto in self.pages:
                continue  # already fetched while locating
            self.inflight.add(self.issued_upto)
            out.append(self.issued_upto)
        return out

    def _reaches_below_end(self, entries: list[ListEntry] | None) -> bool:
        if entries is None or not entries:
            return True  # failed or past the end
        return any(e.surely_before(self.window.end) for e in entries)

    def observe(self, page: int, entries: list[ListEntry] | None) -> list[ListEntry]:
        self.inflight.discard(page)
        if self.phase == "done":
            return []  # a lookahead page that arrived after the walk ended
        if self.phase == "walk":
            self.walk_requests += 1
            self.pages[page] = entries
            return self._advance()
        if page != self.probe:
            raise ValueError(f"ListSeek expected page {self.probe} in phase {self.phase}, got {page}")
        self.seek_requests += 1
        self.pages[page] = entries
        below = self._reaches_below_end(entries)
        if self.phase == "gallop":
            if below:
                self.hi = page
                self.phase = "bisect"
            else:
                self.lo = page
                if page * 2 > self.max_page:
                    self.phase = "done"
                    return []
                self.probe = page * 2
                return []
        elif below:
            self.hi = page
        else:
            self.lo = page
        assert self.hi is not None
        if self.hi - self.lo <= 1:
            self.located = self.hi
            self.phase = "walk"
            self.cursor = self.hi
            self.issued_upto = self.hi - 1
            return self._advance()
        self.probe = (self.lo + self.hi) // 2
        return []

    def _advance(self) -> list[ListEntry]:
        """Process fetched pages in order from the cursor; stop at the end of the list, below
        the window start, or after too many unfetchable pages in a row."""
        wanted: list[ListEntry] = []
        while self.cursor in self.pages:
            entries = self.pages[self.cursor]
            if entries is None and self.cursor not in self.refetched:
                self.refetched.add(self.cursor)  # one more try before giving the page up
                del self.pages[self.cursor]
                self.refetch.append(self.cursor)
                break
            if entries is not None and not entries:
                self.phase = "done"  # past the end
                break
            self.failed_streak = self.failed_streak + 1 if entries is None else 0
            wanted += [e for e in entries or [] if e.may_be_in(self.window)]
            if self.failed_streak >= self.max_failed_streak:
                self.phase = "done"  # the site is failing; the errors are recorded
                break
            if (entries and any(e.surely_before(self.window.start) for e in entries)) or self.cursor >= self.max_page:
                self.phase = "done"
                break
            self.cursor += 1
        return wanted
