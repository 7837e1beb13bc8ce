"""Crawl stage functions (docs/architecture.md): ``crawl`` and ``reprocess``.

``crawl`` runs Scrapy in a subprocess (``python -m scrapers.run_spider``) so the caller's
process (an Airflow task, the CLI) never hosts a Twisted reactor; its log lines are streamed
to the caller's logger (or stdout when logging is not configured). Outputs, all replaced
whole on a rerun (idempotent): ``raw/dt=…/<run_id>.warc.gz``, staging ITEMS, CRAWL_ERRORS,
CRAWL_STATS.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import deque
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from ground.adapters import s3, staging
from ground.core.config import Settings
from ground.core.schema import (
    RAW_ARCHIVE_SOURCE,
    SOURCE_SITE,
    CrawledArticle,
    CrawlError,
    CrawlStats,
    SearchedDay,
    SeenArticle,
    parse_time,
)
from ground.core.timeutil import KST, Window, article_date
from scrapers import site_health
from scrapers.archive import trusted_validators
from scrapers.canonical import article_id_from_url
from scrapers.parsers.base import html_complete
from scrapers.parsers.registry import Registry, build_item
from scrapers.warc import iter_responses, local_files, raw_key, record_uri, truncation_error

logger = logging.getLogger("scrapers.crawl")
REPO_ROOT = Path(__file__).resolve().parent.parent


class CrawlFailed(RuntimeError):
    """The crawler subprocess failed; the message ends with its last log lines."""


def _emit(line: str, level: int = logging.INFO) -> None:
    if logging.getLogger().hasHandlers() or logger.hasHandlers():
        logger.log(level, line)
    elif level >= logging.INFO:  # no logging configured: print what INFO would show
        print(line if level == logging.INFO else f"{logging.getLevelName(level)} {line}", flush=True)


emit = _emit  # the crawl stage's own log lines (scrapers.webarchive writes through it too)


# The crawler subprocess starts each log record with "LEVEL logger: " (LOG_FORMAT in
# scrapers/settings.py); a line without it continues the record before it (a stats dump, a
# traceback). Other packages' INFO records are Scrapy's start-up, stats and shutdown chatter:
# re-logged at DEBUG, so a task log at INFO shows our lines and every warning.
_LEVELS = {name: logging.getLevelName(name) for name in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")}
_OWN_LOGGERS = ("scrapers", "ground", "pipeline", "yonhap")  # yonhap.dags: the task library's


def _record_start(line: str) -> tuple[int, str] | None:
    """(level, rest of the line) when ``line`` starts a crawler log record, else None."""
    level_name, _, rest = line.partition(" ")
    name, sep, _message = rest.partition(": ")
    if level_name not in _LEVELS or not sep or not name or " " in name:
        return None
    level = _LEVELS[level_name]
    if level == logging.INFO and name.split(".", 1)[0] not in _OWN_LOGGERS:
        level = logging.DEBUG
    return level, rest


def _relog(lines, tail: deque[str]) -> None:
    """Re-log the crawler's output lines, each at the level of the record it belongs to."""
    level = logging.WARNING  # output before any record is unexpected: show it
    for line in lines:
        line = line.rstrip("\n")
        tail.append(line)
        start = _record_start(line)
        if start is not None:
            level, line = start
        _emit(line, level)


def _run_subprocess(config_path: Path, timeout: float | None) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.setdefault("PYTHONUNBUFFERED", "1")
    tail: deque[str] = deque(maxlen=30)
    proc = subprocess.Popen(
        [sys.executable, "-m", "scrapers.run_spider", str(config_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=env,
        cwd=str(REPO_ROOT),
    )
    # A watchdog, not a check per log line: a hung crawler may print nothing at all.
    timed_out = threading.Event()

    def kill() -> None:
        timed_out.set()
        proc.kill()

    watchdog = threading.Timer(timeout, kill) if timeout else None
    if watchdog:
        watchdog.daemon = True
        watchdog.start()
    try:
        assert proc.stdout is not None
        _relog(proc.stdout, tail)
        rc = proc.wait()
    finally:
        if watchdog:
            watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if timed_out.is_set():
        raise CrawlFailed(f"crawler subprocess exceeded {timeout}s and was killed:\n" + "\n".join(tail))
    if rc != 0:
        raise CrawlFailed(f"crawler subprocess exited with {rc}:\n" + "\n".join(tail))


def _upload_archive(settings: Settings, run_id: str, warc_dir: Path) -> list[str]:
    keys = []
    for dt, path in local_files(warc_dir).items():
        key = raw_key(dt, run_id)
        s3.put_bytes(settings, key, path.read_bytes(), "application/warc")
        keys.append(key)
    return keys


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _validators(raw: dict[str, dict] | None) -> dict[str, dict[str, str]]:
    """Validators as HTTP header values (a datetime Last-Modified becomes an HTTP date)."""
    out: dict[str, dict[str, str]] = {}
    for article_id, known in (raw or {}).items():
        values: dict[str, str] = {}
        for name in ("etag", "last_modified"):
            value = (known or {}).get(name)
            if isinstance(value, datetime):
                value = format_datetime(value.astimezone(UTC), usegmt=True)
            if value:
                values[name] = str(value)
        if values:
            out[article_id] = values
    return out


def crawl(
    settings: Settings,
    run_id: str,
    window: Window,
    *,
    validators: dict[str, dict] | None = None,
    retry_urls: list[str] | None = None,
    targets: list[str] | None = None,
    fetch_once: list[str] | None = None,
    skip: list[str] | None = None,
    parsers: list[str] | None = None,
    scrapy_overrides: dict[str, Any] | None = None,
    timeout: float | None = None,
) -> CrawlStats:
    """Crawl every article published in ``window`` (see module doc), or only the article ids
    ``targets`` (an event run: no feed, no list walk, no retries). ``parsers`` limits the
    registered layout parsers by name; ``scrapy_overrides`` adds Scrapy settings (tests).
    ``fetch_once``: article ids of broken pages, fetched without retries; ``skip``: ids not
    fetched at all (pipeline.run.stages.broken_page_plan)."""
    Registry.from_names(parsers)  # a bad parser name fails here, not in the subprocess
    s3.ensure_bucket(settings)
    started_at = datetime.now(UTC)
    archive = trusted_validators(settings, validators or {})
    if archive.line():
        _emit(f"crawl {run_id}: {archive.line()}", logging.WARNING)  # shown by `run` too
    work = Path(tempfile.mkdtemp(prefix=f"yonhap-crawl-{run_id}-"))
    try:
        config = {
            "base_url": settings.base_url,
            "user_agent": settings.user_agent,
            "download_delay": settings.download_delay,
            "concurrency": settings.concurrency,
            "bucket": settings.s3_bucket,
            "run_id": run_id,
            "window_start": window.start.isoformat(),
            "window_end": window.end.isoformat(),
            "validators": _validators(archive.kept),
            "retry_urls": list(retry_urls or []),
            "targets": list(targets or []),
            "fetch_once_ids": list(fetch_once or []),
            "skip_ids": list(skip or []),
            "parsers": parsers,
            "out_dir": str(work),
            "scrapy_settings": scrapy_overrides or {},
        }
        config_path = work / "config.json"
        config_path.write_text(json.dumps(config), encoding="utf-8")
        what = f"{len(targets)} announced ids" if targets else f"window {window}"
        _emit(f"crawl {run_id}: {settings.base_url} {what}")
        _run_subprocess(config_path, timeout)

        spider_out = json.loads((work / "spider.json").read_text(encoding="utf-8"))
        items = [CrawledArticle.from_dict(d) for d in _read_jsonl(work / "items.jsonl")]
        errors = [CrawlError.from_dict(d) for d in spider_out["errors"]]
        _upload_archive(settings, run_id, work / "warc")
        staging.write_jsonl(settings, run_id, staging.ITEMS, (i.to_dict() for i in items))
        staging.write_jsonl(settings, run_id, staging.CRAWL_ERRORS, (e.to_dict() for e in errors))
        seen = seen_articles(spider_out)
        staging.write_jsonl(settings, run_id, staging.SEEN, (s.to_dict() for s in seen))
        # An event run fetches named ids: it looks for no day.
        searched = [] if targets else [SearchedDay(d.isoformat(), SOURCE_SITE) for d in window.kst_dates()]
        staging.write_jsonl(settings, run_id, staging.SEARCHED, (d.to_dict() for d in searched))
        stats = _crawl_stats(run_id, window, spider_out, items, errors, started_at)
        stats.archive_missing = len(archive.missing)
        stats.targets = len(targets or [])
        stats.seen = len(seen)
        health = site_health.assess(settings.base_url, spider_out, targeted=bool(targets))
        stats.site_health, stats.site_health_line = health.verdict, health.line
        staging.write_json(settings, run_id, staging.CRAWL_STATS, stats.to_dict())
        _emit(
            f"crawl {run_id}: {stats.items} items, {stats.not_modified} not modified, "
            f"{stats.errors} errors, {stats.pages} responses ({stats.list_pages} list pages)"
        )
        if health.line:
            _emit(f"crawl {run_id}: {health.line}", logging.ERROR if health.fails_run else logging.INFO)
        if health.fails_crawl:
            raise site_health.SiteUnavailable(health, {"pages": stats.pages, "items": stats.items,
                                                       "errors": stats.errors, "not_modified": stats.not_modified})
        return stats
    finally:
        shutil.rmtree(work, ignore_errors=True)


def seen_articles(spider_out: dict[str, Any]) -> list[SeenArticle]:
    """The spider's seen ids as ledger rows: the day is the one the site showed (KST), else
    the id's; robots.txt refusals are marked (policy, not a failure)."""
    denied = {article_id_from_url(u) for u in spider_out.get("robots_denied") or []}
    out = []
    for entry in spider_out.get("seen") or []:
        listed = parse_time(entry["listed_at"]) if entry.get("listed_at") else None
        day = listed.astimezone(KST).date() if listed else article_date(entry["article_id"])
        out.append(SeenArticle(article_id=entry["article_id"], kst_date=day.isoformat(), sources=entry["sources"],
                               listed_at=entry.get("listed_at"), robots_denied=entry["article_id"] in denied))
    return out


def _crawl_stats(run_id, window, spider_out, items, errors, started_at) -> CrawlStats:
    st = spider_out.get("scrapy_stats") or {}
    return CrawlStats(
        run_id=run_id,
        window_start=window.start.isoformat(),
        window_end=window.end.isoformat(),
        list_pages=int(st.get("yonhap/requests/list", 0)),
        rss_requests=int(st.get("yonhap/requests/rss", 0)),
        article_requests=int(st.get("yonhap/requests/article", 0)),
        pages=int(st.get("downloader/response_count", 0)),
        items=len(items),
        not_modified=len(spider_out.get("not_modified_ids") or []),
        not_modified_ids=sorted(spider_out.get("not_modified_ids") or []),
        errors=len(errors),
        retries=int(st.get("retry/count", 0)),
        robots_denied=int(st.get("robotstxt/forbidden", 0)),
        bytes=int(st.get("downloader/response_bytes", 0)),
        started_at=started_at.isoformat(),
        finished_at=datetime.now(UTC).isoformat(),
        scrapy_stats=st,
    )




def archive_gap_line(day: str, expected: int) -> str:
    return (f"no archived pages for {day} ({expected} expected from yonhap.articles); run "
            f"`yonhap-pipeline run --from {day} --to {day}` to re-fetch")


def reprocess(settings: Settings, run_id: str, window: Window, *, parsers: list[str] | None = None,
              expected: dict[str, int] | None = None) -> CrawlStats:
    """Re-parse the raw archive for the window's KST dates (latest 200 record per article id
    across runs) into the same staging outputs as ``crawl``; no site traffic. ``expected``
    ({KST date: stored articles}) names the days whose archive is missing in the stats."""
    s3.ensure_bucket(settings)
    started_at = datetime.now(UTC)
    registry = Registry.from_names(parsers)
    days = set(window.kst_dates())
    prefix = settings.profile.id_prefix  # the archive holds every edition's pages: ours only
    latest: dict[str, tuple[tuple, str, Any]] = {}
    records = 0
    for day in sorted(days):
        for key in sorted(s3.list_keys(settings, f"raw/dt={day.isoformat()}/")):
            if not key.endswith(".warc.gz"):
                continue
            for resp in iter_responses(s3.get_bytes(settings, key)):
                records += 1
                article_id = article_id_from_url(resp.url or "")
                if (resp.status != 200 or not article_id or not article_id.startswith(prefix)
                        or article_date(article_id) not in days):
                    continue
                # Latest complete copy wins; a truncated one only when nothing better exists.
                rank = (html_complete(resp.body), resp.fetched_at, key)
                seen = latest.get(article_id)
                if seen is None or rank > seen[0]:
                    latest[article_id] = (rank, key, resp)
    items: list[CrawledArticle] = []
    for article_id in sorted(latest):
        _rank, key, resp = latest[article_id]
        fetched_at = resp.fetched_at
        item = build_item(
            registry.extract(resp.body, resp.url, resp.headers),
            requested_url=resp.url,
            base_url=settings.base_url,
            http_status=resp.status,
            fetched_at=fetched_at.astimezone(UTC).isoformat(),
            run_id=run_id,
            etag=resp.header("ETag"),
            last_modified=resp.header("Last-Modified"),
            raw_uri=record_uri(settings.s3_bucket, key, resp.record_offset, resp.record_length),
        )
        if resp.captured_at is not None:  # a web archive's capture (scrapers/webarchive/)
            item.source, item.captured_at = resp.source, resp.captured_at.astimezone(UTC).isoformat()
            cut = truncation_error(resp.truncated, item.parse_errors)
            if cut:
                item.parse_errors.append(cut)
        published = parse_time(item.published_at) if item.published_at else None
        if published is not None and not window.contains(published):
            continue  # a partial-day window owns only part of the date
        items.append(item)
    archived_days = {article_date(aid).isoformat() for aid in latest}
    missing_days = {day: n for day, n in sorted((expected or {}).items()) if n and day not in archived_days}
    for day, n in missing_days.items():
        _emit(f"reprocess {run_id}: {archive_gap_line(day, n)}", logging.WARNING)
    staging.write_jsonl(settings, run_id, staging.ITEMS, (i.to_dict() for i in items))
    staging.write_jsonl(settings, run_id, staging.CRAWL_ERRORS, [])
    staging.write_jsonl(settings, run_id, staging.SEEN, [])  # no site traffic: nothing seen
    staging.write_jsonl(settings, run_id, staging.SEARCHED, [])
    stats = CrawlStats(
        run_id=run_id,
        window_start=window.start.isoformat(),
        window_end=window.end.isoformat(),
        pages=records,
        items=len(items),
        started_at=started_at.isoformat(),
        finished_at=datetime.now(UTC).isoformat(),
        scrapy_stats={"source": RAW_ARCHIVE_SOURCE, "warc_records": records},
        archive_missing_days=missing_days,
    )
    staging.write_json(settings, run_id, staging.CRAWL_STATS, stats.to_dict())
    return stats
