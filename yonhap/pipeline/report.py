"""Run summaries for operators: the same few lines head a run's task logs, fill its Airflow
run note and end the CLI's output. Figures come from yonhap.crawl_runs (what each run
recorded) and the completeness ledger (yonhap.daily_completeness, as it stands now).

Pure text here: callers decide where the lines go (yonhap.airflow writes the note).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from storage import queries
from storage.runs import STATUS_SUCCEEDED
from yonhap.adapters import db
from yonhap.core.config import Settings
from yonhap.core.timeutil import KST

_SUMMED = ("pages", "pages_200", "pages_304", "items", "loaded", "rejected", "duplicates", "errors")


@dataclass
class Completeness:
    first_day: date
    last_day: date
    seen: int = 0
    unaccounted: int = 0
    gaps: dict[str, list[str]] = field(default_factory=dict)  # day -> some unaccounted ids

    def line(self) -> str:
        days = f"{self.first_day}" if self.first_day == self.last_day else f"{self.first_day} → {self.last_day}"
        if not self.unaccounted:
            return f"completeness {days}: {self.seen} seen · 0 unaccounted"
        shown = "; ".join(f"{day}: {' '.join(ids)}" for day, ids in sorted(self.gaps.items()))
        return (f"completeness {days}: {self.seen} seen · **{self.unaccounted} unaccounted** "
                f"(seen on the site, in no table: {shown})")


@dataclass
class RunsReport:
    """The figures of the runs one DAG run (or CLI command) owns."""

    rows: list[dict[str, Any]]
    completeness: Completeness | None

    @property
    def totals(self) -> dict[str, int]:
        return {k: sum(int(r.get(k) or 0) for r in self.rows) for k in _SUMMED}

    @property
    def status(self) -> str:
        states = [r["status"] for r in self.rows]
        if states and all(s == STATUS_SUCCEEDED for s in states):
            return STATUS_SUCCEEDED
        if not states:
            return "no runs recorded"
        bad = [s for s in states if s != STATUS_SUCCEEDED]
        return f"{len(bad)} of {len(states)} runs " + "/".join(sorted(set(bad)))

    def lines(self, title: str) -> list[str]:
        """Markdown lines (a note renders them; a log shows them as they are)."""
        t = self.totals
        gaps = self.completeness.unaccounted if self.completeness else 0
        verdict = self.status if not gaps or self.status != STATUS_SUCCEEDED else "succeeded, with gaps"
        out = [
            f"**{verdict}** · {title} · {len(self.rows)} run{'s' if len(self.rows) != 1 else ''}",
            f"pages {t['pages']} (200: {t['pages_200']}, 304: {t['pages_304']}) · items {t['items']} · "
            f"loaded {t['loaded']} · rejected {t['rejected']} · duplicates {t['duplicates']} · errors {t['errors']}",
        ]
        if self.completeness is not None:
            out.append(self.completeness.line())
        passed = sum(1 for r in self.rows if r.get("quality_success"))
        checked = [r for r in self.rows if r.get("quality_success") is not None]
        report = next((r["quality_report_uri"] for r in self.rows if r.get("quality_success") is False
                       and r.get("quality_report_uri")), None)
        report = report or next((r["quality_report_uri"] for r in reversed(self.rows) if r.get("quality_report_uri")),
                                None)
        if checked:
            out.append(f"quality: passed {passed}/{len(checked)}" + (f" · report {report}" if report else ""))
        for r in self.rows:
            if r["status"] != STATUS_SUCCEEDED:
                out.append(f"- {r['run_id']}: {r['status']}" + (f" — {r['message']}" if r.get("message") else ""))
        return out


def _kst_days(rows: list[dict[str, Any]]) -> tuple[date, date] | None:
    """The KST days the rows' windows cover (a window's end is exclusive)."""
    if not rows:
        return None
    first = min(r["window_start"] for r in rows).astimezone(KST).date()
    last = (max(r["window_end"] for r in rows) - timedelta(microseconds=1)).astimezone(KST).date()
    return first, last


def runs_report(settings: Settings, run_ids: list[str]) -> RunsReport:
    """The recorded figures of ``run_ids`` and the ledger of their windows' KST days."""
    conn = db.connect(settings)
    try:
        rows = queries.run_rows(conn, run_ids)
        span = _kst_days(rows)
        completeness = None
        if span is not None:
            edition = settings.edition
            ledger = queries.completeness_totals(conn, *span, edition=edition)
            completeness = Completeness(
                span[0], span[1], seen=ledger["seen"], unaccounted=ledger["unaccounted"],
                gaps=queries.unaccounted_ids(conn, *span, edition=edition) if ledger["unaccounted"] else {})
    finally:
        conn.close()
    return RunsReport(rows, completeness)
