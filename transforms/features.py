"""What dedupe and story linking compare: one :class:`Doc` per article, batch or stored.

A Doc carries the few facts the matching rules need (time, version rank, routine flag,
content hash) and two fingerprints computed once:

* ``title_tokens`` — folded title words minus French stop words and version labels;
* ``shingles`` — sorted unique uint32 hashes of the body's word 4-grams (numpy array: about
  1 KB per article, so 100k articles fit comfortably in memory; sets of Python ints would not).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

import numpy as np

from transforms.normalize import raw_words, words
from yonhap.schema import ArticleRow, parse_time
from yonhap.timeutil import KST, article_date

SHINGLE_WORDS = 4
_DATELINE_PREFIX_RE = re.compile(r"^[^\n]{0,80}?\(Yonhap\)\s*(?:--|–|—)?\s*")

# Small French function-word list: these words say nothing about what a title is about.
STOP_WORDS = frozenset(
    """
    a au aux avec ce ces cet cette d dans de des du elle en entre est et il ils l la le les leur
    leurs lors n ne on ou par pas pour qu que qui s sa se selon ses son sont sur un une vers y
    ld urgent e apres avant contre plus
    """.split()
)

_WORD_HASHES: dict[str, int] = {}


def _word_hashes(tokens: list[str]) -> list[int]:
    """Stable 32-bit hash per word (crc32: the same in every process, unlike hash()), cached."""
    cache = _WORD_HASHES
    get = cache.get
    out = [get(w) for w in tokens]
    if None in out:
        if len(cache) > 2_000_000:  # bound the cache for pathological input
            cache.clear()
        for i, w in enumerate(tokens):
            if out[i] is None:
                out[i] = cache[w] = zlib.crc32(w.encode("utf-8"))
    return out


_MULTIPLIERS = np.array([0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F][:SHINGLE_WORDS], dtype=np.uint32)


def shingle_hashes(text: str) -> np.ndarray:
    """Sorted unique uint32 hashes of the text's lower-cased word 4-grams (fewer words: one)."""
    tokens = raw_words(text)
    if not tokens:
        return np.empty(0, dtype=np.uint32)
    ids = np.array(_word_hashes(tokens), dtype=np.uint32)
    if len(ids) < SHINGLE_WORDS:
        combined = np.array([int(np.bitwise_xor.reduce(ids * _MULTIPLIERS[: len(ids)]))], dtype=np.uint32)
        return combined
    n = len(ids) - SHINGLE_WORDS + 1
    combined = np.zeros(n, dtype=np.uint32)
    for k in range(SHINGLE_WORDS):  # uint32 arithmetic wraps: a cheap polynomial-style mix
        combined ^= ids[k : k + n] * _MULTIPLIERS[k]
        combined = (combined << np.uint32(5)) | (combined >> np.uint32(27))
    return np.unique(combined)


def title_tokens(title: str) -> frozenset[str]:
    return frozenset(w for w in words(title) if w not in STOP_WORDS and len(w) > 1)


def overlap(a: np.ndarray, b: np.ndarray) -> int:
    """Size of the intersection of two sorted unique arrays."""
    if not len(a) or not len(b):
        return 0
    return int(np.intersect1d(a, b, assume_unique=True).size)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    inter = overlap(a, b)
    union = len(a) + len(b) - inter
    return inter / union if union else 0.0


def to_datetime(value: Any) -> datetime | None:
    """Stored rows come from psycopg2 (datetime) or JSON (ISO string); both must be tz-aware."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} in stored row")
        return value
    return parse_time(str(value))


def id_time(article_id: str) -> datetime | None:
    """Midnight KST of the date in the id (fallback when a page shows no publication time)."""
    day = article_date(article_id)
    return datetime.combine(day, time(0), KST) if day else None


@dataclass(eq=False)
class Doc:
    article_id: str
    url: str
    title: str
    version_label: str | None
    rank: int
    is_routine: bool
    published: datetime | None
    content_hash: str
    body: str
    stored: bool
    row: ArticleRow | None = None  # batch docs only
    story_id: str | None = None  # fixed for stored docs; assigned by stories.link for batch docs
    duplicate_of: str | None = None
    ts: float = 0.0  # publication time as epoch seconds (id date when the page had none)
    _title_tokens: frozenset[str] | None = field(default=None, repr=False)
    _shingles: np.ndarray | None = field(default=None, repr=False)
    _lead_tokens: frozenset[str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        when = self.published or id_time(self.article_id)
        self.ts = when.timestamp() if when else 0.0

    @property
    def order_key(self) -> tuple[float, str]:
        """"First" means earliest published, then smallest id: the same answer in any order."""
        return (self.ts, self.article_id)

    @property
    def title_tokens(self) -> frozenset[str]:
        if self._title_tokens is None:
            self._title_tokens = title_tokens(self.title)
        return self._title_tokens

    @property
    def shingles(self) -> np.ndarray:
        """Body shingles without the dateline: "SEOUL, 19 juin (Yonhap) --" is shared by every
        article of the day and would make a one-line flash look like anything else."""
        if self._shingles is None:
            text = _DATELINE_PREFIX_RE.sub("", self.body, count=1)
            if len(text.split()) < SHINGLE_WORDS:
                text = f"{self.title} {text}"
            self._shingles = shingle_hashes(text)
        return self._shingles

    @property
    def lead_tokens(self) -> frozenset[str]:
        """Content words of the first paragraph, dateline removed (where a flash's words land)."""
        if self._lead_tokens is None:
            first = _DATELINE_PREFIX_RE.sub("", self.body.split("\n\n", 1)[0], count=1)
            self._lead_tokens = title_tokens(first)
        return self._lead_tokens

    @property
    def has_body(self) -> bool:
        return bool(self.body.strip())
