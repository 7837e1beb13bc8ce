"""The metadata layer: JSON-LD (when valid and an article), OpenGraph / article:* meta, the
canonical link, and the page's ``CONTENT_DATA`` object. Layout-independent, so it survives
redesigns; tried before any site selector.

Facts of the real template (docs/site.md): og:title carries a site suffix
``" | " + og:site_name``; og:description is a cut of the body, never a lead; the JSON-LD blocks
are Organization / Person / BreadcrumbList (no NewsArticle) and the Person block is invalid
JSON. An invalid block is a warning, never an error.
"""

from __future__ import annotations

import html
import json
import re
from datetime import datetime

from ground.core.schema import LAYER_JSONLD, LAYER_META
from scrapers.parsers.text import clean, compact_datetime, iso_datetime, norm_or_none

_ARTICLE_TYPES = {"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle"}
_LD_TYPE_RE = re.compile(r'"@type"\s*:\s*"([^"]+)"')
# A title suffix naming the agency, for pages without og:site_name.
_AGENCY_SUFFIX_RE = re.compile(r"\s+\|\s+[^|]*yonhap[^|]*$", re.I)
CONTENT_DATA_XPATH = '//script[@id="contentJsonData" or contains(., "CONTENT_DATA")]'
_CD_PAIR_RE = re.compile(r"""["']?([A-Z_]+)["']?\s*:\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")

# Warning texts (CrawledArticle.parse_warnings).
W_CONTENT_DATA_MISSING = "content_data: missing"
W_CONTENT_DATA_INVALID = "content_data: unreadable object"


def _walk_jsonld(data):
    if isinstance(data, list):
        for item in data:
            yield from _walk_jsonld(item)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _walk_jsonld(data["@graph"])


def _types(obj: dict) -> set[str]:
    t = obj.get("@type")
    return set(t) if isinstance(t, list) else {t} if isinstance(t, str) else set()


def strip_site_suffix(title: str | None, site_name: str | None) -> str | None:
    """'Titre | AGENCE DE PRESSE YONHAP' -> 'Titre' (the suffix named by og:site_name, or one
    naming Yonhap when the page has no og:site_name)."""
    value = norm_or_none(title)
    if value is None:
        return None
    site = clean(site_name)
    if site:
        suffix = " | " + site
        if value.endswith(suffix):
            return norm_or_none(value[: -len(suffix)])
        if value.lower().endswith(suffix.lower()):
            return norm_or_none(value[: -len(suffix)])
    return norm_or_none(_AGENCY_SUFFIX_RE.sub("", value))


def parse_content_data(script_text: str) -> dict[str, str] | None:
    """``var CONTENT_DATA = JSON.stringify({...});`` -> its string fields (None if unreadable).
    Tries JSON first, then a tolerant key/value scan (a JavaScript literal may not be JSON)."""
    start, end = script_text.find("{"), script_text.rfind("}")
    if start < 0 or end <= start:
        return None
    literal = script_text[start : end + 1]
    try:
        data = json.loads(literal)
    except ValueError:
        data = None
    if isinstance(data, dict):
        return {str(k).upper(): ("" if v is None else str(v)) for k, v in data.items()}
    pairs = {}
    for m in _CD_PAIR_RE.finditer(literal):
        key, dq, sq = m.groups()
        if dq is not None:
            try:
                pairs[key] = json.loads(f'"{dq}"')
            except ValueError:
                pairs[key] = dq
        else:
            pairs[key] = sq.replace("\\'", "'")
    return pairs or None


class Metadata:
    """Values from the page head and CONTENT_DATA; each field accessor returns (value, layer)
    or (None, None). ``warnings`` lists what was odd (invalid JSON-LD, no CONTENT_DATA)."""

    def __init__(self, doc):
        self.jsonld: dict = {}
        self.jsonld_blocks: list[tuple[str, bool]] = []  # (@type, valid JSON) per block
        self.meta: dict[str, str] = {}
        self.canonical: str | None = None
        self.warnings: list[str] = []
        self.content_data: dict[str, str] | None = None
        # One pass over the page's <meta>, <link> and <script> elements (not a search each).
        content_scripts = []  # scripts that are or read CONTENT_DATA, document order
        canonical_seen = False
        for el in doc.iter("meta", "link", "script"):
            tag = el.tag
            if tag == "meta":
                content = el.get("content")
                key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
                if content is not None and key and key not in self.meta:
                    self.meta[key] = content
            elif tag == "link":
                if not canonical_seen and el.get("rel") == "canonical" and el.get("href") is not None:
                    canonical_seen = True  # the first canonical link decides, even an empty one
                    self.canonical = el.get("href").strip() or None
            elif el.get("type") == "application/ld+json":
                self._read_jsonld(el.text or "")
            elif el.get("id") == "contentJsonData" or "CONTENT_DATA" in (el.text or ""):
                content_scripts.append(el)
        if not content_scripts:
            self.warnings.append(W_CONTENT_DATA_MISSING)
        else:
            # The CMS's own block (its id) wins over a later script that only reads CONTENT_DATA.
            script = next((el for el in content_scripts if el.get("id") == "contentJsonData"), content_scripts[0])
            self.content_data = parse_content_data(script.text or "")
            if self.content_data is None:
                self.warnings.append(W_CONTENT_DATA_INVALID)

    def _read_jsonld(self, raw: str) -> None:
        try:
            data = json.loads(raw)
        except ValueError:
            m = _LD_TYPE_RE.search(raw)
            kind = m.group(1) if m else "unknown type"
            self.jsonld_blocks.append((kind, False))
            self.warnings.append(f"jsonld: invalid JSON ({kind})")
            return
        objs = list(_walk_jsonld(data))
        kinds = sorted({t for o in objs for t in _types(o)}) or ["unknown type"]
        self.jsonld_blocks.append(("/".join(kinds), True))
        for obj in objs:
            if _types(obj) & _ARTICLE_TYPES and not self.jsonld:
                self.jsonld = obj

    # -- helpers ----------------------------------------------------------------------------
    @property
    def site_name(self) -> str | None:
        return norm_or_none(self.meta.get("og:site_name"))

    def _ld_str(self, key: str) -> str | None:
        value = self.jsonld.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, dict):
            value = value.get("name") or value.get("@id") or value.get("url")
        return norm_or_none(value) if isinstance(value, str) else None

    def _meta(self, *keys: str) -> str | None:
        for key in keys:
            value = norm_or_none(self.meta.get(key))
            if value:
                return value
        return None

    def _cd(self, key: str) -> str | None:
        if not self.content_data:
            return None
        return norm_or_none(html.unescape(self.content_data.get(key) or ""))

    def _time(self, ld_key: str, *meta_keys: str) -> tuple[datetime | None, str | None]:
        dt = iso_datetime(self._ld_str(ld_key))
        if dt is not None:
            return dt, LAYER_JSONLD
        for key in meta_keys:
            dt = iso_datetime(self.meta.get(key))
            if dt is not None:
                return dt, LAYER_META
        return None, None

    # -- fields -----------------------------------------------------------------------------
    def url(self) -> tuple[str | None, str | None]:
        if self.canonical:
            return self.canonical, LAYER_META
        value = self._ld_str("url") or self._ld_str("mainEntityOfPage")
        if value:
            return value, LAYER_JSONLD
        value = self._meta("og:url")
        return (value, LAYER_META) if value else (None, None)

    def head_title(self) -> str | None:
        """og:title (or twitter:title, meta title, itemprop headline) without the site suffix."""
        for key in ("og:title", "twitter:title", "title", "headline"):
            value = strip_site_suffix(self.meta.get(key), self.site_name)
            if value:
                return value
        return None

    def content_data_title(self) -> str | None:
        return self._cd("TITLE")

    def title(self) -> tuple[str | None, str | None]:
        value = strip_site_suffix(self._ld_str("headline"), self.site_name)
        if value:
            return value, LAYER_JSONLD
        value = self.head_title() or self.content_data_title()
        return (value, LAYER_META) if value else (None, None)

    def section(self) -> tuple[str | None, str | None]:
        value = self._ld_str("articleSection")
        if value:
            return value, LAYER_JSONLD
        value = self._meta("article:section") or self._cd("SECTION_NAME")
        if not value and self._cd("SECTION"):
            value = norm_or_none(self._cd("SECTION").split(";")[-1])  # "path;Name"
        return (value, LAYER_META) if value else (None, None)

    def published_at(self) -> tuple[datetime | None, str | None]:
        dt, layer = self._time("datePublished", "article:published_time")
        if dt is None:
            dt = compact_datetime(self._cd("DATETIME"))  # KST wall time
            layer = LAYER_META if dt is not None else None
        return dt, layer

    def updated_at(self) -> tuple[datetime | None, str | None]:
        """A modification time equal to the publication time means "never modified"."""
        modified, layer = self._time("dateModified", "article:modified_time")
        published, _ = self.published_at()
        if modified is not None and published is not None and modified <= published:
            if layer == LAYER_JSONLD:  # JSON-LD may repeat datePublished; meta may still know
                dt = iso_datetime(self.meta.get("article:modified_time"))
                if dt is not None and dt > published:
                    return dt, LAYER_META
            return None, None
        return modified, layer

    def description(self) -> str | None:
        """og:description: a ~90-character cut of the body ending "...", never the lead
        (kept for check-site only)."""
        return self._meta("og:description", "description")

    def keywords(self) -> tuple[list[str], str | None]:
        """CONTENT_DATA KEYWORD: "tag1;tag2" -> ["tag1", "tag2"]."""
        raw = self._cd("KEYWORD")
        tags = dedupe_tags((raw or "").split(";"))
        return (tags, LAYER_META) if tags else ([], None)

    def author_email(self) -> tuple[str | None, str | None]:
        author = self.jsonld.get("author")
        for obj in author if isinstance(author, list) else [author]:
            if isinstance(obj, dict) and isinstance(obj.get("email"), str) and "@" in obj["email"]:
                return clean(obj["email"]), LAYER_JSONLD
        return None, None

    def image_urls(self) -> tuple[list[str], str | None]:
        image = self.jsonld.get("image")
        urls: list[str] = []
        for obj in image if isinstance(image, list) else [image]:
            if isinstance(obj, str):
                urls.append(obj)
            elif isinstance(obj, dict) and isinstance(obj.get("url"), str):
                urls.append(obj["url"])
        if urls:
            return urls, LAYER_JSONLD
        og = self._meta("og:image")
        # og:image is often the site logo when an article has no photo: not an article image.
        if og and "logo" not in og.lower():
            return [og], LAYER_META
        return [], None


def dedupe_tags(raw_tags) -> list[str]:
    """Tags without "#", stripped, in order, first occurrence kept."""
    out: list[str] = []
    for raw in raw_tags:
        tag = clean(raw).lstrip("#").strip()
        if tag and tag not in out:
            out.append(tag)
    return out
