"""Hostile pages of the replica (`hostile=True`), over real HTTP."""

from __future__ import annotations

import urllib.request

import pytest
from lxml import html as lxml_html

from devtools.replica.hostile import HUGE_BYTES, MANY, SCRIPT


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    from tests.fixtures_replica import start_replica

    handle = start_replica(tmp_path_factory.mktemp("hostile"), seed=2, start="2024-06-01",
                           end="2024-06-02", per_day=10, hostile=True)
    yield handle
    handle.stop()


def hostile_ids(handle) -> dict[str, str]:
    out = {}
    for article_id in handle.corpus.ids_on("2024-06-01"):
        truth = handle.corpus.truth(article_id)
        if truth.kind == "hostile":
            out[truth.hostile] = article_id
    return out


def get(handle, article_id: str) -> bytes:
    with urllib.request.urlopen(handle.url(f"/view/{article_id}"), timeout=60) as resp:
        assert resp.status == 200
        return resp.read()


def test_hostile_pages_are_listed(hostile_site):
    ids = hostile_ids(hostile_site)
    assert set(ids) == {"huge", "bad_utf8", "script_title", "many_paragraphs", "date_mismatch"}
    listed = b"".join(urllib.request.urlopen(hostile_site.url(f"/news/{n}"), timeout=10).read()
                      for n in (1, 2))
    assert all(f"/view/{i}".encode() in listed for i in ids.values())


def test_hostile_pages_use_the_default_template(hostile_site):
    for kind, article_id in hostile_ids(hostile_site).items():
        if kind == "huge":
            continue
        body = get(hostile_site, article_id).decode("utf-8", errors="replace")
        doc = lxml_html.fromstring(body)
        truth = hostile_site.corpus.truth(article_id)
        assert doc.cssselect("header.title-article01 > h1.tit") and doc.cssselect("script#contentJsonData")
        assert doc.cssselect('meta[property="article:section"]')[0].get("content") == truth.section
        assert truth.lead == truth.paragraphs[0].split(" -- ", 1)[1]
        assert (truth.byline, truth.editor_note, truth.keywords) == (None, None, [])


def test_huge_page_is_twenty_megabytes(hostile_site):
    body = get(hostile_site, hostile_ids(hostile_site)["huge"])
    assert len(body) >= HUGE_BYTES and body.rstrip().endswith(b"</html>")


def test_invalid_utf8_bytes(hostile_site):
    article_id = hostile_ids(hostile_site)["bad_utf8"]
    body = get(hostile_site, article_id)
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    doc = lxml_html.fromstring(body.decode("utf-8", errors="replace"))
    texts = [" ".join(p.text_content().split()) for p in doc.cssselect("article.story-news > p")]
    assert texts[:-1] == hostile_site.corpus.truth(article_id).paragraphs


def test_script_injected_in_title(hostile_site):
    article_id = hostile_ids(hostile_site)["script_title"]
    body = get(hostile_site, article_id).decode("utf-8")
    doc = lxml_html.fromstring(body)
    h1 = doc.cssselect(".title-article01 h1.tit")[0]
    assert h1.cssselect("script") and SCRIPT in body
    for script in h1.cssselect("script"):
        script.drop_tree()
    title_raw = hostile_site.corpus.truth(article_id).title_raw
    assert " ".join(h1.text_content().split()) == title_raw
    # only the h1 carries the element: the head and CONTENT_DATA keep the clean title
    assert body.count(SCRIPT) == 1 and doc.cssselect("head title")[0].text_content().startswith(title_raw + " | ")
    assert f'"TITLE": "{title_raw}"' in doc.cssselect("script#contentJsonData")[0].text


def test_ten_thousand_paragraphs(hostile_site):
    article_id = hostile_ids(hostile_site)["many_paragraphs"]
    doc = lxml_html.fromstring(get(hostile_site, article_id))
    assert len(doc.cssselect("article.story-news > p")) == MANY + 1  # + "(FIN)"
    assert len(hostile_site.corpus.truth(article_id).paragraphs) == MANY


def test_page_date_does_not_match_the_id(hostile_site):
    article_id = hostile_ids(hostile_site)["date_mismatch"]
    truth = hostile_site.corpus.truth(article_id)
    doc = lxml_html.fromstring(get(hostile_site, article_id))
    shown = " ".join(doc.cssselect("div.info-con > span.txt")[0].text_content().split())
    assert shown.startswith(f"Actualités {truth.published_at:%d.%m.%Y}")
    published = doc.cssselect('meta[property="article:published_time"]')[0].get("content")
    assert published == truth.published_at.isoformat()
    assert doc.cssselect('meta[property="yna:content_id"]')[0].get("content") == article_id
    assert article_id[3:11] != f"{truth.published_at:%Y%m%d}"
    assert truth.variations["id_date"] == "2024-06-01"
