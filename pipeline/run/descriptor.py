"""The run descriptor: what one pipeline run is (id, window, kind, edition, source, announced
ids). The CLI builds one per command; the Airflow `plan` task builds them and passes them to
the other tasks as XCom, which carries JSON: :meth:`RunDescriptor.to_dict` / :meth:`from_dict`.

Airflow-free: how a DAG run's runs are derived (an hourly interval, feed events, the form's
days) is plain date arithmetic on the dag run id, tested without a scheduler.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ground.core.editions import DEFAULT_EDITION
from ground.core.runids import edition_prefix, safe_run_id
from ground.core.schema import RUN_SOURCE_SITE, RUN_SOURCES
from ground.core.timeutil import KST, Window, article_date
from scrapers.canonical import ARTICLE_ID_RE
from transforms.stage import LOOKBACK as LINK_LOOKBACK

# Articles are sometimes listed after their publication time: each hourly run crawls from
# INGEST_LOOKBACK before its data interval; dedupe + idempotent upserts make the overlap harmless.
INGEST_LOOKBACK = timedelta(hours=2)

# An event run's window: from the KST day of its oldest announced id to a little after the
# last announcement (the gate checks publication times against it).
EVENT_WINDOW_PAD = timedelta(minutes=5)

# Story links and duplicates of a run look back transforms.stage.LOOKBACK (48 h) at *stored*
# rows and never re-link those (transforms/stories.py). A run of one KST day therefore needs the
# runs of the days that look-back covers loaded first, or it misses links a run of the whole
# range makes: the partitions of a backfill wait for them (pipeline.airflow.waiting).
LINK_LOOKBACK_DAYS = math.ceil(LINK_LOOKBACK / timedelta(days=1))

# Kinds of run whose days are partitions of one DAG run (one run per KST day).
PARTITIONED_KINDS = ("backfill", "reprocess")


class UnknownSource(ValueError):
    """A run's source is not one of RUN_SOURCES."""


def check_source(source: str | None) -> str:
    """The run's source (``site`` when None), or :class:`UnknownSource` naming the choices."""
    value = (source or RUN_SOURCE_SITE).strip().lower()
    if value not in RUN_SOURCES:
        raise UnknownSource(f"source {source!r} must be one of {', '.join(RUN_SOURCES)}")
    return value


class NoAnnouncedIds(ValueError):
    """An event run was given no valid article id."""


def announced_ids(ids) -> list[str]:
    """The valid article ids of an event payload, unique, in order (anything else is dropped:
    the payload crossed a process boundary)."""
    out = list(dict.fromkeys(i for i in ids or [] if isinstance(i, str) and ARTICLE_ID_RE.match(i)))
    if not out:
        raise NoAnnouncedIds(f"no valid article id among {list(ids or [])[:5]!r}")
    return out


@dataclass(frozen=True)
class RunDescriptor:
    """One pipeline run. ``kind``: the crawl_runs kind (cli, stages, airflow, event, backfill,
    reprocess); ``source``: what its crawl fetches from (site | archive | auto); ``ids``: an
    event run's announced article ids (empty for every other run)."""

    run_id: str
    window: Window
    kind: str
    edition: str = DEFAULT_EDITION
    source: str = RUN_SOURCE_SITE
    ids: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON for XCom (small: ids and bounds only)."""
        return {
            "run_id": self.run_id,
            "window_start": self.window.start.isoformat(),
            "window_end": self.window.end.isoformat(),
            "kind": self.kind,
            "edition": self.edition,
            "source": self.source,
            "ids": list(self.ids),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunDescriptor:
        """The inverse of :meth:`to_dict`. Runs planned before this class (an untyped dict, still
        in XCom while an upgrade lands mid-run) may lack edition, source and ids: they meant the
        default edition, the site and no announced ids, as they do here."""
        return cls(
            run_id=data["run_id"],
            window=Window(datetime.fromisoformat(data["window_start"]), datetime.fromisoformat(data["window_end"])),
            kind=data["kind"],
            edition=data.get("edition") or DEFAULT_EDITION,
            source=check_source(data.get("source")),
            ids=tuple(data.get("ids") or ()),
        )

    @property
    def partitioned(self) -> bool:
        """One day of a backfill or reprocess DAG run."""
        return self.kind in PARTITIONED_KINDS

    def link_predecessors(self, dag_run_id: str) -> list[str]:
        """The run ids of ``dag_run_id``'s partitions for the days before this one that its
        story links and duplicates look back at (LINK_LOOKBACK_DAYS), oldest first."""
        first = self.window.kst_dates()[0]
        prefix = edition_prefix(self.kind, self.edition)
        return [safe_run_id(prefix, dag_run_id, f"{first - timedelta(days=n):%Y%m%d}")
                for n in range(LINK_LOOKBACK_DAYS, 0, -1)]


def interval_run(dag_run_id: str, interval_start: datetime, interval_end: datetime,
                 edition: str = DEFAULT_EDITION) -> RunDescriptor:
    """The run an hourly interval owns: crawl [start - INGEST_LOOKBACK, end)."""
    window = Window(interval_start - INGEST_LOOKBACK, interval_end)
    return RunDescriptor(safe_run_id(edition_prefix("ingest", edition), dag_run_id), window, "airflow", edition)


def announced_run(dag_run_id: str, events: list[tuple[datetime, dict]]) -> RunDescriptor:
    """The run an asset-triggered ingest owns: the ids its feed events announced (in order,
    unique) and a window covering them. ``events``: (event time, payload) pairs. The result
    depends on the events only, so a retried `plan` plans the same run."""
    ids: list[str] = []
    for _when, payload in sorted(events, key=lambda e: e[0]):
        ids.extend(i for i in (payload or {}).get("ids") or [] if isinstance(i, str))
    ids = announced_ids(ids)
    first_day = min(d for d in map(article_date, ids) if d is not None)
    start = datetime.combine(first_day, datetime.min.time(), KST)
    end = max(when for when, _ in events) + EVENT_WINDOW_PAD
    window = Window(start, max(end, start + timedelta(minutes=1)))
    return RunDescriptor(safe_run_id("event", dag_run_id), window, "event", ids=tuple(ids))


def day_runs(dag_run_id: str, first: date, last: date, kind: str, edition: str = DEFAULT_EDITION,
             source: str = RUN_SOURCE_SITE) -> list[RunDescriptor]:
    """One run per KST day; run ids derive from the dag run id, so a retry reuses them (another
    edition's say which: ``backfill_en__…``). ``source``: the form's (site | archive | auto)."""
    prefix = edition_prefix(kind, edition)
    return [RunDescriptor(safe_run_id(prefix, dag_run_id, f"{day.kst_dates()[0]:%Y%m%d}"), day, kind, edition,
                          source)
            for day in Window.for_dates(first, last).days()]
