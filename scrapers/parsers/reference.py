"""The reference article layout (the markup fr.yna.co.kr serves today, see
shared/yonhap-fr-site.md): ``div.title-article01`` header and ``article.story-news`` body."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from scrapers.parsers.base import LayoutParser, Page, _cls, has_class
from scrapers.parsers.text import (
    cf_email_of,
    flatten_blocks,
    french_datetime,
    is_boilerplate_paragraph,
    norm_or_none,
    split_notice,
    text_of,
)

# Blocks inside the body that are never paragraphs (photos, e-mail line, reporter, related,
# ads/banners): removed by class, whatever their tag.
BODY_SKIP_CLASSES = frozenset(
    {
        "comp-box", "photo-group", "img-con", "desc-con", "txt-copyright", "adrs",
        "writer-zone01", "related-group", "banner", "ad", "ads", "advert", "cookie-banner",
        "skip-nav", "share", "sns", "tag-zone", "keyword-zone",
    }
)


def _skip_in_body(el) -> bool:
    classes = set((el.get("class") or "").split())
    if classes & BODY_SKIP_CLASSES:
        return True
    if el.tag in ("figure", "figcaption", "aside", "footer", "header"):
        return True
    if el.get("data-cfemail") is not None or "__cf_email__" in classes or el.tag == "address":
        return True
    return False


class ReferenceParser(LayoutParser):
    layout = "reference-v1"

    HEADER = f"//div[{_cls('title-article01')}]"
    BODY = f"//article[{_cls('story-news')}]"
    selectors = {
        "title_raw": f"{HEADER}//h1[{_cls('tit')}]",
        "section": f"{HEADER}//*[{_cls('sect')}]",
        "published_at": f"{HEADER}//*[{_cls('txt-time')}]",
        "updated_at": f"{HEADER}//*[{_cls('txt-update')}]",
        "paragraphs": f"{BODY} (minus photo, e-mail, (FIN), writer, related blocks)",
        "images": f"{BODY}//figure",
        "author_email": f"{BODY}//*[@data-cfemail or contains(@href, 'email-protection#')]",
    }

    @classmethod
    def recognizes(cls, page: Page) -> bool:
        return bool(page.xpath(cls.HEADER)) or bool(page.xpath(cls.BODY))

    def _header_text(self, relative: str) -> str | None:
        """First non-empty text under the header block (searched once, then relative)."""
        for header in self.page.xpath(self.HEADER):
            for el in header.xpath(relative):
                value = norm_or_none(text_of(el))
                if value:
                    return value
        return None

    def title_raw(self) -> str | None:
        return self._header_text(f".//h1[{_cls('tit')}]")

    def section(self) -> str | None:
        return self._header_text(f".//*[{_cls('sect')}]")

    def published_at(self) -> datetime | None:
        return french_datetime(self._header_text(f".//*[{_cls('txt-time')}]"))

    def updated_at(self) -> datetime | None:
        return french_datetime(self._header_text(f".//*[{_cls('txt-update')}]"))

    def _body(self):
        found = self.page.xpath(self.BODY)
        return found[0] if found else None

    def paragraphs(self) -> list[str]:
        body = self._body()
        if body is None:
            return []
        return [p for p in flatten_blocks(body, _skip_in_body) if not is_boilerplate_paragraph(p)]

    def images(self) -> list[dict[str, Any]]:
        body = self._body()
        if body is None:
            return []
        out: list[dict[str, Any]] = []
        for fig in body.xpath(".//figure"):
            imgs = fig.xpath(".//img")
            if not imgs:
                continue
            img = imgs[0]
            src = img.get("src") or img.get("data-src")
            if not src:
                continue
            desc = fig.xpath(f".//*[{_cls('desc')}]") or fig.xpath(".//figcaption")
            caption, notice = split_notice(text_of(desc[0])) if desc else ("", None)
            out.append(
                {
                    "url": urljoin(self.page.url, src.strip()),
                    "alt": norm_or_none(img.get("alt")),
                    "caption": caption or None,
                    "notice": notice,
                }
            )
        return out

    def author_email(self) -> str | None:
        body = self._body()
        if body is None:
            return None
        for el in body.xpath(".//*[@data-cfemail or contains(@href, 'email-protection#')]"):
            email = cf_email_of(el)
            if email:
                return email
        return None


__all__ = ["ReferenceParser", "has_class"]
