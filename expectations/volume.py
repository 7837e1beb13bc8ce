"""The row-count band for a run, learned from earlier runs of the same weekday and hour.

``history`` rows are recent ``yonhap.crawl_runs`` rows (storage.queries.run_history): dicts
with run_id, window_start, window_end, items, loaded, status (and not_modified). A run's
volume is the articles it saw: items + not_modified (304 answers). Pure functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from expectations import thresholds as t
from ground.core.timeutil import Window, to_kst

# Statuses of runs whose counts say nothing about normal volume.
_UNHEALTHY = ("fail", "error", "running", "blocked", "abort", "started")
# The yonhap.install_notices key of the cold-start warning: an install's first run shows it
# (and so does a rerun of that run), the runs after it do not (pipeline.run.stages.run_validate).
COLD_START_NOTICE = "volume_band_cold_start"


@dataclass(frozen=True)
class VolumeBand:
    min_rows: int
    max_rows: int
    basis: str  # one line for operators: where the band comes from
    cold_start: bool
    comparable_runs: int

    @property
    def runs_needed(self) -> int:
        """Comparable earlier runs still missing before the band is learned (0 once it is)."""
        return max(0, t.MIN_COMPARABLE_RUNS - self.comparable_runs) if self.cold_start else 0


def _as_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else None
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else None
    return None


def _count(run: dict[str, Any]) -> int | None:
    """Articles the run saw: items produced plus those answered 304 Not Modified (a rerun
    over unchanged pages produces few items but sees the same volume)."""
    for key in ("items", "loaded"):
        value = run.get(key)
        if isinstance(value, int) and value >= 0:
            unchanged = run.get("not_modified")
            return value + (unchanged if isinstance(unchanged, int) and unchanged > 0 else 0)
    return None


def _healthy(run: dict[str, Any]) -> bool:
    status = str(run.get("status") or "").lower()
    return bool(status) and not any(word in status for word in _UNHEALTHY)


def comparable_counts(history: list[dict[str, Any]], window: Window, run_id: str | None = None) -> list[int]:
    """Item counts of healthy earlier runs whose window has the same length, KST weekday and
    KST start hour as ``window`` (most recent first, at most HISTORY_COMPARABLE_MAX)."""
    length = window.end - window.start
    start = to_kst(window.start)
    found: list[tuple[datetime, int]] = []
    for run in history:
        if run_id is not None and run.get("run_id") == run_id:
            continue  # a rerun of this very run is not history
        run_start, run_end = _as_time(run.get("window_start")), _as_time(run.get("window_end"))
        count = _count(run)
        if run_start is None or run_end is None or count is None or not _healthy(run):
            continue
        if run.get("kind") == "event":
            continue  # a handful of announced ids says nothing about an hour's volume
        if run_start >= window.start:
            continue  # only the past teaches what is normal
        kst = to_kst(run_start)
        if run_end - run_start == length and kst.weekday() == start.weekday() and kst.hour == start.hour:
            found.append((run_start, count))
    found.sort(reverse=True)
    return [count for _start, count in found[: t.HISTORY_COMPARABLE_MAX]]


def volume_band(history: list[dict[str, Any]], window: Window, run_id: str | None = None) -> VolumeBand:
    counts = comparable_counts(history, window, run_id)
    days = (window.end - window.start).total_seconds() / 86400
    if len(counts) < t.MIN_COMPARABLE_RUNS:
        low = t.COLD_START_MIN_FULL_DAY if days >= 1 else 0
        high = max(1, math.ceil(t.COLD_START_MAX_PER_DAY * max(days, 1 / 24)))
        return VolumeBand(
            low, high,
            f"cold start: {len(counts)} of {t.MIN_COMPARABLE_RUNS} comparable earlier runs (same window "
            f"length, KST weekday and start hour), absolute band for a {_span(days)} window",
            True, len(counts),
        )
    low = math.floor(t.BAND_LOW_FACTOR * min(counts))
    high = math.ceil(t.BAND_HIGH_FACTOR * max(counts)) + t.BAND_HIGH_PAD
    return VolumeBand(
        low, high,
        f"{len(counts)} earlier runs of the same weekday/hour had {min(counts)}–{max(counts)} items",
        False, len(counts),
    )


def cold_start_line(band: VolumeBand) -> str:
    """The cold-start warning: the absolute band in use and how many more runs it needs."""
    return (f"volume band: {band.basis}: {band.min_rows}–{band.max_rows} rows; {band.runs_needed} more such "
            f"run(s) needed before the band is learned from history (shown once per install)")


def archive_band() -> VolumeBand:
    """A reprocess (or a run from the web archives) counts what an archive holds, not what the
    site published: no band (a missing day is reported by the crawl stage, naming the day)."""
    return VolumeBand(0, 2**31 - 1, "rows come from an archive (ours or a web archive), not from the site",
                      False, 0)


def targeted_band(targets: int) -> VolumeBand:
    """An event run fetches the ids the feed announced: it can find at most that many, and
    the site's volume is measured by the hourly runs, not by these small batches."""
    return VolumeBand(0, max(1, targets), f"event run: {targets} announced id(s); volume is checked by the hourly runs",
                      False, 0)


def _span(days: float) -> str:
    if days >= 1:
        return f"{days:g}-day"
    return f"{days * 24:g}-hour"
