"""The raw archive: WARC response records (with HTTP headers), one gzip member per record.

During a crawl each response is appended to a local file per partition (``dt``: the KST
publication date for articles, taken from the id, the KST fetch date otherwise); the stage
uploads the files to ``raw/dt=YYYY-MM-DD/<run_id>.warc.gz`` when the crawl ends. Every
record's place is kept as ``s3://bucket/raw/dt=…/<run_id>.warc.gz#offset=N&length=M`` so a
page can be re-parsed later without the site.
"""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import parse_qs

from ground.core.timeutil import KST, article_date
from scrapers.canonical import article_id_from_url

# Headers describing the transfer, not the (already decoded) payload we store.
_TRANSFER_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}
_PARTITION_RE = re.compile(r"^dt=(\d{4}-\d{2}-\d{2})\.warc\.gz$")
# A capture copied from a web archive (scrapers/webarchive/) keeps its origin in its record's
# WARC headers: WARC-Date is the archive's capture time (the content's age), these say where
# it came from and when we read it.
ORIGIN_ARCHIVE = "WARC-Source-Archive"  # cc | wayback (ground.core.schema.SOURCE_*)
ORIGIN_URI = "WARC-Source-URI"  # the archive's WARC file or replay URL we read it from
ORIGIN_RANGE = "WARC-Source-Range"  # cc: bytes=N-M of that file
ORIGIN_FETCHED = "WARC-Source-Fetch-Date"  # when we read it from the archive

# warcio's own gzip runs zlib at level 9, several calls per record; level 6 (zlib's default),
# once per record, gives files within 0.1% of that size for about a quarter less CPU.
GZIP_LEVEL = 6


def raw_key(dt: date, run_id: str) -> str:
    return f"raw/dt={dt.isoformat()}/{run_id}.warc.gz"


def partition_date(url: str, fetched_at: datetime) -> date:
    article_id = article_id_from_url(url)
    day = article_date(article_id) if article_id else None
    return day or fetched_at.astimezone(KST).date()


def record_uri(bucket: str, key: str, offset: int, length: int) -> str:
    return f"s3://{bucket}/{key}#offset={offset}&length={length}"


def parse_record_uri(uri: str) -> tuple[str, str, int, int]:
    """``s3://b/k#offset=N&length=M`` -> (bucket, key, N, M)."""
    if not uri.startswith("s3://") or "#" not in uri:
        raise ValueError(f"not a WARC record URI: {uri!r}")
    location, frag = uri[5:].split("#", 1)
    bucket, _, key = location.partition("/")
    q = parse_qs(frag)
    return bucket, key, int(q["offset"][0]), int(q["length"][0])


@dataclass
class ArchivedResponse:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: datetime
    record_offset: int
    record_length: int
    source: str = "site"  # ground.core.schema.SOURCE_*: our fetch, or an archive's capture
    captured_at: datetime | None = None  # an archive's capture time (= fetched_at)
    truncated: str | None = None  # WARC-Truncated: the archive cut the payload ("length", …)

    def header(self, name: str) -> str | None:
        """Case-insensitive header lookup (Scrapy normalizes 'ETag' to 'Etag')."""
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)


class LocalWarcArchive:
    """Appends WARC response records to ``<dir>/dt=YYYY-MM-DD.warc.gz`` files."""

    def __init__(self, directory: Path, bucket: str, run_id: str):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.bucket = bucket
        self.run_id = run_id
        self._files: dict[date, io.BufferedWriter] = {}
        self.records = 0

    def _file(self, dt: date):
        f = self._files.get(dt)
        if f is None:
            f = open(self.directory / f"dt={dt.isoformat()}.warc.gz", "wb")  # noqa: SIM115 (closed in close())
            self._files[dt] = f
        return f

    def write(
        self,
        url: str,
        status: int,
        reason: str,
        headers: list[tuple[str, str]],
        body: bytes,
        fetched_at: datetime,
        warc_headers: dict[str, str] | None = None,
    ) -> str:
        """Append one response record; return its s3:// record URI. ``warc_headers``: more
        WARC headers (a web archive capture's origin: ORIGIN_*)."""
        from warcio.statusandheaders import StatusAndHeaders  # lazy: ~60 ms; DAG parsing loads this
        from warcio.warcwriter import WARCWriter  # lazy: as above

        dt = partition_date(url, fetched_at)
        f = self._file(dt)
        kept = [(k, v) for k, v in headers if k.lower() not in _TRANSFER_HEADERS]
        kept.append(("Content-Length", str(len(body))))
        http_headers = StatusAndHeaders(f"{status} {reason or 'OK'}".strip(), kept, protocol="HTTP/1.1")
        plain = io.BytesIO()
        writer = WARCWriter(plain, gzip=False)
        record = writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            http_headers=http_headers,
            warc_headers_dict={"WARC-Date": _warc_date(fetched_at), **(warc_headers or {})},
        )
        writer.write_record(record)
        member = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS | 16)  # one gzip member
        data = member.compress(plain.getbuffer()) + member.flush()
        offset = f.tell()
        f.write(data)
        f.flush()
        self.records += 1
        return record_uri(self.bucket, raw_key(dt, self.run_id), offset, len(data))

    def close(self) -> None:
        for f in self._files.values():
            f.close()
        self._files.clear()


def _warc_date(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def local_files(directory: Path) -> dict[date, Path]:
    out = {}
    for path in sorted(Path(directory).glob("dt=*.warc.gz")):
        m = _PARTITION_RE.match(path.name)
        if m:
            out[date.fromisoformat(m.group(1))] = path
    return out


def iter_responses(data: bytes):
    """Every response record of a WARC file's bytes, with its offset and length."""
    from warcio.archiveiterator import ArchiveIterator  # lazy: as in LocalWarcArchive.write()

    stream = io.BytesIO(data)
    iterator = ArchiveIterator(stream)
    for record in iterator:
        if record.rec_type != "response":
            continue
        body = record.content_stream().read()
        url = record.rec_headers.get_header("WARC-Target-URI")
        when = record.rec_headers.get_header("WARC-Date")
        status = int(record.http_headers.get_statuscode()) if record.http_headers else 0
        headers = dict(record.http_headers.headers) if record.http_headers else {}
        origin = record.rec_headers.get_header(ORIGIN_ARCHIVE)
        offset = iterator.get_record_offset()
        iterator.read_to_end(record)
        length = iterator.get_record_length()
        fetched_at = datetime.fromisoformat(when.replace("Z", "+00:00"))
        yield ArchivedResponse(
            url=url,
            status=status,
            headers=headers,
            body=body,
            fetched_at=fetched_at,
            record_offset=offset,
            record_length=length,
            source=origin or "site",
            captured_at=fetched_at if origin else None,
            truncated=record.rec_headers.get_header("WARC-Truncated"),
        )


def truncation_error(truncated: str | None, parse_errors: list[str]) -> str | None:
    """The parse error of a capture its archive cut short (``WARC-Truncated``), unless the
    parser already found the page truncated: such a capture is quarantined, never loaded."""
    if not truncated or any(e.startswith("truncated") for e in parse_errors):
        return None
    return f"truncated: the archive cut the capture (WARC-Truncated: {truncated})"


def read_record(data: bytes) -> ArchivedResponse:
    """One record's bytes (an S3 range read of offset/length) -> the response."""
    for response in iter_responses(data):
        return response
    raise ValueError("no WARC response record in the given bytes")
