"""Corpus semantics (in-process; the HTTP side is in test_replica.py): ids, story chains,
routine items, duplicates, edits, lengths, listing arithmetic, config validation."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta

import pytest

from devtools.replica import Corpus, ReplicaConfig, ReplicaConfigError, UnknownArticle
from ground.core.editions import EDITIONS
from ground.core.timeutil import KST, article_date, id_parts


@pytest.fixture(scope="module", params=sorted(EDITIONS))
def corpus(request):
    """Two weeks of the replica, once per edition (fr, en): every property holds for both."""
    return Corpus(seed=3, start="2024-06-01", end="2024-06-14", per_day=60, edition=request.param)


@pytest.fixture(scope="module")
def truths(corpus):
    return [corpus.truth(i) for i in corpus.ids_newest_first()]


def test_ids_carry_the_kst_publication_date_and_are_unique(corpus, truths):
    ids = [t.article_id for t in truths]
    assert len(ids) == len(set(ids)) == len(corpus)
    for t in truths:
        assert re.fullmatch(corpus.edition.id_pattern, t.article_id)
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
        expected += [None, *corpus.edition.version_labels][: len(labels) - len(expected)]
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
    assert {"URGENT", None, *corpus.edition.version_labels[:2]} <= labels_seen
    assert crossed_midnight > 0
    tags = "|".join(re.escape(tag) for tag in corpus.words.TAGS)
    tagged = [t for t in truths if re.match(tags, t.title_raw)]
    assert tagged and all(t.version_label is None and t.title == t.title_raw for t in tagged)


def test_routine_items_recur_daily_as_distinct_stories(corpus, truths):
    routine = [t for t in truths if t.is_routine and not t.is_table]  # tables: continued parts
    by_title = defaultdict(list)
    for t in routine:
        by_title[t.title].append(t)
        assert t.story_id == t.article_id and t.version_label is None
    words = corpus.words
    assert set(by_title) == set(corpus.edition.routine_titles) == set(words.ROUTINE_NAMES)
    assert {t.section for t in routine} == {words.ECONOMY_SECTION, *words.ROUTINE_SECTIONS.values()}
    kospi = by_title[corpus.edition.routine_titles[3]]  # the KOSPI close
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


def test_lengths_and_clean_text(corpus, truths):
    ed = corpus.edition
    notice = ed.usage_notices[0]
    stories = [t for t in truths if t.kind == "story" and t.version_label != "URGENT"]
    words = sorted(t.word_count for t in stories)
    assert words[0] >= 120 and words[-1] <= 1000
    assert 250 <= words[len(words) // 2] <= 600
    notices = defaultdict(int)
    for t in truths:
        assert t.paragraphs[0].startswith(t.dateline + " -- ")
        date_part = r"(1er|\d{1,2}) [a-zéû]+" if ed.code == "fr" else r"[A-Z][a-z]+ \d{1,2}"
        assert re.fullmatch(rf"[A-Z]+, {date_part} \(Yonhap\)", t.dateline)
        assert all(p == " ".join(p.split()) for p in t.paragraphs)
        # the lead is the WHOLE first paragraph minus the dateline prefix
        assert t.lead and t.paragraphs[0] == f"{t.dateline} -- {t.lead}"
        assert t.section in ed.sections and t.section != ed.news_list_label
        for image in t.images:
            assert image["url"].startswith("https://img") and image["alt"]
            notices[image["notice"]] += 1
            if image["caption"] is None:
                assert image["notice"] is None
                continue
            assert image["notice"] in (notice, "(PHOTO NOT FOR SALE)")
            assert image["notice"] not in image["caption"]
            notices["(Yonhap)"] += image["caption"].endswith(" (Yonhap)")
    assert all(notices[k] for k in (notice, "(PHOTO NOT FOR SALE)", None, "(Yonhap)")), notices
    assert notices[notice] > 5 * notices["(PHOTO NOT FOR SALE)"]


def test_bylines_notes_and_keywords(corpus, truths):
    join = corpus.edition.byline_join
    stories = [t for t in truths if t.kind == "story" and t.version_label != "URGENT"]
    with_byline = sum(bool(t.byline) for t in stories) / len(stories)
    with_note = sum(bool(t.editor_note) for t in stories) / len(stories)
    assert 0.2 <= with_byline <= 0.4 and 0.08 <= with_note <= 0.25, (with_byline, with_note)
    assert any(t.byline and t.editor_note for t in stories)
    assert any(t.byline and join in t.byline for t in stories)
    for t in truths:
        if t.byline:
            assert re.fullmatch(rf"[A-Z][a-z]+ [A-Z][a-z]+-[a-z]+({join}[A-Z][a-z]+ [A-Z][a-z]+-[a-z]+)?", t.byline)
            assert not t.byline.startswith(("Par ", "By "))
        if t.editor_note:
            assert re.match(r"(ATTN ?:|NDLR :) ", t.editor_note) and not t.editor_note.startswith("(")
        if t.kind in ("routine", "continued") or t.version_label == "URGENT":
            assert t.byline is None and t.editor_note is None
        assert len(t.keywords) == len(set(t.keywords)) <= 5
        assert all(k and not k.startswith("#") and ";" not in k for k in t.keywords)
    notes = {t.editor_note.split(" ")[0] for t in truths if t.editor_note}
    assert {"ATTN", "NDLR"} <= notes if corpus.edition.code == "fr" else notes == {"ATTN:"}
    counts = [len(t.keywords) for t in stories]
    assert 0 < counts.count(0) < len(counts) * 0.2 and max(counts) == 5
    # versions of one story share the reporter
    by_story = defaultdict(set)
    for t in stories:
        by_story[t.story_id].add(t.byline)
    assert all(len(b) == 1 for b in by_story.values())


@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_continued_items_are_parts_with_markers(edition):
    corpus = Corpus(seed=3, start="2024-06-03", end="2024-06-14", per_day=60, edition=edition)  # two work weeks
    ed, words = corpus.edition, corpus.words
    # French parts end "(A SUIVRE)" or "(MORE)"; English ones "(MORE)"
    continuation = set(words.CONTINUATION_MARKERS)
    parts = defaultdict(list)
    for article_id in corpus.ids_newest_first():
        t = corpus.truth(article_id)
        if t.kind == "continued":
            parts[t.published_at.date()].append(t)
    assert 5 <= len(parts) <= 10 and all(d.weekday() < 5 for d in parts)
    markers = set()
    for items in parts.values():
        items.sort(key=lambda t: t.published_at)
        assert 2 <= len(items) <= 3
        assert [t.title_raw for t in items] == [f"{words.CONTINUED_TITLE}-{n}" for n in range(1, len(items) + 1)]
        for n, t in enumerate(items, 1):
            assert t.story_id == t.article_id and t.is_routine and t.is_table and t.version_label is None
            assert id_parts(t.article_id)[2] == 0
            assert t.section == words.ECONOMY_SECTION and t.title == t.title_raw
            assert t.paragraphs[0].startswith(t.dateline + " -- ") and len(t.paragraphs) >= 6
            line = (r".+ \(.+\) : [\d.]+ wons \([+-]\d+,\d%\)" if edition == "fr"
                    else r".+ \(.+\): [\d,]+ won \([+-]\d+\.\d%\)")
            assert all(re.fullmatch(line, p) for p in t.paragraphs[1:]), t.paragraphs[1:]
            marker = t.variations["end_marker"]
            if n < len(items):
                assert marker in continuation
                markers.add(marker)
            else:
                assert marker == ed.end_marker
        assert len({t.variations["end_marker"] for t in items[:-1]}) == 1
    assert markers == continuation


def test_versioned_ids_share_the_serial_of_a_story_on_one_day(corpus, truths):
    by_id = {t.article_id: t for t in truths}
    groups = defaultdict(list)
    for t in truths:
        ymd, serial, version, desk = id_parts(t.article_id)
        assert desk == corpus.edition.replica_desk and ymd == t.article_id[3:11]
        groups[(ymd, serial)].append(t)
        labels = corpus.edition.version_labels
        expected = {None: 0, labels[0]: 51, labels[1]: 52, labels[2]: 53, "URGENT": 0}[t.version_label]
        if t.kind != "story":  # duplicates (re-sent LDs too), routine, continued: 00
            expected = 0
        assert version == expected, (t.article_id, t.version_label)
    shared = 0
    for members in groups.values():
        assert len({t.story_id for t in members}) == 1
        assert len({id_parts(t.article_id)[2] for t in members}) == len(members)
        if len(members) > 1:
            shared += 1
            assert all(t.kind == "story" and t.version_label != "URGENT" for t in members)
    assert shared > 10
    # every main version published on the same day as an earlier one of its story shares its serial
    for t in truths:
        if t.kind != "story" or t.version_label in (None, "URGENT"):
            continue
        same_day = [o for o in truths if o.story_id == t.story_id and o.kind == "story"
                    and o.version_label != "URGENT" and o.published_at.date() == t.published_at.date()]
        assert len({id_parts(o.article_id)[1] for o in same_day}) == 1
    # a version landing the next day takes a new serial there, with its label's digits
    late = [t for t in truths if t.kind == "story" and t.version_label in corpus.edition.version_labels
            and by_id[t.story_id].published_at.date() < t.published_at.date()]
    assert late and all(id_parts(t.article_id)[2] >= 51 for t in late)
    # serials count up from 1 in publication order of their first article
    for d in range(1, 15):
        firsts = {}
        for article_id in corpus.ids_on(date(2024, 6, d)):
            firsts.setdefault(id_parts(article_id)[1], article_id)
        assert list(firsts) == list(range(1, len(firsts) + 1))


def test_sequential_scheme_gives_every_article_its_serial_and_00():
    versioned = Corpus(seed=3, start="2024-06-01", end="2024-06-03", per_day=60)
    sequential = Corpus(seed=3, start="2024-06-01", end="2024-06-03", per_day=60, id_scheme="sequential")
    for day in ("2024-06-01", "2024-06-02", "2024-06-03"):
        ids = sequential.ids_on(day)
        assert [id_parts(i)[1:3] for i in ids] == [(n, 0) for n in range(1, len(ids) + 1)]
        # the same articles, only the ids differ
        assert [sequential.truth(i).title_raw for i in ids] == [
            versioned.truth(i).title_raw for i in versioned.ids_on(day)]
        assert all(sequential.exists(i) for i in ids)
    assert any(id_parts(i)[2] for i in versioned.ids_on("2024-06-02"))


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
    known = set(corpus.ids_on("2024-06-01"))
    near = [f"AFR20240601{s:04d}{v:02d}884" for s in (1, 2, 3) for v in (0, 1, 51, 52, 53, 99)]
    near = [i for i in near if i not in known]
    assert len(near) >= 10
    for bad in ("AFR20240601999900884", "AFR20240601000100885", *near,
                "AFR20240231000100884", "AFR20250101000100884", "XYZ", ""):
        assert not corpus.exists(bad)
        with pytest.raises(UnknownArticle):
            corpus.truth(bad)


def test_same_config_same_corpus_and_spans_any_range():
    a = Corpus(seed=9, start="2019-12-30", end="2020-01-02", per_day=15)
    b = Corpus(ReplicaConfig(seed=9, start=date(2019, 12, 30), end=date(2020, 1, 2), per_day=15))
    assert list(a.ids_newest_first()) == list(b.ids_newest_first())
    some = [i for i in a.ids_on("2020-01-01") if a.truth(i).kind != "duplicate"][2]
    assert a.render_article(some) == b.render_article(some)
    assert a.truth(some).dateline.endswith("1er janvier (Yonhap)")
    assert list(Corpus(seed=10, start="2019-12-30", end="2020-01-02", per_day=15).ids_newest_first()) != []


@pytest.mark.parametrize("bad", [
    dict(start="2024-02-30"), dict(start="2024-06-10", end="2024-06-01"), dict(per_day=0),
    dict(fault_rate=1.5), dict(fault_kinds="503,meteor"), dict(layout="retro"),
    dict(canonical_base="fr.yna.co.kr"), dict(persistent_rate=-0.1), dict(layout="reference"),
    dict(id_scheme="random"),
])
def test_bad_config_is_a_clear_error(bad):
    with pytest.raises(ReplicaConfigError) as err:
        ReplicaConfig(**bad)
    if "id_scheme" in bad:
        assert "--id-scheme" in str(err.value)


def test_defaults_are_the_real_template_and_versioned_ids():
    cfg = ReplicaConfig()
    assert (cfg.layout, cfg.id_scheme) == ("yna-cms", "versioned")
    from devtools.replica.config import LAYOUTS

    assert LAYOUTS == ("yna-cms", "redesign")


def test_id_parts():
    assert id_parts("AFR20240619002951884") == ("20240619", 29, 51, "884")
    assert id_parts("AFR20240619002900884") == ("20240619", 29, 0, "884")
    # the English edition's ids parse the same way (docs/site.md, "Article ids")
    assert id_parts("AEN20230419003851320") == ("20230419", 38, 51, "320")
    for bad in ("AFR2024061900290088", "AXX20230419003851320", "AFR20240231002900884", "", None):
        assert id_parts(bad) is None


def test_config_round_trips_through_cli_args():
    from devtools.replica.__main__ import main  # noqa: F401  (importable without side effects)

    cfg = ReplicaConfig(seed=4, fault_rate=0.25, fault_kinds="503,dead", apply_edits=True, hostile=True,
                        layout="redesign", canonical_base="https://example.org/", id_scheme="sequential")
    args = cfg.to_args()
    values = dict(zip(args[::2], args[1::2], strict=False))
    assert values["--fault-kinds"] == "503,dead" and "--apply-edits" in args and "--hostile" in args
    assert values["--id-scheme"] == "sequential" and values["--layout"] == "redesign"
    assert cfg.canonical_base == "https://example.org"
    assert Corpus(cfg).truth(Corpus(cfg).ids_on("2024-06-01")[0]).url.startswith("https://example.org/view/AFR")


def test_readme_example_queries_find_rows_in_the_demo_days():
    """The example queries of docs/usage.md name a story and search words of the demo's backfill (the
    default corpus, 2024-06-18..20): the story has several versions there, and the words are
    in its titles (so the queries do not answer 0 rows on the demo data)."""
    import re
    from pathlib import Path

    usage = (Path(__file__).resolve().parent.parent / "docs" / "usage.md").read_text(encoding="utf-8")
    story = re.search(r"WHERE a\.story_id = '(AFR\d{17})'", usage).group(1)
    words = re.search(r"websearch_to_tsquery\('french', '([^']+)'\)", usage).group(1).split()
    corpus = Corpus()
    truths = [corpus.truth(i) for d in (18, 19, 20) for i in corpus.ids_on(date(2024, 6, d))]
    assert sum(t.story_id == story and t.duplicate_of is None for t in truths) >= 2
    assert any(all(w in t.title.lower() for w in words) for t in truths), words
    assert any(t.is_table for t in truths)


@pytest.mark.parametrize("edition", ["fr", "en"])
def test_pages_have_the_real_sites_weight_and_chrome(edition):
    """docs/replica.md "Page weight and chrome": median page >= 45 KiB, ~900 elements, ~40
    scripts, >= 20 links to other articles outside the article element (other days' articles),
    and the related-group is the article element's last child (never body text)."""
    import statistics

    from lxml import html

    corpus = Corpus(start=date(2024, 6, 1), end=date(2024, 6, 10), per_day=30, edition=edition)
    ids = [i for d in (1, 5, 10) for i in corpus.ids_on(date(2024, 6, d))][::4]
    sizes, outside = [], []
    for article_id in ids:
        body = corpus.render_article(article_id, "yna-cms")
        doc = html.fromstring(body)
        article = doc.xpath('//article[contains(@class, "story-news")]')[0]
        assert "related-group" in article[-1].get("class")
        inside = set(article.iter("a"))
        links = [a.get("href") for a in doc.iter("a") if a not in inside and "/view/" in (a.get("href") or "")]
        day = article_id[3:11]
        assert links and not [h for h in links if h.split("/view/")[1][3:11] == day]  # other days only
        sizes.append(len(body))
        outside.append(len(links))
        assert 30 <= len(doc.xpath("//script")) <= 60 and 600 <= sum(1 for _ in doc.iter()) <= 1500
    assert statistics.median(sizes) >= 45 * 1024 and min(outside) >= 20
