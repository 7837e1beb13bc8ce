"""The replica over real HTTP: markup per the site doc, lists, RSS, robots, conditional
requests, edits, the redesign layout, bad parameters, determinism."""

from __future__ import annotations

import html
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

from devtools.replica import Corpus
from devtools.replica.markup import SITE_NAME
from ground.core.schema import NEWS_LIST_LABEL, SECTIONS, USAGE_NOTICE
from ground.core.timeutil import KST, id_parts
from tests.fixtures_replica import start_replica

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


def p_lines(p) -> list[str]:
    """The <br/>-separated lines of a <p>, normalized, empty ones dropped."""
    chunks, current = [], [p.text or ""]
    for child in p:
        if child.tag == "br":
            chunks.append("".join(current))
            current = [child.tail or ""]
        else:
            current.append(child.text_content() + (child.tail or ""))
    chunks.append("".join(current))
    return [norm(c) for c in chunks if norm(c)]


def read_story(doc) -> dict:
    """A minimal reading of article.story-news by the spec's rules (yna-cms layout)."""
    ps = doc.cssselect("article.story-news > p")
    out = {"note": None, "byline": None, "email": None, "email_form": None}
    if ps and "(Yonhap) --" not in norm(ps[0].text_content()):
        for line in p_lines(ps[0]):
            if line.startswith("Par "):
                out["byline"] = line[4:]
            else:
                assert line.startswith("(") and line.endswith(")"), line
                out["note"] = line[1:-1]
        ps = ps[1:]
    end = ps[-1]
    end_lines = p_lines(end)
    out["marker"] = end_lines[-1]
    mails = end.cssselect("a.__cf_email__")
    if mails:
        assert mails[0].get("href") == "/cdn-cgi/l/email-protection"
        assert mails[0].text_content() == "[email\xa0protected]"
        out["email"], out["email_form"] = decode_cfemail(mails[0].get("data-cfemail")), "cf"
    elif len(end_lines) == 2:
        out["email"], out["email_form"] = end_lines[0], "plain"
    else:
        assert len(end_lines) == 1
    out["paragraphs"] = [line for p in ps[:-1] for line in p_lines(p)]
    return out


def content_data(doc) -> dict:
    script = doc.cssselect("script#contentJsonData")[0].text
    m = re.fullmatch(r"var CONTENT_DATA = JSON\.stringify\((.*)\);", script.strip(), re.S)
    return json.loads(m.group(1))


def meta_of(doc) -> dict[str, str]:
    out = {}
    for m in doc.cssselect("head meta"):
        key = m.get("property") or m.get("name") or m.get("itemprop")
        if key:
            out[key] = m.get("content")
    return out


# ---------------------------------------------------------------- article markup
def test_article_pages_follow_the_real_template_and_match_the_truth(site):
    ids = [i for d in ("2024-06-18", "2024-06-19", "2024-06-20") for i in site.corpus.ids_on(d)]
    assert len(ids) >= 45
    seen = {"photos": 0, "email_plain": 0, "email_cf": 0, "no_email": 0, "entities": 0,
            "byline": 0, "note": 0, "no_keywords": 0, "empty_caption": 0, "yonhap_caption": 0,
            "not_for_sale": 0, "tit_cap": 0, "empty_section_path": 0, "continued": 0}
    for article_id in ids:
        truth = site.corpus.truth(article_id)
        status, headers, body = fetch(site.base_url, f"/view/{article_id}")
        assert status == 200 and headers["content-type"].startswith("text/html")
        text = body.decode("utf-8")
        doc = lxml_html.fromstring(body)
        # head: the title carries the site suffix everywhere
        meta = meta_of(doc)
        full = f"{truth.title_raw} | {SITE_NAME}"
        assert norm(doc.cssselect("head title")[0].text_content()) == full
        assert meta["og:title"] == meta["twitter:title"] == meta["title"] == meta["headline"] == full
        assert meta["og:site_name"] == SITE_NAME
        # og:description / description: a ~90-char cut of the body, never the lead
        desc = meta["og:description"]
        body_text = " ".join(truth.paragraphs)
        assert desc == meta["description"] and desc != truth.lead
        if len(body_text) > 90:  # (a one-line flash is shorter than the cut)
            assert desc.endswith("...") and len(desc) <= 93 and body_text.startswith(desc[:-3])
        else:
            assert desc == body_text
        assert datetime.fromisoformat(meta["article:published_time"]) == truth.published_at
        assert meta["article:published_time"].endswith(":00+09:00")
        assert datetime.fromisoformat(meta["article:modified_time"]) == truth.published_at
        assert meta["article:section"] == truth.section and truth.section in SECTIONS
        assert meta["yna:content_id"] == article_id
        assert meta["yna:mobile_url"] == f"https://m-fr.yna.co.kr/view/{article_id}"
        assert re.fullmatch(r"[\uac00-\ud7a3]{2,4}", meta["author"])  # Hangul, not a byline
        assert doc.cssselect('link[rel="canonical"]')[0].get("href") == truth.url
        assert truth.url == f"https://fr.yna.co.kr/view/{article_id}"
        # JSON-LD: Organization + BreadcrumbList valid, Person invalid (// comments), no NewsArticle
        types, invalid = [], []
        for script in doc.cssselect('script[type="application/ld+json"]'):
            try:
                types.append(json.loads(script.text)["@type"])
            except json.JSONDecodeError:
                invalid.append(script.text)
        assert types == ["Organization", "BreadcrumbList"] and "NewsArticle" not in text
        assert len(invalid) == 1 and '"@type": "Person"' in invalid[0] and "//" in invalid[0]
        # CONTENT_DATA agrees with the truth; BODY is a cut
        data = content_data(doc)
        assert data["CID"] == article_id
        assert html.unescape(data["TITLE"]) == truth.title_raw
        assert ("'" not in data["TITLE"]) and ("&apos;" in data["TITLE"]) == ("'" in truth.title_raw)
        assert [k for k in data["KEYWORD"].split(";") if k] == truth.keywords
        assert data["DATETIME"] == f"{truth.published_at:%Y%m%d%H%M%S}"
        assert data["SECTION_NAME"] == truth.section
        assert data["SECTION"] in ("", data["SECTION"].split(";")[0] + ";" + truth.section)
        seen["empty_section_path"] += data["SECTION"] == ""
        assert len(data["BODY"]) <= 1000 and norm(" ".join(truth.paragraphs)).startswith(norm(data["BODY"]))
        # body chrome
        for block in ("div.skip-nav", "div.cookie-banner", "header#header", "div.aside-box01",
                      "div.related-group", "footer#footer"):
            assert doc.cssselect(block), block
        assert norm(doc.cssselect("header.title-article01 > h1.tit")[0].text_content()) == truth.title_raw
        link = doc.cssselect("div.info-con > span.txt > strong > a")[0]
        assert link.text_content() == NEWS_LIST_LABEL != truth.section  # the news list, not the section
        assert link.get("href") == "//fr.yna.co.kr/news" and NEWS_LIST_LABEL not in SECTIONS
        line = norm(doc.cssselect("div.info-con > span.txt")[0].text_content())
        assert line == f"{NEWS_LIST_LABEL} {truth.published_at:%d.%m.%Y} à {truth.published_at:%H}h{truth.published_at:%M}"
        assert not doc.cssselect(".txt-update")  # edits are off
        assert article_id[3:11] == f"{truth.published_at:%Y%m%d}"
        # article.story-news: credits, paragraphs with a leading space, e-mail + end marker
        story = read_story(doc)
        assert story["paragraphs"] == truth.paragraphs
        assert truth.paragraphs[0].startswith(truth.dateline + " -- ")
        assert truth.lead == truth.paragraphs[0].split(" -- ", 1)[1]
        assert (story["byline"], story["note"]) == (truth.byline, truth.editor_note)
        assert story["email"] == truth.author_email
        assert story["marker"] == truth.variations["end_marker"]
        assert re.search(r"<p> " + re.escape(truth.dateline), text)
        seen["byline"] += bool(truth.byline)
        seen["note"] += bool(truth.editor_note)
        seen["email_" + (story["email_form"] or "") if story["email"] else "no_email"] += 1
        seen["continued"] += truth.kind == "continued"
        if truth.kind == "continued":  # the table: one <p>, one line per <br/>
            table = doc.cssselect("article.story-news > p")[-2]
            assert p_lines(table) == truth.paragraphs[1:] and len(truth.paragraphs) > 3
        # photos
        photos = doc.cssselect("article.story-news div.comp-box.photo-group > figure.image-zone")
        assert len(photos) == len(truth.images)
        for fig, image in zip(photos, truth.images, strict=True):
            img = fig.cssselect("div.img-con span.img img")[0]
            assert img.get("src").startswith("//img") and "https:" + img.get("src") == image["url"]
            assert img.get("alt") == image["alt"]
            assert fig.get("data-mapping-filename") == img.get("src").rsplit("/", 1)[1]
            assert fig.cssselect("figcaption.desc-con p.txt-link")
            cap = norm(fig.cssselect("figcaption.desc-con strong.tit-cap")[0].text_content())
            assert cap in ("", image["alt"])
            seen["tit_cap"] += bool(cap)
            desc_text = norm(fig.cssselect("figcaption.desc-con p.txt-desc")[0].text_content())
            if image["caption"] is None:
                assert desc_text == "" and image["notice"] is None
                seen["empty_caption"] += 1
                continue
            assert image["notice"] in (USAGE_NOTICE, "(PHOTO NOT FOR SALE)")
            seen["not_for_sale"] += image["notice"] == "(PHOTO NOT FOR SALE)"
            if image["caption"].endswith(" (Yonhap)"):
                core = image["caption"][: -len(" (Yonhap)")]
                assert desc_text == f"{core} {image['notice']} (Yonhap)"
                seen["yonhap_caption"] += 1
            else:
                assert desc_text == f"{image['caption']} {image['notice']}"
        # tags after the article
        tags = [a.text_content() for a in doc.cssselect("div.keyword-zone01 > div.list > span > a")]
        assert tags == ["#" + k for k in truth.keywords]
        assert all(a.get("href").startswith("/search/")
                   for a in doc.cssselect("div.keyword-zone01 > div.list > span > a"))
        seen["no_keywords"] += not truth.keywords
        related = [a.get("href") for a in doc.cssselect("div.related-group a")]
        assert any(h.startswith("/view/AFR") for h in related)
        seen["photos"] += bool(truth.images)
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
    handle = replica(seed=11, start="2024-06-10", end="2024-06-14", per_day=40)
    corpus = handle.corpus
    edited = [i for i in corpus.ids_newest_first() if corpus.truth(i).has_edit]
    edited_id = next(i for i in edited if corpus.truth(i).variations["show_update"])
    hidden_id = next(i for i in edited if not corpus.truth(i).variations["show_update"])
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
    assert read_story(doc)["paragraphs"] == truth.paragraphs != corpus.truth(edited_id, edited=False).paragraphs
    assert datetime.fromisoformat(meta_of(doc)["article:modified_time"]) == truth.updated_at
    assert datetime.fromisoformat(meta_of(doc)["article:published_time"]) == truth.published_at
    # about half the edited pages show no "Mis à jour" line: only article:modified_time tells
    hidden = lxml_html.fromstring(fetch(handle.base_url, f"/view/{hidden_id}")[2])
    assert not hidden.cssselect(".txt-update")
    assert datetime.fromisoformat(meta_of(hidden)["article:modified_time"]) == corpus.truth(hidden_id).updated_at
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
    handle = replica(seed=11, start="2024-06-10", end="2024-06-14", per_day=40, apply_edits=True)
    assert handle.admin("edits") == {"edits": True}
    edited_id = next(i for i in handle.corpus.ids_newest_first() if handle.corpus.truth(i).has_edit
                     and handle.corpus.truth(i).variations["show_update"])
    assert b"txt-update" in fetch(handle.base_url, f"/view/{edited_id}")[2]


def test_redesign_layout_breaks_yna_cms_selectors_but_keeps_head_and_data(replica):
    handle = replica(**SMALL)
    corpus = handle.corpus
    ids = corpus.ids_on("2024-06-19")
    _, ref_headers, ref_body = fetch(handle.base_url, f"/view/{ids[0]}")
    handle.set_layout("redesign")
    seen = {"byline": 0, "note": 0, "continued": 0}
    for article_id in ids:
        truth = corpus.truth(article_id)
        status, headers, body = fetch(handle.base_url, f"/view/{article_id}")
        assert status == 200
        doc = lxml_html.fromstring(body)
        for selector in ("header.title-article01", "article.story-news", "div.info-con",
                         "div.photo-group", "div.keyword-zone01", "p.txt-desc"):
            assert not doc.cssselect(selector), selector
        assert norm(doc.cssselect("main.article-view h2.headline")[0].text_content()) == truth.title_raw
        stamp = doc.cssselect("header.article-head time")[0].get("datetime")
        assert datetime.fromisoformat(stamp) == truth.published_at
        paragraphs = [norm(p.text_content()) for p in doc.cssselect("#articleBody div.paragraph")]
        assert paragraphs[:-1] == truth.paragraphs and paragraphs[-1] == truth.variations["end_marker"]
        assert len(doc.cssselect(".media-block img")) == len(truth.images)
        byline = doc.cssselect("header.article-head p.byline")
        note = doc.cssselect("header.article-head p.editor-note")
        assert [norm(p.text_content()) for p in byline] == ([f"Par {truth.byline}"] if truth.byline else [])
        assert [norm(p.text_content()) for p in note] == (
            [f"({truth.editor_note})"] if truth.editor_note else [])
        seen["byline"] += bool(byline)
        seen["note"] += bool(note)
        seen["continued"] += truth.kind == "continued"
        tags = [a.text_content() for a in doc.cssselect("nav.article-tags a.tag")]
        assert tags == ["#" + k for k in truth.keywords]
        # the same head and CONTENT_DATA as the default layout
        assert doc.cssselect('link[rel="canonical"]')[0].get("href") == truth.url
        meta = meta_of(doc)
        assert meta["og:title"] == f"{truth.title_raw} | {SITE_NAME}"
        assert meta["article:section"] == truth.section
        assert html.unescape(content_data(doc)["TITLE"]) == truth.title_raw
    assert all(seen.values()), seen
    redesigned = fetch(handle.base_url, f"/view/{ids[0]}")
    assert redesigned[1]["etag"] != ref_headers["etag"]
    assert redesigned[2].split(b"</head>")[0] == ref_body.split(b"</head>")[0]
    handle.set_layout("yna-cms")
    assert fetch(handle.base_url, f"/view/{ids[0]}")[1]["etag"] == ref_headers["etag"]


def test_redesign_flag_at_start(replica):
    handle = replica(**SMALL, layout="redesign")
    article_id = handle.corpus.ids_on("2024-06-18")[0]
    assert b'class="article-view"' in fetch(handle.base_url, f"/view/{article_id}")[2]
    assert handle.admin("layout") == {"layout": "redesign"}


# ---------------------------------------------------------------- ids
def listed_ids(handle) -> list[str]:
    out = []
    for n in range(1, handle.corpus.page_count() + 1):
        out += [urlsplit(h).path.rsplit("/", 1)[1] for h, _ in list_items(fetch(handle.base_url, f"/news/{n}")[2])]
    return out


def test_versioned_ids_share_serials_for_lds_on_the_same_day(site):
    ids = listed_ids(site)
    assert ids == list(site.corpus.ids_newest_first())
    by_serial: dict[tuple[str, int], list[str]] = {}
    for article_id in ids:
        ymd, serial, version, desk = id_parts(article_id)
        assert desk == "884" and version in (0, 51, 52, 53)
        by_serial.setdefault((ymd, serial), []).append(article_id)
    shared = [group for group in by_serial.values() if len(group) > 1]
    assert shared
    for group in shared:
        titles = {}
        for article_id in group:
            doc = lxml_html.fromstring(fetch(site.base_url, f"/view/{article_id}")[2])
            assert meta_of(doc)["yna:content_id"] == article_id
            titles[id_parts(article_id)[2]] = norm(doc.cssselect("header.title-article01 > h1.tit")[0].text_content())
        for version, title in titles.items():
            prefix = {0: "", 51: "(LD) ", 52: "(2e LD) ", 53: "(3e LD) "}[version]
            assert title.startswith(prefix)
            if not version:
                assert not title.startswith(("(LD)", "(2e LD)", "(3e LD)", "(URGENT)"))
        assert len({site.corpus.truth(i).story_id for i in group}) == 1
    # a neighbour of a real id (other version digits) is unknown
    ymd, serial = next(iter(k for k, g in by_serial.items() if len(g) == 1))
    assert fetch(site.base_url, f"/view/AFR{ymd}{serial:04d}51884")[0] == 404


def test_sequential_id_scheme_gives_00_everywhere(replica):
    handle = replica(**SMALL, id_scheme="sequential")
    assert handle.admin("config")["id_scheme"] == "sequential"
    ids = listed_ids(handle)
    assert ids == list(handle.corpus.ids_newest_first())
    for day in ("20240618", "20240619", "20240620"):
        mine = sorted(id_parts(i)[1] for i in ids if i[3:11] == day)
        assert mine == list(range(1, len(mine) + 1))
    assert all(id_parts(i)[2] == 0 for i in ids)
    article_id = ids[3]
    doc = lxml_html.fromstring(fetch(handle.base_url, f"/view/{article_id}")[2])
    assert meta_of(doc)["yna:content_id"] == article_id == content_data(doc)["CID"]


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


def test_console_script_serves_and_rejects_bad_options(pipeline_process, fresh_python):
    import subprocess
    import sys

    exe = Path(sys.executable).with_name("yonhap-pipeline")
    bad = pipeline_process("replica", "--start", "2024-13-01", text=True, timeout=60)
    assert bad.returncode == 2 and "--start" in bad.stderr
    as_module = "import runpy, sys; sys.argv[0] = 'devtools.replica'; runpy.run_module('devtools.replica', run_name='__main__')"
    bad = fresh_python(as_module, "--fault-rate", "2", timeout=60)
    assert bad.returncode == 2 and "--fault-rate" in bad.stderr
    bad = fresh_python(as_module, "--id-scheme", "random", timeout=60)
    assert bad.returncode == 2 and "--id-scheme" in bad.stderr
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
