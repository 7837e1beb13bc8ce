"""`yonhap-pipeline extract FILE --url URL`: the real console script in a subprocess, on saved
pages of the real template. What it prints is checked against facts read from the page itself
(its head and markup, read here with lxml independently of the parser) and, for replica pages,
against the replica's truth."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import html as lxml_html

from yonhap.replica.corpus import Corpus

REPO = Path(__file__).resolve().parent.parent
CLI = str(Path(sys.executable).parent / "yonhap-pipeline")
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


def run_extract(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, "extract", *args], input=stdin, capture_output=True, timeout=120, cwd=str(REPO))


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
    expected = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    url = f"https://fr.yna.co.kr/view/{expected['article_id']}"
    english = "english" in page.stem  # the English edition's markup: the French gate refuses its text
    done = run_extract(str(page), "--url", url, *(["--no-gate"] if english else []))
    assert done.returncode == 0, done.stdout.decode()[-2000:] + done.stderr.decode()[-2000:]
    out = json.loads(done.stdout)
    assert out["verdict"] == "loaded" and out["reasons"] == []
    assert_template_facts(out, page_facts(page.read_bytes()))
    assert out["title_raw"] == expected["title_raw"]
    assert out["byline"] == expected.get("byline")
    assert out["editor_note"] == expected.get("editor_note")
    assert out["keywords"] == expected.get("keywords", [])
    # broken JSON-LD is a warning, never the reason to refuse
    if b"// " in page.read_bytes() and b"ld+json" in page.read_bytes():
        assert any("jsonld" in w for w in out["warnings"])


def test_the_french_gate_refuses_an_english_page_and_says_why():
    page = next(p for p in GOLDEN if "english" in p.stem)
    expected = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    done = run_extract(str(page), "--url", f"https://fr.yna.co.kr/view/{expected['article_id']}")
    assert done.returncode == 1
    out = json.loads(done.stdout)
    assert out["verdict"] == "rejected" and any("French" in r for r in out["reasons"])
    assert out["title_raw"] == expected["title_raw"]  # the row is still shown, as it would be stored


def test_extract_equals_replica_truth_and_reads_stdin():
    corpus = Corpus(start="2024-06-18", end="2024-06-19", per_day=30)
    checked = 0
    for article_id in corpus.ids_on("2024-06-18")[::6]:
        truth = corpus.truth(article_id)
        if truth.kind == "hostile":
            continue
        body = corpus.render_article(article_id, "yna-cms")
        done = run_extract("-", "--url", f"https://fr.yna.co.kr/view/{article_id}?input=1195m", stdin=body)
        assert done.returncode == 0, done.stdout.decode()[-2000:]
        out = json.loads(done.stdout)
        assert_template_facts(out, page_facts(body))
        assert out["article_id"] == article_id
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


def test_bad_usage_exits_2_with_one_line(tmp_path):
    missing = run_extract(str(tmp_path / "nope.html"), "--url", "https://fr.yna.co.kr/view/AFR20240618000100884")
    assert missing.returncode == 2 and b"cannot read" in missing.stderr
    no_id = run_extract("-", "--url", "https://fr.yna.co.kr/news", stdin=b"<html></html>")
    assert no_id.returncode == 2 and b"names no article" in no_id.stderr
    edition = run_extract("-", "--url", "https://fr.yna.co.kr/view/AFR20240618000100884", "--edition", "de",
                          stdin=b"<html></html>")
    assert edition.returncode == 2 and b"--edition 'de'" in edition.stderr
    no_url = run_extract("-", stdin=b"<html></html>")
    assert no_url.returncode == 2
