"""The quality suite, as code: every check the gate runs, its severity and its message.

A :class:`Check` pairs one GX 1.x expectation with what the gate does when it fails:

* ``level="row"``, ``severity="critical"``: the failing rows are not loaded; each becomes a
  RejectedItem whose reasons name every failed check (``reason``);
* ``level="row"``, ``severity="warning"``: rows still load; the count goes to warnings;
* ``level="batch"``, ``severity="critical"``: the run fails (GateSummary.success False) with
  one line from ``message``; ``warning``: the line goes to GateSummary.warnings.

Per-run values (window bounds, volume band) are suite parameters (``$PARAMETER``), so the
suite itself is the same object for every run. Nothing here imports GX at module level.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from expectations import features as f
from expectations import thresholds as t
from ground.core.editions import ALL_SECTIONS, EDITIONS
from ground.core.schema import LAYER_GENERIC, LAYER_JSONLD, LAYER_META, LAYER_SELECTOR
from ground.core.timeutil import to_kst

SUITE_NAME = "yonhap_fr_articles"
SUITE_VERSION = "1.2.0"  # bump when a check or a threshold changes meaning

CRITICAL = "critical"
WARNING = "warning"
ROW = "row"
BATCH = "batch"

# Suite parameters set per run (see gate.suite_parameters).
P_PUBLISHED_MIN = "published_min"
P_PUBLISHED_MAX = "published_max"
P_NOT_AFTER = "not_after"
P_ROWS_MIN = "rows_min"
P_ROWS_MAX = "rows_max"

NON_FALLBACK_LAYERS = [LAYER_JSONLD, LAYER_META, LAYER_SELECTOR]
VOLUME_CHECK = "row_count_in_band"


@dataclass(frozen=True)
class BatchFacts:
    """What a batch message may mention besides the GX result."""

    rows: int
    layout: str | None  # main layout of the batch
    unchanged: int = 0  # articles answered 304: seen by the crawl, not in the batch
    band_basis: str = ""
    published_range: str = ""  # the accepted published_at range, KST
    unrecognized_share: float = 0.0  # rows no layout parser recognized

    @property
    def parser_hint(self) -> str:
        if self.unrecognized_share > 0.5 or not self.layout:
            return (f"no layout parser recognized {self.unrecognized_share:.0%} of pages: "
                    "new markup needs a parser (scrapers/parsers)")
        return f"check parser for layout '{self.layout}'"


@dataclass(frozen=True)
class Check:
    name: str  # stable id: in meta, in reasons, in docs/quality.md
    level: str
    severity: str
    field: str  # the article field an operator looks at
    summary: str  # what is checked, one line (docs and Data Docs notes)
    make: Callable[[Any, dict[str, Any]], Any]  # (gx.expectations module, meta) -> Expectation
    # row level: (frame record, batch facts) -> why this row fails
    reason: Callable[[dict[str, Any], BatchFacts], str] | None = None
    message: Callable[[dict[str, Any], BatchFacts], str] | None = None  # batch: result -> line


def _pct(value: float) -> str:
    return f"{value:.0f}%" if value >= 1 or value == 0 else f"{value:.1f}%"


def _observed_share(result: dict[str, Any]) -> float:
    """Percentage of rows the batch expectation counted against it."""
    if "unexpected_percent" in result and result["unexpected_percent"] is not None:
        return float(result["unexpected_percent"])
    observed = result.get("observed_value")
    return float(observed) * 100 if isinstance(observed, (int, float)) else 0.0


def _minutes(delta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"


def _kind_label(kind: str) -> str:
    return {"urgent": "URGENT flash", "routine": "routine item", "article": "article"}[kind]


def _language_check(edition) -> Check:
    """text_looks_french (AFR rows), text_looks_english (AEN rows): each row is judged in its
    edition's language only (the other column is None for it: no verdict)."""
    name, column = edition.language_name, f.SHARE_COLUMNS[edition.language]
    return Check(
        f"text_looks_{name.lower()}", ROW, CRITICAL, "body",
        f"at least {t.LANGUAGE_MIN_STOPWORD_SHARE:.0%} of words are common {name} words ({edition.id_prefix} ids)",
        lambda gxe, meta: gxe.ExpectColumnValuesToBeBetween(
            column=column, min_value=t.LANGUAGE_MIN_STOPWORD_SHARE, meta=meta),
        reason=lambda r, b: (f"text does not look {name} ({r[column]:.0%} common {name} words, "
                             f"min {t.LANGUAGE_MIN_STOPWORD_SHARE:.0%})"),
    )


def _rows() -> list[Check]:
    return [
        Check(
            "article_id_format", ROW, CRITICAL, "article_id",
            f"article id matches {f.ARTICLE_ID_REGEX} (an edition's prefix and 17 digits)",
            lambda gxe, meta: gxe.ExpectColumnValuesToMatchRegex(
                column="article_id", regex=f.ARTICLE_ID_REGEX, meta=meta),
            reason=lambda r, b: f"article_id {r['article_id']!r} does not match {f.ARTICLE_ID_REGEX}",
        ),
        Check(
            "article_id_unique", ROW, CRITICAL, "article_id",
            "each article id appears once in the batch",
            lambda gxe, meta: gxe.ExpectColumnValuesToBeUnique(column="article_id", meta=meta),
            reason=lambda r, b: f"article_id {r['article_id']} appears more than once in the batch",
        ),
        Check(
            "url_unique", ROW, CRITICAL, "url",
            "each canonical URL appears once in the batch",
            lambda gxe, meta: gxe.ExpectColumnValuesToBeUnique(column="url", meta=meta),
            reason=lambda r, b: f"url {r['url']} appears more than once in the batch",
        ),
        Check(
            "url_matches_id", ROW, CRITICAL, "url",
            "canonical URL is …/view/<article_id>",
            lambda gxe, meta: gxe.ExpectColumnPairValuesToBeEqual(
                column_A="url_article_id", column_B="article_id",
                ignore_row_if="neither", meta=meta),
            reason=lambda r, b: f"url {r['url']!r} is not …/view/{r['article_id']}",
        ),
        Check(
            "title_present", ROW, CRITICAL, "title",
            "title is not empty",
            lambda gxe, meta: gxe.ExpectColumnValuesToNotBeNull(column="title", meta=meta),
            reason=lambda r, b: "title is empty",
        ),
        Check(
            "title_length", ROW, CRITICAL, "title",
            f"title has {t.TITLE_MIN_CHARS}–{t.TITLE_MAX_CHARS} characters",
            lambda gxe, meta: gxe.ExpectColumnValueLengthsToBeBetween(
                column="title", min_value=t.TITLE_MIN_CHARS, max_value=t.TITLE_MAX_CHARS, meta=meta),
            reason=lambda r, b: (f"title has {r['title_len']} characters "
                              f"(expected {t.TITLE_MIN_CHARS}–{t.TITLE_MAX_CHARS})"),
        ),
        Check(
            "body_min_length", ROW, CRITICAL, "body",
            (f"body has at least {t.BODY_MIN_CHARS_ARTICLE} characters "
             f"({t.BODY_MIN_CHARS_ROUTINE} for routine items, {t.BODY_MIN_CHARS_URGENT} for URGENT flashes)"),
            lambda gxe, meta: gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="body_len", column_B="body_min_len", or_equal=True,
                ignore_row_if="neither", meta=meta),
            reason=lambda r, b: (f"body is empty ({_kind_label(r['item_kind'])})" if not r["body_len"] else
                              f"body has {r['body_len']} characters, fewer than {r['body_min_len']} "
                              f"for an {_kind_label(r['item_kind'])} (truncated page?)"),
        ),
        Check(
            "body_max_length", ROW, CRITICAL, "body",
            f"body has at most {t.BODY_MAX_CHARS} characters",
            lambda gxe, meta: gxe.ExpectColumnValuesToBeBetween(
                column="body_len", min_value=0, max_value=t.BODY_MAX_CHARS, meta=meta),
            reason=lambda r, b: (f"body has {r['body_len']} characters (max {t.BODY_MAX_CHARS}): "
                              "the extractor took in more than the article"),
        ),
        Check(
            "published_present", ROW, CRITICAL, "published_at",
            "published_at is a time with an offset",
            lambda gxe, meta: gxe.ExpectColumnValuesToNotBeNull(column="published_ts", meta=meta),
            reason=lambda r, b: "published_at is missing or not an ISO time with offset",
        ),
        Check(
            "published_in_window", ROW, CRITICAL, "published_at",
            (f"published_at inside the run (crawl) window ± {_minutes(t.WINDOW_SLACK)}; ingest windows "
             "already include the DAG's look-back"),
            lambda gxe, meta: gxe.ExpectColumnValuesToBeBetween(
                column="published_ts", min_value={"$PARAMETER": P_PUBLISHED_MIN},
                max_value={"$PARAMETER": P_PUBLISHED_MAX}, meta=meta),
            reason=lambda r, b: (f"published_at {_kst(r['published_ts'])} is outside the run window "
                                f"({b.published_range})"),
        ),
        Check(
            "published_not_future", ROW, CRITICAL, "published_at",
            f"published_at not later than now (+{_minutes(t.FUTURE_TOLERANCE)} clock skew)",
            lambda gxe, meta: gxe.ExpectColumnValuesToBeBetween(
                column="published_ts", max_value={"$PARAMETER": P_NOT_AFTER}, meta=meta),
            reason=lambda r, b: f"published_at {_kst(r['published_ts'])} is in the future",
        ),
        Check(
            "section_present", ROW, CRITICAL, "section",
            "section (the page's article:section desk label) is not empty",
            lambda gxe, meta: gxe.ExpectColumnValuesToNotBeNull(column="section", meta=meta),
            reason=lambda r, b: "section is empty (no article:section on the page?)",
        ),
        Check(
            # A warning, not a rejection: the French desk labels are an inference, and a new
            # desk on the site must not quarantine real articles.
            "section_known", ROW, WARNING, "section",
            "section is a desk label of an edition (ground.core.editions; warning: a new desk label loads)",
            lambda gxe, meta: gxe.ExpectColumnValuesToBeInSet(
                column="section", value_set=list(ALL_SECTIONS), meta=meta),
            reason=lambda r, b: f"section {r['section']!r} is not a known section",
        ),
        Check(
            "lead_not_cut", ROW, CRITICAL, "lead",
            "lead does not end with \"...\" (a cut meta description instead of the first paragraph)",
            lambda gxe, meta: gxe.ExpectColumnValuesToNotMatchRegex(
                column="lead", regex=f.CUT_LEAD_REGEX, meta=meta),
            reason=lambda r, b: (f"lead ends with \"...\" ({(r['lead'] or '')[-40:]!r}): a cut meta "
                                 "description, not the first paragraph"),
        ),
        *(_language_check(e) for e in EDITIONS.values()),
        Check(
            "body_without_boilerplate", ROW, CRITICAL, "body",
            "body has no page chrome or article furniture: " + ", ".join(label for label, _ in f.BOILERPLATE),
            lambda gxe, meta: gxe.ExpectColumnValuesToNotMatchRegexList(
                column="body", regex_list=f.BOILERPLATE_REGEXES, meta=meta),
            reason=lambda r, b: "body contains " + (", ".join(f.boilerplate_found(r["body"])) or "boilerplate"),
        ),
        Check(
            "captions_without_notice", ROW, CRITICAL, "images",
            "image captions do not carry the usage notice",
            lambda gxe, meta: gxe.ExpectColumnValuesToNotMatchRegex(
                column="captions", regex=f.NOTICE_REGEX, meta=meta),
            reason=lambda r, b: "an image caption still carries the usage notice",
        ),
        Check(
            "author_email_format", ROW, CRITICAL, "author_email",
            "author_email (when present) is a decoded e-mail address",
            lambda gxe, meta: gxe.ExpectColumnValuesToMatchRegex(
                column="author_email", regex=f.EMAIL_REGEX, meta=meta),
            reason=lambda r, b: f"author_email {r['author_email']!r} is not an e-mail address",
        ),
        Check(
            "word_count_positive", ROW, CRITICAL, "word_count",
            "word_count > 0",
            lambda gxe, meta: gxe.ExpectColumnValuesToBeBetween(
                column="word_count", min_value=1, meta=meta),
            reason=lambda r, b: f"word_count is {r['word_count']}",
        ),
        Check(
            "title_without_version_prefix", ROW, WARNING, "title",
            "title has its (LD)/(LEAD)/(URGENT) prefix removed (title_raw keeps it)",
            lambda gxe, meta: gxe.ExpectColumnValuesToNotMatchRegex(
                column="title", regex=f.VERSION_PREFIX_REGEX, meta=meta),
            reason=lambda r, b: f"title {r['title']!r} still starts with a version prefix",
        ),
    ]


def _kst(value: Any) -> str:
    try:
        return to_kst(value.to_pydatetime() if hasattr(value, "to_pydatetime") else value).isoformat()
    except (TypeError, ValueError, AttributeError):
        return str(value)


def _null_rate(name: str, column: str) -> Check:
    limit = t.NULL_RATE_MAX[name]
    return Check(
        f"{name}_null_rate", BATCH, CRITICAL, name,
        f"at most {limit:.0%} of rows without {name}",
        lambda gxe, meta: gxe.ExpectColumnProportionOfNonNullValuesToBeBetween(
            column=column, min_value=1 - limit, meta=meta),
        message=lambda res, facts: (
            f"{name}: {_pct(100 - 100 * float(res.get('observed_value') or 0))} empty "
            f"(max {limit:.0%}) — extraction broke? {facts.parser_hint}"),
    )


def _fallback_share(name: str) -> Check:
    limit = t.FALLBACK_SHARE_MAX
    return Check(
        f"{name}_fallback_share", BATCH, CRITICAL, name,
        f"at most {limit:.0%} of {name} values from the '{LAYER_GENERIC}' fallback layer (or no layout parser)",
        lambda gxe, meta: gxe.ExpectColumnValuesToBeInSet(
            column=f"{name}_source", value_set=NON_FALLBACK_LAYERS, mostly=1 - limit, meta=meta),
        message=lambda res, facts: (
            f"{name}: {_pct(_observed_share(res))} from fallback layer '{LAYER_GENERIC}' "
            f"(max {limit:.0%}) — site redesign? run `yonhap-pipeline check-site`; {facts.parser_hint}"),
    )


def _batch() -> list[Check]:
    checks = [
        Check(
            VOLUME_CHECK, BATCH, CRITICAL, "rows",
            "rows + unchanged (304) articles inside the band learned from earlier runs of the same weekday/hour",
            lambda gxe, meta: gxe.ExpectTableRowCountToBeBetween(
                min_value={"$PARAMETER": P_ROWS_MIN}, max_value={"$PARAMETER": P_ROWS_MAX}, meta=meta),
            message=lambda res, facts: (
                f"volume: {res.get('observed_value')} rows"
                + (f" + {facts.unchanged} unchanged (304)" if facts.unchanged else "")
                + f" outside the expected band ({facts.band_basis})"
                " — discovery broke, the site is down, or it floods?"),
        ),
        _null_rate("title", "title"),
        _null_rate("body", "body"),
        _null_rate("published_at", "published_ts"),
        _null_rate("section", "section"),
        *(_fallback_share(name) for name in f.GATED_FIELDS),
        Check(
            "duplicate_rate_warning", BATCH, WARNING, "duplicate_of",
            f"at most {t.DUPLICATE_RATE_WARN:.0%} of rows are duplicates (warning)",
            lambda gxe, meta: gxe.ExpectColumnProportionOfNonNullValuesToBeBetween(
                column="duplicate_of", max_value=t.DUPLICATE_RATE_WARN, meta=meta),
            message=lambda res, facts: (
                f"duplicate_of: {_pct(100 * float(res.get('observed_value') or 0))} of rows are "
                f"duplicates (warn above {t.DUPLICATE_RATE_WARN:.0%})"),
        ),
        Check(
            "duplicate_rate", BATCH, CRITICAL, "duplicate_of",
            f"at most {t.DUPLICATE_RATE_MAX:.0%} of rows are duplicates",
            lambda gxe, meta: gxe.ExpectColumnProportionOfNonNullValuesToBeBetween(
                column="duplicate_of", max_value=t.DUPLICATE_RATE_MAX, meta=meta),
            message=lambda res, facts: (
                f"duplicate_of: {_pct(100 * float(res.get('observed_value') or 0))} of rows are "
                f"duplicates (max {t.DUPLICATE_RATE_MAX:.0%}) — bodies reduced to a shared "
                f"template? {facts.parser_hint}"),
        ),
    ]
    return checks


CHECKS: tuple[Check, ...] = (*_rows(), *_batch())
CHECKS_BY_NAME = {check.name: check for check in CHECKS}
if len(CHECKS_BY_NAME) != len(CHECKS):
    raise RuntimeError("expectations.suites: check names must be unique")


def build_suite():
    """A fresh GX ExpectationSuite holding every check (meta carries name/level/severity)."""
    import great_expectations as gx  # lazy: GX takes ~2 s to import; only a gate run needs it
    import great_expectations.expectations as gxe  # lazy: as above

    suite = gx.ExpectationSuite(
        name=SUITE_NAME,
        meta={"version": SUITE_VERSION, "project": "yonhap-pipeline"},
    )
    for check in CHECKS:
        meta = {"check": check.name, "level": check.level, "severity": check.severity, "field": check.field}
        expectation = check.make(gxe, meta)
        expectation.notes = f"[{check.severity}, {check.level}] {check.summary}"
        suite.add_expectation(expectation)
    return suite
