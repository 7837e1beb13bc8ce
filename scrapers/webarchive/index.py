"""The archives' CDX indexes: Common Crawl's index server and the Wayback CDX server.

Common Crawl: ``<index>/collinfo.json`` lists the crawls (id, ``cdx-api``, ``from``/``to``
span); each crawl's CDX API answers JSON lines (``output=json``), paginated (``showNumPages``
then ``page=0…``). Wayback: ``<wayback>/cdx/search/cdx?output=json`` answers a JSON array whose
first row names the fields, paginated the same way (``showNumPages`` answers a bare number).
cdx_toolkit's ``cdx_to_captures`` reads both answer formats (and pywb's "no captures" 404);
the requests are ours (client.ArchiveClient). Every answer is kept in an :class:`IndexCache`,
saved with the run's staging files, so a retried crawl asks no index twice.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ground.core.schema import SOURCE_CC, SOURCE_WAYBACK
from scrapers.webarchive.captures import Capture, capture_from_row
from scrapers.webarchive.client import CC_INDEX, WAYBACK, ArchiveClient, ArchiveError

# Crawls (and Wayback captures) later than this after the window are not asked: a news page
# is captured when it is linked, in the weeks after publication; a capture years later adds
# requests, not articles.
CAPTURE_HORIZON = timedelta(days=365)
PAGES_MAX = 10_000  # a runaway page count is a broken answer, not a reason to ask forever


@dataclass(frozen=True)
class Crawl:
    id: str
    cdx_api: str
    start: datetime | None
    end: datetime | None


class _Answer:
    """What cdx_toolkit.cdx_to_captures reads of a response, from the cache."""

    def __init__(self, status_code: int, text: str):
        self.status_code, self.text = status_code, text


class IndexCache:
    """Index answers of one run: (url, params) -> (status, text)."""

    def __init__(self, answers: dict[str, list] | None = None):
        self.answers: dict[str, list] = dict(answers or {})
        self.hits = 0

    @staticmethod
    def key(url: str, params: dict[str, Any]) -> str:
        return url + "?" + "&".join(f"{k}={params[k]}" for k in sorted(params))

    def get(self, client: ArchiveClient, archive: str, url: str, params: dict[str, Any],
            accept=(200,)) -> _Answer:
        k = self.key(url, params)
        if k in self.answers:
            self.hits += 1
            status, text = self.answers[k]
            return _Answer(status, text)
        resp = client.get(archive, url, params=params, accept=accept)
        self.answers[k] = [resp.status_code, resp.text]
        return _Answer(resp.status_code, resp.text)

    def to_json(self) -> bytes:
        return json.dumps(self.answers, ensure_ascii=False, sort_keys=True).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> IndexCache:
        return cls(json.loads(data.decode("utf-8")))


def _parse(answer: _Answer) -> list:
    import cdx_toolkit  # lazy: pulls requests and warcio in; DAG parsing never needs it

    if answer.status_code == 404 or not answer.text.strip():
        return []  # pywb: {"message": "No Captures found …"}; IA: an empty answer
    return cdx_toolkit.cdx_to_captures(answer)


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


_CRAWL_WEEK = re.compile(r"CC-MAIN-(\d{4})-(\d{2})$")


def _span_from_id(crawl_id: str) -> tuple[datetime | None, datetime | None]:
    """A crawl without a from/to span: its id names the ISO week it ended (CC-MAIN-2024-26)."""
    m = _CRAWL_WEEK.match(crawl_id)
    if not m:
        return None, None
    end = datetime.fromisocalendar(int(m.group(1)), int(m.group(2)), 7).replace(tzinfo=UTC)
    return end - timedelta(days=21), end + timedelta(days=1)


class CommonCrawlIndex:
    """Common Crawl's index server at ``index_url``."""

    def __init__(self, client: ArchiveClient, index_url: str, cache: IndexCache):
        self.client, self.index_url, self.cache = client, index_url.rstrip("/"), cache

    def crawls(self) -> list[Crawl]:
        answer = self.cache.get(self.client, CC_INDEX, self.index_url + "/collinfo.json", {})
        try:
            entries = json.loads(answer.text)
        except ValueError:
            raise ArchiveError(CC_INDEX, self.index_url + "/collinfo.json", "collinfo.json is not JSON", 1) from None
        out = []
        for entry in entries if isinstance(entries, list) else []:
            crawl_id, api = entry.get("id"), entry.get("cdx-api")
            if not crawl_id or not api:
                continue
            start, end = _time(entry.get("from")), _time(entry.get("to"))
            if start is None or end is None:
                start, end = _span_from_id(crawl_id)
            out.append(Crawl(crawl_id, api, start, end))
        return sorted(out, key=lambda c: c.id)

    def crawls_for(self, start: datetime, end: datetime) -> list[Crawl]:
        """The crawls that may hold captures of pages published in [start, end): those whose
        span ends after the window starts (a page is captured after it is published) and
        begins before CAPTURE_HORIZON past its end."""
        return [c for c in self.crawls()
                if (c.end is None or c.end >= start) and (c.start is None or c.start < end + CAPTURE_HORIZON)]

    def query(self, crawl: Crawl, pattern: str) -> list[Capture]:
        """Every row for ``pattern`` (a prefix query: ``host/view/AFR202406*``) in one crawl."""
        params = {"url": pattern, "output": "json"}
        head = self.cache.get(self.client, CC_INDEX, crawl.cdx_api, {**params, "showNumPages": "true"},
                              accept=(200, 404))
        pages = _page_count(head, crawl.cdx_api)
        rows: list[Capture] = []
        for page in range(pages):
            answer = self.cache.get(self.client, CC_INDEX, crawl.cdx_api, {**params, "page": str(page)},
                                    accept=(200, 404))
            rows.extend(capture_from_row(SOURCE_CC, r, crawl.id) for r in _parse(answer))
        return rows

    def lookup(self, crawl: Crawl, url: str) -> list[Capture]:
        """The rows of one exact URL (a captured redirect's target)."""
        answer = self.cache.get(self.client, CC_INDEX, crawl.cdx_api, {"url": url, "output": "json"},
                                accept=(200, 404))
        return [capture_from_row(SOURCE_CC, r, crawl.id) for r in _parse(answer)]


class WaybackIndex:
    """The Wayback Machine's CDX server under ``wayback_url``."""

    def __init__(self, client: ArchiveClient, wayback_url: str, cache: IndexCache):
        self.client, self.cache = client, cache
        self.api = wayback_url.rstrip("/") + "/cdx/search/cdx"

    def query(self, pattern: str, start: datetime, end: datetime) -> list[Capture]:
        params = {"url": pattern, "output": "json", "from": _stamp(start), "to": _stamp(end + CAPTURE_HORIZON)}
        head = self.cache.get(self.client, WAYBACK, self.api, {**params, "showNumPages": "true"})
        pages = _page_count(head, self.api)
        rows: list[Capture] = []
        for page in range(pages):
            answer = self.cache.get(self.client, WAYBACK, self.api, {**params, "page": str(page)})
            rows.extend(capture_from_row(SOURCE_WAYBACK, r) for r in _parse(answer))
        return rows

    def lookup(self, url: str, start: datetime, end: datetime) -> list[Capture]:
        params = {"url": url, "output": "json", "from": _stamp(start), "to": _stamp(end + CAPTURE_HORIZON)}
        return [capture_from_row(SOURCE_WAYBACK, r) for r in _parse(self.cache.get(self.client, WAYBACK, self.api, params))]


def _stamp(when: datetime) -> str:
    """A CDX timestamp: 14 digits, UTC (the window's bounds are KST times)."""
    return when.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def _page_count(answer: _Answer, url: str) -> int:
    """``showNumPages``: pywb answers {"pages": N, …}, the Wayback CDX server a bare N."""
    if answer.status_code == 404:
        return 0
    try:
        value = json.loads(answer.text)
    except ValueError:
        value = None
    if isinstance(value, dict):
        value = value.get("pages")
    if not isinstance(value, int) or not 0 <= value <= PAGES_MAX:
        archive = CC_INDEX if "/cdx/search/cdx" not in url else WAYBACK
        raise ArchiveError(archive, url, f"showNumPages answered {answer.text[:60]!r}", 1)
    return value
