"""Polite HTTP to the web archives.

cdx_toolkit's own HTTP layer (myrequests_get) is not used: its per-host intervals are module
globals read from the environment at import, it retries 429/5xx without end and ignores
Retry-After, and its CDX calls cannot carry our user agent. This client keeps to what the
pipeline promises the site, for the archives too: our user agent (settings.user_agent), at
most one request per ``delay`` seconds to each archive host, back-off on 429/5xx honouring
``Retry-After`` (capped), a bounded number of attempts, and one line naming the archive and the
cause when it gives up. Each archive (``cc-index``, ``cc-data``, ``wayback``) has its own
session, budget and request count, so two archives may be asked at once from two threads.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from ground.core.timeutil import retry_after_seconds

CC_INDEX = "cc-index"
CC_DATA = "cc-data"
WAYBACK = "wayback"
ARCHIVE_NAMES = {CC_INDEX: "Common Crawl index", CC_DATA: "Common Crawl data", WAYBACK: "Wayback Machine"}

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 509})
ATTEMPTS = 6  # first try + 5 retries
MAX_WAIT = 120.0  # never sleep longer than this on one Retry-After
TIMEOUT = (15.0, 60.0)  # connect, read


class ArchiveError(RuntimeError):
    """A request to an archive got no usable answer after its retries. ``str()`` is one line
    naming the archive host and the cause; ``status`` is the last HTTP status (None: no answer)."""

    def __init__(self, archive: str, url: str, cause: str, attempts: int, status: int | None = None):
        self.archive, self.url, self.cause, self.attempts, self.status = archive, url, cause, attempts, status
        host = urlsplit(url).netloc or url
        tries = f" on all {attempts} attempts" if attempts > 1 else ""
        super().__init__(f"{ARCHIVE_NAMES.get(archive, archive)} ({host}): {cause}{tries}")


@dataclass
class _Budget:
    lock: threading.Lock
    next_at: float = 0.0


def _cause(err: Exception) -> str:
    """Operator words for a transport failure (no HTTP answer)."""
    import requests  # lazy: the DAG files import the stage modules' callers, never this

    text = str(err)
    if isinstance(err, requests.exceptions.ConnectTimeout):
        return "connection timed out"
    if isinstance(err, requests.exceptions.ReadTimeout):
        return "timed out waiting for an answer"
    if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return "DNS lookup failed"
    if "Connection refused" in text:
        return "connection refused"
    if isinstance(err, requests.exceptions.ChunkedEncodingError):
        return "connection lost mid-answer"
    if isinstance(err, requests.exceptions.ConnectionError):
        return "connection failed"
    return type(err).__name__


class ArchiveClient:
    """GETs to the archives (see the module doc). ``delay``: seconds between two requests to
    one archive host; ``sleep`` is injectable for tests of the back-off."""

    def __init__(self, user_agent: str, delay: float, *, attempts: int = ATTEMPTS,
                 sleep: Callable[[float], None] = time.sleep):
        self.user_agent = user_agent
        self.delay = max(0.0, float(delay))
        self.attempts = max(1, attempts)
        # Back-off between attempts: 2 x delay (at least 0.25 s), doubling: with the polite 1 s
        # delay, 2+4+8+16+32 s before giving up on an archive that keeps answering 503.
        self.backoff = max(0.25, 2 * self.delay)
        self._sleep = sleep
        self._sessions: dict[str, object] = {}
        self._budgets: dict[str, _Budget] = {}
        self._lock = threading.Lock()
        self.requests: Counter = Counter()  # archive -> HTTP requests sent (retries included)
        self.retries: Counter = Counter()
        self.waited: Counter = Counter()  # archive -> seconds slept on 429/5xx

    def _session(self, archive: str):
        import requests  # lazy: as in _cause

        with self._lock:
            session = self._sessions.get(archive)
            if session is None:
                session = requests.Session()
                session.headers["User-Agent"] = self.user_agent
                self._sessions[archive] = session
            budget = self._budgets.setdefault(archive, _Budget(threading.Lock()))
        return session, budget

    def _wait_turn(self, budget: _Budget) -> None:
        with budget.lock:
            now = time.monotonic()
            if budget.next_at > now:
                self._sleep(budget.next_at - now)
            budget.next_at = max(now, budget.next_at) + self.delay

    def get(self, archive: str, url: str, *, params: dict | None = None, headers: dict | None = None,
            accept: Iterable[int] = (200,)):
        """The answer to GET ``url`` whose status is in ``accept``; retries 429/5xx and
        transport failures, raises :class:`ArchiveError` when no accepted answer came."""
        import requests  # lazy: as in _cause

        session, budget = self._session(archive)
        accepted = frozenset(accept)
        wait = self.backoff
        last_cause, last_status = "no answer", None
        for attempt in range(1, self.attempts + 1):
            self._wait_turn(budget)
            self.requests[archive] += 1
            try:
                resp = session.get(url, params=params, headers=headers, timeout=TIMEOUT, allow_redirects=False)
            except requests.exceptions.RequestException as err:
                last_cause, last_status = _cause(err), None
            else:
                if resp.status_code in accepted:
                    return resp
                last_status = resp.status_code
                last_cause = f"HTTP {resp.status_code}"
                if resp.status_code not in RETRY_STATUSES:
                    raise ArchiveError(archive, url, last_cause, attempt, last_status)
                told = retry_after_seconds(resp.headers.get("Retry-After"))
                if told is not None:
                    wait = max(wait, min(told, MAX_WAIT))
            if attempt == self.attempts:
                break
            self.retries[archive] += 1
            self.waited[archive] += wait
            self._sleep(wait)
            wait = min(wait * 2, MAX_WAIT)
        raise ArchiveError(archive, url, last_cause, self.attempts, last_status)

    def close(self) -> None:
        for session in self._sessions.values():
            session.close()
