"""The replica over real HTTP: markup per the site doc, lists, RSS, robots, conditional
requests, edits, the redesign layout, bad parameters, determinism."""

from __future__ import annotations

import http.client
import json
import re
import urllib.robotparser
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import html as lxml_html

from tests.fixtures_replica import start_replica
from yonhap.replica import Corpus
from yonhap.schema import SECTIONS, USAGE_NOTICE
from yonhap.timeutil import KST

SMALL = dict(seed=7, start="2024-06-18", end="2024-06-20", per_day=24)


def norm(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


def fetch(base_url: str, path: str, headers: dict | None = None, method: str = "GET"):
    """(status, headers, body) over one fresh connection."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def decode_cfemail(hexstr: str) -> str:
    data = bytes.fromhex(hexstr)
    return bytes(b ^ data[0] for b in data[1:]).decode("utf-8")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    handle = start_replica(tmp_path_factory.mktemp("replica"), **SMALL)
    yield handle
    handle.stop()


def body_paragraphs(doc) -> list[str]:
    out = []
    for p in doc.cssselect("article.story-news > p"):
        if "txt-copyright" in (p.get("class") or ""):
            continue
        # older pages: one block, paragraphs split by <br><br>
        chunks, current = [], [p.text or ""]
        for child in p:
            if child.tag == "br":
                chunks.append("".join(current))
                current = [child.tail or ""]
            else:
                current.append(child.text_content() + (child.tail or ""))
        chunks.append("".join(current))
        out += [norm(c) for c in chunks if norm(c)]
    assert out and out[-1] == "(FIN)"
    return out[:-1]


# ---------------------------------------------------------------- article markup
def test_article_pages_follow_the_site_doc_and_match_the_truth(site):
    ids = site.corpus.ids_on("2024-06-19")
    assert len(ids) >= 15
    seen = {"br_body": 0, "photos": 0, "jsonld": 0, "no_og": 0, "email": 0, "entities": 0}
    for article_id in ids:
        truth = site.corpus.truth(article_id)
        status, headers, body = fetch(site.base_url, f"/view/{article_id}")
        assert status == 200 and headers["content-type"].startswith("text/html")
        text = body.decode("utf-8")
        doc = lxml_html.fromstring(body)
        assert doc.cssselect('link[rel="canonical"]')[0].get("href") == truth.url
        assert truth.url == f"https://fr.yna.co.kr/view/{article_id}"
        for block in ("div.skip-nav", "div.cookie-banner", "header", "div.writer-zone01",
                      "div.related-group", "footer"):
            assert doc.cssselect(block), block
        assert norm(doc.cssselect(".title-article01 h1.tit")[0].text_content()) == truth.title_raw
        assert doc.cssselect(".info-con span.sect")[0].text_content() == truth.section
        assert truth.section in SECTIONS
        when = datetime.strptime(doc.cssselect(".info-con span.txt-time")[0].text_content(),
                                 "%d.%m.%Y à %Hh%M").replace(tzinfo=KST)
        assert when == truth.published_at
        assert article_id[3:11] == f"{truth.published_at:%Y%m%d}"
        assert not doc.cssselect(".txt-update")  # edits are off
        assert body_paragraphs(doc) == truth.paragraphs
        assert truth.paragraphs[0].startswith(truth.dateline + " -- ")
        photos = doc.cssselect("article.story-news div.photo-group figure")
        assert len(photos) == len(truth.images)
        for fig, image in zip(photos, truth.images, strict=True):
            img = fig.cssselect(".img-con img")[0]
            assert (img.get("src"), img.get("alt")) == (image["url"], image["alt"])
            desc = norm(fig.cssselect("p.desc")[0].text_content())
            assert desc == f"{image['caption']} {USAGE_NOTICE}"
        mails = doc.cssselect("p.txt-copyright a.__cf_email__")
        assert [decode_cfemail(a.get("data-cfemail")) for a in mails] == (
            [truth.author_email] if truth.author_email else [])
        assert all(a.text_content() == "[email\xa0protected]" for a in mails)
        related = [a.get("href") for a in doc.cssselect("div.related-group a")]
        assert any(h.startswith("/view/AFR") for h in related) and any(h.startswith("/search") for h in related)
        v = truth.variations
        og = {m.get("property"): m.get("content") for m in doc.cssselect("meta[property]")}
        if v["og"]:
            assert og["og:title"] == truth.title_raw and og["og:url"] == truth.url
            assert og["og:description"] == truth.lead
        else:
            assert "og:title" not in og
            seen["no_og"] += 1
        if v["published_meta"]:
            assert datetime.fromisoformat(og["article:published_time"]) == truth.published_at
        else:
            assert "article:published_time" not in og
        scripts = doc.cssselect('script[type="application/ld+json"]')
        if v["jsonld"]:
            data = json.loads(scripts[0].text)
            assert data["@type"] == "NewsArticle" and data["headline"] == truth.title_raw
            assert datetime.fromisoformat(data["datePublished"]) == truth.published_at
            seen["jsonld"] += 1
        else:
            assert not scripts
        seen["br_body"] += v["br_body"] and len(truth.paragraphs) > 1
        seen["photos"] += bool(truth.images)
        seen["email"] += bool(truth.author_email)
        seen["entities"] += "&#160;" in text.split("<article", 1)[1].replace("[email&#160;protected]", "") or "&laquo;" in text
    # the variations really occur in a 3-day corpus
    assert all(seen.values()), seen


def test_truth_over_http_equals_in_process_truth(site):
    article_id = site.corpus.ids_on("2024-06-20")[3]
    status, _, body = fetch(site.base_url, f"/__replica__/truth/{article_id}")
    assert status == 200
    assert json.loads(body) == json.loads(json.dumps(site.corpus.truth(article_id).to_dict()))
    assert fetch(site.base_url, "/__replica__/truth/AFR20240619999900884")[0] == 404


# ---------------------------------------------------------------- list, RSS, robots
def list_items(body: bytes) -> list[tuple[str, str]]:
    doc = lxml_html.fromstring(body)
    rows = doc.cssselect("div.smain-list-type01 > ul > li > article")
    return [(row.cssselect("strong.tit a")[0].get("href"), row.cssselect("span.date")[0].text_content())
            for row in rows]


def test_list_pages_newest_first_twenty_a_page_empty_past_the_end(site):
    corpus = site.corpus
    expected = list(corpus.ids_newest_first())
    assert fetch(site.base_url, "/news")[2] == fetch(site.base_url, "/news/1")[2]
    got = []
    for n in range(1, corpus.page_count() + 2):
        status, _, body = fetch(site.base_url, "/news" if n == 1 else f"/news/{n}")
        assert status == 200
        items = list_items(body)
        if n <= corpus.page_count() - 1:
            assert len(items) == 20
        for href, date_text in items:
            article_id = urlsplit(href).path.rsplit("/", 1)[1]
            published = corpus.truth(article_id).published_at
            assert date_text == f"{published:%d.%m %H:%M}"  # no year
            got.append(article_id)
    assert items == []  # the page past the end is a 200 with an empty list
    assert got == expected
    published = [corpus.truth(i).published_at for i in got]
    assert published == sorted(published, reverse=True)
    hrefs = [h for n in (1, 2, 3) for h, _ in list_items(fetch(site.base_url, f"/news/{n}")[2])]
    assert any("?" in h for h in hrefs)  # tracking queries occur


def test_rss_has_latest_items_with_zone_less_kst_pubdate(site):
    status, headers, body = fetch(site.base_url, "/RSS/news.xml")
    assert status == 200 and "xml" in headers["content-type"]
    from lxml import etree

    items = etree.fromstring(body).findall("./channel/item")
    assert len(items) == 50
    expected = list(site.corpus.ids_newest_first())[:50]
    for item, article_id in zip(items, expected, strict=True):
        link = item.findtext("link")
        assert link.startswith(site.base_url + "/view/" + article_id)
        pub = item.findtext("pubDate")
        assert re.fullmatch(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}", pub)
        wall = datetime.strptime(pub, "%a, %d %b %Y %H:%M:%S").replace(tzinfo=KST)
        assert wall == site.corpus.truth(article_id).published_at
        assert item.findtext("title") == site.corpus.truth(article_id).title_raw
        assert item.findtext("description") == site.corpus.truth(article_id).lead


def test_robots_txt_disallows_search_and_print(site):
    status, _, body = fetch(site.base_url, "/robots.txt")
    assert status == 200
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(body.decode().splitlines())
    article = site.corpus.ids_on("2024-06-19")[0]
    assert not parser.can_fetch("yonhap-pipeline", site.base_url + "/search?query=x")
    assert not parser.can_fetch("yonhap-pipeline", site.base_url + "/print/" + article)
    assert parser.can_fetch("yonhap-pipeline", site.base_url + "/view/" + article)
    assert parser.can_fetch("yonhap-pipeline", site.base_url + "/news/2")


@pytest.mark.parametrize("path", ["/news/abc", "/news/-1", "/news/0", "/news/1.5",
                                  "/__replica__/edits?on=maybe", "/__replica__/layout?name=retro",
                                  "/__replica__/log?clear=perhaps", "/__replica__/ids?date=June"])
def test_bad_parameters_are_400_with_a_message(site, path):
    status, _, body = fetch(site.base_url, path)
    assert status == 400
    assert body and (b"expected" in body)


@pytest.mark.parametrize("path", ["/view/AFR20240619999900884", "/view/AFR2024061900010088",
                                  "/view/AFR20230101000100884", "/view/nope", "/nowhere"])
def test_unknown_pages_are_404(site, path):
    assert fetch(site.base_url, path)[0] == 404


# ---------------------------------------------------------------- HTTP semantics
def test_conditional_requests_get_304_without_body(site):
    article_id = site.corpus.ids_on("2024-06-18")[5]
    path = f"/view/{article_id}"
    status, headers, body = fetch(site.base_url, path)
    etag, last_modified = headers["etag"], headers["last-modified"]
    assert parsedate_to_datetime(last_modified) == site.corpus.truth(article_id).published_at
    s, h, b = fetch(site.base_url, path, {"If-None-Match": etag})
    assert (s, b) == (304, b"") and h["etag"] == etag
    assert fetch(site.base_url, path, {"If-Modified-Since": last_modified})[:3:2] == (304, b"")
    assert fetch(site.base_url, path, {"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})[2] == body
    assert fetch(site.base_url, path, {"If-None-Match": '"other"'})[0] == 200
    # If-None-Match wins over If-Modified-Since
    assert fetch(site.base_url, path, {"If-None-Match": '"other"', "If-Modified-Since": last_modified})[0] == 200


def test_access_log_records_requests_but_not_admin_calls(site):
    site.clear_log()
    fetch(site.base_url, "/news/2", {"User-Agent": "test-agent/1 (+http://example.org)",
                                     "If-None-Match": '"x"'})
    site.admin("health")
    log = site.access_log()
    assert [e["path"] for e in log] == ["/news/2"]
    entry = log[0]
    assert entry["status"] == 200 and entry["method"] == "GET"
    assert entry["ua"] == "test-agent/1 (+http://example.org)" and entry["if_none_match"] == '"x"'
    assert set(entry) >= {"path", "status", "method", "if_none_match", "if_modified_since", "ua", "t"}
    assert site.clear_log() == log and site.access_log() == []


def test_keep_alive_serves_many_requests_on_one_connection(site):
    parts = urlsplit(site.base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        for article_id in site.corpus.ids_on("2024-06-20")[:10]:
            conn.request("GET", f"/view/{article_id}")
            resp = conn.getresponse()
            assert resp.status == 200 and resp.read().rstrip().endswith(b"</html>")
    finally:
        conn.close()


# ---------------------------------------------------------------- edits and layouts
def test_edit_switch_serves_the_edited_version_with_new_validators(replica):
    handle = replica(seed=11, start="2024-06-10", end="2024-06-12", per_day=40)
    corpus = handle.corpus
    edited_id = next(i for d in ("2024-06-10", "2024-06-11", "2024-06-12")
                     for i in corpus.ids_on(d) if corpus.truth(i).has_edit)
    plain_id = next(i for i in corpus.ids_on("2024-06-11") if not corpus.truth(i).has_edit)
    path = f"/view/{edited_id}"
    _, before_headers, before = fetch(handle.base_url, path)
    assert b"txt-update" not in before
    handle.set_edits(True)
    status, headers, after = fetch(handle.base_url, path)
    truth = corpus.truth(edited_id)
    assert truth.updated_at and truth.updated_at > truth.published_at
    doc = lxml_html.fromstring(after)
    update = doc.cssselect(".info-con span.txt-update")[0].text_content()
    assert update == f"Mis à jour {truth.updated_at:%d.%m.%Y} à {truth.updated_at:%H}h{truth.updated_at:%M}"
    assert body_paragraphs(doc) == truth.paragraphs != corpus.truth(edited_id, edited=False).paragraphs
    assert headers["etag"] != before_headers["etag"]
    assert parsedate_to_datetime(headers["last-modified"]) == truth.updated_at
    # a validator from before the edit no longer matches: the crawler gets the new content
    assert fetch(handle.base_url, path, {"If-None-Match": before_headers["etag"]})[0] == 200
    assert fetch(handle.base_url, path, {"If-None-Match": headers["etag"]})[0] == 304
    # articles without an edit are unaffected
    assert corpus.truth(plain_id).updated_at is None
    handle.set_edits(False)
    assert fetch(handle.base_url, path)[2] == before


def test_apply_edits_flag_starts_with_edits_on(replica):
    handle = replica(seed=11, start="2024-06-10", end="2024-06-12", per_day=40, apply_edits=True)
    assert handle.admin("edits") == {"edits": True}
    edited_id = next(i for i in handle.corpus.ids_newest_first() if handle.corpus.truth(i).has_edit)
    assert b"txt-update" in fetch(handle.base_url, f"/view/{edited_id}")[2]


def test_redesign_layout_breaks_reference_selectors_but_keeps_metadata(replica):
    handle = replica(**SMALL)
    corpus = handle.corpus
    ids = corpus.ids_on("2024-06-19")
    _, ref_headers, _ = fetch(handle.base_url, f"/view/{ids[0]}")
    handle.set_layout("redesign")
    for article_id in ids[:12]:
        truth = corpus.truth(article_id)
        status, headers, body = fetch(handle.base_url, f"/view/{article_id}")
        assert status == 200
        doc = lxml_html.fromstring(body)
        for selector in (".title-article01 h1.tit", "article.story-news", "span.txt-time",
                         "div.photo-group", "p.txt-copyright"):
            assert not doc.cssselect(selector), selector
        assert norm(doc.cssselect("main.article-view h2.headline")[0].text_content()) == truth.title_raw
        stamp = doc.cssselect("header.article-head time")[0].get("datetime")
        assert datetime.fromisoformat(stamp) == truth.published_at
        paragraphs = [norm(p.text_content()) for p in doc.cssselect("#articleBody div.paragraph")]
        assert paragraphs[:-1] == truth.paragraphs and paragraphs[-1] == "(FIN)"
        assert len(doc.cssselect(".media-block img")) == len(truth.images)
        assert doc.cssselect('link[rel="canonical"]')[0].get("href") == truth.url
        if truth.variations["og"]:
            assert doc.cssselect('meta[property="og:title"]')[0].get("content") == truth.title_raw
    assert fetch(handle.base_url, f"/view/{ids[0]}")[1]["etag"] != ref_headers["etag"]
    handle.set_layout("reference")
    assert fetch(handle.base_url, f"/view/{ids[0]}")[1]["etag"] == ref_headers["etag"]


def test_redesign_flag_at_start(replica):
    handle = replica(**SMALL, layout="redesign")
    article_id = handle.corpus.ids_on("2024-06-18")[0]
    assert b'class="article-view"' in fetch(handle.base_url, f"/view/{article_id}")[2]
    assert handle.admin("layout") == {"layout": "redesign"}


# ---------------------------------------------------------------- determinism
def test_same_seed_same_bytes_other_seed_other_bytes(site, replica):
    twin = replica(**SMALL)
    other = replica(**{**SMALL, "seed": 8})
    article_id = site.corpus.ids_on("2024-06-19")[4]
    for path in ("/news", "/news/2", f"/view/{article_id}"):
        assert fetch(site.base_url, path)[2] == fetch(twin.base_url, path)[2], path
        assert fetch(site.base_url, path)[2] != fetch(other.base_url, path)[2], path
    # RSS links carry each server's own host; everything else is identical
    rss_a = fetch(site.base_url, "/RSS/news.xml")[2].replace(site.base_url.encode(), b"HOST")
    rss_b = fetch(twin.base_url, "/RSS/news.xml")[2].replace(twin.base_url.encode(), b"HOST")
    assert rss_a == rss_b
    assert Corpus(seed=7, start="2024-06-18", end="2024-06-20", per_day=24).render_article(article_id) \
        == fetch(site.base_url, f"/view/{article_id}")[2]


def test_console_script_serves_and_rejects_bad_options(tmp_path):
    import subprocess
    import sys

    exe = Path(sys.executable).with_name("yonhap-pipeline")
    bad = subprocess.run([str(exe), "replica", "--start", "2024-13-01"], capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 2 and "--start" in bad.stderr
    bad = subprocess.run([sys.executable, "-m", "yonhap.replica", "--fault-rate", "2"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--fault-rate" in bad.stderr
    proc = subprocess.Popen([str(exe), "replica", "--port", "0", "--per-day", "5", "--start",
                             "2024-06-01", "--end", "2024-06-01"], stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        status, _, body = fetch(url, "/news")
        assert status == 200 and len(list_items(body)) == 5
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


def test_access_log_file_gets_json_lines(replica, tmp_path):
    log_path = tmp_path / "access.jsonl"
    handle = replica(**SMALL, access_log=str(log_path))
    fetch(handle.base_url, "/robots.txt")
    fetch(handle.base_url, "/news/3")
    lines = [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines()]
    assert [(e["path"], e["status"]) for e in lines] == [("/robots.txt", 200), ("/news/3", 200)]
    assert lines == handle.access_log()
