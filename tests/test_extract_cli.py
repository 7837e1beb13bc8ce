"""`yonhap-pipeline extract FILE --url URL` on saved pages of the real template: the command
in-process (typer's runner: Great Expectations loads once per worker, not once per page), and
the console script itself once, where exit codes and streams are what a shell sees. What it prints is checked against facts read from the page itself
(its head and markup, read here with lxml independently of the parser) and, for replica pages,
against the replica's truth."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import html as lxml_html

from devtools.replica.corpus import Corpus
from ground.core.editions import EDITIONS, edition_of_id
from tests.fixtures_process import REPO, cli_in_process

GOLDEN = sorted((REPO / "tests" / "golden" / "yna-cms").glob("*.html"))
DATELINE_RE = re.compile(r"^[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ'’ ./-]+, [^()]{3,30} \(Yonhap\) -- \S")
# Page furniture that must never reach a stored body (the real template's facts).
FURNITURE_RE = re.compile(
    r"(?i:\((?:FIN|END|MORE|A SUIVRE|À SUIVRE)\)|\((?:ATTN|NDLR)\b|@|email protected"
    r"|Utilisation en Corée du Sud|NOT FOR SALE|No Redistribution)"
    r"|^(?:Par|By) [A-Z][a-z]+(?:-[a-z]+)? [A-Z][a-z]+(?:-[a-z]+)?$",  # a byline line: names only
    re.MULTILINE,
)
NOTICE_RE = re.compile(r"Utilisation en Corée du Sud|NOT FOR SALE|No Redistribution", re.IGNORECASE)


def run_extract(*args: str, stdin: bytes | None = None):
    return cli_in_process("extract", *args, stdin=stdin)


def page_facts(body: bytes) -> dict:
    doc = lxml_html.fromstring(body)

    def meta(key: str) -> str | None:
        found = doc.xpath(f'//meta[@property="{key}" or @name="{key}"]/@content')
        return found[0] if found else None

    return {
        "og_title": meta("og:title"),
        "site_name": meta("og:site_name"),
        "published": meta("article:published_time"),
        "section": meta("article:section"),
        "description": meta("og:description") or meta("description"),
        "captions": [" ".join(p.text_content().split()) for p in doc.xpath('//p[contains(@class, "txt-desc")]')],
    }


def assert_template_facts(out: dict, facts: dict) -> None:
    """The acceptance facts of issue 15, on one extracted page."""
    assert facts["og_title"].endswith(" | " + facts["site_name"])  # the page has the suffix …
    assert out["title_raw"] == facts["og_title"][: -len(" | " + facts["site_name"])]  # … the row does not
    assert out["published_at"] == facts["published"]  # exact, with +09:00
    assert out["published_at"].endswith("+09:00")
    assert out["section"] == facts["section"]
    assert out["lead"] and not out["lead"].endswith("...")
    assert out["lead"] != facts["description"]
    assert out["lead"] in out["body"].split("\n\n")[0]
    assert DATELINE_RE.match(out["body"]), out["body"][:80]
    assert not FURNITURE_RE.search(out["body"]), FURNITURE_RE.search(out["body"])
    for caption in facts["captions"]:
        if caption:
            assert caption not in out["body"]
    for image in out["images"]:
        assert image["url"].startswith("https://")
        assert not (image["caption"] and NOTICE_RE.search(image["caption"])), image["caption"]


def test_golden_pages_of_the_real_template_exist():
    assert len(GOLDEN) >= 4


@pytest.mark.parametrize("page", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_extract_on_hand_built_real_template_pages(page: Path):
    """What `extract` prints for each hand-built page, gate included. In-process (the function
    the command prints, as JSON): Great Expectations loads once for all the pages, not once a
    page; the command itself runs in the tests around this one."""
    from pipeline.run.extract import extract_page

    expected = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    edition = edition_of_id(expected["article_id"])  # AFR… fr, AEN… en: the gate's language follows
    url = f"{edition.base_url}/view/{expected['article_id']}"
    out = json.loads(json.dumps(extract_page(page.read_bytes(), url, edition=edition.code), ensure_ascii=False))
    assert out["verdict"] == "loaded" and out["reasons"] == []
    assert out["edition"] == edition.code
    assert_template_facts(out, page_facts(page.read_bytes()))
    assert out["title_raw"] == expected["title_raw"]
    assert out["byline"] == expected.get("byline")
    assert out["editor_note"] == expected.get("editor_note")
    assert out["keywords"] == expected.get("keywords", [])
    # broken JSON-LD is a warning, never the reason to refuse
    if b"// " in page.read_bytes() and b"ld+json" in page.read_bytes():
        assert any("jsonld" in w for w in out["warnings"])


# The English pages built from the English facts of docs/site.md (issue 21's acceptance): what each
# stored row must say, read off the page by hand.
ENGLISH_ROWS = {
    "AEN20230419003851320": {"version_label": "LEAD", "section": "Economy Business",
                             "title": "Gov't to widen tax credits for chip plants in regional hubs",
                             "dateline": "SEOUL, April 19 (Yonhap)", "byline": "Lee Minji",
                             "author_email": "minji.lee@yna.co.kr", "captions": 2},
    "AEN20230420004252320": {"version_label": "2nd LD", "section": "North Korea",
                             "title": "N. Korea test-fires short-range missiles into East Sea",
                             "dateline": "SEOUL, April 20 (Yonhap)", "byline": "Park Jae-ho and Kim Soo-ah",
                             "author_email": "jaeho.park@yna.co.kr", "captions": 0},
    "AEN20230421002100320": {"version_label": None, "section": "Finance",
                             "title": "Closing prices of major Seoul stocks-1",
                             "dateline": "SEOUL, April 21 (Yonhap)", "byline": None,
                             "author_email": None, "captions": 0},
}


@pytest.mark.parametrize("article_id", sorted(ENGLISH_ROWS))
def test_extract_edition_en_on_the_english_template(article_id):
    page = next(p for p in GOLDEN if article_id in p.stem)
    want = ENGLISH_ROWS[article_id]
    done = run_extract(str(page), "--url", f"https://en.yna.co.kr/view/{article_id}?input=1195m", "--edition", "en")
    assert done.returncode == 0, done.stdout.decode()[-2000:] + done.stderr.decode()[-2000:]
    out = json.loads(done.stdout)
    assert out["verdict"] == "loaded" and out["edition"] == "en"
    assert out["url"] == f"https://en.yna.co.kr/view/{article_id}"
    # the title without " | Yonhap News Agency", its label apart; the section from article:section
    assert (out["title"], out["version_label"], out["section"]) == (want["title"], want["version_label"], want["section"])
    assert out["title_raw"] == (f"({want['version_label']}) {want['title']}" if want["version_label"] else want["title"])
    # the body from the dateline on: no "(ATTN: …)", "By …", e-mail, "(END)" or "(MORE)"
    assert out["dateline"] == want["dateline"] and out["body"].startswith(want["dateline"] + " -- ")
    for furniture in ("(ATTN", "By ", "@", "(END)", "(MORE)", "email protected", "All News"):
        assert furniture not in out["body"], furniture
    assert (out["byline"], out["author_email"]) == (want["byline"], want["author_email"])
    # captions without their notices ("(Yonhap)" stays)
    assert len(out["images"]) == want["captions"]
    for image in out["images"]:
        assert image["caption"].endswith("(Yonhap)") and not NOTICE_RE.search(image["caption"])
    assert not any("French" in r or "English" in r for r in out["reasons"])


def test_an_english_page_under_the_french_edition_is_a_usage_error():
    page = next(p for p in GOLDEN if "AEN" in p.stem)
    article_id = page.stem.split("_")[1]
    done = run_extract(str(page), "--url", f"https://en.yna.co.kr/view/{article_id}")  # --edition fr
    assert done.returncode == 2 and b"names no article of edition fr" in done.stderr
    assert b"AFR<17 digits>" in done.stderr


@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_extract_equals_replica_truth_and_reads_stdin(edition):
    corpus = Corpus(start="2024-06-18", end="2024-06-19", per_day=30, edition=edition)
    checked = 0
    for article_id in corpus.ids_on("2024-06-18")[::6]:
        truth = corpus.truth(article_id)
        if truth.kind == "hostile":
            continue
        body = corpus.render_article(article_id, "yna-cms")
        # the gate's checks (Great Expectations, seconds a process) on the first page; the
        # parse and the cleaning on every page (the hand-built pages above all run the gate)
        gate = () if checked == 0 else ("--no-gate",)
        done = run_extract("-", "--url", f"{EDITIONS[edition].base_url}/view/{article_id}?input=1195m",
                           "--edition", edition, *gate, stdin=body)
        assert done.returncode == 0, done.stdout.decode()[-2000:]
        out = json.loads(done.stdout)
        assert_template_facts(out, page_facts(body))
        assert out["article_id"] == article_id and out["edition"] == edition
        assert out["title_raw"] == truth.title_raw and out["title"] == truth.title
        assert out["version_label"] == truth.version_label
        assert out["body"] == truth.body and out["lead"] == truth.lead
        assert out["byline"] == truth.byline and out["editor_note"] == truth.editor_note
        assert out["keywords"] == truth.keywords
        assert out["author_email"] == truth.author_email
        assert [i["caption"] for i in out["images"]] == [i["caption"] for i in truth.images]
        assert out["field_sources"]["paragraphs"] == "selector"
        checked += 1
    assert checked >= 3


def test_a_page_without_body_is_rejected_with_its_reasons(tmp_path):
    page = tmp_path / "empty.html"
    page.write_text(
        '<!DOCTYPE html><html lang="fr"><head><meta property="og:title" content="Titre | AGENCE">'
        '<meta property="og:site_name" content="AGENCE"></head><body><header class="title-article01">'
        '<h1 class="tit">Titre</h1></header><article class="story-news"></article></body></html>',
        encoding="utf-8",
    )
    done = run_extract(str(page), "--url", "https://fr.yna.co.kr/view/AFR20240618000100884", "--no-gate")
    assert done.returncode == 1
    out = json.loads(done.stdout)
    assert out["verdict"] == "rejected"
    assert any("missing: body" in r for r in out["reasons"])
    assert any("published_at" in r for r in out["reasons"])
    assert out["title_raw"] == "Titre"


def test_bad_usage_exits_2_with_one_line(tmp_path, pipeline_process):
    # the console script itself: exit code and stderr as a shell sees them
    missing = pipeline_process("extract", str(tmp_path / "nope.html"), "--url", "https://fr.yna.co.kr/view/AFR20240618000100884")
    assert missing.returncode == 2 and b"cannot read" in missing.stderr
    no_id = run_extract("-", "--url", "https://fr.yna.co.kr/news", stdin=b"<html></html>")
    assert no_id.returncode == 2 and b"names no article" in no_id.stderr
    edition = run_extract("-", "--url", "https://fr.yna.co.kr/view/AFR20240618000100884", "--edition", "de",
                          stdin=b"<html></html>")
    assert edition.returncode == 2 and b"--edition 'de'" in edition.stderr
    no_url = run_extract("-", stdin=b"<html></html>")
    assert no_url.returncode == 2


def test_a_file_that_is_not_html_says_so(tmp_path):
    """A PDF saved by mistake: "not HTML", not "layout unrecognized … truncated"; and no
    story_id (one page alone is linked to no story: its own id would read as an answer)."""
    page = tmp_path / "page.pdf"
    page.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<</Type /Catalog /Pages 2 0 R>>\nendobj\n\x00\x01\x02")
    done = run_extract(str(page), "--url", "https://fr.yna.co.kr/view/AFR20240618000100884", "--no-gate")
    assert done.returncode == 1, done.stderr
    out = json.loads(done.stdout)
    assert out["verdict"] == "rejected" and out["layout"] is None and out["story_id"] is None
    assert any("not HTML" in r for r in out["reasons"]), out["reasons"]
    assert not any("truncated" in r or "unrecognized" in r for r in out["reasons"]), out["reasons"]
