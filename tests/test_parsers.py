"""Extraction, pure (no network): every field of hundreds of generated replica pages, across
every variation and both layouts, equals the replica's truth; bad input gives parse errors."""

from __future__ import annotations

import collections
from datetime import date, datetime, timedelta

import pytest

from scrapers.parsers.base import TRUNCATED
from scrapers.parsers.reference import ReferenceParser
from scrapers.parsers.registry import UNRECOGNIZED, Registry, build_item
from scrapers.parsers.text import decode_cfemail, flatten_blocks, french_datetime, split_notice
from yonhap.replica.corpus import Corpus
from yonhap.schema import LAYER_GENERIC, LAYER_JSONLD, LAYER_META, LAYER_SELECTOR, USAGE_NOTICE
from yonhap.timeutil import KST

FIELDS = ("title_raw", "section", "published_at", "updated_at", "paragraphs", "images", "author_email",
          "lead", "url")
LAYOUT_NAMES = {"reference": "reference-v1", "redesign": "redesign-v1"}


@pytest.fixture(scope="module")
def corpus():
    return Corpus(start=date(2024, 6, 1), end=date(2024, 6, 30), per_day=60)


def _truth_fields(truth) -> dict:
    out = {}
    for name in FIELDS:
        value = getattr(truth, name)
        out[name] = value.isoformat() if isinstance(value, datetime) else value
    return out


def _sample(corpus, days=(3, 11, 19, 27)):
    """Every article of a few days, plus every edited article of the month."""
    ids = [i for d in days for i in corpus.ids_on(date(2024, 6, 1) + timedelta(days=d))]
    edited = [i for d in range(30) for i in corpus.ids_on(date(2024, 6, 1) + timedelta(days=d))
              if corpus.truth(i, edited=False).has_edit]
    return ids, edited


@pytest.mark.parametrize("layout", ["reference", "redesign"])
def test_every_field_equals_truth(corpus, layout):
    registry = Registry()
    ids, edited = _sample(corpus)
    cases = [(i, False) for i in ids] + [(i, True) for i in edited]
    seen = collections.Counter()
    mismatches = []
    for article_id, is_edited in cases:
        truth = corpus.truth(article_id, is_edited)
        body = corpus.render_article(article_id, layout, is_edited)
        result = registry.extract(body, f"http://127.0.0.1:9/view/{article_id}?input=1195m", {})
        assert result.errors == [], (article_id, result.errors)
        assert result.layout == LAYOUT_NAMES[layout]
        expected = _truth_fields(truth)
        for name in FIELDS:
            got = result.fields.get(name)
            want = expected[name]
            if want in (None, []):
                ok = got in (None, [])
            else:
                ok = got == want
            if not ok:
                mismatches.append((article_id, is_edited, name, want, got))
        v = truth.variations
        seen.update({f"og={v['og']}", f"jsonld={v['jsonld']}", f"br={v['br_body']}",
                     f"entities={v['entities']}", f"photos={v['n_photos']}", f"edited={is_edited}",
                     f"email={truth.author_email is not None}", f"kind={truth.kind}",
                     f"label={truth.version_label}", f"meta={v['published_meta']}"})
    assert mismatches == []
    assert len(cases) >= 200
    # The sample really spans the variations the replica generates.
    for flag in ("og=True", "og=False", "jsonld=True", "jsonld=False", "br=True", "br=False",
                 "entities=named", "entities=numeric", "entities=plain", "photos=0", "photos=1",
                 "photos=2", "photos=3", "edited=True", "email=False", "email=True", "kind=routine",
                 "kind=duplicate", "label=URGENT", "label=LD", "meta=True", "meta=False"):
        assert seen[flag] > 0, f"sample misses variation {flag}"


def test_layers_are_recorded_in_order(corpus):
    """Metadata first when present, selectors otherwise; a field's layer says which."""
    registry = Registry()
    by_flags = {}
    for article_id in corpus.ids_on(date(2024, 6, 5)):
        v = corpus.truth(article_id).variations
        by_flags.setdefault((v["jsonld"], v["og"], v["published_meta"]), article_id)
    jsonld_id = by_flags.get((True, True, False)) or next(i for k, i in by_flags.items() if k[0])
    r = registry.extract(corpus.render_article(jsonld_id, "reference"), "http://x/view/" + jsonld_id)
    assert r.sources["title_raw"] == LAYER_JSONLD and r.sources["published_at"] == LAYER_JSONLD
    assert r.sources["paragraphs"] == LAYER_SELECTOR
    bare_id = by_flags.get((False, False, False))
    if bare_id:
        r = registry.extract(corpus.render_article(bare_id, "reference"), "http://x/view/" + bare_id)
        assert r.sources["title_raw"] == LAYER_SELECTOR and r.sources["published_at"] == LAYER_SELECTOR
        assert r.sources["url"] == LAYER_META  # the canonical link is always there
    og_only = by_flags.get((False, True, False))
    if og_only:
        r = registry.extract(corpus.render_article(og_only, "reference"), "http://x/view/" + og_only)
        assert r.sources["title_raw"] == LAYER_META and r.sources["lead"] == LAYER_META


def test_only_reference_registered_redesign_falls_back_to_metadata_and_generic(corpus):
    registry = Registry([ReferenceParser])
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
            assert "(FIN)" not in result.fields["paragraphs"]
        if truth.variations["og"] or truth.variations["jsonld"]:
            assert result.fields["title_raw"] == truth.title_raw
            assert result.sources["title_raw"] in (LAYER_JSONLD, LAYER_META)
    assert generic_bodies > len(ids) // 2


def test_truncated_page_is_an_item_with_parse_errors(corpus):
    article_id = corpus.ids_on(date(2024, 6, 9))[4]
    body = corpus.render_article(article_id, "reference")
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
        (b"\xff\xfe\x00garbage\x00</html>", "missing: title"),
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
    result = Registry().extract(corpus.render_article(article_id, "reference"), "http://x/view/" + other)
    item = build_item(result, requested_url="http://x/view/" + other, base_url="http://x",
                      http_status=200, fetched_at="t", run_id="r")
    assert item.article_id == other
    assert any(e.startswith("mismatch: canonical id") for e in item.parse_errors)


def test_text_helpers():
    assert decode_cfemail("42" + "".join(f"{b ^ 0x42:02x}" for b in b"a.b@yna.co.kr")) == "a.b@yna.co.kr"
    assert decode_cfemail("zz") is None and decode_cfemail("") is None
    assert french_datetime("Mis à jour 19.06.2024 à 21h10") == datetime(2024, 6, 19, 21, 10, tzinfo=KST)
    assert french_datetime("31.02.2024 à 10h00") is None
    assert split_notice(f"Une légende. {USAGE_NOTICE}") == ("Une légende.", USAGE_NOTICE)
    from lxml import html

    el = html.fromstring("<div><p>A<br><br>B <b>c</b><br>d</p><figure>x</figure>tail<script>s</script></div>")
    assert flatten_blocks(el, lambda e: e.tag == "figure") == ["A", "B c d", "tail"]


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
