"""Extraction, pure (no network).

- Property tests: every field of hundreds of replica pages (devtools.replica.Corpus in-process),
  across every variation and both layouts, equals the replica's truth, and no body paragraph
  leaks a byline, editorial note, e-mail, end marker, caption or usage notice.
- Layering: which layer produced each field; a redesign the registry does not know falls back
  to metadata and the generic layer.
- Unit tests of the pure helpers and of the metadata layer on small hand-written pages.
"""

from __future__ import annotations

import collections
from datetime import date, datetime, timedelta

import pytest

from devtools.replica.corpus import Corpus
from ground.core.editions import EDITIONS
from ground.core.schema import (
    LAYER_GENERIC,
    LAYER_META,
    LAYER_SELECTOR,
    NEWS_LIST_LABELS,
    USAGE_NOTICE,
)
from ground.core.timeutil import KST
from scrapers.parsers.base import NOT_HTML, TRUNCATED, Page
from scrapers.parsers.metadata import Metadata, parse_content_data, strip_site_suffix
from scrapers.parsers.registry import (
    DEFAULT_PARSERS,
    REPLICA_PARSERS,
    UNRECOGNIZED,
    Registry,
    build_item,
)
from scrapers.parsers.text import (
    END_MARKER_RE,
    byline_of,
    compact_datetime,
    decode_cfemail,
    editor_note_of,
    english_datetime,
    flatten_blocks,
    french_datetime,
    split_notice,
    strip_dateline,
)
from scrapers.parsers.yna_cms import YnaCmsParser

FIELDS = ("title_raw", "section", "published_at", "updated_at", "paragraphs", "lead", "byline",
          "editor_note", "keywords", "images", "author_email", "url")
LAYOUT_NAMES = {"yna-cms": "yna-cms-v1", "redesign": "redesign-v1"}
END_MARKERS = ("(FIN)", "(END)", "(MORE)", "(A SUIVRE)", "(À SUIVRE)")
NOTICES = (USAGE_NOTICE, "(PHOTO NOT FOR SALE)", "(For Use Only in the Republic of Korea. No Redistribution)")
PERSON_WARNING = "jsonld: invalid JSON (Person)"


@pytest.fixture(scope="module", params=sorted(EDITIONS))
def corpus(request):
    """A month of the replica, once per edition: every property below holds for fr and en."""
    return Corpus(start=date(2024, 6, 1), end=date(2024, 6, 30), per_day=60, edition=request.param)


def _truth_fields(truth) -> dict:
    out = {}
    for name in FIELDS:
        value = getattr(truth, name)
        out[name] = value.isoformat() if isinstance(value, datetime) else value
    return out


def _sample(corpus) -> list[tuple[str, bool]]:
    """Every article of every third day, plus every edited article of the month (edited)."""
    days = [date(2024, 6, 1) + timedelta(days=d) for d in range(30)]
    ids = [i for d in days[2::3] for i in corpus.ids_on(d)]
    edited = [i for d in days for i in corpus.ids_on(d) if corpus.truth(i, edited=False).has_edit]
    return [(i, False) for i in ids] + [(i, True) for i in edited]


def _leaks(truth, paragraphs: list[str]) -> list[str]:
    """Text that must never be in a body paragraph, found in one."""
    found = []
    body = "\n".join(paragraphs)
    forbidden = [*END_MARKERS, *NOTICES, "email protected", "@yna.co.kr", "#"]
    if truth.byline:
        forbidden += [f"Par {truth.byline}", f"By {truth.byline}"]
    if truth.editor_note:
        forbidden.append(truth.editor_note)
    if truth.author_email:
        forbidden.append(truth.author_email)
    for image in truth.images:
        forbidden += [x for x in (image["caption"], image["notice"]) if x]
    for text in forbidden:
        if text in body:
            found.append(text)
    for p in paragraphs:
        if p.startswith(("Par ", "By ")) and byline_of(p) or editor_note_of(p):
            found.append(p)
    return found


@pytest.mark.parametrize("layout", ["yna-cms", "redesign"])
def test_every_field_equals_truth_and_nothing_leaks(corpus, layout):
    registry = Registry(REPLICA_PARSERS)
    ed = corpus.edition
    cases = _sample(corpus)
    seen = collections.Counter()
    mismatches, leaks = [], []
    for article_id, is_edited in cases:
        truth = corpus.truth(article_id, is_edited)
        body = corpus.render_article(article_id, layout, is_edited)
        result = registry.extract(body, f"http://127.0.0.1:9/view/{article_id}?input=1195m", {})
        assert result.errors == [], (article_id, result.errors)
        assert result.layout == LAYOUT_NAMES[layout]
        assert PERSON_WARNING in result.warnings  # the replica's Person block is invalid JSON
        expected = _truth_fields(truth)
        for name in FIELDS:
            got, want = result.fields.get(name), expected[name]
            if not (got in (None, []) if want in (None, []) else got == want):
                mismatches.append((article_id, is_edited, name, want, got))
        leaks += [(article_id, text) for text in _leaks(truth, result.fields.get("paragraphs", []))]
        assert result.fields.get("section") not in NEWS_LIST_LABELS
        v = truth.variations
        seen.update({f"edited={is_edited}", f"kind={truth.kind}", f"label={truth.version_label}",
                     f"byline={truth.byline is not None}", f"note={truth.editor_note is not None}",
                     f"email={v['email_form'] if truth.author_email else None}", f"marker={v['end_marker']}",
                     f"photos={len(truth.images)}", f"entities={v['entities']}",
                     f"update_line={bool(truth.updated_at and v['show_update'])}",
                     f"trailing_br={v['trailing_br']}", f"keywords={bool(truth.keywords)}"})
        for image in truth.images:
            seen.update({f"caption={image['caption'] is not None}", f"notice={image['notice']}",
                         f"yonhap_caption={(image['caption'] or '').endswith('(Yonhap)')}"})
        if truth.byline and ed.byline_join in truth.byline:
            seen["two_names"] += 1
        if truth.editor_note:
            seen[f"note_kind={truth.editor_note.split(':')[0].strip()}"] += 1
    assert mismatches == []
    assert leaks == []
    assert len(cases) >= 500
    # The sample really spans the variations the replica generates.
    # French notes also say "NDLR"; the English ones only "ATTN". Continued parts end "(A SUIVRE)"
    # or "(MORE)" in French, "(MORE)" in English.
    edition_flags = ({"fr": ("note_kind=NDLR", "marker=(A SUIVRE)")}.get(ed.code, ())
                     + tuple(f"label={label}" for label in ed.version_labels[:2]))
    for flag in ("edited=True", "edited=False", "kind=routine", "kind=duplicate", "kind=continued", "kind=story",
                 "label=URGENT", "byline=True", "note=True", "two_names",
                 "note_kind=ATTN", "email=plain", "email=cf", "email=None",
                 f"marker={ed.end_marker}", "marker=(MORE)", "photos=0", "photos=1", "photos=3",
                 "entities=named", "entities=numeric", "entities=plain", "update_line=True",
                 "update_line=False", "trailing_br=True", "caption=False", "caption=True",
                 f"notice={ed.usage_notices[0]}", "notice=(PHOTO NOT FOR SALE)", "yonhap_caption=True",
                 "keywords=True", *edition_flags):
        assert seen[flag] > 0, f"sample misses variation {flag}"


def test_layers_are_recorded(corpus):
    """yna-cms: head meta for title/section/times, CONTENT_DATA (meta) for tags, the body
    selectors for the text; warnings, never errors, for the invalid Person JSON-LD."""
    registry = Registry()
    for article_id in corpus.ids_on(date(2024, 6, 5))[:20]:
        r = registry.extract(corpus.render_article(article_id, "yna-cms"), "http://x/view/" + article_id)
        assert r.errors == [] and PERSON_WARNING in r.warnings
        for name in ("title_raw", "section", "published_at", "url"):
            assert r.sources[name] == LAYER_META, name
        for name in ("paragraphs", "lead"):
            assert r.sources[name] == LAYER_SELECTOR, name
        if r.fields["keywords"]:
            assert r.sources["keywords"] == LAYER_META
        for name in ("byline", "editor_note", "author_email", "images"):
            assert r.sources.get(name) in (None, LAYER_SELECTOR)
        item = build_item(r, requested_url="http://x/view/" + article_id, base_url="http://x",
                          http_status=200, fetched_at="t", run_id="r")
        assert item.parse_warnings == r.warnings and item.parse_errors == []


def test_only_yna_cms_registered_redesign_falls_back_to_metadata_and_generic(corpus):
    registry = Registry([YnaCmsParser])
    ids = corpus.ids_on(date(2024, 6, 8))[:25]
    generic_bodies = 0
    for article_id in ids:
        truth = corpus.truth(article_id)
        result = registry.extract(corpus.render_article(article_id, "redesign"), "http://x/view/" + article_id)
        assert result.layout == UNRECOGNIZED
        assert LAYER_SELECTOR not in result.sources.values()
        assert result.sources.get("paragraphs") in (LAYER_GENERIC, None)
        if result.sources.get("paragraphs") == LAYER_GENERIC:
            generic_bodies += 1
            assert not any(END_MARKER_RE.match(p) for p in result.fields["paragraphs"])
        # The head is the same on both layouts: clean titles (no site suffix), desk, times, tags.
        assert result.fields["title_raw"] == truth.title_raw
        assert result.fields["section"] == truth.section
        assert result.fields["published_at"] == truth.published_at.isoformat()
        assert result.fields["keywords"] == truth.keywords
    assert generic_bodies > len(ids) // 2


def test_production_registers_only_the_real_layouts_and_the_replica_adds_its_redesign(corpus):
    assert [p.layout for p in DEFAULT_PARSERS] == ["yna-cms-v1"]
    assert [p.layout for p in REPLICA_PARSERS] == ["yna-cms-v1", "redesign-v1"]
    assert [p.layout for p in Registry.from_names(None).parsers] == ["yna-cms-v1"]  # YONHAP_PARSERS unset
    assert Registry.from_names(["yna-cms-v1", "redesign-v1"]).parsers == REPLICA_PARSERS
    page = corpus.render_article(corpus.ids_on(date(2024, 6, 8))[0], "redesign")
    assert Registry().extract(page, "http://x/view/a").layout == UNRECOGNIZED
    assert Registry(REPLICA_PARSERS).extract(page, "http://x/view/a").layout == "redesign-v1"


def test_truncated_page_is_an_item_with_parse_errors(corpus):
    article_id = corpus.ids_on(date(2024, 6, 9))[4]
    body = corpus.render_article(article_id, "yna-cms")
    cut = body[: len(body) // 2]
    result = Registry().extract(cut, "http://x/view/" + article_id)
    assert TRUNCATED in result.errors
    item = build_item(result, requested_url="http://x/view/" + article_id, base_url="http://x",
                      http_status=200, fetched_at="2024-06-09T00:00:00+00:00", run_id="r")
    assert item.article_id == article_id and TRUNCATED in item.parse_errors


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"", "unparseable: empty or not HTML"),
        (b"   \n", "unparseable: empty or not HTML"),
        (b"<html><head><title>x</title></head><body><p>menu</p></body></html>", "missing: published_at"),
        (b"\xff\xfe\x00garbage\x00</html>", NOT_HTML),  # binary: not a page at all
        # The crawler does not follow meta refresh (scrapers.settings): such a page is an error.
        (b'<html><head><meta http-equiv="refresh" content="0; url=/view/AFR20240619002800884">'
         b"</head><body></body></html>", "missing: body"),
    ],
)
def test_unparseable_pages_never_crash(body, error):
    result = Registry().extract(body, "http://x/view/AFR20240619002900884")
    assert error in result.errors


def test_build_item_canonical_mismatch_is_reported(corpus):
    article_id = corpus.ids_on(date(2024, 6, 9))[0]
    other = corpus.ids_on(date(2024, 6, 9))[1]
    result = Registry().extract(corpus.render_article(article_id, "yna-cms"), "http://x/view/" + other)
    item = build_item(result, requested_url="http://x/view/" + other, base_url="http://x",
                      http_status=200, fetched_at="t", run_id="r")
    assert item.article_id == other
    assert any(e.startswith("mismatch: canonical id") for e in item.parse_errors)


@pytest.mark.parametrize("kind", ["bad_utf8", "script_title", "many_paragraphs", "date_mismatch"])
def test_hostile_pages_match_truth(kind):
    corpus = Corpus(start=date(2024, 6, 1), end=date(2024, 6, 2), per_day=10, hostile=True)
    article_id = next(i for i in corpus.ids_on(date(2024, 6, 1)) if corpus.truth(i).hostile == kind)
    truth = corpus.truth(article_id)
    result = Registry().extract(corpus.render_article(article_id), f"http://x/view/{article_id}")
    assert result.errors == []
    got = result.fields
    assert got["title_raw"] == truth.title_raw  # no injected script text
    assert got["paragraphs"] == truth.paragraphs  # bad bytes decoded as U+FFFD, 10k paragraphs
    assert got["published_at"] == truth.published_at.isoformat()  # the page's date, not the id's


# -- the pure helpers --------------------------------------------------------------------------


def test_text_helpers():
    assert decode_cfemail("42" + "".join(f"{b ^ 0x42:02x}" for b in b"a.b@yna.co.kr")) == "a.b@yna.co.kr"
    assert decode_cfemail("zz") is None and decode_cfemail("") is None
    assert french_datetime("Mis à jour 19.06.2024 à 21h10") == datetime(2024, 6, 19, 21, 10, tzinfo=KST)
    assert french_datetime("31.02.2024 à 10h00") is None
    assert english_datetime("All News 15:41 April 19, 2023") == datetime(2023, 4, 19, 15, 41, tzinfo=KST)
    assert english_datetime("15:41 Smarch 19, 2023") is None
    assert compact_datetime("20240619200412") == datetime(2024, 6, 19, 20, 4, 12, tzinfo=KST)
    assert compact_datetime("2024-06-19") is None
    from lxml import html

    el = html.fromstring("<div><p>A<br><br>B <b>c</b><br>d</p><figure>x</figure>tail<script>s</script></div>")
    assert flatten_blocks(el, lambda e: e.tag == "figure") == ["A", "B c d", "tail"]
    assert flatten_blocks(el, lambda e: e.tag == "figure", br_splits=True) == ["A", "B c", "d", "tail"]


@pytest.mark.parametrize(
    ("text", "caption", "notice"),
    [
        (f"Une légende. {USAGE_NOTICE}", "Une légende.", USAGE_NOTICE),
        (f"Une légende. {USAGE_NOTICE} (Yonhap)", "Une légende. (Yonhap)", USAGE_NOTICE),
        ("Une légende. (Yonhap)", "Une légende. (Yonhap)", None),
        ("A caption. (PHOTO NOT FOR SALE) (Yonhap)", "A caption. (Yonhap)", "(PHOTO NOT FOR SALE)"),
        ("A caption. (For Use Only in the Republic of Korea. No Redistribution) (Yonhap)", "A caption. (Yonhap)",
         "(For Use Only in the Republic of Korea. No Redistribution)"),
        ("", "", None),
    ],
)
def test_split_notice(text, caption, notice):
    assert split_notice(text) == (caption, notice)


def test_note_byline_marker_and_dateline_helpers():
    assert editor_note_of("(ATTN : ajout de précisions aux paragraphes 4 à 6)") == (
        "ATTN : ajout de précisions aux paragraphes 4 à 6")
    assert editor_note_of("(NDLR : propos traduits du coréen)") == "NDLR : propos traduits du coréen"
    assert editor_note_of("(ATTN: ADDS details in paras 9-11)") == "ATTN: ADDS details in paras 9-11"
    assert editor_note_of("(LD) Un titre") is None and editor_note_of("(Yonhap)") is None
    assert byline_of("Par Kim Min-ji") == "Kim Min-ji"
    assert byline_of("Par Kim Min-ji et Park Jae-ho") == "Kim Min-ji et Park Jae-ho"
    assert byline_of("By Lee Minji") == "Lee Minji"
    assert byline_of("Par ailleurs, le ministre a démenti.") is None
    assert byline_of("Par Kim Min-ji, le ministre a démenti l'information.") is None
    for marker in END_MARKERS:
        assert END_MARKER_RE.match(marker)
    assert not END_MARKER_RE.match("(FIN) du match")
    assert strip_dateline("SEOUL, 19 juin (Yonhap) -- Le texte. Suite.") == "Le texte. Suite."
    assert strip_dateline("WASHINGTON, April 18 (Yonhap) -- Text.") == "Text."
    assert strip_dateline("Sans dateline.") == "Sans dateline."


def test_strip_site_suffix():
    assert strip_site_suffix("Titre | AGENCE DE PRESSE YONHAP", "AGENCE DE PRESSE YONHAP") == "Titre"
    assert strip_site_suffix("(LEAD) Title | Yonhap News Agency", "Yonhap News Agency") == "(LEAD) Title"
    assert strip_site_suffix("Titre | Yonhap", None) == "Titre"  # no og:site_name: a Yonhap suffix
    assert strip_site_suffix("A | B", "AGENCE DE PRESSE YONHAP") == "A | B"
    assert strip_site_suffix("Titre", "AGENCE DE PRESSE YONHAP") == "Titre"


def test_parse_content_data_json_and_javascript_literal():
    js = "var CONTENT_DATA = JSON.stringify({\"TITLE\": \"L&apos;essai\", \"KEYWORD\": \"a;b\"});"
    assert parse_content_data(js) == {"TITLE": "L&apos;essai", "KEYWORD": "a;b"}
    literal = "var CONTENT_DATA = JSON.stringify({CID: 'AFR1', TITLE: 'Un \\'titre\\'', KEYWORD: \"x;y\",});"
    assert parse_content_data(literal) == {"CID": "AFR1", "TITLE": "Un 'titre'", "KEYWORD": "x;y"}
    assert parse_content_data("var CONTENT_DATA = null;") is None


SITE = "AGENCE DE PRESSE YONHAP"


def _page(head: str = "", body: str = "", content_data: str | None = "") -> bytes:
    if content_data == "":
        content_data = ('{"CID": "AFR20240619002900884", "TITLE": "L&apos;essai du titre", '
                        '"KEYWORD": "essai;titre", "DATETIME": "20240619200412", "SECTION": "nk;Nord-Corée"}')
    script = (f'<script id="contentJsonData">var CONTENT_DATA = JSON.stringify({content_data});</script>'
              if content_data else "")
    article = body or (
        '<article class="story-news"><p> SEOUL, 19 juin (Yonhap) -- Première phrase. Deuxième phrase.</p>'
        "<p> Suite.</p><p>(FIN)</p></article>")
    return (f'<html><head><meta charset="utf-8">{head}</head><body>{script}'
            '<header class="title-article01"><h1 class="tit">L\'essai du titre</h1></header>'
            '<div class="info-con"><span class="txt"><strong><a href="//fr.yna.co.kr/news">Actualités</a>'
            f"</strong> 19.06.2024 à 20h04</span></div>{article}</body></html>").encode()


def _extract(body: bytes):
    return Registry().extract(body, "http://x/view/AFR20240619002900884")


def test_og_description_is_never_the_lead_and_og_title_loses_its_suffix():
    head = (f'<meta property="og:site_name" content="{SITE}">'
            f'<meta property="og:title" content="L\'essai du titre | {SITE}">'
            '<meta property="og:description" content="SEOUL, 19 juin (Yonhap) -- Première phr...">'
            '<meta property="article:published_time" content="2024-06-19T20:04:12+09:00">')
    r = _extract(_page(head))
    assert r.errors == [] and r.warnings == []
    assert r.fields["title_raw"] == "L'essai du titre" and r.sources["title_raw"] == LAYER_META
    assert r.fields["lead"] == "Première phrase. Deuxième phrase."
    assert r.fields["paragraphs"] == ["SEOUL, 19 juin (Yonhap) -- Première phrase. Deuxième phrase.", "Suite."]
    assert r.fields["section"] == "Nord-Corée"  # CONTENT_DATA "path;Name", never "Actualités"


def test_content_data_and_info_line_are_fallbacks():
    # No head meta: CONTENT_DATA gives title (entities decoded), time (KST), desk and tags.
    r = _extract(_page())
    assert r.errors == []
    assert r.fields["title_raw"] == "L'essai du titre" and r.sources["title_raw"] == LAYER_META
    assert r.fields["published_at"] == "2024-06-19T20:04:12+09:00" and r.sources["published_at"] == LAYER_META
    assert r.fields["keywords"] == ["essai", "titre"]
    # No CONTENT_DATA either: the page's h1 and info line ("Actualités" is not a section).
    r = _extract(_page(content_data=None))
    assert r.errors == [] and "content_data: missing" in r.warnings
    assert r.fields["title_raw"] == "L'essai du titre" and r.sources["title_raw"] == LAYER_SELECTOR
    assert r.fields["published_at"] == "2024-06-19T20:04:00+09:00" and r.sources["published_at"] == LAYER_SELECTOR
    assert "section" not in r.fields and r.fields["keywords"] == []


def test_invalid_jsonld_and_disagreeing_titles_are_warnings_not_errors():
    head = ('<script type="application/ld+json">{"@type": "Person", "sameAs": [\n// x\n"a"]}</script>'
            '<script type="application/ld+json">{"@type": "BreadcrumbList", "itemListElement": []}</script>'
            f'<meta property="og:site_name" content="{SITE}">'
            f'<meta property="og:title" content="Un autre titre | {SITE}">'
            '<meta property="article:published_time" content="2024-06-19T20:04:12+09:00">')
    body = _page(head)
    r = _extract(body)
    assert r.errors == []
    assert r.fields["title_raw"] == "Un autre titre"
    assert r.warnings == [PERSON_WARNING, "title: CONTENT_DATA title differs from og:title",
                          "title: page h1 differs from og:title"]
    meta = Metadata(Page(body, "http://x").doc)
    assert meta.jsonld_blocks == [("Person", False), ("BreadcrumbList", True)]
    item = build_item(r, requested_url="http://x/view/AFR20240619002900884", base_url="http://x",
                      http_status=200, fetched_at="t", run_id="r")
    assert item.parse_errors == [] and item.parse_warnings == r.warnings


def test_front_matter_email_forms_and_br_lines():
    cf = "5a" + "".join(f"{b ^ 0x5a:02x}" for b in b"kim.minji@yna.co.kr")
    body = (
        '<article class="story-news"><p>(NDLR : texte traduit du coréen)<br/>Par Kim Min-ji et Park Jae-ho</p>'
        "<p> SEOUL, 19 juin (Yonhap) -- Un.<br/>Deux.<br/></p>"
        '<div class="comp-box photo-group"><figure class="image-zone"><span class="img">'
        '<img src="//img1.yna.co.kr/p.jpg" alt=""></span><figcaption class="desc-con">'
        '<strong class="tit-cap">Titre photo</strong><p class="txt-desc"></p></figcaption></figure></div>'
        f'<p> <a href="/cdn-cgi/l/email-protection" class="__cf_email__" data-cfemail="{cf}">'
        "[email&#160;protected]</a><br/>(À SUIVRE)</p></article>"
        '<div class="aside-box01">Publicité</div>'
        '<div class="keyword-zone01"><div class="list"><span><a href="/search/index?query=a">#a</a></span>'
        '<span><a href="/search/index?query=z">#z</a></span></div></div>')
    r = _extract(_page(body=body))
    f = r.fields
    assert f["paragraphs"] == ["SEOUL, 19 juin (Yonhap) -- Un.", "Deux."]
    assert f["lead"] == "Un."
    assert f["byline"] == "Kim Min-ji et Park Jae-ho" and f["editor_note"] == "NDLR : texte traduit du coréen"
    assert f["author_email"] == "kim.minji@yna.co.kr"
    assert f["images"] == [{"url": "https://img1.yna.co.kr/p.jpg", "alt": None, "caption": None, "notice": None}]
    assert f["keywords"] == ["essai", "titre", "a", "z"]  # CONTENT_DATA first, then the page's extra tags
    assert "keywords: CONTENT_DATA KEYWORD differs from the page's tag list" in r.warnings
    plain = body.replace(f'<a href="/cdn-cgi/l/email-protection" class="__cf_email__" data-cfemail="{cf}">'
                         "[email&#160;protected]</a>", "kim.minji@yna.co.kr")
    r = _extract(_page(body=plain))
    assert r.fields["author_email"] == "kim.minji@yna.co.kr"
    assert r.fields["paragraphs"] == ["SEOUL, 19 juin (Yonhap) -- Un.", "Deux."]
