"""The quality gate: run the suite on a batch of ArticleRows with a real GX 1.x context and
turn the validation result into passed rows, rejected items and a GateSummary.

One ephemeral GX context per process (module cache): importing GX and setting it up costs
seconds, a validation of a batch then costs little. Runs are serialized by a lock because
the context's in-memory result store and docs site are shared.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from expectations import features as f
from expectations import suites as s
from expectations import thresholds as t
from expectations.volume import (
    VolumeBand,
    archive_band,
    cold_start_line,
    targeted_band,
    volume_band,
)
from ground.core.schema import ArticleRow, GateSummary, RejectedItem
from ground.core.timeutil import Window, to_kst, utcnow

DATASOURCE = "yonhap_batch"
ASSET = "articles"
BATCH_DEFINITION = "whole_batch"
VALIDATION = "yonhap_fr_gate"
DOCS_SITE = "run_site"
RESULT_FORMAT = {
    "result_format": "COMPLETE",  # every failing row's index, not a sample: rows get rejected
    "return_unexpected_index_query": False,
}
SAMPLE_IDS = 5  # ids quoted in a warning line


@dataclass
class GateResult:
    passed: list[dict[str, Any]]
    rejected: list[RejectedItem]
    summary: GateSummary
    results: dict[str, Any]  # the GX validation result as JSON (slimmed, see _slim)
    band: VolumeBand
    docs_dir: Path | None = None
    failed_checks: dict[str, int] = field(default_factory=dict)  # check -> rows or 1 (batch)


class _Runtime:
    """The process's GX context with the suite and validation definition registered."""

    def __init__(self):
        _quiet_gx()
        # lazy: Great Expectations takes seconds to import; only a validating process pays
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
            data_docs_sites={DOCS_SITE: _docs_site_config(Path(os.devnull))},
        )
        self.context = gx.get_context(mode="ephemeral", project_config=config)
        asset = self.context.data_sources.add_pandas(DATASOURCE).add_dataframe_asset(ASSET)
        batch_definition = asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)
        self.suite = self.context.suites.add(s.build_suite())
        self.validation = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=VALIDATION, data=batch_definition, suite=self.suite)
        )
        self.lock = threading.Lock()

    def run(self, frame, parameters: dict[str, Any], run_name: str, docs_dir: Path | None):
        from great_expectations.core.run_identifier import RunIdentifier  # lazy: loads GX (seconds)

        with self.lock, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pandas/GX deprecation chatter in task logs
            store = self.context.validation_results_store
            for key in store.list_keys():  # the docs index shows this run only
                store.remove_key(key)
            result = self.validation.run(
                batch_parameters={"dataframe": frame},
                expectation_parameters=parameters,
                result_format=RESULT_FORMAT,
                run_id=RunIdentifier(run_name=run_name, run_time=utcnow()),
            )
            if docs_dir is not None:
                self.context.update_data_docs_site(DOCS_SITE, _docs_site_config(docs_dir))
                self.context.build_data_docs(site_names=[DOCS_SITE])
        return result


_RUNTIME: _Runtime | None = None
_RUNTIME_LOCK = threading.Lock()


def runtime() -> _Runtime:
    global _RUNTIME
    with _RUNTIME_LOCK:
        if _RUNTIME is None:
            _RUNTIME = _Runtime()
        return _RUNTIME


def _quiet_gx() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    for name in ("great_expectations", "great_expectations.core", "great_expectations.data_context"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _docs_site_config(directory: Path) -> dict[str, Any]:
    return {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(directory)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }


def published_bounds(window: Window) -> tuple[datetime, datetime]:
    return window.start - t.WINDOW_SLACK, window.end + t.WINDOW_SLACK


def suite_parameters(window: Window, band: VolumeBand, now: datetime, unchanged: int = 0) -> dict[str, Any]:
    low, high = published_bounds(window)
    return {
        s.P_PUBLISHED_MIN: low,
        s.P_PUBLISHED_MAX: high,
        s.P_NOT_AFTER: now + t.FUTURE_TOLERANCE,
        # the band is for articles seen; unchanged (304) ones are not in the batch
        s.P_ROWS_MIN: max(0, band.min_rows - unchanged),
        s.P_ROWS_MAX: max(0, band.max_rows - unchanged),
    }


def _schema_rows(rows: list[dict[str, Any]], run_id: str) -> tuple[list[dict], list[RejectedItem]]:
    """Rows that fit ArticleRow (normalized to its dict), and rejects for those that do not."""
    good, bad = [], []
    for row in rows:
        try:
            # the dataclass fills optional fields; a shallow dict avoids asdict's deep copy
            good.append(dict(ArticleRow.from_dict(row).__dict__))
        except (TypeError, ValueError) as err:
            bad.append(RejectedItem(
                run_id=run_id, article_id=row.get("article_id"), url=row.get("url"),
                reasons=[f"schema: not an ArticleRow ({err}) [ArticleRow.from_dict]"],
                payload=row, stage="validate",
            ))
    return good, bad


def _expectation_label(config) -> str:
    kwargs = config.kwargs
    columns = kwargs.get("column") or "/".join(
        str(kwargs[k]) for k in ("column_A", "column_B") if kwargs.get(k)
    )
    return f"{config.type}({columns})" if columns else config.type


def _slim(result_json: dict[str, Any]) -> dict[str, Any]:
    """Drop the full lists of failing values (whole bodies, for body checks) from the JSON we
    publish; the partial sample and every failing index stay."""
    for item in result_json.get("results", []):
        res = item.get("result") or {}
        res.pop("unexpected_list", None)
    return result_json


def band_for(window: Window, history: list[dict[str, Any]], run_id: str, *, from_archive: bool = False,
             targets: int = 0) -> VolumeBand:
    """The volume band the run is judged by (see check_batch for the keywords)."""
    if from_archive:
        return archive_band()
    if targets:
        return targeted_band(targets)
    return volume_band(history, window, run_id)


def check_batch(
    rows: list[dict[str, Any]],
    window: Window,
    history: list[dict[str, Any]],
    run_id: str,
    *,
    now: datetime | None = None,
    docs_dir: Path | None = None,
    unchanged: int = 0,
    from_archive: bool = False,
    targets: int = 0,
    cold_start_notice: bool = True,
) -> GateResult:
    """Validate ``rows`` (ArticleRow dicts) for the run owning ``window``.

    Returns the rows that passed every critical row-level check, one RejectedItem per
    failing row (every failed check a reason), and the GateSummary (success False when a
    batch-level critical check failed). ``docs_dir``: build the Data Docs site there.
    ``unchanged``: articles the crawl saw but that answered 304 (not in ``rows``); they
    count towards the volume band. ``from_archive``: the rows were re-parsed from the raw
    archive (reprocess): the site's volume is not being measured, so the band is open (days
    without archived pages are named by the crawl stage instead). ``targets``: an event run
    fetched that many announced ids; the band is [0, targets] (expectations.volume).
    ``cold_start_notice``: warn that the band is a cold start (an install's first run only:
    the caller decides, see pipeline.run.stages.run_validate); the band applies either way.
    """
    now = now or utcnow()
    good, rejected = _schema_rows(rows, run_id)
    band = band_for(window, history, run_id, from_archive=from_archive, targets=targets)
    gx_result = runtime().run(
        f.build_frame(good), suite_parameters(window, band, now, unchanged), run_id, docs_dir
    )
    facts = _batch_facts(rows, good, window, band, unchanged)
    findings = _read_results(gx_result.results, good, facts, schema_rejects=len(rejected))
    rejected += _rejected_rows(good, findings.reasons, run_id)
    passed = [row for i, row in enumerate(good) if i not in findings.reasons]
    _rejected_share_note(findings, rejected, rows, facts)
    _batch_notes(findings, rows, good, band if cold_start_notice else None, unchanged)
    summary = _summary(findings, run_id, rows, passed, rejected)
    results = _results_json(gx_result, summary, window, band, unchanged)
    return GateResult(passed, rejected, summary, results, band, docs_dir, findings.failed_checks)


@dataclass
class _Findings:
    """What the validation found, collected in suite order (that order is the report's)."""

    reasons: dict[int, list[str]] = field(default_factory=dict)  # row index -> reject reasons
    reject_counts: Counter[str] = field(default_factory=Counter)  # check -> rows rejected
    failed_critical: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failed_checks: dict[str, int] = field(default_factory=dict)  # check -> rows or 1 (batch)


def _batch_facts(
    rows: list[dict[str, Any]], good: list[dict[str, Any]], window: Window, band: VolumeBand, unchanged: int
) -> s.BatchFacts:
    """The batch context that check messages quote besides the GX result."""
    low, high = published_bounds(window)
    return s.BatchFacts(
        rows=len(rows), unchanged=unchanged, layout=f.main_layout(good), band_basis=_band_text(band),
        published_range=f"{to_kst(low):%Y-%m-%d %H:%M}–{to_kst(high):%Y-%m-%d %H:%M} KST",
        unrecognized_share=(sum(not f.has_layout(r) for r in good) / len(good)) if good else 0.0,
    )


def _read_results(
    items, good: list[dict[str, Any]], facts: s.BatchFacts, *, schema_rejects: int
) -> _Findings:
    """Turn each expectation's outcome into reasons, critical failures or warnings."""
    # schema rejects are counted first: they lead the "top" list on a tie
    findings = _Findings(reject_counts=Counter({"schema": schema_rejects} if schema_rejects else {}))
    records = _LazyRecords(good)
    for item in items:
        config = item.expectation_config
        check = s.CHECKS_BY_NAME[config.meta["check"]]
        label = _expectation_label(config)
        error = _run_error(item)
        if error:
            # A check that cannot run must never read as passed.
            findings.failed_critical.append(f"{check.field}: check {check.name} could not run: {error} [{label}]")
            findings.failed_checks[check.name] = len(good)
            continue
        if item.success:
            continue
        if not good and check.level == s.BATCH and check.name != s.VOLUME_CHECK:
            continue  # no rows: shares of a field are undefined; the volume check decides
        result = item.result or {}
        if check.level == s.ROW:
            _row_failure(findings, check, label, result, records, facts)
        else:
            _batch_failure(findings, check, label, result, facts)
    return findings


def _run_error(item) -> str | None:
    """The exception message of an expectation that raised instead of evaluating."""
    info = item.exception_info or {}
    return info.get("exception_message") if info.get("raised_exception") else None


def _row_failure(findings: _Findings, check: s.Check, label: str, result: dict[str, Any],
                 records: _LazyRecords, facts: s.BatchFacts) -> None:
    """A failed row-level check: a reason on each failing row (critical) or one warning line."""
    indexes = [int(i) for i in result.get("unexpected_index_list") or []]
    findings.failed_checks[check.name] = len(indexes)
    if check.severity != s.CRITICAL:
        findings.warnings.append(_row_warning(check, label, indexes, records))
        return
    if not indexes:
        # failed without naming rows: no row can be singled out, so the run stops
        findings.failed_critical.append(f"{check.field}: check {check.name} failed without row indexes [{label}]")
        return
    findings.reject_counts[check.name] += len(indexes)
    for i in indexes:
        text = check.reason(records[i], facts) if check.reason else check.summary
        findings.reasons.setdefault(i, []).append(f"{check.field}: {text} [{check.name}: {label}]")


def _row_warning(check: s.Check, label: str, indexes: list[int], records: _LazyRecords) -> str:
    """The warning line for a non-critical row check, quoting a few failing article ids."""
    ids = [str(records[i]["article_id"]) for i in indexes[:SAMPLE_IDS]]
    more = "…" if len(indexes) > SAMPLE_IDS else ""
    return (
        f"{check.field}: {len(indexes)} row(s) fail '{check.summary}' "
        f"({', '.join(ids)}{more}) [{check.name}: {label}]"
    )


def _batch_failure(findings: _Findings, check: s.Check, label: str, result: dict[str, Any],
                   facts: s.BatchFacts) -> None:
    """A failed batch-level check (volume, section coverage, shares): one line for the batch."""
    findings.failed_checks[check.name] = 1
    line = f"{check.message(result, facts)} [{check.name}: {label}]"
    (findings.failed_critical if check.severity == s.CRITICAL else findings.warnings).append(line)


def _rejected_rows(good: list[dict[str, Any]], reasons: dict[int, list[str]], run_id: str) -> list[RejectedItem]:
    """One RejectedItem per row a critical check named, in row order, so the row is kept for review."""
    return [
        RejectedItem(
            run_id=run_id, article_id=good[i].get("article_id"), url=good[i].get("url"),
            reasons=reasons[i], payload=good[i], stage="validate",
        )
        for i in sorted(reasons)
    ]


def _rejected_share_note(findings: _Findings, rejected: list[RejectedItem], rows: list[dict[str, Any]],
                         facts: s.BatchFacts) -> None:
    """Report rejected rows; too large a share of a real batch means a parser broke, so it is critical."""
    if not rejected:
        return
    top = ", ".join(f"{name} ×{n}" for name, n in findings.reject_counts.most_common(4))
    share = len(rejected) / len(rows)
    line = f"rows: {len(rejected)} of {len(rows)} rejected ({share:.0%}) — {top}"
    if len(rows) >= t.REJECTED_SHARE_MIN_ROWS and share > t.REJECTED_SHARE_MAX:
        findings.failed_critical.append(f"{line} (max {t.REJECTED_SHARE_MAX:.0%} rejected) — {facts.parser_hint}")
    else:
        findings.warnings.append(line)


def _batch_notes(findings: _Findings, rows: list[dict[str, Any]], good: list[dict[str, Any]],
                 band: VolumeBand | None, unchanged: int) -> None:
    """Warnings that explain a batch's context: an empty batch, a cold-start volume band
    (``band`` None: not this run's to show)."""
    if not good and not rows:
        findings.warnings.append(
            f"empty batch: per-field checks not applicable ({unchanged} article(s) unchanged, 304)"
        )
    if band is not None and band.cold_start:
        findings.warnings.append(cold_start_line(band))


def _summary(findings: _Findings, run_id: str, rows: list[dict[str, Any]], passed: list[dict[str, Any]],
             rejected: list[RejectedItem]) -> GateSummary:
    """The GateSummary the load step reads: success means no critical failure."""
    return GateSummary(
        run_id=run_id,
        success=not findings.failed_critical,
        rows_in=len(rows),
        rows_passed=len(passed),
        rows_rejected=len(rejected),
        failed_critical=findings.failed_critical,
        warnings=findings.warnings,
    )


def _results_json(gx_result, summary: GateSummary, window: Window, band: VolumeBand,
                  unchanged: int) -> dict[str, Any]:
    """The published validation JSON: slimmed GX result plus our gate's metadata."""
    results = _slim(gx_result.to_json_dict())
    results.setdefault("meta", {})["yonhap_gate"] = {
        "suite_version": s.SUITE_VERSION,
        "window": [window.start.isoformat(), window.end.isoformat()],
        "volume_band": [band.min_rows, band.max_rows, band.basis],
        "unchanged": unchanged,
        "summary": summary.to_dict(),
    }
    return results


class _LazyRecords(dict):
    """Frame records, computed only for the rows a message needs (failing rows are few)."""

    def __init__(self, rows: list[dict[str, Any]]):
        super().__init__()
        self.rows = rows

    def __missing__(self, index: int) -> dict[str, Any]:
        record = self[index] = f.frame_record(index, self.rows[index])
        return record


def _band_text(band: VolumeBand) -> str:
    return f"expected {band.min_rows}–{band.max_rows}; {band.basis}"


def describe(summary: GateSummary) -> str:
    """Short, operator-facing text for task logs and the CLI."""
    state = "PASSED" if summary.success else "FAILED"
    lines = [
        f"quality gate {state} for run {summary.run_id}: {summary.rows_in} rows in, "
        f"{summary.rows_passed} passed, {summary.rows_rejected} rejected",
    ]
    lines += [f"  CRITICAL {line}" for line in summary.failed_critical]
    lines += [f"  warning  {line}" for line in summary.warnings]
    if summary.report_uri:
        lines.append(f"  report:  {summary.report_uri}")
    if summary.results_uri:
        lines.append(f"  results: {summary.results_uri}")
    return "\n".join(lines)
