"""The replica's deterministic corpus: which articles exist, when, and what they say.

Nothing is precomputed for the whole range. A day's *plan* (routine items, story chains,
re-sent duplicates, edits) is drawn from `(seed, day)`; the articles *published* on a day are
its own plan's entries plus the versions of the previous day's stories that landed after
midnight. Ids are assigned in publication order within the KST day (`id_scheme`: "versioned"
shares a serial between the main versions of a story on one day, version digits 00/51/52/53;
"sequential" gives every article its own serial and 00). Text is generated only
when an article is asked for (truth or page), from a seed per story, and cached in small LRUs.
Per-day counts are computed once, lazily, so list pages are a bisect over prefix sums.

Live mode (`config.live`): a `LiveClock` gives the site time; an article is *released* once its
listing time (`Entry.pub`, = `published_at`) is <= site time. The site (list pages, RSS, lengths,
positions) is a `SiteView`: the newest-first listing minus the unreleased head, which is the
days after the clock's day plus the unreleased tail of its day (one bisect). The truth
(`truth`, `ids_on`, `render_article`) covers every article, released or not.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from devtools.replica import markup
from devtools.replica import text as T
from devtools.replica.clock import LiveClock
from devtools.replica.config import LAYOUTS, ReplicaConfig
from devtools.replica.hostile import hostile_page, hostile_truth
from devtools.replica.truth import ArticleTruth, derive, unit
from devtools.replica.words import words_for
from ground.core.editions import edition
from ground.core.timeutil import KST, id_parts

__all__ = ["ArticleTruth", "Corpus", "SiteView", "UnknownArticle", "derive", "unit"]

PAGE_SIZE = 20
RSS_ITEMS = 50
# Routine items by priority (indices into the edition's routine titles): small corpora still
# publish the same titles every day. Order: press review, KOSPI close, history, FOREX close, ...
ROUTINE_PRIORITY = (7, 3, 8, 5, 0, 4, 2, 1, 6)
# Version digits of the "versioned" id scheme: 00 the first version, 50 + n its n-th update.
FIRST_UPDATE_DIGITS = 51
TRACKING_QUERIES = ("?input=1195m", "?section=nk/index", "?section=politics/index",
                    "?input=feed", "?site=popup_newsflash")
HOSTILE_KINDS = ("huge", "bad_utf8", "script_title", "many_paragraphs", "date_mismatch")


def article_url_path(article_id: str) -> str:
    return f"/view/{article_id}"


@dataclass(slots=True)
class Entry:
    """One planned article (no text yet). Treat as immutable (slots, not frozen: plans are hot)."""

    origin: int  # ordinal of the day whose plan created it
    index: int  # position in that plan
    minute: int  # publication time: minutes after the origin day's KST midnight (< 2880)
    kind: str  # "story" | "routine" | "duplicate" | "hostile" | "continued"
    story: int = -1  # story number within the origin day
    version: int = 0  # position in the story chain
    label: str | None = None  # "URGENT", then the edition's labels: "LD", "2e LD" / "LEAD", ...
    main_index: int = 0  # position among the non-flash versions
    routine: str | None = None
    dup_of: tuple[int, int] | None = None
    edit_minutes: int | None = None
    hostile: str | None = None
    part: int = 0  # continued items: 1.. of `parts`
    parts: int = 0

    @property
    def key(self) -> tuple[int, int]:
        return (self.origin, self.index)

    @property
    def day(self) -> int:
        """Ordinal of the KST publication day."""
        return self.origin + self.minute // 1440

    @property
    def pub(self) -> datetime:
        return datetime.combine(date.fromordinal(self.origin), time(0), KST) + timedelta(minutes=self.minute)


@dataclass(frozen=True)
class ListItem:
    article_id: str
    title_raw: str
    lead: str | None  # shown on list pages only for some articles
    published_at: datetime
    href: str  # relative, maybe with a tracking query
    summary: str = ""  # the lead, always (RSS description)

    @property
    def date_text(self) -> str:
        return f"{self.published_at:%d.%m %H:%M}"


@dataclass
class _Day:
    entries: list[Entry]  # publication order
    ids: list[str]
    id_by_key: dict[tuple[int, int], str]
    index_by_id: dict[str, int]  # reverse map: id -> position in `entries`
    minutes: list[int]  # publication minute after this day's KST midnight, per entry (sorted)


@dataclass
class _StoryHead:
    """What a story is about and its titles: cheap (list pages and related links need only this)."""

    section: str
    topic: T.Topic
    tag: str | None
    titles: list[str]  # per main version
    flash: str


class UnknownArticle(KeyError):
    pass


class SiteView:
    """The site at one instant: the released articles, newest first (all of them when not live).

    A snapshot: one request reads one view, so a list page and its "Suivant" link agree even if
    the clock moves meanwhile. Positions are newest-first among released articles (0 = newest).
    """

    __slots__ = ("_corpus", "at", "now", "hidden", "_total")

    def __init__(self, corpus: Corpus, at: datetime | None, now: datetime, hidden: int, total: int):
        self._corpus = corpus
        self.at = at  # the instant (None = everything released)
        self.now = now  # the site's "now": `at` capped at the corpus end
        self.hidden = hidden  # unreleased articles (the head of the full newest-first listing)
        self._total = total  # released articles

    def __len__(self) -> int:
        return self._total

    def released(self, article_id: str) -> bool:
        """Is the article published (known id and listing time <= the instant)?"""
        if self.at is None:
            return self._corpus.exists(article_id)
        return self._corpus.released(article_id, self.at)

    def id_at(self, position: int) -> str:
        if not 0 <= position < self._total:
            raise IndexError(position)
        return self._corpus._full_id_at(self.hidden + position)

    def ids_newest_first(self) -> Iterator[str]:
        return itertools.islice(self._corpus._all_newest_first(), self.hidden, None)

    def page_count(self) -> int:
        return max(1, -(-self._total // PAGE_SIZE))

    def list_page(self, n: int) -> list[ListItem]:
        """Items of /news/{n} (n >= 1); empty past the end."""
        if n < 1:
            raise ValueError(f"page {n} must be >= 1")
        first = (n - 1) * PAGE_SIZE
        item = self._corpus.list_item
        return [item(self.id_at(i)) for i in range(first, min(first + PAGE_SIZE, self._total))]

    def latest(self, count: int = RSS_ITEMS) -> list[ListItem]:
        item = self._corpus.list_item
        return [item(self.id_at(i)) for i in range(min(count, self._total))]


class Corpus:
    """Deterministic corpus for one ReplicaConfig (thread-safe, lazily computed).

    `clock`: the LiveClock of a live config (default: one on `time.monotonic`, started now).
    """

    def __init__(self, config: ReplicaConfig | None = None, *, clock: LiveClock | None = None,
                 **overrides):
        if config is None:
            config = ReplicaConfig(**overrides)
        elif overrides:
            config = ReplicaConfig(**{**config.to_dict(), **overrides})
        self.config = config
        self.edition = edition(config.edition)
        self.words = words_for(self.edition.code)  # this edition's vocabulary and templates
        if clock is not None and not config.live:
            raise ValueError("a clock is for a live config (live=True)")
        self.clock = (clock or LiveClock.for_config(config)) if config.live else None
        self._end = datetime.combine(config.end + timedelta(days=1), time(0), KST)
        self.edits_on = config.apply_edits  # runtime switch (server admin endpoint / fixture)
        self.layout = config.layout  # runtime switch
        self._first = config.start.toordinal()
        self._last = config.end.toordinal()
        self._lock = threading.Lock()
        self._cum: list[int] | None = None  # newest-first prefix sums of per-day counts
        self._plan = functools.lru_cache(maxsize=256)(self._make_plan)
        self._day = functools.lru_cache(maxsize=2048)(self._make_day)
        self._head = functools.lru_cache(maxsize=4096)(self._make_head)
        self._truth = functools.lru_cache(maxsize=4096)(self._make_truth)
        self._page = functools.lru_cache(maxsize=256)(self._make_page)
        self._chrome = functools.lru_cache(maxsize=128)(self._make_chrome)
        # The boxes' ids and titles, per day: ~1.5 KiB each, so every day of a 5-year corpus
        # fits (a random page then costs no title generation once its day was seen).
        self._chrome_ids = functools.lru_cache(maxsize=2048)(self._make_chrome_ids)

    # ------------------------------------------------------------------ planning
    @property
    def end(self) -> datetime:
        """The end of the last day (nothing is published after it)."""
        return self._end

    @property
    def now(self) -> datetime:
        """The site's "now": the end of the last day; live: the clock's time, capped at the end."""
        if self.clock is None:
            return self._end
        return min(self.clock.now(), self._end)

    def _make_plan(self, ordinal: int) -> tuple[Entry, ...]:
        cfg = self.config
        W = self.words
        d = date.fromordinal(ordinal)
        rng = T.FastRandom(derive(cfg.seed, "plan", ordinal))
        entries: list[Entry] = []

        def add(minutes: int, **kw) -> Entry:
            # a version may land the next day, never later
            entry = Entry(ordinal, len(entries), min(minutes, 2 * 1440 - 1), **kw)
            entries.append(entry)
            return entry

        names = W.ROUTINE_NAMES if d.weekday() < 5 else W.ROUTINE_NAMES[7:]
        priority = [W.ROUTINE_NAMES[i] for i in ROUTINE_PRIORITY]
        n_routine = min(len(names), max(1, cfg.per_day * 3 // 20))
        for name in [n for n in priority if n in names][:n_routine]:
            add(W.ROUTINE_TIMES[name] + rng.randint(0, 4), kind="routine", routine=name)

        budget = cfg.per_day - n_routine
        n_dup = sum(rng.random() < 0.03 for _ in range(budget))
        if budget - n_dup < 1:
            n_dup = 0
        left = budget - n_dup
        # On most weekdays, a price list sent as a continued item in 2-3 parts ("...-1", "-2").
        if d.weekday() < 5 and left >= 8 and rng.random() < 0.6:
            n_parts = 2 if rng.random() < 0.6 else 3
            minute = 11 * 60 + rng.randint(0, 40)
            for part in range(1, n_parts + 1):
                add(minute, kind="continued", part=part, parts=n_parts)
                minute += rng.randint(1, 3)
            left -= n_parts
        story = 0
        while left > 0:
            r = rng.random()
            n_main = 1 if r < 0.65 else 2 if r < 0.85 else 3 if r < 0.95 else 4
            labels: list[str | None] = [None, *map(self.edition.version_label, range(1, n_main))]
            if rng.random() < 0.2:
                labels = ["URGENT", *labels]
            labels = labels[:left]
            minute = rng.randint(6 * 60, 22 * 60)
            main_index = 0
            for v, label in enumerate(labels):
                if v:
                    if labels[v - 1] == "URGENT":
                        minute += rng.randint(20, 150)
                    elif rng.random() < 0.85:
                        minute += rng.randint(60, 300)
                    else:  # a version that lands many hours later, often the next day
                        minute += rng.randint(300, 900)
                edit = rng.randint(20, 360) if label != "URGENT" and rng.random() < 0.06 else None
                add(minute, kind="story", story=story, version=v, label=label,
                    main_index=main_index, edit_minutes=edit)
                if label != "URGENT":
                    main_index += 1
            story += 1
            left -= len(labels)

        originals = [e for e in entries if e.kind == "story" and e.label != "URGENT"]
        for _ in range(n_dup):
            orig = rng.choice(originals)
            minutes = orig.minute + rng.randint(60, 480)
            add(minutes, kind="duplicate", dup_of=orig.key)

        if cfg.hostile and ordinal == self._first:
            for i, kind in enumerate(HOSTILE_KINDS):
                add(23 * 60 + 30 + i, kind="hostile", hostile=kind)
        return tuple(entries)

    def _make_day(self, ordinal: int) -> _Day:
        if not self._first <= ordinal <= self._last:
            return _Day([], [], {}, {}, [])
        entries = [e for e in self._plan(ordinal) if e.minute < 1440]
        if ordinal > self._first:
            entries += [e for e in self._plan(ordinal - 1) if e.minute >= 1440]
        entries.sort(key=lambda e: (e.origin * 1440 + e.minute, e.origin, e.index))
        ymd = date.fromordinal(ordinal).strftime("%Y%m%d")
        prefix, desk = self.edition.id_prefix, self.edition.replica_desk
        if self.config.id_scheme == "sequential":
            ids = [f"{prefix}{ymd}{i + 1:04d}00{desk}" for i in range(len(entries))]
        else:
            # Main versions of one story published this day share a serial (00/51/52/53);
            # everything else (flashes, routine, duplicates, continued parts) gets its own, 00.
            serials: dict[tuple, int] = {}
            ids = []
            for e in entries:
                if e.kind == "story" and e.label != "URGENT":
                    group = ("s", e.origin, e.story)
                    digits = FIRST_UPDATE_DIGITS - 1 + e.main_index if e.main_index else 0
                else:
                    group, digits = ("e", e.origin, e.index), 0
                serial = serials.setdefault(group, len(serials) + 1)
                ids.append(f"{prefix}{ymd}{serial:04d}{digits:02d}{desk}")
        base = ordinal * 1440
        return _Day(entries, ids, {e.key: i for e, i in zip(entries, ids, strict=True)},
                    {i: n for n, i in enumerate(ids)},
                    [e.origin * 1440 + e.minute - base for e in entries])

    def _id_of(self, key: tuple[int, int]) -> str | None:
        entry = self._plan(key[0])[key[1]]
        return self._day(entry.day).id_by_key.get(key)

    def _locate(self, article_id: str) -> Entry:
        parts = id_parts(article_id) if isinstance(article_id, str) else None
        if (parts is None or parts[3] != self.edition.replica_desk
                or not article_id.startswith(self.edition.id_prefix)):
            raise UnknownArticle(article_id)
        ymd = parts[0]
        day = self._day(date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:])).toordinal())
        position = day.index_by_id.get(article_id)
        if position is None:
            raise UnknownArticle(article_id)
        return day.entries[position]

    def exists(self, article_id: str) -> bool:
        try:
            self._locate(article_id)
        except UnknownArticle:
            return False
        return True

    # ------------------------------------------------------------------ listing
    def ids_on(self, day: date | str) -> list[str]:
        """Ids published on a KST day, oldest first."""
        if isinstance(day, str):
            day = date.fromisoformat(day)
        return list(self._day(day.toordinal()).ids)

    def _prefix(self) -> list[int]:
        with self._lock:
            if self._cum is None:
                cum = [0]
                for ordinal in range(self._last, self._first - 1, -1):
                    cum.append(cum[-1] + len(self._day(ordinal).entries))
                self._cum = cum
            return self._cum

    def _full_id_at(self, position: int) -> str:
        """The id at a newest-first position of the whole corpus, released or not."""
        cum = self._prefix()
        k = bisect.bisect_right(cum, position) - 1
        ids = self._day(self._last - k).ids
        return ids[len(ids) - 1 - (position - cum[k])]

    def _all_newest_first(self) -> Iterator[str]:
        for ordinal in range(self._last, self._first - 1, -1):
            yield from reversed(self._day(ordinal).ids)

    def _hidden_at(self, at: datetime) -> int:
        """How many articles are unreleased at `at` (newest-first, they come first)."""
        cum = self._prefix()
        if at >= self._end:
            return 0
        ordinal = at.astimezone(KST).date().toordinal()
        if ordinal < self._first:
            return cum[-1]
        day = self._day(ordinal)  # ordinal <= self._last since at < end
        midnight = datetime.combine(date.fromordinal(ordinal), time(0), KST)
        released = bisect.bisect_right(day.minutes, (at - midnight) // timedelta(minutes=1))
        return cum[self._last - ordinal] + len(day.entries) - released

    def view(self, at: datetime | None = None) -> SiteView:
        """The site at `at` (a KST-aware datetime; naive = KST). Default: now — everything when
        not live, the clock's time when live."""
        total = self._prefix()[-1]
        if at is None:
            if self.clock is None:
                return SiteView(self, None, self._end, 0, total)
            at = self.clock.now()
        elif at.tzinfo is None:
            at = at.replace(tzinfo=KST)
        hidden = self._hidden_at(at)
        return SiteView(self, at, min(at, self._end), hidden, total - hidden)

    def released(self, article_id: str, at: datetime | None = None) -> bool:
        """Is the article on the site at `at` (default now: always when not live)? Its listing
        time (`published_at`) must be <= `at`. The truth exists either way."""
        try:
            entry = self._locate(article_id)
        except UnknownArticle:
            return False
        if at is None:
            if self.clock is None:
                return True
            at = self.clock.now()
        elif at.tzinfo is None:
            at = at.replace(tzinfo=KST)
        return entry.pub <= at

    def __len__(self) -> int:
        """Articles on the site now (live: released ones; else the whole corpus)."""
        return len(self.view())

    def id_at(self, position: int) -> str:
        """The id at a newest-first position among the site's articles (0 = newest)."""
        return self.view().id_at(position)

    def ids_newest_first(self, include_unreleased: bool = False) -> Iterator[str]:
        """Newest first: the site's articles, or (`include_unreleased`) the whole corpus."""
        if include_unreleased:
            return self._all_newest_first()
        return self.view().ids_newest_first()

    def page_count(self) -> int:
        return self.view().page_count()

    def list_page(self, n: int) -> list[ListItem]:
        """Items of /news/{n} (n >= 1); empty past the end."""
        return self.view().list_page(n)

    def latest(self, count: int = RSS_ITEMS) -> list[ListItem]:
        return self.view().latest(count)

    def list_item(self, article_id: str) -> ListItem:
        truth = self.truth(article_id, edited=False)
        v = truth.variations
        return ListItem(article_id, truth.title_raw, truth.lead if v["list_lead"] else None,
                        truth.published_at, article_url_path(article_id) + (v["tracking"] or ""),
                        truth.lead)

    # ------------------------------------------------------------------ content
    def _make_head(self, origin: int, story: int) -> _StoryHead:
        W = self.words
        rng = T.FastRandom(derive(self.config.seed, "story", origin, story))
        section = rng.choices(self.edition.sections, weights=W.SECTION_WEIGHTS)[0]
        topic = W.Topic(rng, section, date.fromordinal(origin))
        tag = rng.choice(W.TAGS) if rng.random() < 0.05 else None
        titles = [topic.title(rng)]
        for _ in range(3):
            titles.append(titles[-1] if rng.random() < 0.5 else topic.title(rng))
        flash = f"{W.cap(topic.subject)} {W.agree(topic.subject, rng.choice(W.TITLE_VERBS))} {topic.object}"
        return _StoryHead(section, topic, tag, titles, flash)

    def _story_rng(self, entry: Entry, *part) -> random.Random:
        """Each piece of a story's text has its own seed: generate only what a page shows."""
        return T.FastRandom(derive(self.config.seed, "text", entry.origin, entry.story, *part))

    def _title_raw(self, article_id: str) -> str:
        """title_raw without generating any body text (related links, list pages)."""
        entry = self._locate(article_id)
        if entry.kind == "duplicate":
            return self._title_raw(self._id_of(entry.dup_of))
        if entry.kind == "continued":
            return f"{self.words.CONTINUED_TITLE}-{entry.part}"
        if entry.kind == "routine":  # its name is its title (see _make_truth)
            return entry.routine
        if entry.kind != "story":
            return self._truth(article_id, False).title_raw
        head = self._head(entry.origin, entry.story)
        if entry.label == "URGENT":
            return f"(URGENT) {head.flash}"
        title = head.titles[entry.main_index]
        title = f"{head.tag} {title}" if head.tag else title
        return f"({entry.label}) {title}" if entry.label else title

    def _variations(self, entry: Entry, n_photos_max: int) -> dict[str, Any]:
        rng = T.FastRandom(derive(self.config.seed, "flags", entry.origin, entry.index))
        n_photos = rng.choices((0, 1, 2, 3), weights=(3, 4, 2, 1))[0]
        return {
            "list_lead": rng.random() < 0.5,
            "tracking": rng.choice(TRACKING_QUERIES) if rng.random() < 0.3 else None,
            "entities": rng.choice(("numeric", "named", "plain")),
            "n_photos": min(n_photos, n_photos_max),
            "photo_after": sorted(rng.sample(range(0, 6), 3)),  # paragraph index of each photo
            "cf_key": rng.randint(1, 255),
            "related": rng.randint(2, 4),
            # yna-cms page details (not in the truth's fields)
            "email_form": "plain" if rng.random() < 0.5 else "cf",  # when there is an e-mail
            "section_path": rng.random() < 0.8,  # CONTENT_DATA SECTION "path;Name", else ""
            "show_update": rng.random() < 0.5,  # edited pages: visible "Mis à jour" line
            "trailing_br": rng.random() < 0.25,  # last body <p> ends with <br/>
            "tit_cap": [rng.random() < 0.4 for _ in range(3)],  # photo title shown in strong.tit-cap
            "author_ko": self.words.hangul_name(rng),  # meta name=author
            "end_marker": self.edition.end_marker,
        }

    def truth(self, article_id: str, edited: bool | None = None) -> ArticleTruth:
        """Truth of an article. `edited` defaults to the runtime edit switch."""
        entry = self._locate(article_id)
        if edited is None:
            edited = self.edits_on
        return self._truth(article_id, bool(edited and entry.edit_minutes is not None))

    def _make_truth(self, article_id: str, edited: bool) -> ArticleTruth:
        entry = self._locate(article_id)
        cfg = self.config
        W = self.words
        base = cfg.canonical_base
        if entry.kind == "duplicate":
            orig_id = self._id_of(entry.dup_of)
            orig = self._make_truth(orig_id, False)
            return ArticleTruth(
                **{**orig.__dict__, "article_id": article_id, "url": f"{base}/view/{article_id}",
                   "published_at": entry.pub, "updated_at": None, "duplicate_of": orig_id,
                   "has_edit": False, "kind": "duplicate", "images": [dict(i) for i in orig.images],
                   "paragraphs": list(orig.paragraphs), "keywords": list(orig.keywords),
                   "variations": dict(orig.variations)})
        if entry.kind == "hostile":
            return hostile_truth(self, entry, article_id)
        d = entry.pub.date()
        city = "SEOUL" if entry.kind in ("routine", "continued") else W.CITIES[
            derive(cfg.seed, "city", *entry.key) % len(W.CITIES)]
        dl = W.dateline(city, d)
        byline = note = None
        end_marker = self.edition.end_marker
        label = None
        story_id = article_id
        photos: list[tuple[str, str]] = []
        if entry.kind == "routine":
            rng = T.FastRandom(derive(cfg.seed, "routine", entry.origin, entry.routine))
            paragraphs = W.routine_paragraphs(rng, entry.routine, d, dl)
            section = W.ROUTINE_SECTIONS.get(entry.routine, W.ECONOMY_SECTION)
            title = title_raw = entry.routine
            email = W.DESK_EMAIL if rng.random() < 0.5 else None
            edit_extra = W.ROUTINE_EDIT_EXTRA
            max_photos = 0
            keywords = next((list(tags) for prefix, tags in W.ROUTINE_TAGS.items()
                             if entry.routine.startswith(prefix)), [])
        elif entry.kind == "continued":
            # One price list per day, cut into `parts` articles; each its own id and story.
            rng = T.FastRandom(derive(cfg.seed, "continued", entry.origin))
            goods = rng.sample(W.CONTINUED_GOODS, rng.randint(6 * entry.parts, len(W.CONTINUED_GOODS)))
            lines = W.price_lines(rng, goods)
            marker = W.CONTINUATION_MARKERS[1] if rng.random() < 0.25 else W.CONTINUATION_MARKERS[0]
            size = -(-len(lines) // entry.parts)
            mine = lines[(entry.part - 1) * size:entry.part * size]
            paragraphs = [W.continued_first(dl, d, entry.part), *mine]
            section = W.ECONOMY_SECTION
            title = title_raw = f"{W.CONTINUED_TITLE}-{entry.part}"
            last = entry.part == entry.parts
            end_marker = self.edition.end_marker if last else marker
            email = W.DESK_EMAIL if last and rng.random() < 0.5 else None
            edit_extra = ""
            max_photos = 0
            keywords = list(W.CONTINUED_TAGS)
        else:
            head = self._head(entry.origin, entry.story)
            topic = head.topic
            section = head.section
            label = entry.label
            story_id = self._id_of((entry.origin, entry.index - entry.version)) or article_id
            keywords = W.keywords(self._story_rng(entry, "keywords"), section, topic.keyword)
            if label == "URGENT":
                title = head.flash
                paragraphs = [f"{dl} -- {head.flash}."]
                max_photos = 0
                email = None
            else:
                k = entry.main_index
                title = head.titles[k]
                if head.tag:
                    title = f"{head.tag} {title}"
                rng = self._story_rng(entry, "lead", k)
                lead = topic.lead_sentence(rng)
                first = topic.paragraph(rng, rng.randint(1, 2))
                added = []
                for i in range(k, 0, -1):  # newest additions first, then the earlier text
                    rng = self._story_rng(entry, "add", i)
                    added += [topic.paragraph(rng) for _ in range(rng.randint(1, 2))]
                rng = self._story_rng(entry, "body")
                body = [topic.paragraph(rng) for _ in range(rng.randint(3, 6))]
                paragraphs = [f"{dl} -- {lead} {first}", *added, *body]
                max_photos = 3
                rng = self._story_rng(entry, "email")
                email = None
                if rng.random() < 0.8:
                    email = f"{rng.choice(W.GIVEN).lower().replace('-', '')}.{rng.choice(W.FAMILY).lower()}@yna.co.kr"
                rng = self._story_rng(entry, "byline")  # one reporter for all versions
                if rng.random() < 0.3:
                    byline = W.person(rng)
                    if rng.random() < 0.2:
                        byline = f"{byline}{self.edition.byline_join}{W.person(rng)}"
                rng = T.FastRandom(derive(cfg.seed, "note", *entry.key))
                if rng.random() < (0.25 if k else 0.1):
                    note = W.editor_note(rng)
            title_raw = f"({label}) {title}" if label else title
            photo_rng = self._story_rng(entry, "photos")
            photos = [topic.caption(photo_rng) for _ in range(3)]
            edit_extra = topic.paragraph(self._story_rng(entry, "edit"), 2)
        v = self._variations(entry, max_photos)
        v["end_marker"] = end_marker
        images = []
        ymd = d.strftime("%Y/%m/%d")
        for i in range(v["n_photos"]):
            ptitle, caption = photos[i]
            num = derive(cfg.seed, "img", *entry.key, i)
            prng = T.FastRandom(num)
            src = (f"//img{num % 9 + 1}.yna.co.kr/photo/yna/YH/{ymd}/"
                   f"PYH{d:%Y%m%d}{num % 10**6:06d}{self.edition.replica_desk}00_P4.jpg")
            r = prng.random()
            if r < 0.08:  # a photo without caption
                caption, notice = None, None
            else:
                notice = self.edition.usage_notices[1] if prng.random() < 0.1 else self.edition.usage_notices[0]
                if prng.random() < 0.35:
                    caption = f"{caption} (Yonhap)"  # the page shows "CAPTION (NOTICE) (Yonhap)"
            images.append({"url": "https:" + src, "alt": ptitle, "caption": caption, "notice": notice})
        updated_at = None
        if edited:
            updated_at = entry.pub + timedelta(minutes=entry.edit_minutes)
            paragraphs = list(paragraphs)
            last = len(paragraphs) - 1
            paragraphs[last] = f"{paragraphs[last]} {edit_extra}"
            paragraphs.append(W.CORRECTION_LINE)
        v["edited"] = edited
        return ArticleTruth(
            article_id=article_id, url=f"{base}/view/{article_id}", title=title, title_raw=title_raw,
            version_label=label, section=section, published_at=entry.pub, updated_at=updated_at,
            dateline=dl, paragraphs=paragraphs, lead=paragraphs[0].split(" -- ", 1)[1], images=images,
            author_email=email, story_id=story_id, duplicate_of=None,
            is_routine=entry.kind in ("routine", "continued"), has_edit=entry.edit_minutes is not None,
            is_table=entry.kind == "continued",
            kind=entry.kind, byline=byline, editor_note=note, keywords=keywords, variations=v,
        )

    def related_ids(self, article_id: str, count: int) -> list[str]:
        """Other articles linked from an article's related block (same day, deterministic)."""
        ids = self._day(self._locate(article_id).day).ids
        start = derive(self.config.seed, "related", article_id) % max(1, len(ids))
        out = [ids[(start + i) % len(ids)] for i in range(min(count + 1, len(ids)))]
        return [i for i in out if i != article_id][:count]

    def chrome_ids(self, ordinal: int) -> dict[str, list]:
        """The articles the chrome of KST day ``ordinal``'s pages links to, all of other days
        (as on the site): three "most" lists of 5, 4 photo links and the 8 newest articles
        ("right now"), all of the day before (one more day plan per page: the server stays
        fast). The corpus's first day links to the day after it instead."""
        return self._chrome_ids(ordinal)

    def _other_day(self, ordinal: int, back: int) -> list[str]:
        for candidate in (ordinal - back, ordinal + back):
            if self._first <= candidate <= self._last and candidate != ordinal:
                ids = self._day(candidate).ids
                if ids:
                    return ids
        return self._day(ordinal).ids  # a one-day corpus

    def _make_chrome_ids(self, ordinal: int) -> dict[str, list]:
        # Twelve articles of the day before, the newest first: "right now" shows 8 of them and
        # the "most" lists and the photo box reorder them (lists that overlap, as on the site).
        # Few distinct articles keep a page cheap to build: each link needs its title.
        pool = list(reversed(self._other_day(ordinal, 1)[-12:]))
        if not pool:
            return {"most": [[], [], []], "photo": [], "rightnow": [], "titles": {}}

        def pick(n: int, *salt) -> list[str]:
            start = derive(self.config.seed, "chrome", ordinal, *salt) % len(pool)
            step = 5 if len(pool) % 5 else 7  # coprime with the pool's size: no repeats
            return list(dict.fromkeys(pool[(start + i * step) % len(pool)] for i in range(min(n, len(pool)))))

        return {"most": [pick(5, "most", box) for box in (1, 2, 3)], "photo": pick(4, "photo"),
                "rightnow": pool[:8], "titles": {i: self._title_raw(i) for i in pool}}

    def chrome_fragment(self, part: str, ordinal: int) -> str:
        """The HTML of a day's link boxes (markup.side_boxes / rightnow_box), built once a day."""
        return self._chrome(part, ordinal)

    def _make_chrome(self, part: str, ordinal: int) -> str:
        return markup.side_boxes(self, ordinal) if part == "side" else markup.rightnow_box(self, ordinal)

    # ------------------------------------------------------------------ pages
    def render_article(self, article_id: str, layout: str | None = None,
                       edited: bool | None = None) -> bytes:
        return self.article_page(article_id, layout, edited).body

    def article_page(self, article_id: str, layout: str | None = None, edited: bool | None = None):
        """markup.Page (body, etag, last_modified) of an article; defaults follow the switches."""
        entry = self._locate(article_id)
        layout = layout or self.layout
        if layout not in LAYOUTS:
            raise ValueError(f"layout {layout!r} must be one of {', '.join(LAYOUTS)}")
        if edited is None:
            edited = self.edits_on
        return self._page(article_id, layout, bool(edited and entry.edit_minutes is not None))

    def _make_page(self, article_id: str, layout: str, edited: bool):
        truth = self._truth(article_id, edited)
        if truth.kind == "hostile":  # the hostile pages bend the template on purpose
            return markup.make_page(hostile_page(self, truth), truth.updated_at or truth.published_at)
        return markup.article_page(self, truth, layout)
