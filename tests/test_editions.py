"""Editions (issue 21): the profiles in ground.core.editions, the one place their facts live;
settings per edition; the English replica over HTTP; and, end to end, both editions through the
real console script into one PostgreSQL (ids apart, each row searchable in its language, the
completeness ledger per edition)."""

from __future__ import annotations

import ast
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from lxml import html as lxml_html

from devtools.harness.runs import cli_env, rows, truth_ids
from ground.core.config import Settings, SettingsError
from ground.core.editions import (
    DEFAULT_EDITION,
    EDITIONS,
    EN,
    FR,
    UnknownEdition,
    edition,
    edition_of_host,
    edition_of_id,
)
from ground.core.timeutil import KST, article_date, id_parts
from tests.test_run_cli import CONTENT_SQL, run_cli

REPO = Path(__file__).resolve().parent.parent

# --- the profiles -------------------------------------------------------------------------


def test_two_editions_french_by_default_with_distinct_ids_hosts_and_pools():
    assert DEFAULT_EDITION == "fr" and set(EDITIONS) == {"fr", "en"}
    assert edition(None) is FR and edition(" EN ") is EN
    with pytest.raises(UnknownEdition, match="must be one of fr, en"):
        edition("de")
    for field in ("id_prefix", "host", "site_pool", "fts_config", "language"):
        values = [getattr(e, field) for e in EDITIONS.values()]
        assert len(set(values)) == len(values), field
    assert FR.site_pool == "yonhap_site"  # the contract's pool keeps its name
    assert (FR.base_url, EN.base_url) == ("https://fr.yna.co.kr", "https://en.yna.co.kr")
    assert edition_of_host("m-en.yna.co.kr") is EN and edition_of_host("www.fr.yna.co.kr") is FR
    assert edition_of_host("example.org") is None


def test_profiles_hold_the_shared_notes_facts():
    # docs/site.md: "Article page: the real template", "Article ids", "Title prefixes and stories"
    assert (FR.end_marker, EN.end_marker) == ("(FIN)", "(END)")
    assert EN.continuation_marker == "(MORE)"
    assert EN.version_labels[:2] == ("LEAD", "2nd LD") and FR.version_labels[:2] == ("LD", "2e LD")
    assert [EN.version_label(n) for n in (1, 2, 3, 4)] == ["LEAD", "2nd LD", "3rd LD", "4th LD"]
    assert [FR.version_label(n) for n in (1, 2, 4)] == ["LD", "2e LD", "4e LD"]
    assert EN.usage_notices[0] == "(For Use Only in the Republic of Korea. No Redistribution)"
    assert (FR.news_list_label, EN.news_list_label) == ("Actualités", "All News")
    assert not set(FR.sections) & {FR.news_list_label} and EN.news_list_label not in EN.sections
    assert {"Politics", "North Korea", "Economy Business", "Life,Health"} <= set(EN.sections)
    when = datetime(2023, 4, 19, 15, 41, tzinfo=KST)
    assert EN.time_line(when) == "15:41 April 19, 2023" and FR.time_line(when) == "19.04.2023 à 15h41"
    assert EN.dateline_date(date(2024, 6, 1)) == "June 1" and FR.dateline_date(date(2024, 6, 1)) == "1er juin"
    assert (FR.fts_config, EN.fts_config) == ("french", "english")


@pytest.mark.parametrize("article_id, code", [("AFR20240619002951884", "fr"), ("AEN20230419003851320", "en")])
def test_ids_of_either_edition_parse_and_name_their_edition(article_id, code):
    assert edition_of_id(article_id).code == code
    assert re.fullmatch(edition(code).id_pattern, article_id)
    assert article_date(article_id) is not None and id_parts(article_id)[2] in (51,)
    assert edition_of_id("AXX20230419003851320") is None and edition_of_id("AEN2023") is None


# Literals that are edition facts; outside the profile and the replica's word modules they
# must come from ground.core.editions (docstrings and comments may name them).
EDITION_FACT_RE = re.compile(
    r"fr\.yna\.co\.kr|en\.yna\.co\.kr|\((?:FIN|END|MORE|A SUIVRE)\)|\bAFR|\bAEN|Actualités|All News"
    r"|AGENCE DE PRESSE|Yonhap News Agency|^(?:french|english)$"
)
FACT_HOMES = {"ground/core/editions.py", "devtools/replica/text.py", "devtools/replica/text_en.py"}


def test_no_edition_fact_is_written_outside_its_profile():
    found = []
    for root in ("ground", "pipeline", "devtools", "scrapers", "transforms", "expectations", "storage", "dags"):
        for path in sorted((REPO / root).rglob("*.py")):
            rel = str(path.relative_to(REPO))
            if rel in FACT_HOMES:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                          if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                          and node.body and isinstance(node.body[0], ast.Expr)
                          and isinstance(node.body[0].value, ast.Constant)}
            for node in ast.walk(tree):
                if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                        and id(node) not in docstrings and EDITION_FACT_RE.search(node.value)):
                    found.append(f"{rel}:{node.lineno}: {node.value[:60]!r}")
    assert found == []


# --- settings -----------------------------------------------------------------------------


def test_yonhap_edition_is_validated_and_the_base_url_follows_it():
    assert Settings.from_env({}).edition == "fr" and Settings.from_env({}).base_url == "https://fr.yna.co.kr"
    en = Settings.from_env({"YONHAP_EDITION": "en"})
    assert (en.edition, en.base_url, en.profile) == ("en", "https://en.yna.co.kr", EN)
    with pytest.raises(SettingsError, match=r"^YONHAP_EDITION='de' must be one of fr, en$"):
        Settings.from_env({"YONHAP_EDITION": "de"})
    # YONHAP_BASE_URL is the configured edition's site; another edition has its own variable
    env = {"YONHAP_BASE_URL": "http://127.0.0.1:8800", "YONHAP_BASE_URL_EN": "http://127.0.0.1:8801"}
    assert Settings.from_env(env).base_url == "http://127.0.0.1:8800"
    assert Settings.from_env(env, for_edition="en").base_url == "http://127.0.0.1:8801"
    assert Settings.from_env({"YONHAP_BASE_URL": "http://x:1"}, for_edition="en").base_url == "https://en.yna.co.kr"
    assert Settings.from_env({"YONHAP_EDITION": "en", "YONHAP_BASE_URL": "http://x:1"}).base_url == "http://x:1"
    with pytest.raises(SettingsError, match="YONHAP_BASE_URL_EN='nope'"):
        Settings.from_env({"YONHAP_BASE_URL_EN": "nope"}, for_edition="en")
    with pytest.raises(SettingsError, match="must be one of fr, en"):
        Settings.from_env({}, for_edition="xx")


# --- the English replica over HTTP --------------------------------------------------------


def test_the_english_replica_serves_the_real_templates_english_facts(replica):
    import urllib.error
    import urllib.request

    site = replica(start="2024-06-18", end="2024-06-19", per_day=30, edition="en")
    ids = site.corpus.ids_on("2024-06-18")
    assert ids and all(i.startswith("AEN") and i.endswith("320") for i in ids)
    seen_labels, seen_end = set(), set()
    for article_id in ids:
        truth = site.truth(article_id)
        if truth.kind == "hostile":
            continue
        with urllib.request.urlopen(f"{site.base_url}/view/{article_id}", timeout=10) as resp:
            body = resp.read()
        doc = lxml_html.fromstring(body)

        def meta(key: str, doc=doc) -> str:
            return doc.xpath(f'//meta[@property="{key}" or @name="{key}"]/@content')[0]

        assert doc.get("lang") == "en"
        assert meta("og:site_name") == "Yonhap News Agency"
        assert meta("og:title") == f"{truth.title_raw} | Yonhap News Agency"
        assert meta("article:section") == truth.section and truth.section in EN.sections
        assert meta("yna:mobile_url") == f"https://m-en.yna.co.kr/view/{article_id}"
        assert doc.xpath('//link[@rel="canonical"]/@href') == [f"https://en.yna.co.kr/view/{article_id}"]
        info = " ".join(doc.xpath('//div[@class="info-con"]/span[@class="txt"]')[0].text_content().split())
        assert info == f"All News {EN.time_line(truth.published_at)}"
        last = " ".join(doc.xpath('//article[contains(@class, "story-news")]/p[last()]')[0].text_content().split())
        assert last.endswith(truth.variations["end_marker"]) and truth.variations["end_marker"] in ("(END)", "(MORE)")
        assert truth.paragraphs[0].startswith(truth.dateline + " -- ")
        assert re.fullmatch(r"[A-Z]+, [A-Z][a-z]+ \d{1,2} \(Yonhap\)", truth.dateline)
        for line in doc.xpath('//article[contains(@class, "story-news")]/p[1]//text()'):
            if line.strip().startswith(("By ", "Par ")):
                assert line.strip() == f"By {truth.byline}"
        seen_labels.add(truth.version_label)
        seen_end.add(truth.variations["end_marker"])
    assert {"LEAD", "URGENT"} <= seen_labels and "(END)" in seen_end
    with urllib.request.urlopen(f"{site.base_url}/RSS/news.xml", timeout=10) as resp:
        assert b"<language>en</language>" in resp.read()
    with urllib.request.urlopen(f"{site.base_url}/news", timeout=10) as resp:
        assert b'<html lang="en">' in resp.read()
    # ids of the other edition are not this site's
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{site.base_url}/view/{ids[0].replace('AEN', 'AFR')}", timeout=10)
    assert err.value.code == 404


# --- both editions end to end, one database ------------------------------------------------

DAYS = (date(2024, 6, 18), date(2024, 6, 20))
REPLICA = dict(start=date(2024, 6, 16), end=date(2024, 6, 22), per_day=12)


@pytest.mark.slow
def test_both_editions_run_into_one_database_each_row_in_its_language(settings, replica, db_conn):
    fr_site = replica(**REPLICA)
    en_site = replica(**REPLICA, edition="en")
    env = cli_env(settings, fr_site.base_url, YONHAP_BASE_URL_EN=en_site.base_url)
    span = ("--from", DAYS[0].isoformat(), "--to", DAYS[1].isoformat())
    en_run = run_cli(env, "run", *span, "--edition", "en")
    assert en_run.returncode == 0, en_run.stdout[-3000:] + en_run.stderr[-3000:]
    assert f"({en_site.base_url})" in en_run.stdout and "run cli_en_" in en_run.stdout
    fr_run = run_cli(env, "run", *span)
    assert fr_run.returncode == 0, fr_run.stdout[-3000:] + fr_run.stderr[-3000:]

    en_expected, fr_expected = truth_ids(en_site.corpus, *DAYS), truth_ids(fr_site.corpus, *DAYS)
    by_edition = rows(db_conn, "SELECT edition, array_agg(article_id ORDER BY article_id) FROM yonhap.articles "
                               "GROUP BY edition ORDER BY edition")
    assert [(e, set(ids)) for e, ids in by_edition] == [("en", en_expected), ("fr", fr_expected)]
    for article_id in sorted(en_expected)[::3]:
        truth = en_site.truth(article_id)
        got = rows(db_conn, "SELECT title, title_raw, version_label, section, dateline, body, url "
                            "FROM yonhap.articles WHERE article_id = %s", (article_id,))[0]
        assert got == (truth.title, truth.title_raw, truth.version_label, truth.section, truth.dateline,
                       truth.body, f"https://en.yna.co.kr/view/{article_id}")
    labels = {r[0] for r in rows(db_conn, "SELECT DISTINCT version_label FROM yonhap.articles WHERE edition = 'en'")}
    assert "LEAD" in labels and not labels & {"LD", "2e LD"}

    # each row's search_vector is built with its edition's configuration
    assert rows(db_conn, "SELECT edition, fts_config::text FROM yonhap.editions ORDER BY 1") == [
        ("en", "english"), ("fr", "french")]
    mismatched = rows(db_conn, "SELECT article_id FROM yonhap.articles WHERE search_vector IS DISTINCT FROM "
                               "to_tsvector(yonhap.search_config(edition), title || ' ' || body)")
    assert mismatched == []
    en_stemmed = rows(db_conn, "SELECT count(*) FROM yonhap.articles WHERE edition = 'en' AND search_vector "
                               "<> to_tsvector('french', title || ' ' || body)")[0][0]
    assert en_stemmed == len(en_expected)  # English stemming, not French

    # the ledger, per edition and day: everything seen is accounted for
    ledger = rows(db_conn, "SELECT edition, kst_date, seen, loaded + duplicates, unaccounted "
                           "FROM yonhap.daily_completeness ORDER BY 1, 2")
    assert {(e, d) for e, d, *_ in ledger} >= {(e, DAYS[0]) for e in ("en", "fr")}
    assert all(seen == done and unaccounted == 0 for _, d, seen, done, unaccounted in ledger
               if DAYS[0] <= d <= DAYS[1]), ledger

    # each run row says its edition and counts that edition's ledger only
    runs = rows(db_conn, "SELECT edition, run_id, seen, unaccounted FROM yonhap.crawl_runs ORDER BY edition, run_id")
    assert [(e, r.startswith("cli_en_" if e == "en" else "cli_2")) for e, r, *_ in runs] == [
        ("en", True), ("fr", True)], runs
    for code, _, seen, unaccounted in runs:
        in_ledger = rows(db_conn, "SELECT count(*) FROM yonhap.seen_articles WHERE edition = %s "
                                  "AND kst_date BETWEEN %s AND %s", (code, *DAYS))[0][0]
        assert (seen, unaccounted) == (in_ledger, 0), (code, seen, in_ledger)
    assert f"{runs[1][2]} seen · 0 unaccounted" in fr_run.stdout, fr_run.stdout[-2000:]

    # a rerun of the English edition changes nothing; its reprocess needs no site traffic
    before = rows(db_conn, CONTENT_SQL)
    again = run_cli(env, "run", *span, "--edition", "en")
    assert again.returncode == 0, again.stdout[-3000:]
    assert rows(db_conn, CONTENT_SQL) == before
    en_site.clear_log()
    day = DAYS[0].isoformat()
    rebuilt = run_cli(env, "reprocess", "--from", day, "--to", day, "--edition", "en", "--run-id", "re_en")
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:] + rebuilt.stderr[-3000:]
    assert en_site.access_log() == [] and rows(db_conn, CONTENT_SQL) == before
    # the archive holds both editions' pages of that day: the English reprocess read its own only
    assert rows(db_conn, "SELECT edition, items FROM yonhap.crawl_runs WHERE run_id = 're_en'") == [
        ("en", len(en_site.corpus.ids_on(DAYS[0])))]

    # the analysts' role reads the editions table and the new column
    with db_conn.cursor() as cur:
        cur.execute("SET ROLE yonhap_reader")
        cur.execute("SELECT count(*) FROM yonhap.articles a JOIN yonhap.editions e USING (edition)")
        assert cur.fetchone()[0] == len(en_expected) + len(fr_expected)
        cur.execute("RESET ROLE")
    db_conn.commit()


def test_linking_and_the_volume_history_stay_inside_one_edition(settings, db_conn):
    """A story never spans editions, and the gate's volume band compares a run with runs of
    its own edition (their daily volumes differ)."""
    from ground.core.timeutil import Window
    from storage import queries, runs
    from storage import stage as load_stage
    from storage.synthetic import make_article, stage_batch

    fr, en = make_article(1, "r_mix"), make_article(2, "r_mix", edition="en")
    assert (fr.article_id[:3], en.article_id[:3], en.edition) == ("AFR", "AEN", "en")
    stage_batch(settings, "r_mix", [fr, en])
    load_stage.load(settings, "r_mix")
    window = Window.for_dates(date(2024, 6, 19), date(2024, 6, 19))
    start, end = window.start, window.end
    assert [a["article_id"] for a in queries.articles_for_linking(db_conn, start, end)] == [fr.article_id]
    assert [a["article_id"] for a in queries.articles_for_linking(db_conn, start, end, edition="en")] == [en.article_id]
    earlier = Window.for_dates(date(2024, 6, 18), date(2024, 6, 18))
    runs.start_run(db_conn, "hist_fr", earlier, "cli")
    runs.start_run(db_conn, "hist_en", earlier, "cli", "en")
    db_conn.commit()
    assert [r["run_id"] for r in queries.run_history(db_conn, start)] == ["hist_fr"]
    assert [r["run_id"] for r in queries.run_history(db_conn, start, edition="en")] == ["hist_en"]
    assert rows(db_conn, "SELECT run_id, edition FROM yonhap.crawl_runs WHERE run_id LIKE 'hist_%%' ORDER BY 1") == [
        ("hist_en", "en"), ("hist_fr", "fr")]
