"""Story linking: URGENT flash, original, LD, 2e LD … of one event share one ``story_id``.

Rules (docs/transforms.md):

* ``story_id`` is the id of the story's first article (earliest published). A stored row's
  story_id is never changed; a new version joins it, in this run or any later one.
* First signal, the article id: ids ``AFR<date><serial 4><version 2><desk>`` that share date,
  serial and desk are versions of one story (version digits 00 first, 51 LD, 52 2e LD …): an
  article joins the story of its serial's lowest-version article already placed (stored or
  earlier in the walk). Routine items, parts of continued items ("…-1", "…-2" titles) and
  duplicates never take part in a serial link, whatever their ids say.
* Otherwise (no earlier article shares the serial: URGENT flashes have their own serial, a
  next-day LD gets a new one, a site/replica numbering ids sequentially ends every id in 00),
  text similarity decides, as follows.
* An article only joins an *earlier* article of lower version rank (URGENT 0 < original 1 <
  LD 2 < 2e LD 3 …): updates join what they update, two originals never merge.
* Update link: an earlier non-flash article published at most :data:`LINK_WINDOW` (48 h)
  before, whose body shingles are mostly contained in the new body
  (``containment >= BODY_CONTAINMENT``) — an LD repeats most of the text it updates.
* Flash link: an URGENT flash published at most :data:`FLASH_WINDOW` (6 h) before, whose
  title words (minus stop words) mostly appear in the new article's title or first paragraph
  (``coverage >= FLASH_COVERAGE``) — the full article restates the flash.
* Late flash: a new URGENT flash still alone after the walk joins the story of a non-flash
  article (stored or in-batch) published at most FLASH_WINDOW *after* it, same title-word
  rule, if that story holds no flash yet. The story keeps its (stored) id: the flash joins an
  existing story even though it is earlier in time.
* A story holds one article per version rank: a second original never joins a flash that
  already has its full article, a second "LD" never joins a story that has one.
* The best update link wins (highest containment), else the best flash link (highest
  coverage); ties go to the earliest candidate (first flash, first full article), then the
  smaller id, so input order never matters.
* Routine daily items and the parts of continued items never join anything and nothing joins
  them: each is its own story. Duplicates take the story of their original and are not
  linked to.

Near-linear: articles are walked in publication order while two sliding-window inverted
indexes hold the recent ones (a bottom-k sketch of each body's shingles; flash title words),
so each article verifies a bounded candidate list — never every other article.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import timedelta
from itertools import chain

from transforms.clean import URGENT
from transforms.features import Doc, overlap

LINK_WINDOW = timedelta(hours=48)
FLASH_WINDOW = timedelta(hours=6)
BODY_CONTAINMENT = 0.6
FLASH_COVERAGE = 0.75
SKETCH_SIZE = 16  # bottom-k shingle hashes indexed per article
MAX_POSTING = 32  # a key shared by more articles of the window is boilerplate: says nothing
MAX_CANDIDATES = 40  # verified per article, best-first by index hits
# A candidate whose body is >= 60% contained shows ~10 of its 16 sketch hashes; fewer than 4
# happens with probability < 0.1%: skip verifying those.
MIN_SKETCH_HITS = 4
# The new article probes with its own smallest hashes only: a candidate mostly contained in it
# has its bottom-16 among them unless the new text is more than ~4x longer.
PROBE_SIZE = 64


def containment(earlier: Doc, later: Doc) -> float:
    """Share of the earlier article's body shingles found in the later one."""
    if not len(earlier.shingles):
        return 0.0
    return overlap(earlier.shingles, later.shingles) / len(earlier.shingles)


def flash_coverage(flash: Doc, doc: Doc) -> float:
    """Share of the flash's title words found in the article's title or first paragraph."""
    words = flash.title_tokens
    if not words:
        return 0.0
    return len(words & (doc.title_tokens | doc.lead_tokens)) / len(words)


def _sketch(doc: Doc) -> list[int]:
    return doc.shingles[:SKETCH_SIZE].tolist()  # shingles are sorted: these are the k smallest


class _SlidingIndex:
    """Inverted index over the docs published in the last ``span`` seconds."""

    def __init__(self, span: float, keys: Callable[[Doc], Iterable], min_hits: int = 1):
        self.span = span
        self.min_hits = min_hits
        self.keys_of = keys
        self.postings: dict[object, set[int]] = defaultdict(set)
        self.docs: dict[int, tuple[Doc, list]] = {}
        self.expiry: list[tuple[float, int]] = []
        self._next = 0

    def add(self, doc: Doc) -> None:
        key = self._next
        self._next += 1
        keys = list(set(self.keys_of(doc)))
        self.docs[key] = (doc, keys)
        for k in keys:
            self.postings[k].add(key)
        heapq.heappush(self.expiry, (doc.ts, key))

    def advance(self, now: float) -> None:
        """Forget docs published more than ``span`` before ``now``."""
        while self.expiry and self.expiry[0][0] < now - self.span:
            _, key = heapq.heappop(self.expiry)
            _, keys = self.docs.pop(key)
            for k in keys:
                bucket = self.postings[k]
                bucket.discard(key)
                if not bucket:
                    del self.postings[k]

    def candidates(self, probe: Iterable) -> list[Doc]:
        get = self.postings.get
        buckets = [b for b in map(get, probe) if b and len(b) <= MAX_POSTING]
        if not buckets:
            return []
        hits = Counter(chain.from_iterable(buckets))  # counted in C
        min_hits = self.min_hits
        found = [kv for kv in hits.items() if kv[1] >= min_hits]
        best = heapq.nlargest(MAX_CANDIDATES, found, key=lambda kv: (kv[1], -kv[0]))
        return [self.docs[key][0] for key, _ in best]


def link(batch: list[Doc], stored: list[Doc], duplicates: dict[str, str]) -> None:
    """Set ``story_id`` and ``duplicate_of`` on every batch doc that is not pinned.

    Pinned docs (``doc.stored``: rows already in yonhap.articles, refetched or not) keep their
    story_id and duplicate_of; they are linked *to*, never re-linked.
    """
    story_of: dict[str, str] = {}
    for d in (*stored, *batch):
        if d.stored:
            story_of[d.article_id] = d.story_id or d.article_id
    ranks: dict[str, set[int]] = defaultdict(set)  # story -> version ranks it already holds
    updates = _SlidingIndex(LINK_WINDOW.total_seconds(), _sketch, MIN_SKETCH_HITS)
    flashes = _SlidingIndex(FLASH_WINDOW.total_seconds(), lambda d: d.title_tokens)
    # serial key -> the placed articles carrying it (stored ones first, then in walk order)
    placed: dict[tuple, list[Doc]] = defaultdict(list)
    for doc in (*stored, *batch):
        if doc.stored and _serial_linkable(doc):
            placed[doc.serial_key].append(doc)
    for doc in sorted((*stored, *batch), key=lambda d: d.order_key):
        updates.advance(doc.ts)
        flashes.advance(doc.ts)
        if not doc.stored:
            _assign(doc, updates, flashes, story_of, ranks, duplicates, placed)
            story_of[doc.article_id] = doc.story_id
            if _serial_linkable(doc):
                placed[doc.serial_key].append(doc)
        if doc.standalone or doc.duplicate_of or not doc.has_body:
            continue
        ranks[story_of[doc.article_id]].add(doc.rank)
        (flashes if doc.version_label == URGENT else updates).add(doc)
    _link_late_flashes(batch, stored, story_of, ranks)


def _link_late_flashes(batch, stored, story_of, ranks) -> None:
    """A flash crawled in a later run than its full article joins that article's existing
    story (a stored story_id never changes, so the story keeps the article's id even though
    the flash is earlier): same title-word rule as the forward case, looking *forward* up to
    FLASH_WINDOW from the flash, into stories that hold no flash yet."""
    lonely = [
        d
        for d in batch
        if not d.stored
        and d.version_label == URGENT
        and not d.duplicate_of
        and d.story_id == d.article_id
        and ranks.get(d.story_id, {d.rank}) == {d.rank}
    ]
    if not lonely:
        return
    fulls = sorted(
        (
            d
            for d in (*stored, *batch)
            if d.version_label != URGENT and not d.standalone and not d.duplicate_of and d.has_body
        ),
        key=lambda d: d.ts,
    )
    times = [d.ts for d in fulls]
    span = FLASH_WINDOW.total_seconds()
    for flash in sorted(lonely, key=lambda d: d.order_key):
        window = fulls[bisect_left(times, flash.ts) : bisect_right(times, flash.ts + span)]
        chosen = _later_story(flash, window, story_of, ranks)
        if chosen is not None:
            ranks.pop(flash.story_id, None)
            flash.story_id = story_of[flash.article_id] = chosen
            ranks[chosen].add(flash.rank)


def _later_story(flash: Doc, window: list[Doc], story_of: dict[str, str], ranks: dict[str, set[int]]) -> str | None:
    """The story a late flash joins: its best-covered full article in ``window`` whose story
    holds no flash yet."""

    def open_story(cand: Doc) -> str | None:
        story = story_of.get(cand.article_id, cand.story_id or cand.article_id)
        return None if flash.rank in ranks.get(story, ()) else story

    return _best(window, lambda cand: flash_coverage(flash, cand), FLASH_COVERAGE, open_story)


def _serial_linkable(doc: Doc) -> bool:
    """May the id's serial link this article to others (and others to it)?"""
    return doc.serial_key is not None and not doc.standalone and not doc.duplicate_of and doc.has_body


def _serial_story(doc: Doc, placed: dict[tuple, list[Doc]], story_of: dict[str, str]) -> str | None:
    """The story of the lowest-version placed article sharing ``doc``'s serial (then the
    earliest, then the smallest id), or None."""
    members = placed.get(doc.serial_key) if doc.serial_key is not None else None
    if not members:
        return None
    root = min(members, key=lambda d: (d.id_version, d.ts, d.article_id))
    return story_of.get(root.article_id, root.story_id or root.article_id)


def _assign(
    doc: Doc,
    updates: _SlidingIndex,
    flashes: _SlidingIndex,
    story_of: dict[str, str],
    ranks: dict[str, set[int]],
    duplicates: dict[str, str],
    placed: dict[tuple, list[Doc]],
) -> None:
    original = duplicates.get(doc.article_id)
    if original:
        doc.duplicate_of = original
        doc.story_id = story_of.get(original, original)
        return
    doc.duplicate_of = None
    doc.story_id = doc.article_id
    if doc.standalone or not doc.has_body:
        return
    serial = _serial_story(doc, placed, story_of)
    if serial is not None:  # the id says it: same day, same serial -> same story
        doc.story_id = serial
        return
    if doc.version_label == URGENT:
        return

    def open_story(cand: Doc) -> str | None:
        """The story of an earlier candidate, if it holds no article of ``doc``'s rank yet."""
        if cand.rank >= doc.rank or cand.ts > doc.ts:
            return None
        story = story_of.get(cand.article_id, cand.story_id or cand.article_id)
        return None if doc.rank in ranks.get(story, ()) else story

    probe = doc.shingles[:PROBE_SIZE].tolist()
    best = _best(updates.candidates(probe), lambda cand: containment(cand, doc), BODY_CONTAINMENT, open_story)
    if best is None and flashes.docs:
        words = doc.title_tokens | doc.lead_tokens
        best = _best(flashes.candidates(words), lambda cand: flash_coverage(cand, doc), FLASH_COVERAGE, open_story)
    if best is not None:
        doc.story_id = best


def _best(
    candidates: list[Doc],
    score: Callable[[Doc], float],
    threshold: float,
    open_story: Callable[[Doc], str | None],
) -> str | None:
    """Story of the candidate with the highest score >= threshold (then the earliest, then the
    smallest id) among those ``open_story`` accepts (it returns the story, or None)."""
    chosen, chosen_key = None, None
    for cand in candidates:
        story = open_story(cand)
        if story is None:
            continue
        value = score(cand)
        if value < threshold:
            continue
        key = (-value, cand.ts, cand.article_id)
        if chosen_key is None or key < chosen_key:
            chosen, chosen_key = story, key
    return chosen
