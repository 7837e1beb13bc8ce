"""Run summaries for operators: the same few lines head a run's task logs, fill its Airflow
run note and end the CLI's output. Figures come from yonhap.crawl_runs (what each run
recorded) and the completeness ledger (yonhap.daily_completeness, as it stands now).

Pure text here: callers decide where the lines go (pipeline.airflow writes the note).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from expectations import stage as gate_stage
from ground.adapters import db
from ground.core.config import Settings
from ground.core.schema import SITE_QUIET
from ground.core.timeutil import KST
from storage import queries
from storage.runs import STATUS_BLOCKED, STATUS_FAILED, STATUS_RUNNING, STATUS_SUCCEEDED

_SUMMED = ("pages", "pages_200", "pages_304", "items", "loaded", "rejected", "duplicates", "errors")
NO_RUNS = "no runs recorded"
# Worst first: the status a DAG run of several pipeline runs is summed up by.
_SEVERITY = (STATUS_FAILED, STATUS_BLOCKED, STATUS_RUNNING, STATUS_SUCCEEDED)
# Report links of the runs that did not pass, shown in a note (its length is capped).
MAX_REPORT_LINKS = 2


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
            return NO_RUNS
        bad = [s for s in states if s != STATUS_SUCCEEDED]
        return f"{len(bad)} of {len(states)} runs " + "/".join(sorted(set(bad)))

    @property
    def worst_status(self) -> str | None:
        """failed > blocked > running > succeeded over the rows (None without rows)."""
        states = {r["status"] for r in self.rows}
        return next((s for s in _SEVERITY if s in states), None)

    @property
    def quiet(self) -> bool:
        """Every run succeeded and the site answered with nothing new or changed."""
        return bool(self.rows) and all(
            r["status"] == STATUS_SUCCEEDED and r.get("site_health") == SITE_QUIET for r in self.rows)

    def failure_line(self) -> str | None:
        """The first run that did not succeed, in one line (its row's message)."""
        bad = next((r for r in self.rows if r["status"] in (STATUS_FAILED, STATUS_BLOCKED)), None)
        if bad is None:
            return None
        reason = bad.get("message") or bad["status"]
        return reason if len(self.rows) == 1 else f"{bad['run_id']}: {reason}"

    def figures(self) -> dict[str, int]:
        """The summed counts (and the ledger's), as an alert carries them."""
        out = dict(self.totals)
        out["runs"] = len(self.rows)
        if self.completeness is not None:
            out["seen"], out["unaccounted"] = self.completeness.seen, self.completeness.unaccounted
        return out

    @property
    def report_uri(self) -> str | None:
        """The quality report worth opening: the first run the gate refused, else the only run's."""
        refused = [r for r in self.rows if r.get("quality_success") is False and r.get("quality_report_uri")]
        if refused:
            return refused[0]["quality_report_uri"]
        with_report = [r for r in self.rows if r.get("quality_report_uri")]
        return with_report[0]["quality_report_uri"] if len(with_report) == 1 else None

    def verdict(self) -> str:
        gaps = self.completeness.unaccounted if self.completeness else 0
        if self.status != STATUS_SUCCEEDED:
            return self.status
        if gaps:
            return "succeeded, with gaps"
        return "succeeded, quiet" if self.quiet else STATUS_SUCCEEDED

    def lines(self, title: str, links: dict[str, str] | None = None) -> list[str]:
        """Markdown lines (a note renders them; a log shows them as they are). ``links``: a
        quality report URI -> a browsable link (report_links), shown instead of the URI."""
        t = self.totals
        links = links or {}
        out = [
            f"**{self.verdict()}** · {title} · {len(self.rows)} run{'s' if len(self.rows) != 1 else ''}",
            f"pages {t['pages']} (200: {t['pages_200']}, 304: {t['pages_304']}) · items {t['items']} · "
            f"loaded {t['loaded']} · rejected {t['rejected']} · duplicates {t['duplicates']} · errors {t['errors']}",
        ]
        if self.quiet:
            out.append("quiet: the site answered and nothing new or changed was published in the window")
        if self.completeness is not None:
            out.append(self.completeness.line())
        archives = self._archives_line()
        if archives:
            out.append(archives)
        checked = [r for r in self.rows if r.get("quality_success") is not None]
        if checked:
            passed = sum(1 for r in checked if r["quality_success"])
            out.append(f"quality: passed {passed}/{len(checked)}" + self._report_text(checked, links))
        for r in self.rows:
            if r["status"] != STATUS_SUCCEEDED:
                out.append(f"- {r['run_id']}: {r['status']}" + (f" — {r['message']}" if r.get("message") else ""))
        return out

    def _archives_line(self) -> str | None:
        """What runs from the web archives took where (None when no run asked them)."""
        figures = [r["archive"] for r in self.rows if r.get("archive")]
        if not figures:
            return None
        fetched: dict[str, int] = {}
        unchanged, no_capture = 0, set()
        for f in figures:
            for archive, n in (f.get("fetched") or {}).items():
                fetched[archive] = fetched.get(archive, 0) + int(n)
            unchanged += int(f.get("unchanged") or 0)
            no_capture.update(f.get("days_without_capture") or [])
        line = (f"web archives: {fetched.get('cc', 0)} from Common Crawl · {fetched.get('wayback', 0)} from the "
                f"Wayback Machine · {unchanged} already stored")
        return line + (f" · no capture anywhere: {', '.join(sorted(no_capture))}" if no_capture else "")

    @staticmethod
    def _report_text(checked: list[dict[str, Any]], links: dict[str, str]) -> str:
        """The reports of the runs the gate refused (each its own), else the only run's; a
        range of passing runs names where the per-run reports are instead of picking one."""
        refused = [r for r in checked if r["quality_success"] is False and r.get("quality_report_uri")]
        shown = refused[:MAX_REPORT_LINKS] or [r for r in checked if r.get("quality_report_uri")][:1]
        if len(checked) > 1 and not refused:
            return " · one report per run: quality/<run_id>/index.html"
        parts = []
        for r in shown:
            uri = r["quality_report_uri"]
            label = "report" if len(checked) == 1 else f"report {r['run_id']}"
            parts.append(f"[{label}]({links[uri]})" if uri in links else f"{label} {uri}")
        more = len(refused) - len(shown)
        return (" · " + " · ".join(parts) if parts else "") + (f" · {more} more refused" if more > 0 else "")


def _kst_days(rows: list[dict[str, Any]]) -> tuple[date, date] | None:
    """The KST days the rows' windows cover (a window's end is exclusive)."""
    if not rows:
        return None
    first = min(r["window_start"] for r in rows).astimezone(KST).date()
    last = (max(r["window_end"] for r in rows) - timedelta(microseconds=1)).astimezone(KST).date()
    return first, last


def report_links(settings: Settings, report: RunsReport) -> dict[str, str]:
    """Browsable links (presigned, valid a week: AWS and the local endpoint alike) to the
    validation page of each report the lines show; a report that cannot be linked keeps its URI."""
    wanted = [r["quality_report_uri"] for r in report.rows if r.get("quality_report_uri")
              and (r.get("quality_success") is False or len(report.rows) == 1)][:MAX_REPORT_LINKS]
    out = {}
    for uri in wanted:
        try:
            run_id = next(r["run_id"] for r in report.rows if r.get("quality_report_uri") == uri)
            key = gate_stage.run_page_key(settings, run_id) or gate_stage.quality_prefix(run_id) + gate_stage.REPORT_NAME
            out[uri] = gate_stage.http_link(settings, key)
        except Exception:  # noqa: BLE001 -- the S3 URI is still shown
            continue
    return out


def runs_report(settings: Settings, run_ids: list[str], *, prefixes: list[str] | None = None) -> RunsReport:
    """The recorded figures of ``run_ids`` (or of every run whose id is one of ``prefixes``,
    or starts with it then ``__``: a DAG run's partitions) and the ledger of their windows'
    KST days."""
    conn = db.connect(settings)
    try:
        rows = queries.run_rows(conn, run_ids if prefixes is None else prefixes, partitions=prefixes is not None)
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
