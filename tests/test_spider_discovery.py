"""Discovery and URL policy, pure (no network): canonical URLs, list/feed parsing, the seek."""

from __future__ import annotations

import functools
import math
import random
from datetime import date, datetime, timedelta

import pytest

from ground.core.timeutil import KST, Window
from scrapers.canonical import (
    article_id_from_url,
    canonicalize,
    is_followable,
    list_page_number,
    list_page_url,
    page_kind,
)
from scrapers.discovery import (
    ListEntry,
    ListSeek,
    feed_covers,
    list_date,
    parse_list_page,
    parse_rss,
    rss_date,
)

BASE = "http://127.0.0.1:8123"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/view/AFR20240619002900884?input=1195m", f"{BASE}/view/AFR20240619002900884"),
        ("/view/AFR20240619002900884/?section=nk/index#top", f"{BASE}/view/AFR20240619002900884"),
        ("http://127.0.0.1:8123//news/3?x=1", f"{BASE}/news/3"),
        ("HTTP://WWW.127.0.0.1:8123/view/AFR20240619002900884", f"{BASE}/view/AFR20240619002900884"),
        ("https://Example.org/view/AFR20240619002900884?a=1", "https://example.org/view/AFR20240619002900884"),
        ("https://example.org/page?a=1", "https://example.org/page?a=1"),
    ],
)
def test_canonicalize(raw, expected):
    assert canonicalize(raw, BASE) == expected


@pytest.mark.parametrize("base", [BASE, "https://fr.yna.co.kr", "https://fr.yna.co.kr/"])
@pytest.mark.parametrize(
    "path",
    [
        "/view/AFR20240619002900884", "/view/AFR20240619002900884/", "/view/AFR20240619002900884?x=1",
        "/view/AFR20240619002900884#top", "/view/AFR2024061900290088", "/view/AFR202406190029008845",
        "//view/AFR20240619002900884", "/view/afr20240619002900884", "/news/2", "4/view/AFR20240619002900884",
    ],
)
def test_canonicalize_shortcut_agrees_with_the_general_rules(base, path):
    from scrapers.canonical import _canonicalize_any

    for url in (base.rstrip("/") + path, path, " " + base.rstrip("/") + path):
        assert canonicalize(url, base) == _canonicalize_any(url, base)


def test_canonical_host_normalized_for_live_site():
    live = "https://fr.yna.co.kr"
    assert canonicalize("https://WWW.fr.yna.co.kr:443/view/AFR20240619002900884?input=feed", live) == (
        "https://fr.yna.co.kr/view/AFR20240619002900884"
    )


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        (f"{BASE}/view/AFR20240619002900884", True),
        (f"{BASE}/search?q=AFR20240619002900884", False),
        (f"{BASE}/print/AFR20240619002900884", False),
        (f"{BASE}/__replica__/edits", False),
        (f"{BASE}/news/2", False),  # lists are driven by the seek, never followed as links
        ("https://elsewhere.example/view/AFR20240619002900884", False),
        (f"{BASE}/view/AFR2024061900290088", False),  # 16 digits: not an article id
    ],
)
def test_is_followable(url, ok):
    assert is_followable(url, BASE) is ok


def test_url_helpers():
    assert list_page_url(1, BASE) == f"{BASE}/news"
    assert list_page_url(7, BASE + "/") == f"{BASE}/news/7"
    assert list_page_number(f"{BASE}/news") == 1 and list_page_number(f"{BASE}/news/12") == 12
    assert article_id_from_url(f"{BASE}/view/AFR20240619002900884") == "AFR20240619002900884"
    assert [page_kind(u) for u in (f"{BASE}/news/2", f"{BASE}/RSS/news.xml", f"{BASE}/robots.txt", f"{BASE}/x")] == [
        "list", "rss", "robots", "other",
    ]
    with pytest.raises(ValueError):
        list_page_url(0, BASE)


def test_list_date_year_from_id():
    assert list_date("19.06 20:04", "AFR20240619002900884") == datetime(2024, 6, 19, 20, 4, tzinfo=KST)
    assert list_date("20.06 20:04", "AFR20240619002900884") is None  # disagrees with the id
    assert list_date("", "AFR20240619002900884") is None


def test_rss_date_zone_less_is_kst():
    assert rss_date("Wed, 19 Jun 2024 20:04:00") == datetime(2024, 6, 19, 20, 4, tzinfo=KST)
    assert rss_date("Wed, 19 Jun 2024 11:04:00 +0000") == datetime(2024, 6, 19, 20, 4, tzinfo=KST)
    assert rss_date("not a date") is None


def test_parse_list_page_reads_only_the_list_block():
    html = f"""<html><body><nav><a href="/view/AFR20240618000100884">nav</a></nav>
    <div class="smain-list-type01"><ul>
      <li><article><strong class="tit"><a href="/view/AFR20240619002900884?input=1195m">A</a></strong>
        <span class="date">19.06 20:04</span></article></li>
      <li><article><strong class="tit"><a href="{BASE}/view/AFR20240619002800884">B</a></strong>
        <p class="lead">x</p><span class="date">19.06 19:00</span></article></li>
      <li><article><strong class="tit"><a href="/search?q=1">S</a></strong></article></li>
    </ul></div><div class="related-group"><a href="/view/AFR20240101000100884">r</a></div></body></html>"""
    entries = parse_list_page(html.encode(), BASE)
    assert [e.article_id for e in entries] == ["AFR20240619002900884", "AFR20240619002800884"]
    assert entries[0].url == f"{BASE}/view/AFR20240619002900884"
    assert entries[1].published == datetime(2024, 6, 19, 19, 0, tzinfo=KST)
    assert parse_list_page(b"<html><body><div class='smain-list-type01'><ul></ul></div></body></html>", BASE) == []


def test_parse_rss():
    xml = f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>
      <item><title>A</title><link>{BASE}/view/AFR20240619002900884?input=feed</link>
        <pubDate>Wed, 19 Jun 2024 20:04:00</pubDate></item>
      <item><title>off</title><link>https://other.example/view/AFR20240619002800884</link></item>
    </channel></rss>"""
    entries = parse_rss(xml.encode(), BASE)
    assert [(e.article_id, e.published) for e in entries] == [
        ("AFR20240619002900884", datetime(2024, 6, 19, 20, 4, tzinfo=KST))
    ]


# -- the seek, against a simulated newest-first list -------------------------------------------

@functools.lru_cache(maxsize=4)
def _site(days: int, per_day: int, last: date):
    """Newest-first entries: per_day articles a day, evenly spread, for `days` days up to `last`."""
    out = []
    for back in range(days):
        d = last - timedelta(days=back)
        for i in range(per_day, 0, -1):
            minute = (24 * 60 - 1) * i // per_day
            ident = f"AFR{d:%Y%m%d}{i * 100:06d}884"
            out.append(ListEntry(ident, f"{BASE}/view/{ident}", datetime.combine(d, datetime.min.time(), KST)
                                 + timedelta(minutes=minute)))
    return out


def _drive(seek: ListSeek, entries, page_size=20, fail=(), seed=0):
    """Answer the seek's requests in a shuffled order (pages in flight arrive out of order)."""
    rng = random.Random(seed)
    wanted, fetched, queue = [], [], []
    while True:
        queue += seek.next_pages()
        if not queue:
            return wanted, fetched
        page = queue.pop(rng.randrange(len(queue)))
        fetched.append(page)
        failed = page in fail and fetched.count(page) == 1  # fails once, then answers
        chunk = None if failed else entries[(page - 1) * page_size : page * page_size]
        wanted += seek.observe(page, chunk)


@pytest.mark.parametrize("lookahead", [1, 4])
@pytest.mark.parametrize("days_back", [0, 1, 5, 37, 364, 999])
def test_seek_finds_exactly_the_window_within_budget(days_back, lookahead):
    last = date(2024, 6, 30)
    entries = _site(1000, 137, last)
    pages = math.ceil(len(entries) / 20)
    day = last - timedelta(days=days_back)
    window = Window.for_dates(day, day)
    seek = ListSeek(window, lookahead=lookahead)
    wanted, fetched = _drive(seek, entries, seed=days_back)
    truth = [e.article_id for e in entries if window.contains(e.published)]
    assert sorted(e.article_id for e in wanted) == sorted(truth)
    assert len(wanted) == len(truth)
    assert seek.seek_requests <= 2 * math.log2(pages) + 2
    assert len(fetched) == len(set(fetched))  # no page twice
    assert seek.walk_requests <= math.ceil(137 / 20) + 1 + lookahead


def test_seek_window_older_than_the_site_and_newer_than_the_site():
    entries = _site(30, 40, date(2024, 6, 30))
    old = ListSeek(Window.for_dates(date(2020, 1, 1), date(2020, 1, 2)))
    assert _drive(old, entries)[0] == []
    new = ListSeek(Window.for_dates(date(2025, 1, 1), date(2025, 1, 2)))
    wanted, fetched = _drive(new, entries)
    assert wanted == [] and fetched == [1]


def test_seek_failed_probe_never_skips_articles():
    entries = _site(200, 50, date(2024, 6, 30))
    window = Window.for_dates(date(2024, 3, 1), date(2024, 3, 2))
    truth = [e.article_id for e in entries if window.contains(e.published)]
    clean_seek = ListSeek(window)
    _, fetched = _drive(clean_seek, entries)
    # Fail (once) the first probes and the first walk pages: every article is still found.
    fail = set(fetched[:3]) | set(fetched[-3:])
    for lookahead in (1, 3):
        wanted, _ = _drive(ListSeek(window, lookahead=lookahead), entries, fail=fail)
        assert sorted(e.article_id for e in wanted) == sorted(truth)


def test_seek_gives_up_after_persistent_walk_failures():
    entries = _site(200, 50, date(2024, 6, 30))
    window = Window.for_dates(date(2024, 3, 1), date(2024, 3, 2))
    seek = ListSeek(window, lookahead=2)
    queue, answered = [], 0
    while True:
        queue += seek.next_pages()
        if not queue or answered > 500:
            break
        page = queue.pop(0)
        answered += 1
        chunk = None if seek.phase == "walk" else entries[(page - 1) * 20 : page * 20]
        seek.observe(page, chunk)
    assert seek.done and answered < 60


def test_feed_covers():
    entries = _site(2, 30, date(2024, 6, 30))
    assert feed_covers(entries, Window.for_dates(date(2024, 6, 30), date(2024, 6, 30)))
    assert not feed_covers(entries, Window.for_dates(date(2024, 6, 28), date(2024, 6, 30)))
    assert not feed_covers([], Window.for_dates(date(2024, 6, 30), date(2024, 6, 30)))
