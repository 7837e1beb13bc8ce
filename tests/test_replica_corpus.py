"""Corpus semantics (in-process; the HTTP side is in test_replica.py): ids, story chains,
routine items, duplicates, edits, lengths, listing arithmetic, config validation."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta

import pytest

from yonhap.replica import Corpus, ReplicaConfig, ReplicaConfigError, UnknownArticle
from yonhap.replica.text import ROUTINE_NAMES
from yonhap.timeutil import KST, article_date


@pytest.fixture(scope="module")
def corpus():
    return Corpus(seed=3, start="2024-06-01", end="2024-06-14", per_day=60)


@pytest.fixture(scope="module")
def truths(corpus):
    return [corpus.truth(i) for i in corpus.ids_newest_first()]


def test_ids_carry_the_kst_publication_date_and_are_unique(corpus, truths):
    ids = [t.article_id for t in truths]
    assert len(ids) == len(set(ids)) == len(corpus)
    for t in truths:
        assert re.fullmatch(r"AFR\d{17}", t.article_id)
        assert article_date(t.article_id) == t.published_at.astimezone(KST).date()
        assert t.published_at.utcoffset() == timedelta(hours=9)
    per_day = [len(corpus.ids_on(date(2024, 6, d))) for d in range(1, 15)]
    assert all(40 <= n <= 80 for n in per_day), per_day


def test_story_chains(corpus, truths):
    stories = defaultdict(list)
    for t in truths:
        if t.kind == "story":
            stories[t.story_id].append(t)
    labels_seen = set()
    crossed_midnight = 0
    for story_id, versions in stories.items():
        versions.sort(key=lambda t: t.published_at)
        assert versions[0].article_id == story_id
        labels = [v.version_label for v in versions]
        labels_seen.update(labels)
        expected = ["URGENT"] if labels[0] == "URGENT" else []
        expected += [None, "LD", "2e LD", "3e LD"][: len(labels) - len(expected)]
        assert labels == expected
        crossed_midnight += versions[-1].published_at.date() != versions[0].published_at.date()
        for earlier, later in zip(versions, versions[1:], strict=False):
            assert later.published_at > earlier.published_at
            if earlier.version_label != "URGENT":
                # later versions repeat the earlier body and add paragraphs
                assert set(earlier.paragraphs[1:]) <= set(later.paragraphs[1:])
                assert len(later.paragraphs) > len(earlier.paragraphs)
        for v in versions:
            prefix = f"({v.version_label}) " if v.version_label else ""
            assert v.title_raw == prefix + v.title
            if v.version_label == "URGENT":
                assert len(v.paragraphs) == 1 and not v.images
    assert {"URGENT", None, "LD", "2e LD"} <= labels_seen
    assert crossed_midnight > 0
    tagged = [t for t in truths if re.match(r"\((Interview|Portrait|Reportage|Analyse)\)", t.title_raw)]
    assert tagged and all(t.version_label is None and t.title == t.title_raw for t in tagged)


def test_routine_items_recur_daily_as_distinct_stories(corpus, truths):
    routine = [t for t in truths if t.is_routine]
    by_title = defaultdict(list)
    for t in routine:
        by_title[t.title].append(t)
        assert t.story_id == t.article_id and t.version_label is None
    assert set(by_title) == set(ROUTINE_NAMES)
    kospi = by_title["KOSPI-clôture"]
    assert len({t.published_at.date() for t in kospi}) == len(kospi) == 10  # weekdays of 2 weeks
    a, b = kospi[0].paragraphs, kospi[1].paragraphs
    assert a != b and a[0].split(" -- ")[1][:20] == b[0].split(" -- ")[1][:20]


def test_duplicates_are_identical_text_later_under_a_new_id(corpus, truths):
    dups = [t for t in truths if t.duplicate_of]
    assert dups
    for d in dups:
        original = corpus.truth(d.duplicate_of)
        assert (d.title_raw, d.paragraphs, d.images) == (original.title_raw, original.paragraphs, original.images)
        assert d.published_at > original.published_at and d.article_id != original.article_id
        assert d.story_id == original.story_id and original.duplicate_of is None


def test_edits_exist_only_when_switched_on(corpus, truths):
    edited = [t for t in truths if t.has_edit]
    assert edited
    for t in edited[:10]:
        assert t.updated_at is None
        e = corpus.truth(t.article_id, edited=True)
        assert e.updated_at > e.published_at and e.paragraphs != t.paragraphs
        assert e.title_raw == t.title_raw
    plain = next(t for t in truths if not t.has_edit)
    assert corpus.truth(plain.article_id, edited=True).updated_at is None


def test_lengths_and_clean_text(truths):
    stories = [t for t in truths if t.kind == "story" and t.version_label != "URGENT"]
    words = sorted(t.word_count for t in stories)
    assert words[0] >= 120 and words[-1] <= 1000
    assert 250 <= words[len(words) // 2] <= 600
    for t in truths:
        assert t.paragraphs[0].startswith(t.dateline + " -- ")
        assert re.fullmatch(r"[A-Z]+, (1er|\d{1,2}) [a-zéû]+ \(Yonhap\)", t.dateline)
        assert all(p == " ".join(p.split()) for p in t.paragraphs)
        assert t.lead and t.lead in t.paragraphs[0]
        for image in t.images:
            assert image["notice"] == "(Utilisation en Corée du Sud uniquement et redistribution interdite)"
            assert image["notice"] not in image["caption"]


def test_listing_arithmetic(corpus):
    newest = list(corpus.ids_newest_first())
    assert [corpus.id_at(i) for i in range(len(newest))] == newest
    pages = [corpus.list_page(n) for n in range(1, corpus.page_count() + 1)]
    assert [i.article_id for p in pages for i in p] == newest
    assert all(len(p) == 20 for p in pages[:-1]) and 1 <= len(pages[-1]) <= 20
    assert corpus.list_page(corpus.page_count() + 1) == []
    with pytest.raises(ValueError):
        corpus.list_page(0)
    assert [i.article_id for i in corpus.latest()] == newest[:50]


def test_unknown_ids(corpus):
    for bad in ("AFR20240601999900884", "AFR20240601000150884", "AFR20240601000100885",
                "AFR20240231000100884", "AFR20250101000100884", "XYZ", ""):
        assert not corpus.exists(bad)
        with pytest.raises(UnknownArticle):
            corpus.truth(bad)


def test_same_config_same_corpus_and_spans_any_range():
    a = Corpus(seed=9, start="2019-12-30", end="2020-01-02", per_day=15)
    b = Corpus(ReplicaConfig(seed=9, start=date(2019, 12, 30), end=date(2020, 1, 2), per_day=15))
    assert list(a.ids_newest_first()) == list(b.ids_newest_first())
    some = a.ids_on("2020-01-01")[2]
    assert a.render_article(some) == b.render_article(some)
    assert a.truth(some).dateline.endswith("1er janvier (Yonhap)")
    assert list(Corpus(seed=10, start="2019-12-30", end="2020-01-02", per_day=15).ids_newest_first()) != []


@pytest.mark.parametrize("bad", [
    dict(start="2024-02-30"), dict(start="2024-06-10", end="2024-06-01"), dict(per_day=0),
    dict(fault_rate=1.5), dict(fault_kinds="503,meteor"), dict(layout="retro"),
    dict(canonical_base="fr.yna.co.kr"), dict(persistent_rate=-0.1),
])
def test_bad_config_is_a_clear_error(bad):
    with pytest.raises(ReplicaConfigError):
        ReplicaConfig(**bad)


def test_config_round_trips_through_cli_args():
    from yonhap.replica.__main__ import main  # noqa: F401  (importable without side effects)

    cfg = ReplicaConfig(seed=4, fault_rate=0.25, fault_kinds="503,dead", apply_edits=True, hostile=True,
                        layout="redesign", canonical_base="https://example.org/")
    args = cfg.to_args()
    values = dict(zip(args[::2], args[1::2], strict=False))
    assert values["--fault-kinds"] == "503,dead" and "--apply-edits" in args and "--hostile" in args
    assert cfg.canonical_base == "https://example.org"
    assert Corpus(cfg).truth(Corpus(cfg).ids_on("2024-06-01")[0]).url.startswith("https://example.org/view/AFR")
