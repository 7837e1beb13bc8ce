"""Rebuild ``curated/`` from PostgreSQL, the system of record for loaded rows.

Curated files are written per run (storage.parquet); when some are lost (local data gone, a
new bucket) a KST day's partition no longer holds every stored article of that day. For each
such day :func:`rebuild` writes one file holding every stored article published that day —
``curated/articles/dt=D/rebuild_D.parquet`` — and removes the day's other files, so after it
each article is in the day's partition exactly once, with its stored (latest) content. A day
whose files already cover every stored article is left alone, so a rerun writes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from ground.adapters import s3
from ground.core.config import Settings
from ground.core.timeutil import Window
from storage import parquet

log = logging.getLogger(__name__)
REBUILD_PREFIX = "rebuild_"


@dataclass
class RebuildReport:
    rebuilt: dict[str, int] = field(default_factory=dict)  # day -> articles written
    complete: list[str] = field(default_factory=list)  # days left alone
    empty: list[str] = field(default_factory=list)  # days with no stored article

    def lines(self) -> list[str]:
        out = [f"curated {day}: rebuilt, {n} article(s) in one file" for day, n in sorted(self.rebuilt.items())]
        if self.complete:
            out.append(f"curated: {len(self.complete)} day(s) already complete")
        if self.empty:
            out.append(f"curated: {len(self.empty)} day(s) without stored articles")
        return out


def _day_prefix(day: date) -> str:
    return f"{parquet.PREFIX}/dt={day:%Y-%m-%d}/"


def _ids_in_files(settings: Settings, keys: list[str]) -> set[str]:
    import pyarrow as pa  # lazy: ~0.13 s; DAG parsing and --help never need it
    import pyarrow.parquet as pq  # lazy: as above

    found: set[str] = set()
    for key in keys:
        try:
            # An Arrow buffer, one thread: no Arrow thread calls back into a Python file object
            # (with io.BytesIO the CLI could abort at exit: "terminate called …").
            table = pq.read_table(pa.BufferReader(s3.get_bytes(settings, key)), columns=["article_id"],
                                  use_threads=False)
        except Exception as err:  # noqa: BLE001 -- an unreadable file counts as missing
            log.warning("curated: %s unreadable (%s); the day is rebuilt", key, err)
            continue
        found.update(table.column("article_id").to_pylist())
    return found


def _stored_ids(conn, day: date) -> list[str]:
    window = Window.for_dates(day, day)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT article_id FROM yonhap.articles WHERE published_at >= %s AND published_at < %s",
            (window.start, window.end),
        )
        return sorted(r for (r,) in cur.fetchall())


def rebuild(settings: Settings, conn, first: date, last: date) -> RebuildReport:
    """Rebuild every day in [first, last] whose curated files miss stored articles."""
    report = RebuildReport()
    s3.ensure_bucket(settings)
    day = first
    while day <= last:
        stored = _stored_ids(conn, day)
        keys = sorted(k for k in s3.list_keys(settings, _day_prefix(day)) if k.endswith(".parquet"))
        if not stored:
            report.empty.append(day.isoformat())
        elif set(stored) <= _ids_in_files(settings, keys):
            report.complete.append(day.isoformat())
        else:
            table = parquet.fetch_table(conn, stored)
            target = parquet.key_for(f"{REBUILD_PREFIX}{day:%Y%m%d}", day)
            s3.put_bytes(settings, target, parquet.encode(table), "application/vnd.apache.parquet")
            for key in keys:  # only after the new file is in place: never a moment with less
                if key != target:
                    s3.client(settings).delete_object(Bucket=settings.s3_bucket, Key=key)
            report.rebuilt[day.isoformat()] = table.num_rows
        day += timedelta(days=1)
    return report
