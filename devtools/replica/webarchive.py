"""Local web archives for tests and benches: Common Crawl's index and data servers and a Wayback
Machine, filled with captures of replica pages (dev/test tooling, like the replica itself).

Three HTTP servers in one process, speaking what the real ones speak:

* the **index server**: ``/collinfo.json`` (the crawls: ``id``, ``name``, ``cdx-api``, ``from``,
  ``to``; newest first) and one CDX API per crawl, ``/<crawl>-index?url=…&output=json``: JSON
  lines with ``urlkey``, ``timestamp``, ``url``, ``mime``, ``status``, ``digest``, ``length``,
  ``offset``, ``filename`` (``redirect`` on a 3xx), prefix queries (``host/path*``), pagination
  (``showNumPages=true`` answers ``{"pages": N, …}``, ``page=k``; past the last page: 400; no
  capture: 404 ``{"message": "No Captures found …"}``);
* the **data server**: ``/crawl-data/<crawl>/…/*.warc.gz``, one gzip member per WARC record,
  answering HTTP ``Range`` requests with 206;
* the **Wayback**: ``/cdx/search/cdx?url=…&output=json`` (a JSON array whose first row names the
  fields; ``from``/``to``; ``showNumPages=true`` answers a bare number, a page past the end an
  empty answer) and raw replays ``/web/<timestamp>id_/<url>``: the captured bytes, the original
  headers as ``X-Archive-Orig-*``, a captured redirect as a 302 to the replay of its target.

What is captured where is a **plan** (:func:`build_plan`: which article ids, in which archive,
when, on which host; truncated records, moved pages, other URLs), so the truth of every capture
is the replica's truth of its page. Admin paths on each server (tests): ``/__archive__/log``
(the requests it answered; ``?clear=1``), ``/__archive__/faults?status=503&count=N&retry_after=S``
(the next N requests answer that status).

``python -m devtools.replica.webarchive PLAN.json [--host 127.0.0.1]`` prints one JSON line with
the three base URLs (``cc_index``, ``cc_data``, ``wayback``), then serves until SIGTERM.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from devtools.replica.config import ReplicaConfig
from devtools.replica.corpus import Corpus

ADMIN = "/__archive__/"
PAGE_SIZE = 50  # CDX rows per page (the real servers page by blocks of thousands)
SERVER = "yonhap-replica/1.0"  # what the replica says it is: the captured response's Server header


@dataclass
class CaptureSpec:
    """One capture in the plan. ``article_id``: whose replica page the body is (None: ``other``
    content); ``kind``: page | truncated (the record's payload cut, WARC-Truncated: length) |
    redirect (to ``location``) | other (not an article page)."""

    archive: str  # cc | wayback
    url: str
    timestamp: str  # YYYYMMDDhhmmss UTC
    article_id: str | None = None
    kind: str = "page"
    status: int = 200
    location: str | None = None
    crawl: str | None = None  # cc


def _ts(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def crawl_plan(first: date, last: date) -> list[dict]:
    """Monthly crawls from a month before ``first`` to a year after ``last`` (Common Crawl's
    rhythm), each named after the ISO week it ends in."""
    crawls = []
    start = datetime.combine(first - timedelta(days=30), datetime.min.time(), UTC)
    end_all = datetime.combine(last + timedelta(days=400), datetime.min.time(), UTC)
    while start < end_all:
        end = start + timedelta(days=27)
        year, week, _ = end.isocalendar()
        crawls.append({"id": f"CC-MAIN-{year}-{week:02d}", "from": start.strftime("%Y-%m-%dT%H:%M:%S"),
                       "to": end.strftime("%Y-%m-%dT%H:%M:%S")})
        start += timedelta(days=30)
    return crawls


def build_plan(config: ReplicaConfig, days: list[date], *, seed: int = 1, cc_share: float = 0.75,
               wayback_share: float = 0.6, second_cc_share: float = 0.2, mobile_share: float = 0.1,
               missing_days: tuple[date, ...] = (), truncated_ids: tuple[str, ...] = (),
               moved_ids: tuple[str, ...] = (), extras: bool = True, page_size: int = PAGE_SIZE) -> dict:
    """Captures of the articles of ``days`` (none for ``missing_days``): each id in Common Crawl
    (``cc_share``; a second, later capture with ``second_cc_share``) and/or the Wayback Machine
    (``wayback_share``), at least one of them; some on the mobile host. ``truncated_ids``: a
    single Common Crawl capture whose record is cut. ``moved_ids``: the article URL captured only
    as a Wayback redirect to ``/article/<id>``, whose capture holds the page. ``extras``: per
    day a photo page under ``/view/`` and a 404 capture (not articles)."""
    corpus = Corpus(config)
    rng = random.Random(f"webarchive-{seed}")
    crawls = crawl_plan(min(days), max(days))
    spans = [(c["id"], datetime.fromisoformat(c["from"]).replace(tzinfo=UTC),
              datetime.fromisoformat(c["to"]).replace(tzinfo=UTC)) for c in crawls]
    host = corpus.edition.host
    captures: list[CaptureSpec] = []

    def cc_capture(article_id: str, after: datetime, url: str, kind: str = "page") -> datetime:
        crawl_id, c_start, c_end = next(s for s in spans if s[2] > after + timedelta(hours=2))
        earliest = max(c_start, after + timedelta(hours=1))
        when = earliest + timedelta(seconds=rng.randint(0, max(1, int((c_end - earliest).total_seconds()))))
        captures.append(CaptureSpec("cc", url, _ts(when), article_id, kind, crawl=crawl_id))
        return when

    for day in sorted(set(days)):
        if day in missing_days:
            continue
        for article_id in corpus.ids_on(day):
            published = corpus.truth(article_id).published_at.astimezone(UTC)
            page_host = f"m-{host}" if rng.random() < mobile_share else host
            url = f"https://{page_host}/view/{article_id}"
            if article_id in truncated_ids:
                cc_capture(article_id, published, url, "truncated")
                continue
            if article_id in moved_ids:
                when = published + timedelta(hours=rng.randint(1, 48))
                moved = f"https://{host}/article/{article_id}"
                captures.append(CaptureSpec("wayback", f"https://{host}/view/{article_id}", _ts(when), article_id,
                                            "redirect", 301, location=moved))
                captures.append(CaptureSpec("wayback", moved, _ts(when + timedelta(seconds=3)), article_id))
                continue
            in_cc = rng.random() < cc_share
            in_wayback = rng.random() < wayback_share or not in_cc
            if in_cc:
                when = cc_capture(article_id, published, url)
                if rng.random() < second_cc_share:
                    cc_capture(article_id, when + timedelta(days=20), f"https://{host}/view/{article_id}")
            if in_wayback:
                when = published + timedelta(minutes=rng.randint(30, 20 * 24 * 60))
                captures.append(CaptureSpec("wayback", url, _ts(when), article_id))
        if extras and corpus.ids_on(day):
            first = corpus.ids_on(day)[0]
            noon = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=12)
            captures.append(CaptureSpec("wayback", f"https://{host}/view/{first}/photo", _ts(noon), None,
                                        "other"))
            cc_capture(None, noon, f"https://{host}/view/{first}/photo", "other")
            captures.append(CaptureSpec("wayback", f"https://{host}/view/{first}?page=404", _ts(noon), first,
                                        "page", 404))
    return {"replica": config.to_dict(), "crawls": crawls, "captures": [asdict(c) for c in captures],
            "page_size": page_size}


def latest_captures(plan: dict) -> dict[str, dict]:
    """The truth of a plan: per article id, its latest 200 capture (what a run must take)."""
    best: dict[str, dict] = {}
    for c in plan["captures"]:
        if c["article_id"] and c["status"] == 200 and c["kind"] in ("page", "truncated"):
            key = (c["timestamp"], 1 if c["archive"] == "cc" else 0, c["url"])
            if c["article_id"] not in best or key > best[c["article_id"]][0]:
                best[c["article_id"]] = (key, c)
    return {aid: c for aid, (_k, c) in best.items()}


def urlkey(url: str) -> str:
    """What our CDX servers match on: host (no www., lower case) + path + query; the scheme
    does not count (SURT-like, readable)."""
    parts = urlsplit(url if "://" in url else "http://" + url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    return host + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


class ArchiveState:
    """Every capture, rendered: the Common Crawl WARC files on disk, the rows of each index."""

    def __init__(self, plan: dict, data_dir: Path):
        self.config = ReplicaConfig(**{k: tuple(v) if isinstance(v, list) else v
                                       for k, v in plan["replica"].items()})
        self.corpus = Corpus(self.config)
        self.crawls = plan["crawls"]
        self.page_size = int(plan.get("page_size") or PAGE_SIZE)
        self.data_dir = data_dir
        self.cc_rows: dict[str, list[dict]] = {c["id"]: [] for c in self.crawls}
        self.wayback_rows: list[dict] = []
        self.replays: dict[tuple[str, str], CaptureSpec] = {}
        self.lock = threading.Lock()
        self.log: list[dict] = []
        self.faults: dict[str, list] = {}  # role -> [status, count, retry_after]
        specs = [CaptureSpec(**c) for c in plan["captures"]]
        self._write_cc([s for s in specs if s.archive == "cc"])
        for spec in specs:
            if spec.archive == "wayback":
                status, headers, body = self.response(spec)
                self.wayback_rows.append({"urlkey": urlkey(spec.url), "timestamp": spec.timestamp,
                                          "original": spec.url, "mimetype": _mime(headers),
                                          "statuscode": str(status), "digest": _digest(body),
                                          "length": str(len(body))})
                self.replays[(urlkey(spec.url), spec.timestamp)] = spec
        self.wayback_rows.sort(key=lambda r: (r["urlkey"], r["timestamp"]))
        for rows in self.cc_rows.values():
            rows.sort(key=lambda r: (r["urlkey"], r["timestamp"]))

    def response(self, spec: CaptureSpec) -> tuple[int, list[tuple[str, str]], bytes]:
        """The response the site gave the archive's crawler (status, headers, body)."""
        when = datetime.strptime(spec.timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        date_header = when.strftime("%a, %d %b %Y %H:%M:%S GMT")
        if spec.kind == "redirect":
            return spec.status, [("Server", SERVER), ("Date", date_header), ("Location", spec.location or ""),
                                 ("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "0")], b""
        if spec.kind == "other" or spec.article_id is None:
            body = b"\xff\xd8\xff\xe0" + hashlib.sha256(spec.url.encode()).digest() * 8  # a small "JPEG"
            return spec.status, [("Server", SERVER), ("Date", date_header), ("Content-Type", "image/jpeg"),
                                 ("Content-Length", str(len(body)))], body
        if spec.status != 200:
            body = b"<html><body>Page introuvable</body></html>"
            return spec.status, [("Server", SERVER), ("Date", date_header),
                                 ("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))], body
        page = self.corpus.article_page(spec.article_id)
        headers = [("Server", SERVER), ("Date", date_header), ("Content-Type", "text/html; charset=utf-8"),
                   ("Content-Length", str(len(page.body))), ("ETag", page.etag), ("Last-Modified", page.last_modified)]
        return 200, headers, page.body

    def _write_cc(self, specs: list[CaptureSpec]) -> None:
        # lazy: only the archive servers write WARC files
        from warcio.statusandheaders import StatusAndHeaders
        from warcio.warcwriter import WARCWriter

        by_crawl: dict[str, list[CaptureSpec]] = {}
        for spec in specs:
            by_crawl.setdefault(spec.crawl or self.crawls[0]["id"], []).append(spec)
        for crawl_id, batch in by_crawl.items():
            name = f"crawl-data/{crawl_id}/segments/1718000000000.00/warc/{crawl_id}-00000.warc.gz"
            path = self.data_dir / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as f:
                writer = WARCWriter(f, gzip=True)
                for spec in sorted(batch, key=lambda s: s.timestamp):
                    status, headers, body = self.response(spec)
                    warc_headers = {"WARC-Date": datetime.strptime(spec.timestamp, "%Y%m%d%H%M%S")
                                    .strftime("%Y-%m-%dT%H:%M:%SZ")}
                    if spec.kind == "truncated":
                        body = body[: len(body) * 3 // 5]  # cut mid-document, as a size limit cuts
                        warc_headers["WARC-Truncated"] = "length"
                    reason = {200: "OK", 301: "Moved Permanently", 302: "Found", 404: "Not Found"}.get(status, "")
                    record = writer.create_warc_record(
                        spec.url, "response", payload=io.BytesIO(body),
                        http_headers=StatusAndHeaders(f"{status} {reason}", headers, protocol="HTTP/1.1"),
                        warc_headers_dict=warc_headers)
                    offset = f.tell()
                    writer.write_record(record)
                    row = {"urlkey": urlkey(spec.url), "timestamp": spec.timestamp, "url": spec.url,
                           "mime": _mime(headers), "mime-detected": _mime(headers), "status": str(status),
                           "digest": _digest(body), "length": str(f.tell() - offset), "offset": str(offset),
                           "filename": name, "languages": "fra", "encoding": "UTF-8"}
                    if spec.kind == "redirect":
                        row["redirect"] = spec.location
                    self.cc_rows[crawl_id].append(row)

    def record(self, role: str, path: str, status: int) -> None:
        with self.lock:
            self.log.append({"server": role, "path": path, "status": status, "t": time.time()})

    def take_fault(self, role: str) -> tuple[int, int] | None:
        with self.lock:
            fault = self.faults.get(role)
            if not fault or fault[1] <= 0:
                return None
            fault[1] -= 1
            return fault[0], fault[2]


def _mime(headers: list[tuple[str, str]]) -> str:
    value = next((v for k, v in headers if k.lower() == "content-type"), "unk")
    return value.split(";", 1)[0].strip()


def _digest(body: bytes) -> str:
    import base64

    return base64.b32encode(hashlib.sha1(body).digest()).decode()  # noqa: S324 -- the CDX digest is SHA-1


def _matching(rows: list[dict], pattern: str, key: str = "urlkey") -> list[dict]:
    pattern = unquote(pattern)
    if pattern.endswith("*"):
        prefix = urlkey(pattern[:-1]) if "/" in pattern else pattern[:-1].lower()
        return [r for r in rows if r[key].startswith(prefix)]
    wanted = urlkey(pattern)
    return [r for r in rows if r[key] == wanted]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "yonhap-webarchive/1.0"
    sys_version = ""
    wbufsize = 64 * 1024  # headers and body leave in one write (no Nagle / delayed-ACK stall)
    disable_nagle_algorithm = True
    role = ""  # cc-index | cc-data | wayback
    state: ArchiveState

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass

    def _send(self, status: int, body: bytes = b"", content_type: str = "text/plain; charset=utf-8",
              headers: list[tuple[str, str]] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers or []:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.state.record(self.role, self.path, status)

    def _json(self, status: int, data) -> None:
        self._send(status, json.dumps(data).encode(), "application/json")

    def do_GET(self):  # noqa: N802 - stdlib name
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if parts.path.startswith(ADMIN):
            return self._admin(parts.path[len(ADMIN):], query)
        fault = self.state.take_fault(self.role)
        if fault is not None:
            status, retry_after = fault
            return self._send(status, b"slow down", headers=[("Retry-After", str(retry_after))])
        if self.role == "cc-index":
            return self._cc_index(parts.path, query)
        if self.role == "cc-data":
            return self._cc_data(parts.path)
        return self._wayback(parts, query)

    def _admin(self, name: str, query: dict[str, str]) -> None:
        state = self.state
        if name == "log":
            with state.lock:
                entries = list(state.log)
                if query.get("clear") in ("1", "true"):
                    state.log.clear()
            body = json.dumps(entries).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if name == "faults":
            with state.lock:
                state.faults[self.role] = [int(query.get("status", 503)), int(query.get("count", 1)),
                                           int(query.get("retry_after", 1))]
            body = json.dumps({"role": self.role, "fault": state.faults[self.role]}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self._json(404, {"error": f"unknown admin path {name}"})

    # -- Common Crawl index -------------------------------------------------------------
    def _cc_index(self, path: str, query: dict[str, str]) -> None:
        base = f"http://{self.headers.get('Host')}"
        if path == "/collinfo.json":
            crawls = [{"id": c["id"], "name": f"{c['id']} Index", "timegate": f"{base}/{c['id']}/",
                       "cdx-api": f"{base}/{c['id']}-index", "from": c["from"], "to": c["to"]}
                      for c in reversed(self.state.crawls)]
            return self._json(200, crawls)
        crawl_id = path.strip("/").removesuffix("-index")
        if crawl_id not in self.state.cc_rows or not path.endswith("-index"):
            return self._json(404, {"error": f"no such index {path}"})
        if "url" not in query:
            return self._json(400, {"error": "url is required"})
        rows = _matching(self.state.cc_rows[crawl_id], query["url"])
        size = self.state.page_size
        pages = (len(rows) + size - 1) // size
        if query.get("showNumPages") == "true":
            return self._json(200, {"pages": pages, "pageSize": 5, "blocks": pages})
        if not rows:
            return self._json(404, {"message": f"No Captures found for: {query['url']}"})
        if "page" in query:
            page = int(query["page"])
            if page >= pages:
                return self._json(400, {"error": f"page {page} out of range: {pages} pages"})
            rows = rows[page * size:(page + 1) * size]
        body = "".join(json.dumps(r) + "\n" for r in rows).encode()
        self._send(200, body, "text/x-ndjson")

    # -- Common Crawl data ----------------------------------------------------------------
    def _cc_data(self, path: str) -> None:
        target = (self.state.data_dir / path.lstrip("/")).resolve()
        if not str(target).startswith(str(self.state.data_dir.resolve())) or not target.is_file():
            return self._send(404, b"NoSuchKey")
        data = target.read_bytes()
        wanted = self.headers.get("Range")
        if not wanted:
            return self._send(200, data, "application/octet-stream")
        try:
            first, last = wanted.removeprefix("bytes=").split("-", 1)
            start, end = int(first), min(int(last), len(data) - 1)
        except ValueError:
            return self._send(416, b"bad range", headers=[("Content-Range", f"bytes */{len(data)}")])
        if start >= len(data) or end < start:
            return self._send(416, b"bad range", headers=[("Content-Range", f"bytes */{len(data)}")])
        self._send(206, data[start:end + 1], "application/octet-stream",
                   headers=[("Content-Range", f"bytes {start}-{end}/{len(data)}")])

    # -- Wayback --------------------------------------------------------------------------
    def _wayback(self, parts, query: dict[str, str]) -> None:
        if parts.path == "/cdx/search/cdx":
            return self._wayback_cdx(query)
        if parts.path.startswith("/web/"):
            return self._replay(self.path[len("/web/"):])
        return self._send(404, b"not found")

    def _wayback_cdx(self, query: dict[str, str]) -> None:
        if "url" not in query:
            return self._send(400, b"url is required")
        rows = _matching(self.state.wayback_rows, query["url"])
        if query.get("from"):
            rows = [r for r in rows if r["timestamp"] >= query["from"]]
        if query.get("to"):
            rows = [r for r in rows if r["timestamp"][: len(query["to"])] <= query["to"]]
        size = self.state.page_size
        pages = (len(rows) + size - 1) // size
        if query.get("showNumPages") == "true":
            return self._send(200, f"{pages}\n".encode())
        if "page" in query:
            page = int(query["page"])
            if page >= pages:
                return self._send(200, b"")
            rows = rows[page * size:(page + 1) * size]
        if not rows:
            return self._send(200, b"[]", "application/json")
        fields = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
        body = json.dumps([fields, *([r[f] for f in fields] for r in rows)]).encode()
        self._send(200, body, "application/json")

    def _replay(self, rest: str) -> None:
        stamp, _, original = rest.partition("/")
        if not stamp.endswith("id_"):
            return self._send(404, b"only raw (id_) replays here")
        timestamp = stamp[: -len("id_")]
        spec = self.state.replays.get((urlkey(unquote(original)), timestamp))
        if spec is None:
            return self._send(404, b"not in archive")
        status, headers, body = self.state.response(spec)
        base = f"http://{self.headers.get('Host')}"
        out: list[tuple[str, str]] = []
        content_type = "text/plain"
        for name, value in headers:
            lowered = name.lower()
            if lowered == "content-type":
                content_type = value
            elif lowered == "location":
                out.append(("Location", f"{base}/web/{timestamp}id_/{value}"))
            elif lowered != "content-length":
                out.append((f"X-Archive-Orig-{name}", value))
        out.append(("Memento-Datetime", datetime.strptime(timestamp, "%Y%m%d%H%M%S")
                    .strftime("%a, %d %b %Y %H:%M:%S GMT")))
        self._send(302 if spec.kind == "redirect" else status, body, content_type, headers=out)


def _server(role: str, state: ArchiveState, host: str) -> ThreadingHTTPServer:
    handler = type(f"{role}Handler", (_Handler,), {"role": role, "state": state})
    server = ThreadingHTTPServer((host, 0), handler)
    server.daemon_threads = True
    return server


def serve(plan: dict, host: str = "127.0.0.1") -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="yonhap-webarchive-"))
    try:
        state = ArchiveState(plan, data_dir)
        servers = {role: _server(role, state, host) for role in ("cc-index", "cc-data", "wayback")}
        threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
                   for s in servers.values()]
        for thread in threads:
            thread.start()

        def stop(signum, frame):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        urls = {name.replace("-", "_"): "http://{}:{}".format(*s.server_address[:2]) for name, s in servers.items()}
        print(json.dumps(urls), flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            for s in servers.values():
                s.shutdown()
                s.server_close()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0].startswith("-"):
        print("usage: python -m devtools.replica.webarchive PLAN.json [--host 127.0.0.1]", file=sys.stderr)
        return 2
    host = args[args.index("--host") + 1] if "--host" in args else "127.0.0.1"
    serve(json.loads(Path(args[0]).read_text(encoding="utf-8")), host)
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["build_plan", "crawl_plan", "latest_captures", "serve", "urlkey"]
