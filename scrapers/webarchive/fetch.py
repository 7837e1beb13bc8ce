"""One capture's HTTP response, as the site sent it to the archive's crawler.

Common Crawl: the WARC record at ``filename``/``offset``/``length`` on the data server, read with
an HTTP ``Range`` request and parsed by warcio (one gzip member per record). Wayback: the
capture replayed raw (``/web/<timestamp>id_/<url>``): the original body, the original headers
as ``X-Archive-Orig-*``; cdx_toolkit's ``fake_wb_warc`` turns that replay back into the
original status line and headers (and a replayed redirect's Location into the original URL).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from urllib.parse import quote

from ground.core.schema import SOURCE_CC
from scrapers.webarchive.captures import Capture
from scrapers.webarchive.client import CC_DATA, WAYBACK, ArchiveClient, ArchiveError

# Headers describing a transfer (ours from the archive, or the archive crawler's), not the
# decoded page we keep; and the replay server's own headers.
_TRANSFER = {"content-encoding", "transfer-encoding", "content-length", "connection", "keep-alive"}


@dataclass
class FetchedCapture:
    capture: Capture
    status: int
    reason: str
    headers: list[tuple[str, str]]  # the site's headers to the archive's crawler
    body: bytes  # the decoded page
    source_uri: str  # where we read it (the WARC file, the replay URL)
    source_range: str | None = None  # cc: bytes=N-M
    truncated: str | None = None  # cc: WARC-Truncated (the archive cut the payload: "length", …)
    warc_headers: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)

    @property
    def location(self) -> str | None:
        return self.header("Location")


def fetch(client: ArchiveClient, capture: Capture, *, data_url: str, wayback_url: str) -> FetchedCapture:
    if capture.archive == SOURCE_CC:
        return fetch_cc(client, capture, data_url)
    return fetch_wayback(client, capture, wayback_url)


def fetch_cc(client: ArchiveClient, capture: Capture, data_url: str) -> FetchedCapture:
    from warcio.bufferedreaders import (
        DecompressingBufferedReader,  # lazy: DAG parsing never needs it
    )
    from warcio.recordloader import ArcWarcRecordLoader  # lazy: as above

    if not capture.filename or capture.offset is None or not capture.length:
        raise ArchiveError(CC_DATA, data_url, f"index row without a WARC location for {capture.url}", 1)
    url = f"{data_url.rstrip('/')}/{capture.filename.lstrip('/')}"
    span = f"bytes={capture.offset}-{capture.offset + capture.length - 1}"
    resp = client.get(CC_DATA, url, headers={"Range": span}, accept=(206, 200))
    data = resp.content
    if resp.status_code == 200:  # a server that ignores Range: the whole file
        data = data[capture.offset:capture.offset + capture.length]
    try:
        record = ArcWarcRecordLoader().parse_record_stream(DecompressingBufferedReader(io.BytesIO(data)))
        body = record.content_stream().read()
    except Exception as err:  # noqa: BLE001 -- a damaged record is one failed capture, named
        raise ArchiveError(CC_DATA, url, f"unreadable WARC record at {span} ({type(err).__name__}: {err})",
                           1) from None
    if record.rec_type != "response" or record.http_headers is None:
        raise ArchiveError(CC_DATA, url, f"the record at {span} is a {record.rec_type!r}, not a response", 1)
    http = record.http_headers
    status = int(http.get_statuscode() or 0)
    reason = http.statusline.split(" ", 1)[1] if " " in http.statusline else ""
    return FetchedCapture(
        capture=capture, status=status, reason=reason,
        headers=[(k, v) for k, v in http.headers if k.lower() not in _TRANSFER],
        body=body, source_uri=url, source_range=span,
        truncated=record.rec_headers.get_header("WARC-Truncated"),
        warc_headers=dict(record.rec_headers.headers),
    )


def replay_url(wayback_url: str, capture: Capture) -> str:
    return f"{wayback_url.rstrip('/')}/web/{capture.timestamp}id_/{quote(capture.url, safe=':/?&=%')}"


def fetch_wayback(client: ArchiveClient, capture: Capture, wayback_url: str) -> FetchedCapture:
    from cdx_toolkit.warc import fake_wb_warc  # lazy: as in fetch_cc

    url = replay_url(wayback_url, capture)
    resp = client.get(WAYBACK, url, accept=(200, 301, 302, 303, 307, 308))
    row = {"url": capture.url, "timestamp": capture.timestamp, "status": str(capture.status or "-")}
    record = fake_wb_warc(capture.url, url, resp, row)
    http = record.http_headers
    status = int(http.get_statuscode() or resp.status_code)
    reason = http.statusline.split(" ", 1)[1] if " " in http.statusline else ""
    # fake_wb_warc prefixes the replay server's own headers X-Archive-…: not the site's.
    headers = [(k, v) for k, v in http.headers
               if not k.lower().startswith("x-archive-") and k.lower() not in _TRANSFER]
    return FetchedCapture(capture=capture, status=status, reason=reason, headers=headers,
                          body=resp.content if 200 <= status < 300 else b"", source_uri=url)
