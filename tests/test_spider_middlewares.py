"""Middleware policy and the WARC writer, without network."""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime, timedelta

from scrapy.http import HtmlResponse, Request
from scrapy.settings import Settings as ScrapySettings

from ground.core.timeutil import retry_after_seconds
from scrapers import settings as crawler_settings
from scrapers.middlewares import BackoffRetryMiddleware
from scrapers.warc import (
    LocalWarcArchive,
    local_files,
    parse_record_uri,
    partition_date,
    read_record,
)


def test_retry_after_parsing():
    now = datetime(2024, 6, 19, 12, 0, tzinfo=UTC)
    assert retry_after_seconds(b"7") == 7.0
    assert retry_after_seconds("Wed, 19 Jun 2024 12:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("Wed, 19 Jun 2024 11:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds(b"soon") is None and retry_after_seconds(None) is None


def test_backoff_grows_and_honors_capped_retry_after():
    values = {k: v for k, v in vars(crawler_settings).items() if k.isupper()}
    mw = BackoffRetryMiddleware(ScrapySettings({**values, "RETRY_BACKOFF_BASE": 0.5, "RETRY_AFTER_MAX": 60}))
    req = Request("https://fr.yna.co.kr/view/AFR20240619002900884")
    assert mw.backoff(req) == 0.5
    assert mw.backoff(req.replace(meta={"retry_times": 3})) == 4.0
    busy = HtmlResponse(req.url, status=429, headers={"Retry-After": "20"}, request=req)
    assert mw.backoff(req, busy) == 20.0
    greedy = HtmlResponse(req.url, status=429, headers={"Retry-After": "86400"}, request=req)
    assert mw.backoff(req, greedy) == 60.0  # capped


def test_settings_identity_and_bounds():
    s = crawler_settings.scrapy_settings(user_agent="ua (+https://x)", download_delay=1.5, concurrency=3,
                                         out_dir="/tmp/x")
    assert s["USER_AGENT"] == "ua (+https://x)" and s["ROBOTSTXT_OBEY"] is True
    assert s["DOWNLOAD_DELAY"] == 1.5 and s["CONCURRENT_REQUESTS_PER_DOMAIN"] == 3
    # No way into a running crawl: Scrapy turns both on unless told not to.
    assert s.get("TELNETCONSOLE_ENABLED") is False and s.get("REMOTE_CONTROL_ENABLED") is False
    assert s.get("REDIRECT_ENABLED", True) is True  # HTTP redirects still followed (meta refresh is off)
    assert s["AUTOTHROTTLE_ENABLED"] is True and s["DOWNLOAD_MAXSIZE"] == 5 * 1024 * 1024
    assert crawler_settings.scrapy_settings(user_agent="u", download_delay=0, concurrency=2,
                                            out_dir="/tmp/x")["AUTOTHROTTLE_ENABLED"] is False


def test_warc_records_one_gzip_member_each(tmp_path):
    archive = LocalWarcArchive(tmp_path, bucket="b", run_id="r1")
    at = datetime(2024, 6, 19, 16, 0, tzinfo=UTC)  # 2024-06-20 01:00 KST
    body = "<html><p>Poutine à Pyongyang</p></html>".encode()
    uri_a = archive.write("http://x/view/AFR20240619002900884", 200, "OK",
                          [("ETag", '"e1"'), ("Content-Encoding", "gzip")], body, at)
    uri_b = archive.write("http://x/news/3", 200, "OK", [], b"<html>list</html>", at)
    uri_c = archive.write("http://x/view/AFR20240619002800884", 304, "Not Modified", [], b"", at)
    archive.close()
    files = local_files(tmp_path)
    assert set(files) == {date(2024, 6, 19), date(2024, 6, 20)}  # article: id date; list: KST fetch date
    assert partition_date("http://x/robots.txt", at) == date(2024, 6, 20)
    data = files[date(2024, 6, 19)].read_bytes()
    for uri, status in ((uri_a, 200), (uri_c, 304)):
        bucket, key, offset, length = parse_record_uri(uri)
        assert (bucket, key) == ("b", "raw/dt=2024-06-19/r1.warc.gz")
        chunk = data[offset : offset + length]
        assert gzip.decompress(chunk).startswith(b"WARC/1.")  # a complete gzip member
        record = read_record(chunk)
        assert record.status == status
    _, _, offset, length = parse_record_uri(uri_a)
    record = read_record(data[offset : offset + length])
    assert record.body == body and record.header("etag") == '"e1"'
    assert record.header("Content-Encoding") is None  # the stored payload is decoded
    assert record.fetched_at - at < timedelta(seconds=1)
    assert parse_record_uri(uri_b)[1] == "raw/dt=2024-06-20/r1.warc.gz"


def test_validators_become_header_values():
    from scrapers.stage import _validators

    got = _validators({
        "AFR20240619002900884": {"etag": '"x"', "last_modified": datetime(2024, 6, 19, 11, 4, tzinfo=UTC)},
        "AFR20240619002800884": {"etag": None, "last_modified": None},
    })
    assert got == {"AFR20240619002900884": {"etag": '"x"', "last_modified": "Wed, 19 Jun 2024 11:04:00 GMT"}}
