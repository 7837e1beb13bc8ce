"""What dedupe and story linking compare: one :class:`Doc` per article, batch or stored.

A Doc carries the few facts the matching rules need (time, version rank, routine flag,
content hash) and two fingerprints computed once:

* ``title_tokens`` — folded title words minus French stop words and version labels;
* ``shingles`` — sorted unique uint32 hashes of the body's word-anchored 24-byte windows
  (numpy array: about 1 KB per article, so 100k articles fit comfortably in memory; sets of
  Python ints would not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from ground.core.schema import ArticleRow, parse_time
from ground.core.timeutil import id_parts, id_time
from transforms.normalize import words

_DATELINE_PREFIX_RE = re.compile(r"^[^\n]{0,80}?\(Yonhap\)\s*(?:--|–|—)?\s*")

# Small French function-word list: these words say nothing about what a title is about.
STOP_WORDS = frozenset(
    """
    a au aux avec ce ces cet cette d dans de des du elle en entre est et il ils l la le les leur
    leurs lors n ne on ou par pas pour qu que qui s sa se selon ses son sont sur un une vers y
    ld urgent e apres avant contre plus
    """.split()
)

# Shingles are word-anchored byte windows: the SHINGLE_BYTES bytes (about four French words)
# starting at each word of the lower-cased UTF-8 text. A polynomial rolling hash over prefix
# sums computes all of them in a few numpy operations (deterministic in every process).
SHINGLE_BYTES = 24
_P = 0x01000193  # odd, so invertible modulo 2**32
_P_INV = pow(_P, -1, 1 << 32)
_POW = np.ones(1, dtype=np.uint32)
_IPOW = np.ones(1, dtype=np.uint32)


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """P**i and P**-i modulo 2**32 for i < n (grown on demand)."""
    global _POW, _IPOW
    if len(_POW) < n:
        size = max(n, 2 * len(_POW), 1 << 14)
        pow_, ipow = np.ones(size, dtype=np.uint32), np.ones(size, dtype=np.uint32)
        pow_[1:] = np.cumprod(np.full(size - 1, _P, dtype=np.uint32), dtype=np.uint32)
        ipow[1:] = np.cumprod(np.full(size - 1, _P_INV, dtype=np.uint32), dtype=np.uint32)
        _POW, _IPOW = pow_, ipow
    return _POW, _IPOW


def avalanche(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer: spreads the rolling hash over all bits (uint32 wraps)."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def shingle_hashes(text: str) -> np.ndarray:
    """Sorted unique uint32 hashes of the text's word-anchored byte windows (see above)."""
    data = np.frombuffer(text.casefold().encode("utf-8"), dtype=np.uint8)
    n = len(data)
    if n == 0:
        return np.empty(0, dtype=np.uint32)
    pow_, ipow = _powers(n + 1)
    prefix = np.zeros(n + 1, dtype=np.uint32)
    np.cumsum(data.astype(np.uint32) * pow_[:n], dtype=np.uint32, out=prefix[1:])
    if n <= SHINGLE_BYTES:
        return avalanche(prefix[n:])
    is_space = (data == 32) | (data == 10)
    starts = np.flatnonzero(~is_space[1:] & is_space[:-1]) + 1
    if not is_space[0]:
        starts = np.concatenate(([0], starts))
    starts = starts[starts <= n - SHINGLE_BYTES]
    if not len(starts):  # one long token: a single window at the start
        starts = np.zeros(1, dtype=np.int64)
    windows = (prefix[starts + SHINGLE_BYTES] - prefix[starts]) * ipow[starts]
    return np.unique(avalanche(windows))


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
    part: int | None = None  # continued item: the part number of a "…-1", "…-2" title
    is_table: bool = False  # mostly figures (transforms.clean.is_table)
    # From the id (AFR/AEN<date><serial><version><desk>): the story key (edition prefix, date,
    # serial, desk) shared by the same-day versions of a story on a versioned-id site, and the
    # version digits. The prefix keeps two editions' serials apart.
    serial_key: tuple[str, str, int, str] | None = None
    id_version: int = 0

    def __post_init__(self) -> None:
        when = self.published or id_time(self.article_id)
        self.ts = when.timestamp() if when else 0.0
        parts = id_parts(self.article_id)
        if parts is not None:
            day, serial, self.id_version, desk = parts
            self.serial_key = (self.article_id[:3], day, serial, desk)

    @property
    def is_continued(self) -> bool:
        return self.part is not None

    @property
    def standalone(self) -> bool:
        """Routine items and parts of continued items: each its own story, linked to nothing."""
        return self.is_routine or self.part is not None

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
            self._shingles = shingle_hashes(self.shingle_text)
        return self._shingles

    @property
    def shingle_text(self) -> str:
        text = _DATELINE_PREFIX_RE.sub("", self.body, count=1)
        return f"{self.title} {text}" if len(text) < SHINGLE_BYTES else text

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
