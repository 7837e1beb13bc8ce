"""Watching the site for new articles: one cheap, polite request per poll.

The Airflow trigger (pipeline.airflow.feed_trigger) calls :meth:`FeedWatch.poll` every
``YONHAP_POLL_SECONDS``; anything else (a test, a shell) can call it too: this module knows
nothing of Airflow. Each poll sends **at most one request** to the site:

- normally a conditional GET of the RSS feed (If-None-Match / If-Modified-Since: an idle site
  answers 304 with no body);
- the first list page instead when the feed looks stale: it failed last time, it has not changed
  for ``stale_seconds`` while the list was not checked for as long, or the list showed ids the
  feed lacked (then feed and list alternate until the feed catches up);
- ``/robots.txt`` instead, once a day (RFC 9309: a 4xx means no rules, a 5xx or no answer means
  "do not crawl" until it answers), whose Disallow rules and Crawl-delay are obeyed;
- nothing at all while a Retry-After (429/503) is running.

A poll reports the article ids that are new (never seen) or changed (the shown publication
time moved) since the last poll. The watcher's memory (:class:`WatchState`) is a small JSON
object the caller persists, so a restart resumes without re-announcing the whole feed.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
import urllib.robotparser
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from ground.core.timeutil import retry_after_seconds
from scrapers.canonical import list_page_url, rss_url
from scrapers.discovery import ListEntry, parse_list_page, parse_rss

ROBOTS_MAX_AGE = 24 * 3600  # re-read robots.txt daily
STALE_SECONDS = 15 * 60  # a feed unchanged this long gets a look at the list page
MAX_WAIT = 3600.0  # a Retry-After longer than this is capped
MAX_SEEN = 2000  # ids remembered (the feed and a list page show far fewer)
TIMEOUT = 30.0
MAX_BODY = 5 * 1024 * 1024

FEED, LIST, ROBOTS = "feed", "list", "robots"
# Appended to YONHAP_USER_AGENT: the site's operators (and our benchmarks) can tell the watcher's
# once-a-minute polls from the crawls in their access logs.
WATCHER_TOKEN = "feed-watch"


@dataclass
class WatchState:
    """What the watcher remembers between polls (JSON-serializable; persisted by the caller)."""

    validators: dict[str, dict[str, str]] = field(default_factory=dict)  # source -> etag / last_modified
    seen: dict[str, str] = field(default_factory=dict)  # article id -> signature (shown time)
    feed_changed_at: float = 0.0  # last poll the feed had new content (epoch seconds)
    list_checked_at: float = 0.0
    feed_failed: bool = False  # the last feed request failed
    feed_lagging: bool = False  # the list showed ids the feed did not have
    robots_fetched_at: float = 0.0
    robots_txt: str | None = None  # None: never read; "" : no rules
    robots_unavailable: bool = False  # robots.txt answered 5xx / not at all: do not crawl
    backoff_until: float = 0.0
    polls: int = 0
    requests: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> WatchState:
        if not isinstance(data, dict):
            return cls()
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        try:
            return cls(**known)
        except TypeError:
            return cls()


@dataclass(frozen=True)
class Poll:
    """One poll's outcome: the ids to ingest (newest first) and how long to wait."""

    source: str | None  # FEED, LIST, ROBOTS, or None (no request: backing off / disallowed)
    status: int | None  # HTTP status, None for a network error or no request
    ids: list[str]
    published: dict[str, str | None]  # id -> shown publication time (ISO) when known
    wait_seconds: float
    note: str  # one line for the log

    @property
    def requests(self) -> int:
        return 1 if self.source else 0

    def payload(self, detected_at: datetime) -> dict[str, Any]:
        """The asset event's payload: small, JSON, enough for a run to fetch exactly these ids."""
        return {"ids": self.ids, "published": self.published, "source": self.source,
                "detected_at": detected_at.isoformat()}


@dataclass(frozen=True)
class Response:
    status: int | None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None


def http_get(url: str, headers: dict[str, str], timeout: float = TIMEOUT) -> Response:
    """A plain GET (stdlib: the triggerer loads nothing heavy). HTTP errors are responses."""
    request = urllib.request.Request(url, headers=headers, method="GET")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310 -- http(s) only (settings)
            return Response(resp.status, resp.read(MAX_BODY), {k.lower(): v for k, v in resp.headers.items()})
    except urllib.error.HTTPError as err:
        return Response(err.code, b"", {k.lower(): v for k, v in (err.headers or {}).items()})
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        return Response(None, error=f"{type(err).__name__}: {reason}")


class FeedWatch:
    """Polls one site (see module doc). ``fetch`` and ``clock`` are injectable for tests."""

    def __init__(self, base_url: str, user_agent: str, poll_seconds: float, *,
                 stale_seconds: float = STALE_SECONDS, state: WatchState | None = None,
                 fetch=http_get, clock=time.time):
        self.base_url = base_url.rstrip("/")
        self.user_agent = f"{user_agent} {WATCHER_TOKEN}"
        self.poll_seconds = float(poll_seconds)
        self.stale_seconds = float(stale_seconds)
        self.state = state or WatchState()
        self._fetch = fetch
        self._clock = clock
        self._robots: urllib.robotparser.RobotFileParser | None = None

    # -- politeness ---------------------------------------------------------------------
    def _parser(self) -> urllib.robotparser.RobotFileParser | None:
        if self.state.robots_txt is None:
            return None
        if self._robots is None:
            parser = urllib.robotparser.RobotFileParser()
            parser.parse(self.state.robots_txt.splitlines())
            self._robots = parser
        return self._robots

    def allowed(self, url: str) -> bool:
        if self.state.robots_unavailable:
            return False
        parser = self._parser()
        return parser is None or parser.can_fetch(self.user_agent, url)

    def interval(self) -> float:
        """The poll interval, stretched to robots.txt's Crawl-delay when that is longer."""
        parser = self._parser()
        delay = parser.crawl_delay(self.user_agent) if parser is not None else None
        return max(self.poll_seconds, float(delay or 0))

    def _robots_due(self, now: float) -> bool:
        return self.state.robots_txt is None or now - self.state.robots_fetched_at >= ROBOTS_MAX_AGE

    # -- choosing the one request -------------------------------------------------------
    def next_source(self, now: float) -> str | None:
        s = self.state
        if self._robots_due(now):
            return ROBOTS
        feed_ok, list_ok = self.allowed(rss_url(self.base_url)), self.allowed(list_page_url(1, self.base_url))
        if not feed_ok:
            return LIST if list_ok else None
        if not list_ok:
            return FEED
        stale = (s.feed_changed_at > 0 and now - s.feed_changed_at >= self.stale_seconds
                 and now - s.list_checked_at >= self.stale_seconds)
        if s.feed_failed or stale:
            return LIST
        if s.feed_lagging and s.polls % 2 == 1:
            return LIST
        return FEED

    # -- one poll -------------------------------------------------------------------------
    def poll(self) -> Poll:
        now = self._clock()
        s = self.state
        if now < s.backoff_until:
            return Poll(None, None, [], {}, s.backoff_until - now, "backing off (Retry-After)")
        source = self.next_source(now)
        s.polls += 1
        if source is None:
            return Poll(None, None, [], {}, self.interval(),
                        "robots.txt disallows both the feed and the list page: not polling")
        if source == ROBOTS:
            return self._poll_robots(now)
        url = rss_url(self.base_url) if source == FEED else list_page_url(1, self.base_url)
        headers = {"User-Agent": self.user_agent, "Accept-Encoding": "identity"}
        known = s.validators.get(source) or {}
        if known.get("etag"):
            headers["If-None-Match"] = known["etag"]
        if known.get("last_modified"):
            headers["If-Modified-Since"] = known["last_modified"]
        resp = self._fetch(url, headers)
        s.requests += 1
        if source == LIST:
            s.list_checked_at = now
            s.feed_failed = False  # the list stood in once; the next poll tries the feed again
        wait = self.interval()
        if resp.status == 304:
            if source == FEED:
                s.feed_failed = False
            return Poll(source, 304, [], {}, wait, f"{source}: 304 not modified")
        if resp.status != 200:
            if source == FEED:
                s.feed_failed = True
            if resp.status in (429, 503):
                after = retry_after_seconds(resp.headers.get("retry-after"), datetime.fromtimestamp(now, UTC))
                if after is not None:
                    wait = min(MAX_WAIT, max(wait, after))
                    s.backoff_until = now + wait
            what = f"HTTP {resp.status}" if resp.status else (resp.error or "no answer")
            return Poll(source, resp.status, [], {}, wait, f"{source}: {what}; next poll in {wait:g}s")
        entries = parse_rss(resp.body, self.base_url) if source == FEED else parse_list_page(resp.body, self.base_url)
        s.validators[source] = {k: v for k, v in (("etag", resp.headers.get("etag")),
                                                  ("last_modified", resp.headers.get("last-modified"))) if v}
        fresh = self._remember(entries)
        if source == FEED:
            s.feed_failed = False
            if fresh or not s.feed_changed_at:
                s.feed_changed_at = now
            if fresh:
                s.feed_lagging = False
        elif fresh and s.robots_txt is not None:
            s.feed_lagging = True  # the list knew ids the feed did not: look at both for a while
        published = {e.article_id: e.published.isoformat() if e.published else None for e in fresh}
        ids = [e.article_id for e in fresh]
        return Poll(source, 200, ids, published, wait,
                    f"{source}: 200, {len(entries)} items, {len(ids)} new or changed")

    def _poll_robots(self, now: float) -> Poll:
        s = self.state
        resp = self._fetch(self.base_url + "/robots.txt", {"User-Agent": self.user_agent})
        s.requests += 1
        s.robots_fetched_at = now
        self._robots = None
        if resp.status == 200:
            s.robots_txt, s.robots_unavailable = resp.body.decode("utf-8", "replace")[:100_000], False
        elif resp.status is not None and 400 <= resp.status < 500:
            s.robots_txt, s.robots_unavailable = "", False  # no rules
        else:
            # Unreachable: do not crawl; ask again at the next poll (robots stays due).
            s.robots_fetched_at, s.robots_unavailable = 0.0, True
            if s.robots_txt is None:
                s.robots_txt = ""
            what = f"HTTP {resp.status}" if resp.status else (resp.error or "no answer")
            return Poll(ROBOTS, resp.status, [], {}, self.interval(), f"robots.txt: {what}: not crawling")
        return Poll(ROBOTS, resp.status, [], {}, min(self.interval(), 1.0), f"robots.txt: {resp.status}")

    def _remember(self, entries: list[ListEntry]) -> list[ListEntry]:
        """Entries new or changed since last seen; updates the memory (bounded)."""
        seen = self.state.seen
        fresh = []
        for entry in entries:
            # Minute precision: list pages show no seconds, the feed does.
            signature = entry.published.strftime("%Y-%m-%dT%H:%M") if entry.published else ""
            previous = seen.get(entry.article_id)
            if previous is None or (signature and previous != signature):
                fresh.append(entry)
            if signature or previous is None:
                seen[entry.article_id] = signature
        if len(seen) > MAX_SEEN:  # keep the newest ids (ids start with their KST date)
            for article_id in sorted(seen)[: len(seen) - MAX_SEEN]:
                del seen[article_id]
        return fresh
