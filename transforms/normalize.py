"""Text normalization: one rule set for every string the transform emits.

Rules (also in docs/transforms.md):

1. Unicode NFC.
2. Spaces: every Unicode space variant (no-break U+00A0, narrow no-break U+202F, thin U+2009,
   the U+2000-U+200A family, ideographic U+3000, tabs, line breaks inside a paragraph) becomes
   one plain U+0020; runs collapse to one; leading/trailing spaces go. French typography's
   thin spaces before ``; : ! ?`` and inside « » are therefore plain spaces, and **no space is
   ever inserted or removed around punctuation** — the text keeps the spacing it was published
   with, only the kind of space changes.
3. Invisible characters (zero-width space/joiners, word joiner, BOM, soft hyphen) and control
   characters are removed.
4. Quotes: typographic apostrophes and single quotes (’ ‘ ‛) become ``'``; English double quotes
   (“ ” „ ‟) become ``"``; French guillemets « » and ‹ › stay as they are.

Every step maps a character to at most one character class that is never a letter, so letters
(``str.isalpha``) survive in order (after NFC composition) and the whole function is
idempotent.
"""

from __future__ import annotations

import re
import unicodedata

# Rule 4: quotes.
_QUOTES = (
    ("\u2018", "'"),  # ‘
    ("\u2019", "'"),  # ’
    ("\u201b", "'"),  # ‛
    ("\u201c", '"'),  # “
    ("\u201d", '"'),  # ”
    ("\u201e", '"'),  # „
    ("\u201f", '"'),  # ‟
)
# Rule 3: invisible format characters and C0/C1 controls other than whitespace.
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
# Rule 2 uses str.split(), which splits on every character str.isspace() accepts (U+00A0,
# U+202F, U+2000-U+200A, U+3000, tabs, newlines, U+0085 ...). All of those but U+0020, and
# every invisible above, are non-printable: str.isprintable() is the fast "anything to do?" test.
_PARAGRAPH_BREAK_RE = re.compile(r"\n[^\S\n]*\n\s*")


def normalize_text(text: str | None) -> str:
    """One line of clean text (rules 1-4 in the module docstring)."""
    if not text:
        return ""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
        for typographic, plain in _QUOTES:
            if typographic in text:
                text = text.replace(typographic, plain)
    if not text.isprintable():  # a fast C scan: spaces other than U+0020, controls, invisibles
        text = " ".join(_INVISIBLE_RE.sub("", text).split())  # str.split() = every Unicode space
    elif "  " in text or text[0] == " " or text[-1] == " ":
        text = " ".join(text.split())
    # Removing an invisible character can bring a base letter next to a combining mark.
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def split_paragraphs(texts: list[str] | tuple[str, ...]) -> list[str]:
    """Normalized, non-empty paragraphs; a blank line inside one input text splits it."""
    out: list[str] = []
    for text in texts:
        if not text:
            continue
        for part in _PARAGRAPH_BREAK_RE.split(text) if "\n" in text else (text,):
            clean = normalize_text(part)
            if clean:
                out.append(clean)
    return out


# The Unicode combining-mark blocks (accents once NFKD has split them off their letters).
_COMBINING_RE = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def fold(text: str) -> str:
    """Case- and accent-insensitive key (for matching titles and tokens, never for output)."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    return _COMBINING_RE.sub("", unicodedata.normalize("NFKD", folded))


_WORD_RE = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    """Folded word tokens (letters/digits runs) of a text."""
    return _WORD_RE.findall(fold(text))


def word_count(text: str) -> int:
    """Space-separated tokens, as the replica's truth counts them ("l'armée" = 1, "--" = 1)."""
    return len(text.split())
