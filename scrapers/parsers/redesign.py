"""The redesigned article layout (``main.article-view``): ``header.article-head`` with
``h2.headline`` and ``<time datetime>``, body ``section.article-body`` of ``div.paragraph``
blocks, photos in ``div.media-block``, e-mail in ``address.reporter-mail``."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from scrapers.parsers.base import LayoutParser, Page, _cls
from scrapers.parsers.text import (
    cf_email_of,
    flatten_blocks,
    is_boilerplate_paragraph,
    iso_datetime,
    norm_or_none,
    split_notice,
    text_of,
)

BODY_SKIP_CLASSES = frozenset(
    {"media-block", "media-caption", "end-mark", "reporter-mail", "reporter-card", "related-articles",
     "banner", "ad", "ads", "share"}
)


def _skip_in_body(el) -> bool:
    classes = set((el.get("class") or "").split())
    return bool(classes & BODY_SKIP_CLASSES) or el.tag in ("address", "aside", "nav", "picture", "figure")


class RedesignParser(LayoutParser):
    layout = "redesign-v1"

    ROOT = f"//main[{_cls('article-view')}]"
    HEAD = f"{ROOT}//header[{_cls('article-head')}]"
    BODY = f"{ROOT}//section[{_cls('article-body')}]"
    selectors = {
        "title_raw": f"{HEAD}//*[{_cls('headline')}]",
        "section": f"{HEAD}//*[{_cls('category')}]",
        "published_at": f"{HEAD}//time[not({_cls('modified')})]/@datetime",
        "updated_at": f"{HEAD}//time[{_cls('modified')}]/@datetime",
        "paragraphs": f"{BODY}//div[{_cls('paragraph')}] (minus end-mark, media, reporter)",
        "images": f"{BODY}//div[{_cls('media-block')}]",
        "author_email": f"{ROOT}//*[contains(@href, 'email-protection#') or @data-cfemail]",
    }

    @classmethod
    def recognizes(cls, page: Page) -> bool:
        return bool(page.xpath(cls.ROOT)) and bool(page.xpath(cls.BODY))

    def _first_text(self, expr: str) -> str | None:
        for el in self.page.xpath(expr):
            value = norm_or_none(text_of(el))
            if value:
                return value
        return None

    def _first_time(self, expr: str) -> datetime | None:
        for value in self.page.xpath(expr):
            dt = iso_datetime(str(value))
            if dt is not None:
                return dt
        return None

    def title_raw(self) -> str | None:
        return self._first_text(self.selectors["title_raw"])

    def section(self) -> str | None:
        return self._first_text(self.selectors["section"])

    def published_at(self) -> datetime | None:
        return self._first_time(self.selectors["published_at"])

    def updated_at(self) -> datetime | None:
        return self._first_time(self.selectors["updated_at"])

    def paragraphs(self) -> list[str]:
        bodies = self.page.xpath(self.BODY)
        if not bodies:
            return []
        return [p for p in flatten_blocks(bodies[0], _skip_in_body) if not is_boilerplate_paragraph(p)]

    def images(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for block in self.page.xpath(self.selectors["images"]):
            imgs = block.xpath(".//img")
            if not imgs:
                continue
            src = imgs[0].get("data-src") or imgs[0].get("src")
            if not src:
                continue
            text = block.xpath(f".//*[{_cls('media-text')}]")
            notice = block.xpath(f".//*[{_cls('media-notice')}]")
            caption, inline_notice = split_notice(text_of(text[0])) if text else ("", None)
            out.append(
                {
                    "url": urljoin(self.page.url, src.strip()),
                    "alt": norm_or_none(imgs[0].get("alt")),
                    "caption": caption or None,
                    "notice": (norm_or_none(text_of(notice[0])) if notice else None) or inline_notice,
                }
            )
        return out

    def author_email(self) -> str | None:
        for el in self.page.xpath(self.selectors["author_email"]):
            email = cf_email_of(el)
            if email:
                return email
        return None
