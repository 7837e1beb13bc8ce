"""Staleness: the ingest can stop without any task failing -- the triggerer dies and the feed
watcher with it, or the hourly runs find nothing because discovery broke in a way no check
catches. The watchdog DAGs (dags/yonhap_watch.py) ask two questions every 15 minutes:

1. Has the feed watcher polled lately? It leaves a heartbeat after every poll (the asset state
   of ``yonhap_fr_feed``); silence for ``WATCHER_SILENT_POLLS`` poll intervals (at least
   ``WATCHER_SILENT_MIN``) is staleness.
2. Has anything been loaded lately? No article published in the last two days was first
   loaded for ``YONHAP_STALE_AFTER_HOURS`` (3 h), while the same KST hours of the
   ``HISTORY_DAYS`` days before usually had articles (their median is at least 1): a night
   the site is quiet every night is not staleness.

Each answer is None (fresh) or one line; the DAG turns lines into a red run, and the alerts
(pipeline.run.alerts) say it once and say "recovered" once.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta
from typing import Any

from ground.adapters import db
from ground.core.config import Settings
from ground.core.timeutil import KST

WATCHER_SILENT_POLLS = 5
WATCHER_SILENT_MIN = timedelta(minutes=5)
HISTORY_DAYS = 7
RECENT = timedelta(days=2)  # loads of older articles (a backfill) say nothing about the ingest


def _ago(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def watcher_silence(heartbeat: dict[str, Any] | None, now: datetime, poll_seconds: float) -> str | None:
    """The line when the feed watcher's last poll (``heartbeat["polled_at"]``, ISO) is too old."""
    limit = max(WATCHER_SILENT_MIN, timedelta(seconds=WATCHER_SILENT_POLLS * poll_seconds))
    polled = None
    if isinstance(heartbeat, dict) and heartbeat.get("polled_at"):
        try:
            polled = datetime.fromisoformat(str(heartbeat["polled_at"]))
        except ValueError:
            polled = None
    if polled is None:
        return (f"the feed watcher has not reported a poll (expected every {poll_seconds:g} s): is the "
                "triggerer running?")
    silent = now - polled
    if silent <= limit:
        return None
    return (f"the feed watcher has been silent for {_ago(silent)} (last poll {polled.astimezone(KST):%Y-%m-%d %H:%M} "
            f"KST; expected every {poll_seconds:g} s): is the triggerer running?")


def load_staleness(settings: Settings, now: datetime) -> str | None:
    """The line when nothing recent was loaded for ``settings.stale_after_hours`` while the
    same hours of the days before had articles (see the module doc)."""
    span = timedelta(hours=settings.stale_after_hours)
    conn = db.connect(settings)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT max(loaded_at) FROM yonhap.articles WHERE edition = %s AND published_at >= %s",
                (settings.edition, now - RECENT),
            )
            last_loaded = cur.fetchone()[0]
            if last_loaded is not None and now - last_loaded < span:
                return None
            cur.execute(
                """
                SELECT d, (SELECT count(*) FROM yonhap.articles a
                           WHERE a.edition = %(edition)s AND a.duplicate_of IS NULL
                             AND a.published_at >= %(end)s - d * interval '1 day' - %(span)s
                             AND a.published_at < %(end)s - d * interval '1 day')
                FROM generate_series(1, %(days)s) AS d ORDER BY d
                """,
                {"edition": settings.edition, "end": now, "span": span, "days": HISTORY_DAYS},
            )
            usual = [n for _d, n in cur.fetchall()]
    finally:
        conn.rollback()
        conn.close()
    if statistics.median(usual) < 1:
        return None  # these hours are usually quiet
    since = (f"the last one at {last_loaded.astimezone(KST):%Y-%m-%d %H:%M} KST" if last_loaded
             else f"none in the last {RECENT.days} days")
    start = (now - span).astimezone(KST)
    return (f"no {settings.edition} article loaded for {settings.stale_after_hours:g} h ({since}); the same hours "
            f"({start:%H:%M}–{now.astimezone(KST):%H:%M} KST) of the last {HISTORY_DAYS} days had {sum(usual)} "
            f"(median {statistics.median(usual):g} a day)")


def staleness_lines(settings: Settings, now: datetime, heartbeat: dict[str, Any] | None = None,
                    watcher: bool = False) -> list[str]:
    """Every staleness found (empty: fresh). ``watcher``: this edition has a feed watcher whose
    ``heartbeat`` is to be checked."""
    lines = []
    if watcher:
        silence = watcher_silence(heartbeat, now, settings.poll_seconds)
        if silence:
            lines.append(silence)
    stale = load_staleness(settings, now)
    if stale:
        lines.append(stale)
    return lines
