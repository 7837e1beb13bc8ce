"""The real article template of Yonhap's CMS (fr and en editions, docs/site.md,
"Article page: the real template"): ``header.title-article01 > h1.tit``, the ``div.info-con``
news-list link + time line, the ``article.story-news`` body with ``figure.image-zone`` photos,
and the ``div.keyword-zone01`` tag list after it.

Only what the page body shows lives here (the "selector" layer); og:title, article:* meta and
CONTENT_DATA are read by the metadata layer, which the registry asks first.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import Any

from scrapers.parsers.base import (
    LayoutParser,
    Page,
    _cls,
    all_with_class,
    first_with_class,
    text_outside,
)
from scrapers.parsers.metadata import dedupe_tags
from scrapers.parsers.text import (
    EMAIL_LINE_RE,
    EMAIL_RE,
    END_MARKER_RE,
    absolute_src,
    byline_of,
    cf_email_of,
    clean,
    editor_note_of,
    english_datetime,
    flatten_blocks,
    french_datetime,
    is_boilerplate_paragraph,
    norm_or_none,
    split_notice,
    text_of,
)

# Blocks inside article.story-news that are never body text, by class (exact) or class prefix.
BODY_SKIP_CLASSES = frozenset(
    {"comp-box", "photo-group", "image-zone", "img-con", "desc-con", "txt-copyright", "adrs", "ad", "ads",
     "advert", "banner", "share", "sns", "related-group", "writer-zone01", "__cf_email__"}
)
BODY_SKIP_PREFIXES = ("aside-box", "keyword-zone", "ad-", "banner-", "related-", "writer-zone")
BODY_SKIP_TAGS = frozenset({"figure", "figcaption", "aside", "footer", "header", "address", "nav"})


def _skip_in_body(el) -> bool:
    if el.tag in BODY_SKIP_TAGS or el.get("data-cfemail") is not None:
        return True
    classes = el.get("class")
    if not classes:  # most body elements (p, br, a, b): no class to look at
        return False
    return any(c in BODY_SKIP_CLASSES or c.startswith(BODY_SKIP_PREFIXES) for c in classes.split())


def time_of(text: str | None) -> datetime | None:
    """French ("19.06.2024 à 20h04") or English ("15:41 April 19, 2023") info line, KST."""
    return french_datetime(text) or english_datetime(text)


class YnaCmsParser(LayoutParser):
    layout = "yna-cms-v1"
    LANDMARKS = (("article", "story-news"), ("header", "title-article01"), ("div", "info-con"),
                 ("div", "keyword-zone01"))

    HEADER = f"//header[{_cls('title-article01')}]"
    TITLE = f"{HEADER}//h1[{_cls('tit')}]"
    INFO = f"//div[{_cls('info-con')}]"
    INFO_TIME = f"{INFO}//span[{_cls('txt')}]"
    INFO_UPDATE = f"{INFO}//*[{_cls('txt-update')}]"
    BODY = f"//article[{_cls('story-news')}]"
    PHOTOS = f"{BODY}//figure[{_cls('image-zone')}]"
    PHOTO_IMG = ".//img"
    PHOTO_CAPTION = f".//p[{_cls('txt-desc')}]"
    PHOTO_TITLE = f".//strong[{_cls('tit-cap')}]"  # the photo's title: not its caption
    CF_EMAIL = f"{BODY}//*[@data-cfemail or contains(@href, 'email-protection#')]"
    MAILTO = f"{BODY}//a[starts-with(@href, 'mailto:')]/@href"
    KEYWORDS = f"//div[{_cls('keyword-zone01')}]//div[{_cls('list')}]//span//a"

    selectors = {
        "title_raw": TITLE,
        "section": "(none in the body: the info-con link is the news list, not a section)",
        "published_at": f"{INFO_TIME} (French or English time line)",
        "updated_at": INFO_UPDATE,
        "paragraphs": f"{BODY} <br/>-lines (minus note/byline, photos, e-mail, end marker, ads)",
        "byline": f"{BODY} leading 'Par …'/'By …' line",
        "editor_note": f"{BODY} leading '(ATTN …)'/'(NDLR …)' line",
        "keywords": KEYWORDS,
        "images": PHOTOS,
        "author_email": f"{CF_EMAIL} or a plain e-mail line",
    }

    probes = {
        "header.title-article01 h1.tit": TITLE,
        "div.info-con span.txt": INFO_TIME,
        "div.info-con .txt-update": INFO_UPDATE,
        "article.story-news": BODY,
        "article.story-news p": f"{BODY}/p",
        "figure.image-zone": PHOTOS,
        "figure.image-zone p.txt-desc": f"{PHOTOS}//p[{_cls('txt-desc')}]",
        "e-mail (Cloudflare)": CF_EMAIL,
        "div.keyword-zone01 div.list span a": KEYWORDS,
    }

    # The methods below find these landmarks through Page.landmarks (one pass over the page's
    # containers) and search only inside them; the XPaths above are what check-site prints.
    @classmethod
    def recognizes(cls, page: Page) -> bool:
        return page.landmark("article", "story-news") is not None

    # -- shared ------------------------------------------------------------------------------
    @cached_property
    def _body(self):
        return self.page.landmark("article", "story-news")

    @cached_property
    def _info(self):
        return self.page.landmark("div", "info-con")

    @cached_property
    def _lines(self) -> list[str]:
        """Every <br/>-separated line of the body, in order, photos/ads/e-mail link removed."""
        if self._body is None:
            return []
        return flatten_blocks(self._body, _skip_in_body, br_splits=True)

    @cached_property
    def _front(self) -> tuple[list[str], list[str], int]:
        """(editor notes, bylines, index of the first body line): the note/byline lines that
        come before the dateline paragraph."""
        notes: list[str] = []
        bylines: list[str] = []
        i = 0
        for i, line in enumerate(self._lines):  # noqa: B007 (i is used after the loop)
            note = editor_note_of(line)
            if note:
                notes.append(note)
                continue
            name = byline_of(line)
            if name:
                bylines.append(name)
                continue
            break
        else:
            i = len(self._lines)
        return notes, bylines, i

    # -- fields ------------------------------------------------------------------------------
    def title_raw(self) -> str | None:
        header = self.page.landmark("header", "title-article01")
        for h1 in all_with_class(header, "h1", "tit") if header is not None else ():
            value = norm_or_none(text_of(h1))
            if value:
                return value
        return None

    def section(self) -> str | None:
        return None

    def published_at(self) -> datetime | None:
        for span in all_with_class(self._info, "span", "txt") if self._info is not None else ():
            dt = time_of(text_outside(span, "txt-update"))
            if dt is not None:
                return dt
        return None

    def updated_at(self) -> datetime | None:
        found = first_with_class(self._info, None, "txt-update") if self._info is not None else None
        return time_of(norm_or_none(text_of(found))) if found is not None else None

    def paragraphs(self) -> list[str]:
        _notes, _bylines, start = self._front
        return [line for line in self._lines[start:] if not is_boilerplate_paragraph(line)]

    def byline(self) -> str | None:
        bylines = self._front[1]
        return " et ".join(bylines) if bylines else None

    def editor_note(self) -> str | None:
        notes = self._front[0]
        return " ; ".join(notes) if notes else None

    def keywords(self) -> list[str]:
        links = []
        for zone in self.page.landmarks.get(("div", "keyword-zone01"), ()):
            for listing in all_with_class(zone, "div", "list"):
                links += [a for span in listing.iter("span") for a in span.iter("a")]
        return dedupe_tags(text_of(a) for a in links)

    def images(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for fig in all_with_class(self._body, "figure", "image-zone") if self._body is not None else ():
            img = next(fig.iter("img"), None)
            if img is None:
                continue
            src = img.get("src") or img.get("data-src")
            if not src or not src.strip():
                continue
            desc = first_with_class(fig, "p", "txt-desc")
            caption, notice = split_notice(text_of(desc)) if desc is not None else ("", None)
            out.append(
                {
                    "url": absolute_src(src, self.page.url),
                    "alt": norm_or_none(img.get("alt")),
                    "caption": caption or None,
                    "notice": notice,
                }
            )
        return out

    def author_email(self) -> str | None:
        body = self._body
        if body is None:
            return None
        for el in body.iter():
            if el.get("data-cfemail") is not None or "email-protection#" in (el.get("href") or ""):
                email = cf_email_of(el)
                if email:
                    return email
        for a in body.iter("a"):
            href = a.get("href") or ""
            m = EMAIL_RE.search(href) if href.startswith("mailto:") else None
            if m:
                return m.group(0)
        for line in reversed(self._lines):
            if EMAIL_LINE_RE.match(line):
                return line
            m = EMAIL_RE.match(line)  # "prenom.nom@yna.co.kr (FIN)" on one line
            if m and END_MARKER_RE.match(clean(line[m.end():]) or "-"):
                return m.group(0)
        return None
