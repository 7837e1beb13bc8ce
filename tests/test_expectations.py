"""The quality gate (expectations/): every check fails on a replica-like bad row and passes a
clean replica batch; batch-level checks turn a broken crawl into a red run.

Rows are built from the replica's truth (devtools.replica.corpus), i.e. what the pipeline
should produce; each failing case breaks one thing the way a real failure would. GX runs
for real (one context per process, see expectations.gate); cases share validations.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

import pytest

from devtools.harness.gate import DAY, RUN, WINDOW, redesigned, replica_rows
from devtools.replica.corpus import Corpus
from expectations import features, gate, suites, thresholds
from expectations.volume import comparable_counts, volume_band
from ground.core.schema import USAGE_NOTICE
from ground.core.timeutil import KST, UTC, Window


def is_regular(row) -> bool:
    return row["version_label"] != "URGENT" and not row["is_routine"] and not row["duplicate_of"]


def check_names(item) -> set[str]:
    """Check names quoted in a RejectedItem's reasons ("field: text [check: gx_type(col)]")."""
    return {reason.rsplit("[", 1)[1].split(":", 1)[0] for reason in item.reasons}


# --- features (pure) ----------------------------------------------------------------------

def test_the_language_share_follows_the_rows_edition():
    english = ("SEOUL, June 19 (Yonhap) -- The government said on Monday that it will widen tax credits "
               "for companies that build new plants outside the capital area, a ministry official said.")
    french = ("SEOUL, 19 juin (Yonhap) -- Le gouvernement a annoncé ce lundi qu'il élargira les crédits "
              "d'impôt pour les entreprises qui construisent des usines hors de la capitale.")
    assert features.judged_language_share("en", None, None, english) > 0.2
    assert features.judged_language_share("en", None, None, french) < thresholds.LANGUAGE_MIN_STOPWORD_SHARE
    assert features.judged_language_share("fr", None, None, english) < thresholds.LANGUAGE_MIN_STOPWORD_SHARE
    # an English flash is one headline-like line with no function words: no verdict, not a rejection
    flash = "SEOUL, June 4 (Yonhap) -- Tokyo confirms emergency humanitarian aid."
    assert features.judged_language_share("en", "Tokyo confirms emergency humanitarian aid", None, flash) is None
    # a French one is still judged (as before the English edition)
    assert features.judged_language_share("fr", "Séoul confirme l'aide", None, "SEOUL, 4 juin (Yonhap) -- Séoul "
                                          "confirme une aide humanitaire d'urgence.") is not None
    row = features.frame_record(0, {"article_id": "AEN20240619000100320", "body": english})
    assert row["language"] == "en" and row["french_share"] is None and row["english_share"] > 0.2


def test_french_share_separates_french_from_other_text():
    rows = replica_rows()
    # tables (price lists) are judged on their share of letters, not of common words
    assert min(features.french_share(r["body"]) for r in rows if not r.get("is_table")) > (
        thresholds.FRENCH_MIN_STOPWORD_SHARE)
    english = "The president said on Monday that talks with the North would resume next week in Seoul."
    assert features.french_share(english) < thresholds.FRENCH_MIN_STOPWORD_SHARE
    assert features.french_share("북한이 동해상으로 탄도미사일을 발사했다고 합동참모본부가 밝혔다") == 0.0


def test_boilerplate_labels_name_what_leaked():
    text = "Go to Contents Go to Navigation. Texte. (FIN) Accueil Haut de page [email\xa0protected]"
    found = features.boilerplate_found(text)
    assert "end marker '(FIN)'" in found and "footer 'Accueil Haut de page'" in found
    assert "skip links 'Go to Contents'" in found and "obfuscated e-mail '[email protected]'" in found
    assert features.boilerplate_found(replica_rows()[0]["body"]) == []


def test_unrecognized_layout_counts_as_fallback_except_metadata():
    row = {"layout": "unrecognized", "field_sources": {"title_raw": "jsonld", "paragraphs": "generic"},
           "section": "Monde", "published_at": None}
    assert features.field_source(row, "title") == "jsonld"
    assert features.field_source(row, "body") == "generic"
    assert features.field_source(row, "section") == "generic"  # present, but no layer claims it
    assert features.field_source(row, "published_at") is None  # missing: the null rate covers it
    ok = {"layout": "yna-cms-v1", "field_sources": {"paragraphs": "selector"}}
    assert features.field_source(ok, "body") == "selector"
    assert features.field_source(ok, "section") is None


def test_unrecognized_marker_matches_the_crawler():
    from scrapers.parsers.registry import UNRECOGNIZED

    assert UNRECOGNIZED in features.NO_LAYOUT


# --- volume band (pure) -------------------------------------------------------------------

def _history(counts, window=WINDOW, weeks=True, status="success"):
    step = timedelta(days=7 if weeks else 1)
    return [
        {"run_id": f"r{i}", "window_start": window.start - step * (i + 1),
         "window_end": window.end - step * (i + 1), "items": n, "loaded": n, "status": status}
        for i, n in enumerate(counts)
    ]


def test_volume_band_learns_from_same_weekday_runs():
    band = volume_band(_history([50, 60, 55, 58, 62]), WINDOW)
    assert not band.cold_start and band.comparable_runs == 5
    assert band.min_rows == int(thresholds.BAND_LOW_FACTOR * 50)
    assert band.max_rows == round(thresholds.BAND_HIGH_FACTOR * 62) + thresholds.BAND_HIGH_PAD


def test_volume_band_cold_start_ignores_other_weekdays_failed_runs_and_the_future():
    daily = _history([50] * 8, weeks=False)  # only one of them falls on the same weekday
    failed = _history([50] * 6, status="failed")
    future = [{**h, "window_start": WINDOW.start + timedelta(days=7 * (i + 1)),
               "window_end": WINDOW.end + timedelta(days=7 * (i + 1))} for i, h in enumerate(_history([50] * 6))]
    assert comparable_counts(daily, WINDOW) == [50]
    for history in (daily, failed, future, []):
        band = volume_band(history, WINDOW)
        assert band.cold_start
        assert (band.min_rows, band.max_rows) == (thresholds.COLD_START_MIN_FULL_DAY, thresholds.COLD_START_MAX_PER_DAY)
    hour = Window(WINDOW.start, WINDOW.start + timedelta(hours=1))
    assert volume_band([], hour).min_rows == 0  # a quiet hour may have nothing


def test_volume_band_accepts_iso_strings_and_skips_this_run():
    history = [{**h, "window_start": h["window_start"].isoformat(), "window_end": h["window_end"].isoformat()}
               for h in _history([40, 40, 40, 40])]
    assert volume_band(history, WINDOW).comparable_runs == 4
    assert volume_band(history, WINDOW, run_id="r0").cold_start


# --- the suite ----------------------------------------------------------------------------

def test_suite_is_gx_suite_with_severity_on_every_expectation():
    suite = gate.runtime().suite  # the suite the context validates with
    assert suite.name == suites.SUITE_NAME and suite.meta["version"] == suites.SUITE_VERSION
    names = [e.meta["check"] for e in suite.expectations]
    assert sorted(names) == sorted(c.name for c in suites.CHECKS)  # none deduplicated away
    for expectation in suite.expectations:
        assert expectation.meta["severity"] in (suites.CRITICAL, suites.WARNING)
        assert expectation.meta["level"] in (suites.ROW, suites.BATCH)


@pytest.fixture(scope="module")
def clean_rows():
    rows = replica_rows()
    assert len(rows) >= 40
    return rows


def test_clean_replica_batch_passes(clean_rows):
    result = gate.check_batch(copy.deepcopy(clean_rows), WINDOW, [], RUN)
    assert result.summary.success, result.summary.failed_critical
    assert result.summary.failed_critical == []
    assert [r.reasons for r in result.rejected] == []
    assert [r["article_id"] for r in result.passed] == [r["article_id"] for r in clean_rows]
    assert result.summary.rows_passed == len(clean_rows) and result.summary.rows_rejected == 0
    # URGENT flashes (one sentence) and routine items are in the batch and passed
    assert any(r["version_label"] == "URGENT" for r in result.passed)
    assert any(r["is_routine"] for r in result.passed)


BANNER = "Ce site a recours aux cookies : vous acceptez l'usage de ces techniques en poursuivant."
ENGLISH = ("The central bank said on Tuesday that it would keep its key rate unchanged for the "
           "third month in a row, citing weak exports and slowing household spending in the country.")
CASES = {
    # name: (mutation, checks the row must fail — exactly these)
    "truncated_body": (lambda r: r.update(body=r["body"][:60]), {"body_min_length"}),
    "empty_body": (lambda r: r.update(body="", word_count=0), {"body_min_length", "word_count_positive"}),
    "huge_body": (lambda r: r.update(body=(r["body"] + "\n\n") * (thresholds.BODY_MAX_CHARS // len(r["body"]) + 2)),
                  {"body_max_length"}),
    "missing_date": (lambda r: r.update(published_at=None), {"published_present"}),
    "unparseable_date": (lambda r: r.update(published_at="19.06.2024 à 20h04"), {"published_present"}),
    "out_of_window_date": (lambda r: r.update(published_at="2024-06-17T10:00:00+09:00"), {"published_in_window"}),
    "cookie_banner": (lambda r: r.update(body=BANNER + "\n\n" + r["body"]), {"body_without_boilerplate"}),
    "fin_marker": (lambda r: r.update(body=r["body"] + "\n\n(FIN)"), {"body_without_boilerplate"}),
    "skip_links": (lambda r: r.update(body="Go to Contents Go to Navigation\n\n" + r["body"]), {"body_without_boilerplate"}),
    "footer": (lambda r: r.update(body=r["body"] + "\n\nAccueil Haut de page"), {"body_without_boilerplate"}),
    "email_placeholder_in_body": (lambda r: r.update(body=r["body"] + "\n\n[email\xa0protected]"), {"body_without_boilerplate"}),
    "notice_in_body": (lambda r: r.update(body=r["body"] + " " + USAGE_NOTICE), {"body_without_boilerplate"}),
    "missing_section": (lambda r: r.update(section=None), {"section_present"}),
    "byline_in_body": (lambda r: r.update(body="Par Kim Min-ji\n\n" + r["body"]), {"body_without_boilerplate"}),
    "note_in_body": (lambda r: r.update(body="(ATTN : ajout de précisions au paragraphe 3)\n\n" + r["body"]),
                     {"body_without_boilerplate"}),
    "email_line_in_body": (lambda r: r.update(body=r["body"] + "\n\nkim.minji@yna.co.kr"), {"body_without_boilerplate"}),
    "end_marker_en": (lambda r: r.update(body=r["body"] + " (END)"), {"body_without_boilerplate"}),
    "more_marker": (lambda r: r.update(body=r["body"] + "\n\n(MORE)"), {"body_without_boilerplate"}),
    "a_suivre_marker": (lambda r: r.update(body=r["body"] + " (A SUIVRE)"), {"body_without_boilerplate"}),
    "photo_not_for_sale_in_body": (lambda r: r.update(body=r["body"] + "\n\nUne vue du port. (PHOTO NOT FOR SALE) (Yonhap)"),
                                   {"body_without_boilerplate"}),
    "english_notice_in_body": (
        lambda r: r.update(body=r["body"] + "\n\nUne vue. (For Use Only in the Republic of Korea. No Redistribution)"),
        {"body_without_boilerplate"}),
    "cut_lead": (lambda r: r.update(lead=r["body"].split(" -- ", 1)[1][:80] + "..."), {"lead_not_cut"}),
    "not_french": (lambda r: r.update(body=ENGLISH), {"text_looks_french"}),
    "caption_with_notice": (
        lambda r: r.update(images=[{"url": "https://img.yna.co.kr/p.jpg", "alt": "x",
                                    "caption": "Une vue du port de Busan " + USAGE_NOTICE, "notice": None}]),
        {"captions_without_notice"}),
    "bad_email": (lambda r: r.update(author_email="[email protected]"), {"author_email_format"}),
    "zero_word_count": (lambda r: r.update(word_count=0), {"word_count_positive"}),
    "empty_title": (lambda r: r.update(title="  "), {"title_present"}),
    "short_title": (lambda r: r.update(title="Kim"), {"title_length"}),
    "bad_id": (lambda r: r.update(article_id="AFR2024061900"), {"article_id_format", "url_matches_id"}),
    "url_of_other_article": (lambda r: r.update(url=r["url"].replace("884", "885")), {"url_matches_id"}),
}


@pytest.fixture(scope="module")
def broken_batch(clean_rows):
    """One validation of a replica batch with one defect per case row, plus duplicates."""
    rows = [copy.deepcopy(r) for _ in range(3) for r in clean_rows]  # room for every case
    for n, row in enumerate(rows[len(clean_rows):]):
        day = DAY.strftime("%Y%m%d")
        row["article_id"] = f"AFR{day}{900000 + n:06d}884"
        row["url"] = f"https://fr.yna.co.kr/view/{row['article_id']}"
    regular = [i for i, r in enumerate(rows) if is_regular(r)]
    cases = {}
    for (name, (mutate, _expected)), i in zip(CASES.items(), regular, strict=False):
        mutate(rows[i])
        cases[name] = rows[i]["article_id"]
    dup_a, dup_b = regular[len(CASES)], regular[len(CASES) + 1]
    rows[dup_b]["article_id"] = rows[dup_a]["article_id"]  # same id twice (url differs)
    url_a, url_b = regular[len(CASES) + 2], regular[len(CASES) + 3]
    rows[url_b]["url"] = rows[url_a]["url"]  # same url twice
    prefixed = regular[len(CASES) + 4]
    rows[prefixed]["title"] = "(LD) " + rows[prefixed]["title"]  # warning only
    new_desk = regular[len(CASES) + 5]
    rows[new_desk]["section"] = "Divertissement"  # a desk label we do not know yet: warning only
    result = gate.check_batch(rows, WINDOW, [], RUN)
    return rows, cases, result, {
        "dup_id": rows[dup_a]["article_id"], "dup_url": rows[url_a]["url"],
        "url_b_id": rows[url_b]["article_id"], "url_a_id": rows[url_a]["article_id"],
        "prefixed": rows[prefixed]["article_id"], "new_desk": rows[new_desk]["article_id"],
    }


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_row_check_rejects_its_failing_case(broken_batch, case):
    _rows, cases, result, _extra = broken_batch
    rejected = {r.article_id: r for r in result.rejected if r.article_id == cases[case]}
    assert cases[case] in rejected, f"{case} row was not rejected"
    item = rejected[cases[case]]
    assert check_names(item) == CASES[case][1], item.reasons
    assert item.stage == "validate" and item.payload["article_id"] == cases[case]
    for reason in item.reasons:  # field first, then a readable text, then check + GX expectation
        field, rest = reason.split(": ", 1)
        assert field and "expect_" in rest and rest.endswith(")]")
    assert cases[case] not in {r["article_id"] for r in result.passed}


def test_duplicate_ids_and_urls_are_rejected(broken_batch):
    _rows, _cases, result, extra = broken_batch
    by_id: dict[str, list] = {}
    for item in result.rejected:
        by_id.setdefault(item.article_id, []).append(item)
    assert len(by_id[extra["dup_id"]]) == 2
    assert all("article_id_unique" in check_names(i) for i in by_id[extra["dup_id"]])
    assert check_names(by_id[extra["url_a_id"]][0]) == {"url_unique"}
    assert check_names(by_id[extra["url_b_id"]][0]) == {"url_unique", "url_matches_id"}


def test_good_rows_of_a_broken_batch_still_pass(broken_batch):
    rows, _cases, result, extra = broken_batch
    rejected_ids = {r.article_id for r in result.rejected}
    passed_ids = [r["article_id"] for r in result.passed]
    assert len(passed_ids) + len(result.rejected) == len(rows)
    assert not rejected_ids & set(passed_ids)
    assert extra["prefixed"] in passed_ids  # a warning does not reject
    assert any("title_without_version_prefix" in w and extra["prefixed"] in w for w in result.summary.warnings)
    assert extra["new_desk"] in passed_ids  # an unknown section is a finding, not a rejection
    assert any(w.startswith("section: 1 row(s) fail") and "section_known" in w and extra["new_desk"] in w
               for w in result.summary.warnings), result.summary.warnings
    assert result.summary.success, result.summary.failed_critical  # ~15% rejected: the run goes on
    assert any(w.startswith(f"rows: {len(result.rejected)} of {len(rows)} rejected") for w in result.summary.warnings)


def test_future_date_is_rejected():
    now = datetime(2024, 6, 19, 12, 0, tzinfo=KST)
    window = Window(now - timedelta(hours=12), now + timedelta(hours=12))
    rows = replica_rows()[:10]
    rows[0]["published_at"] = (now + timedelta(hours=2)).isoformat()  # inside the window, but ahead of now
    rows[1]["published_at"] = (now + timedelta(minutes=5)).isoformat()  # clock skew: tolerated
    for row in rows[2:]:
        row["published_at"] = (now - timedelta(hours=1)).isoformat()
    result = gate.check_batch(rows, window, [], RUN, now=now.astimezone(UTC))
    assert [(r.article_id, check_names(r)) for r in result.rejected] == [
        (rows[0]["article_id"], {"published_not_future"})
    ]
    assert "in the future" in result.rejected[0].reasons[0]


def test_schema_drift_rows_are_rejected_not_lost(clean_rows):
    rows = copy.deepcopy(clean_rows[:10])
    rows[0]["surprise"] = 1
    del rows[1]["body"]
    result = gate.check_batch(rows, WINDOW, [], RUN)
    bad = {r.article_id: r for r in result.rejected}
    assert set(bad) == {rows[0]["article_id"], rows[1]["article_id"]}
    assert all(r.reasons[0].startswith("schema: not an ArticleRow") for r in bad.values())
    assert bad[rows[0]["article_id"]].payload == rows[0]
    assert len(result.passed) == 8


# --- batch level --------------------------------------------------------------------------

def test_redesign_fails_the_run_naming_the_drifted_fields(clean_rows):
    rows = copy.deepcopy(clean_rows)
    broken = {r["article_id"] for r in rows[: int(len(rows) * 0.8)]}
    for row in rows:
        if row["article_id"] in broken:
            redesigned(row)
    result = gate.check_batch(rows, WINDOW, [], RUN)
    summary = result.summary
    assert not summary.success
    failed = "\n".join(summary.failed_critical)
    # one line per failed expectation, naming field, observed value, limit and a hint
    assert any(line.startswith("body: ") and "empty (max 20%)" in line for line in summary.failed_critical), failed
    assert any(line.startswith("body: ") and "fallback layer 'generic'" in line for line in summary.failed_critical), failed
    assert any(line.startswith("section: ") and "empty" in line for line in summary.failed_critical), failed
    assert len(summary.failed_critical) == 4, failed  # nothing else drifted: title and date come from meta
    assert any(line.startswith("rows: ") for line in summary.failed_critical), failed
    assert f"no layout parser recognized {len(broken) / len(rows):.0%} of pages" in failed
    assert not any(line.startswith(("title: ", "published_at: ")) for line in summary.failed_critical), failed
    assert all("\n" not in line for line in summary.failed_critical)
    passed = {r["article_id"] for r in result.passed}
    assert passed and not passed & broken
    assert passed == {r["article_id"] for r in rows} - broken
    assert {r.article_id for r in result.rejected} == broken


def test_fallback_share_alone_fails_the_run(clean_rows):
    """Bodies still extracted, but by trafilatura on most pages: the drift shows before the
    data gets bad."""
    rows = copy.deepcopy(clean_rows)
    drifted = int(len(rows) * 0.6)
    for row in rows[:drifted]:
        row["field_sources"] = {**row["field_sources"], "paragraphs": "generic"}
    result = gate.check_batch(rows, WINDOW, [], RUN)
    assert not result.summary.success
    assert len(result.summary.failed_critical) == 1
    line = result.summary.failed_critical[0]
    assert line.startswith(f"body: {drifted / len(rows):.0%} from fallback layer 'generic' (max 30%)")
    assert "check parser for layout 'yna-cms-v1'" in line
    assert len(result.passed) == len(rows)  # rows themselves are fine: the gate blocks the load


def test_volume_out_of_band_fails_and_in_band_passes(clean_rows):
    history = _history([len(clean_rows)] * 5)
    ok = gate.check_batch(copy.deepcopy(clean_rows), WINDOW, history, RUN)
    assert ok.summary.success, ok.summary.failed_critical
    assert not any("volume band" in w for w in ok.summary.warnings)  # learned, not cold start
    few = gate.check_batch(copy.deepcopy(clean_rows[:5]), WINDOW, history, RUN)
    assert not few.summary.success
    [line] = few.summary.failed_critical
    assert line.startswith("volume: 5 rows outside the expected band")
    assert "5 earlier runs of the same weekday/hour" in line
    assert len(few.passed) == 5


def test_cold_start_warning_says_how_many_more_runs_and_can_be_left_out(clean_rows):
    history = _history([len(clean_rows)] * 2)
    shown = gate.check_batch(copy.deepcopy(clean_rows), WINDOW, history, RUN)
    [line] = [w for w in shown.summary.warnings if w.startswith("volume band: ")]
    needed = thresholds.MIN_COMPARABLE_RUNS - 2
    assert line.startswith(f"volume band: cold start: 2 of {thresholds.MIN_COMPARABLE_RUNS} comparable earlier runs")
    assert f"; {needed} more such run(s) needed before the band is learned" in line
    # Not this run's to show (another run of the install did): the band still applies.
    quiet = gate.check_batch(copy.deepcopy(clean_rows), WINDOW, history, RUN, cold_start_notice=False)
    assert not any(w.startswith("volume band: ") for w in quiet.summary.warnings)
    assert quiet.summary.warnings == [w for w in shown.summary.warnings if w != line]
    assert quiet.band == shown.band and quiet.band.cold_start and quiet.band.runs_needed == needed
    empty = gate.check_batch([], WINDOW, history, RUN, cold_start_notice=False)
    [critical] = empty.summary.failed_critical
    assert critical.startswith("volume: ") and "cold start: 2 of" in critical


def test_empty_batch_on_a_full_day_fails_on_volume_only():
    result = gate.check_batch([], WINDOW, [], RUN)
    assert not result.summary.success
    [line] = result.summary.failed_critical  # no "100% empty" noise on an empty batch
    assert line.startswith("volume: 0 rows outside the expected band")
    assert result.summary.rows_in == 0 and result.passed == [] and result.rejected == []


def test_rerun_where_every_article_answered_304_passes(clean_rows):
    """A second identical run: conditional requests, every article 304, no items. The crawl
    still saw the usual volume, so the gate lets the (empty) run through."""
    history = _history([len(clean_rows)] * 5)
    result = gate.check_batch([], WINDOW, history, RUN, unchanged=len(clean_rows))
    assert result.summary.success, result.summary.failed_critical
    assert any(w.startswith("empty batch") for w in result.summary.warnings)
    too_few = gate.check_batch([], WINDOW, history, RUN, unchanged=3)
    assert not too_few.summary.success
    assert too_few.summary.failed_critical[0].startswith("volume: 0 rows + 3 unchanged (304) outside")


def test_history_volume_counts_unchanged_articles():
    history = _history([10] * 4)
    for run in history:
        run["not_modified"] = 40
    assert comparable_counts(history, WINDOW) == [50] * 4


def test_duplicate_rate_warns_then_fails(clean_rows):
    def with_duplicates(share):
        rows = copy.deepcopy(clean_rows)
        for row in rows[: int(len(rows) * share)]:
            row["duplicate_of"] = row["duplicate_of"] or clean_rows[-1]["article_id"]
        return gate.check_batch(rows, WINDOW, [], RUN).summary

    some = with_duplicates(0.3)
    assert some.success
    assert any(w.startswith("duplicate_of: ") and "warn above 20%" in w for w in some.warnings)
    many = with_duplicates(0.6)
    assert not many.success
    assert any(line.startswith("duplicate_of: ") and "(max 50%)" in line for line in many.failed_critical)


def test_missing_dates_on_many_rows_fail_the_run(clean_rows):
    rows = copy.deepcopy(clean_rows)
    for row in rows[:20]:
        row["published_at"] = None
    summary = gate.check_batch(rows, WINDOW, [], RUN).summary
    assert not summary.success
    assert any(line.startswith("published_at: ") and "empty (max 10%)" in line for line in summary.failed_critical)


def test_results_json_is_serializable_and_tagged(clean_rows):
    import json

    result = gate.check_batch(copy.deepcopy(clean_rows[:10]), WINDOW, [], RUN)
    text = json.dumps(result.results, default=str)
    loaded = json.loads(text)
    assert loaded["meta"]["yonhap_gate"]["suite_version"] == suites.SUITE_VERSION
    assert len(loaded["results"]) == len(suites.CHECKS)
    assert loaded["suite_name"] == suites.SUITE_NAME


def test_docs_describe_every_check():
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "quality.md").read_text(encoding="utf-8")
    missing = [c.name for c in suites.CHECKS if f"`{c.name}`" not in text
               and not (c.name.endswith("_fallback_share") and "`<field>_fallback_share`" in text)]
    assert missing == []


def _crawled_rows(layout: str, parsers: list[str] | None) -> tuple[list[dict], list[str]]:
    """Replica pages of one day in ``layout``, extracted by the crawler's parsers (only
    ``parsers`` registered) and transformed: the rows the gate sees in production."""
    from scrapers.parsers.registry import Registry, build_item
    from transforms.pipeline import transform_batch

    corpus = Corpus(start=DAY, end=DAY, per_day=30, layout=layout)
    registry = Registry.from_names(parsers)
    items = []
    for article_id in corpus.ids_on(DAY):
        url = f"https://fr.yna.co.kr/view/{article_id}"
        extraction = registry.extract(corpus.render_article(article_id), url, {"Content-Type": "text/html; charset=utf-8"})
        items.append(build_item(extraction, requested_url=url, base_url="https://fr.yna.co.kr", http_status=200,
                                fetched_at="2024-06-20T00:00:00+00:00", run_id=RUN))
    result = transform_batch(items, [])
    assert result.rejects == []
    return [a.to_dict() for a in result.articles], corpus.ids_on(DAY)


def test_replica_redesign_without_its_parser_fails_on_fallback_share():
    """The crawler meets the redesigned markup with only the yna-cms parser: trafilatura
    still finds plausible bodies, so every row passes its own checks — the fallback share
    is what turns the run red, naming the body."""
    rows, truth_ids = _crawled_rows("yna-cms", ["yna-cms-v1"])
    ok = gate.check_batch(rows, WINDOW, [], RUN)
    assert ok.summary.success, ok.summary.failed_critical
    assert sorted(r["article_id"] for r in ok.passed) == sorted(truth_ids)

    rows, _ = _crawled_rows("redesign", ["yna-cms-v1"])
    red = gate.check_batch(rows, WINDOW, [], RUN)
    assert not red.summary.success
    assert any(line.startswith("body: 100% from fallback layer 'generic'") and "no layout parser recognized" in line
               for line in red.summary.failed_critical), red.summary.failed_critical

    rows, _ = _crawled_rows("redesign", ["yna-cms-v1", "redesign-v1"])  # its parser registered: green again
    fixed = gate.check_batch(rows, WINDOW, [], RUN)
    assert fixed.summary.success, fixed.summary.failed_critical


def test_an_english_row_is_judged_in_english_and_a_french_one_in_french():
    """Each row's text must be in its edition's language: an AEN row with French text is
    refused by text_looks_english, the same text under an AFR id loads (and vice versa)."""
    from datetime import date

    from expectations.gate import check_batch
    from ground.core.timeutil import Window
    from storage.synthetic import make_article

    french = ("SEOUL, 19 juin (Yonhap) -- Le gouvernement a annoncé ce mercredi qu'il élargira les crédits "
              "d'impôt pour les entreprises qui construisent des usines hors de la capitale, selon le ministère.")
    english = ("SEOUL, June 19 (Yonhap) -- The government said on Wednesday that it will widen tax credits "
               "for companies that build new plants outside the capital area, the ministry said.")
    rows = [make_article(1, "lang", body=french).to_dict(),
            make_article(2, "lang", body=french, edition="en").to_dict(),
            make_article(3, "lang", body=english, edition="en").to_dict(),
            make_article(4, "lang", body=english).to_dict()]
    result = check_batch(rows, Window.for_dates(date(2024, 6, 19), date(2024, 6, 19)), [], "lang")
    refused = {r.article_id: check_names(r) for r in result.rejected}
    assert refused == {rows[1]["article_id"]: {"text_looks_english"}, rows[3]["article_id"]: {"text_looks_french"}}


def test_tables_pass_the_language_check_on_their_share_of_letters():
    """A price list (one <p> of <br/>-separated figure lines, a continued part "…-2") has almost
    no common words: the transform marks it is_table (a routine item) and the gate has no
    common-word verdict for it; the same figures without the flag are refused, and prose under
    the flag (never produced by the transform) is still judged by its letters."""
    from expectations.features import frame_record
    from transforms.clean import is_table

    lines = [f"Article {n} ({n} kg) : {n * 1310}.{n * 7 % 10}0 wons (+{n % 5},{n % 9}%)" for n in range(1, 16)]
    body = "SEOUL, 19 juin (Yonhap) -- Prix de gros, mercredi (wons) :\n\n" + "\n\n".join(lines)
    assert is_table(body) and not is_table("SEOUL, 19 juin (Yonhap) -- Le gouvernement a annoncé 3 mesures.")
    row = {"article_id": "AFR20240619001100884", "title": "Prix de gros des produits agricoles-2", "body": body,
           "is_routine": True, "is_table": True}
    assert frame_record(0, row)["french_share"] is None and frame_record(0, row)["item_kind"] == "routine"
    assert frame_record(0, {**row, "is_table": False})["french_share"] < 0.08
