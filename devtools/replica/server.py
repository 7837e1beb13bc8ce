"""The replica's HTTP server: stdlib ThreadingHTTPServer, HTTP/1.1 keep-alive, pages
generated on the fly from the Corpus, seeded faults, conditional requests, admin endpoints
under /__replica__/ (tests only; robots.txt disallows them and they are not logged).

Live mode (`config.live`): each request reads one `SiteView` of the corpus at the clock's time;
unreleased articles are 404 and absent from list pages and the feed."""

from __future__ import annotations

import io
import json
import re
import signal
import socket
import struct
import sys
import threading
import time
from collections import deque
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from devtools.replica import faults, markup
from devtools.replica.clock import LiveClock
from devtools.replica.config import LAYOUTS, ReplicaConfig
from devtools.replica.corpus import Corpus, SiteView, UnknownArticle

ADMIN = "/__replica__/"
LOG_LIMIT = 200_000
_NEWS_RE = re.compile(r"^/news/([^/]+)/?$")
_TRUE = {"1", "true", "on", "yes"}
_FALSE = {"0", "false", "off", "no"}
# Last-Modified of a list page or feed with no item.
EMPTY_MODIFIED = datetime(2000, 1, 1, tzinfo=UTC)


class BadRequest(ValueError):
    pass


class ReplicaState:
    """Mutable server state: attempt counters, access log, runtime switches (on the corpus)."""

    def __init__(self, corpus: Corpus, access_log_path: str | None = None):
        self.corpus = corpus
        self.config = corpus.config
        self.lock = threading.Lock()
        self.attempts: dict[str, int] = {}
        self.log: deque[dict] = deque(maxlen=LOG_LIMIT)
        self.log_file = open(access_log_path, "a", encoding="utf-8") if access_log_path else None
        # Status of /robots.txt (admin "robots?status=503"): a site whose robots.txt fails.
        self.robots_status = 200
        # Status of every article page (admin "refuse?articles=403"): a site that blocks the
        # crawler's article requests (a bot wall); None: served as usual.
        self.article_status: int | None = None

    def next_attempt(self, path: str) -> int:
        with self.lock:
            n = self.attempts.get(path, 0) + 1
            self.attempts[path] = n
            return n

    def record(self, entry: dict) -> None:
        with self.lock:
            self.log.append(entry)
            if self.log_file:
                self.log_file.write(json.dumps(entry, ensure_ascii=False) + "\n")
                self.log_file.flush()


def _flag(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise BadRequest(f"{name}={value!r}: expected 1/0, true/false, on/off")


def _query_flag(query: dict[str, str], name: str, default: bool | None = False) -> bool | None:
    return _flag(query[name], name) if name in query else default


def _take(lock, items, copy, clear: bool):
    """A copy of ``items`` (the access log, the attempt counts), emptied when ``clear``."""
    with lock:
        data = copy(items)
        if clear:
            items.clear()
    return data


class ReplicaHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "yonhap-replica/1.0"
    sys_version = ""
    wbufsize = 64 * 1024  # headers and body leave in one write
    disable_nagle_algorithm = True
    state: ReplicaState  # set on the subclass by make_server

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass  # our own access log instead of stderr noise

    # ---------------------------------------------------------------- plumbing
    def _send(self, status: int, body: bytes = b"", content_type: str = "text/html; charset=utf-8",
              headers: dict | None = None, head: bool = False) -> None:
        self.send_response(status)
        if status != 304:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if body and not head and status != 304:
            self.wfile.write(body)

    def _json(self, status: int, data, head: bool = False) -> None:
        body = json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8", head=head)

    def _error_page(self, status: int, message: str, head: bool = False, headers=None) -> None:
        self._send(status, markup.simple_page(f"Erreur {status}", message), headers=headers, head=head)

    def _reset(self) -> None:
        """Abort the connection with a TCP RST (no response at all)."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True
        self.wfile = io.BytesIO()  # the handler's final flush must not touch the dead socket

    def _log(self, status: int, fault: str | None, attempt: int | None) -> None:
        h = self.headers
        self.state.record({
            "path": self.path, "status": status, "method": self.command,
            "if_none_match": h.get("If-None-Match"), "if_modified_since": h.get("If-Modified-Since"),
            "ua": h.get("User-Agent"), "t": time.time(), "fault": fault, "attempt": attempt,
        })

    def do_GET(self):
        self._serve(head=False)

    def do_HEAD(self):
        self._serve(head=True)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path.startswith(ADMIN):
            self._admin(head=False)
        else:
            self._error_page(405, "Méthode non autorisée", headers={"Allow": "GET, HEAD"})

    # ---------------------------------------------------------------- site
    def _serve(self, head: bool) -> None:
        if self.path.startswith(ADMIN):
            self._admin(head)
            return
        path = urlsplit(self.path).path
        attempt = fault = None
        cfg = self.state.config
        if faults.eligible(path):
            attempt = self.state.next_attempt(path)
            fault = faults.fault_for_attempt(cfg, path, attempt)
        if fault == "reset":
            self._log(0, fault, attempt)
            self._reset()
            return
        if fault == "503":
            self._log(503, fault, attempt)
            self._error_page(503, "Service temporairement indisponible", head)
            return
        if fault == "429":
            self._log(429, fault, attempt)
            self._error_page(429, "Trop de requêtes", head, {"Retry-After": str(cfg.retry_after)})
            return
        if fault == "dead":
            self._log(404, fault, attempt)
            self._error_page(404, "Page introuvable", head)
            return
        if fault == "slow":
            time.sleep(cfg.slow_delay)
        if self.state.article_status and path.startswith("/view/"):
            self._log(self.state.article_status, "refused", attempt)
            self._error_page(self.state.article_status, "Accès refusé", head)
            return
        try:
            status, body, ctype, headers = self._route(path)
        except BadRequest as err:
            status, body, ctype, headers = 400, markup.simple_page("Erreur 400", str(err)), None, {}
        if status == 200 and fault == "truncated":
            body = body[: max(1, len(body) * 3 // 5)]  # cut mid-document: no </html>
            headers = {}  # no validators for a broken copy
        if status == 200 and headers.get("ETag") and self._not_modified(headers):
            status, body = 304, b""
        self._log(status, fault, attempt)
        self._send(status, body, ctype or "text/html; charset=utf-8", headers, head)

    def _not_modified(self, headers: dict) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = [t.strip() for t in inm.split(",")]
            return "*" in tags or headers["ETag"] in tags or f"W/{headers['ETag']}" in tags
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                since = parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                return False
            if since.tzinfo is None:
                return False
            return headers["_modified"] <= since
        return False

    def _route(self, path: str):
        corpus = self.state.corpus
        if path.startswith("/view/"):
            article_id = path[len("/view/"):].rstrip("/")
            try:
                if corpus.clock is not None and not corpus.released(article_id):
                    raise UnknownArticle(article_id)  # not yet published: the site does not have it
                page = corpus.article_page(article_id)
            except UnknownArticle:
                return 404, markup.simple_page("Erreur 404", "Article introuvable"), None, {}
            return 200, page.body, None, {"ETag": page.etag, "Last-Modified": page.last_modified,
                                          "_modified": page.last_modified_dt.replace(microsecond=0)}
        if path in ("/news", "/news/"):
            return self._news(corpus.view(), 1)
        m = _NEWS_RE.match(path)
        if m:
            raw = m.group(1)
            if not raw.isdigit() or int(raw) < 1 or len(raw) > 9:
                raise BadRequest(f"page {raw!r}: expected a whole number >= 1")
            return self._news(corpus.view(), int(raw))  # one instant per request (live mode)
        if path == "/RSS/news.xml":
            view = corpus.view()
            items = view.latest()
            if corpus.clock is None:
                built = view.now
            else:  # live: the feed changes only when an article is released
                built = items[0].published_at if items else self.state.config.live_start
            body = markup.rss(items, self._base_url(), built, corpus.words)
            return 200, body, "application/rss+xml; charset=utf-8", _validators(body, items)
        if path == "/robots.txt":
            if self.state.robots_status != 200:
                status = self.state.robots_status
                return status, markup.simple_page(f"Erreur {status}", "robots.txt indisponible"), None, {}
            return 200, markup.ROBOTS_TXT, "text/plain; charset=utf-8", {}
        if path == "/":
            c = corpus.words.CHROME
            return 200, markup.simple_page(
                c["home"], c["home_title"], [("/news", c["latest"]), ("/RSS/news.xml", "RSS")],
                corpus.words), None, {}
        if path == "/channel/index":
            return 200, markup.simple_page("Flux RSS", "Fils disponibles",
                                           [("/RSS/news.xml", "Dernières nouvelles")]), None, {}
        if path.startswith(("/search", "/print/")):
            return 200, markup.simple_page("Recherche", "Page réservée aux visiteurs."), None, {}
        if path in ("/cdn-cgi/l/email-protection", "/policy"):
            return 200, markup.simple_page("Information", "Page d'information."), None, {}
        return 404, markup.simple_page("Erreur 404", "Page introuvable"), None, {}

    def _news(self, view: SiteView, n: int):
        items = view.list_page(n)
        body = markup.list_page(items, n, n < view.page_count(), self.state.corpus.words)
        return 200, body, None, _validators(body, items)

    def _base_url(self) -> str:
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        return f"http://{host}"

    def send_header(self, keyword, value):
        if not keyword.startswith("_"):  # "_modified" is internal
            super().send_header(keyword, value)

    # ---------------------------------------------------------------- admin
    def _admin(self, head: bool) -> None:
        parts = urlsplit(self.path)
        name = parts.path[len(ADMIN):].strip("/")
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        state, corpus = self.state, self.state.corpus
        try:
            if name == "health":
                return self._json(200, {"ok": True, "articles": len(corpus)}, head)
            if name == "config":
                return self._json(200, {**state.config.to_dict(), "edits": corpus.edits_on,
                                        "current_layout": corpus.layout}, head)
            if name == "edits":
                if "on" in query:
                    corpus.edits_on = _flag(query["on"], "on")
                return self._json(200, {"edits": corpus.edits_on}, head)
            if name == "layout":
                if "name" in query:
                    if query["name"] not in LAYOUTS:
                        raise BadRequest(f"name={query['name']!r}: expected one of {', '.join(LAYOUTS)}")
                    corpus.layout = query["name"]
                return self._json(200, {"layout": corpus.layout}, head)
            if name == "robots":
                if "status" in query:
                    if not query["status"].isdigit() or not 200 <= int(query["status"]) <= 599:
                        raise BadRequest(f"status={query['status']!r}: expected an HTTP status 200-599")
                    state.robots_status = int(query["status"])
                return self._json(200, {"robots_status": state.robots_status}, head)
            if name == "refuse":
                if "articles" in query:
                    raw = query["articles"]
                    if raw not in ("", "0") and (not raw.isdigit() or not 400 <= int(raw) <= 599):
                        raise BadRequest(f"articles={raw!r}: expected an HTTP status 400-599, or 0 to serve again")
                    state.article_status = int(raw) if raw not in ("", "0") else None
                return self._json(200, {"articles": state.article_status}, head)
            if name == "log":
                return self._json(200, _take(state.lock, state.log, list, _query_flag(query, "clear")), head)
            if name == "attempts":
                return self._json(200, _take(state.lock, state.attempts, dict, _query_flag(query, "reset")), head)
            if name == "ids":
                if "date" not in query:
                    raise BadRequest("date=YYYY-MM-DD is required")
                released = _query_flag(query, "released")
                try:
                    ids = corpus.ids_on(query["date"])
                except ValueError:
                    raise BadRequest(f"date={query['date']!r}: expected YYYY-MM-DD") from None
                if released and corpus.clock is not None:
                    at = corpus.clock.now()
                    ids = [i for i in ids if corpus.released(i, at)]
                return self._json(200, ids, head)
            if name == "clock":
                if "pause" in query:
                    if corpus.clock is None:
                        raise BadRequest("pause: only a live replica has a clock")
                    corpus.clock.pause() if _flag(query["pause"], "pause") else corpus.clock.resume()
                view, cfg = corpus.view(), state.config
                return self._json(200, {
                    "live": cfg.live, "site_now": view.now.isoformat(), "speed": cfg.speed,
                    "live_start": cfg.live_start.isoformat() if cfg.live_start else None,
                    "released": len(view), "total": len(view) + view.hidden,
                    "paused": bool(corpus.clock and corpus.clock.paused)}, head)
            if name.startswith("truth/"):
                edited = _query_flag(query, "edited", None)
                try:
                    truth = corpus.truth(name[len("truth/"):], edited)
                except UnknownArticle:
                    return self._json(404, {"error": "unknown article id"}, head)
                return self._json(200, truth.to_dict(), head)
            return self._json(404, {"error": f"unknown admin path {parts.path}"}, head)
        except BadRequest as err:
            return self._json(400, {"error": str(err)}, head)


def _validators(body: bytes, items) -> dict:
    """ETag (hash of the body) and Last-Modified (newest item; EMPTY_MODIFIED when none) of a
    list page or the feed; `_modified` is the internal value `_not_modified` compares."""
    modified = max((item.published_at for item in items), default=EMPTY_MODIFIED)
    page = markup.make_page(body, modified)
    return {"ETag": page.etag, "Last-Modified": page.last_modified,
            "_modified": modified.replace(microsecond=0)}


def make_server(config: ReplicaConfig, host: str = "127.0.0.1", port: int = 0,
                access_log: str | None = None, clock: LiveClock | None = None) -> ThreadingHTTPServer:
    """A bound server (not yet serving). Live mode: the clock (default: wall time) starts here;
    tests may pass a `LiveClock` on a `ManualTime`."""
    corpus = Corpus(config, clock=clock)
    if corpus.clock is not None:
        len(corpus)  # per-day counts before the clock starts, so the first poll is quick
        corpus.clock.reset()
    state = ReplicaState(corpus, access_log)
    handler = type("BoundReplicaHandler", (ReplicaHandler,), {"state": state})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    server.replica_state = state
    return server


def bound_url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    return f"http://{host}:{port}"


def serve(config: ReplicaConfig, host: str = "127.0.0.1", port: int = 0,
          access_log: str | None = None) -> None:
    """Run until SIGTERM/SIGINT; print the bound URL first (tests read it from stdout)."""
    def stop(signum, frame):
        raise KeyboardInterrupt

    server = make_server(config, host, port, access_log)
    signal.signal(signal.SIGTERM, stop)
    print(bound_url(server), flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        print("replica stopped", file=sys.stderr, flush=True)
