"""The replica's truth record and its stable pseudo-random numbers (no module of the replica
below this one: corpus, markup and the hostile pages all build on it)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def derive(*parts: Any) -> int:
    """Stable 64-bit integer from parts (never Python's randomized hash())."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def unit(*parts: Any) -> float:
    """Stable float in [0, 1) from parts."""
    return derive(*parts) / 2.0**64



@dataclass
class ArticleTruth:
    """What an article is, for tests to compare the pipeline's output against."""

    article_id: str
    url: str  # canonical: <canonical_base>/view/<id>
    title: str  # without the version prefix
    title_raw: str  # as published
    version_label: str | None
    section: str
    published_at: datetime  # tz-aware KST
    updated_at: datetime | None  # set only when the edited version is being served
    dateline: str
    paragraphs: list[str]  # clean text; the first starts with dateline + " -- "
    lead: str
    images: list[dict[str, str | None]]  # {url, alt, caption (no notice, or None), notice}
    author_email: str | None
    story_id: str
    duplicate_of: str | None
    is_routine: bool
    has_edit: bool  # an edited version exists (served when edits are on)
    kind: str = "story"  # story | routine | duplicate | hostile | continued
    is_table: bool = False  # mostly figures (continued parts): loaded with is_table, as routine items
    hostile: str | None = None
    byline: str | None = None  # "Kim Min-ji" (the page shows "Par Kim Min-ji")
    editor_note: str | None = None  # "ATTN : ..." / "NDLR : ..." (the page adds parentheses)
    keywords: list[str] = field(default_factory=list)  # page tags, no "#", page order
    variations: dict[str, Any] = field(default_factory=dict)

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def word_count(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["published_at"] = self.published_at.isoformat()
        out["updated_at"] = self.updated_at.isoformat() if self.updated_at else None
        out["body"] = self.body
        out["word_count"] = self.word_count
        return out
