"""Which words module serves an edition: ``text`` (fr) or ``text_en`` (en), the same public names."""

from __future__ import annotations

from types import ModuleType

from devtools.replica import text, text_en

WORDS: dict[str, ModuleType] = {m.EDITION.code: m for m in (text, text_en)}


def words_for(code: str) -> ModuleType:
    """The replica's vocabulary and templates of edition ``code`` (ground.core.editions)."""
    try:
        return WORDS[code]
    except KeyError:
        raise ValueError(f"no replica words for edition {code!r}; known: {', '.join(WORDS)}") from None
