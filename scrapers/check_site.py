"""check-site: fetch the feed, one list page and a few article pages, and report which
extraction layers and selectors matched each field (for operators, when the live site changes).

For every article page it also reports the template facts the parsers rely on
(docs/site.md, "Article page: the real template"): og:title carries the
" | og:site_name" suffix, which JSON-LD blocks are (in)valid, CONTENT_DATA and article:section
present, and how many nodes each layout landmark selector matched. An assumption that no
longer holds is listed as drift (shown, not a failure: the essential fields decide that).

Plain blocking HTTP (urllib) with the crawler's identity; robots.txt is obeyed. No Scrapy.
"""

from __future__ import annotations

import urllib.error
import urllib.request
import urllib.robotparser
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ground.core.schema import LAYER_GENERIC, LAYER_JSONLD, LAYER_META, LAYER_SELECTOR
from scrapers.canonical import list_page_url, rss_url
from scrapers.discovery import parse_list_page, parse_rss
from scrapers.parsers.base import Page
from scrapers.parsers.generic import GenericExtractor
from scrapers.parsers.metadata import Metadata
from scrapers.parsers.registry import Registry
from scrapers.parsers.yna_cms import YnaCmsParser

# Fields without which an article cannot be loaded: check-site fails when one is missing.
ESSENTIAL_FIELDS = ("title_raw", "published_at", "paragraphs", "url")
REPORTED_FIELDS = (
    "url", "title_raw", "section", "published_at", "updated_at", "paragraphs", "images",
    "author_email", "lead", "byline", "editor_note", "keywords",
)


@dataclass
class PageCheck:
    url: str
    status: int | None
    layout: str | None = None
    winners: dict[str, str] = field(default_factory=dict)  # field -> winning layer
    matches: dict[str, dict[str, bool]] = field(default_factory=dict)  # field -> layer -> found
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    template: dict[str, Any] = field(default_factory=dict)  # see template_facts()
    selectors: dict[str, dict[str, int]] = field(default_factory=dict)  # layout -> probe -> node count
    drift: list[str] = field(default_factory=list)  # template assumptions that did not hold


@dataclass
class SiteReport:
    base_url: str
    robots_ok: bool = True
    feed_items: int = 0
    list_items: int = 0
    pages: list[PageCheck] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unreachable: str | None = None  # no HTTP answer at all: the first network error

    @property
    def ok(self) -> bool:
        return not self.problems

    def drift(self) -> list[str]:
        """Template assumptions that stopped holding, each with the share of pages it hit."""
        counted: dict[str, int] = {}
        for page in self.pages:
            for line in dict.fromkeys(page.drift):
                counted[line] = counted.get(line, 0) + 1
        checked = sum(1 for p in self.pages if p.status == 200)
        return [f"{line} ({n} of {checked} pages)" for line, n in counted.items()]

    def verdict_line(self) -> str | None:
        """One line for the canary: None when every layer and selector still matches."""
        host = urlsplit(self.base_url).netloc or self.base_url
        if self.unreachable:
            return f"{host} unreachable: {self.unreachable}"
        changes = self.problems + self.drift()
        if not changes:
            return None
        shown = "; ".join(changes[:6]) + (f"; {len(changes) - 6} more" if len(changes) > 6 else "")
        return f"the site changed: {shown}"


class Unreachable(OSError):
    """No HTTP answer from the site (DNS, refused, timed out)."""


def _fetch(url: str, user_agent: str, timeout: float) -> tuple[int, bytes, dict[str, str]]:
    req = urllib.request.Request(url, headers={"User-Agent": user_agent})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (http(s) only, from settings)
            return resp.status, resp.read(), dict(resp.headers.items())
    except urllib.error.HTTPError as err:
        return err.code, err.read() or b"", dict(err.headers.items()) if err.headers else {}
    except (urllib.error.URLError, OSError) as err:
        raise Unreachable(f"{getattr(err, 'reason', err)} ({url})") from None


def layer_matches(page: Page, registry: Registry) -> tuple[str | None, dict[str, dict[str, bool]]]:
    """For every field, which layers found a value (not only the winner)."""
    meta = Metadata(page.doc) if page.doc is not None else None
    parser = registry.parser_for(page) if page.doc is not None else None
    generic = GenericExtractor(page)
    found: dict[str, dict[str, bool]] = {}

    def meta_layer(getter) -> dict[str, bool]:
        value, layer = getter() if meta is not None else (None, None)
        ok = value not in (None, "", [])
        return {LAYER_JSONLD: ok and layer == LAYER_JSONLD, LAYER_META: ok and layer == LAYER_META}

    def sel(name: str) -> bool:
        return parser is not None and getattr(parser, name)() not in (None, "", [])

    if meta is not None:
        found["url"] = meta_layer(meta.url)
        found["title_raw"] = {**meta_layer(meta.title), LAYER_SELECTOR: sel("title_raw"), LAYER_GENERIC: bool(generic.title())}
        found["section"] = {**meta_layer(meta.section), LAYER_SELECTOR: sel("section")}
        found["published_at"] = {
            **meta_layer(meta.published_at), LAYER_SELECTOR: sel("published_at"),
            LAYER_GENERIC: generic.published_at() is not None,
        }
        found["updated_at"] = {**meta_layer(meta.updated_at), LAYER_SELECTOR: sel("updated_at")}
        found["paragraphs"] = {LAYER_SELECTOR: sel("paragraphs"), LAYER_GENERIC: bool(generic.paragraphs())}
        found["images"] = {**meta_layer(meta.image_urls), LAYER_SELECTOR: sel("images")}
        found["author_email"] = {**meta_layer(meta.author_email), LAYER_SELECTOR: sel("author_email")}
        found["lead"] = {LAYER_SELECTOR: sel("paragraphs"), LAYER_GENERIC: bool(generic.paragraphs())}
        found["byline"] = {LAYER_SELECTOR: sel("byline")}
        found["editor_note"] = {LAYER_SELECTOR: sel("editor_note")}
        found["keywords"] = {**meta_layer(meta.keywords), LAYER_SELECTOR: sel("keywords")}
    return (parser.layout if parser else None), found


def template_facts(page: Page) -> dict[str, Any]:
    """The head facts of the real template, as found on this page."""
    if page.doc is None:
        return {}
    meta = Metadata(page.doc)
    og_title = meta.meta.get("og:title")
    site = meta.site_name
    return {
        "og_site_name": site,
        "og_title_suffix": bool(og_title and site and og_title.strip().endswith(f" | {site}")),
        "jsonld": [{"type": kind, "valid": valid} for kind, valid in meta.jsonld_blocks],
        "content_data": meta.content_data is not None,
        "content_data_keys": sorted(meta.content_data or {}),
        "article_section": bool((meta.meta.get("article:section") or "").strip()),
        "article_published_time": bool((meta.meta.get("article:published_time") or "").strip()),
        "og_description_cut": bool((meta.description() or "").endswith("...")),
    }


def selector_matches(page: Page, registry: Registry) -> dict[str, dict[str, int]]:
    """For each registered layout (and the yna-cms template), how many nodes each landmark
    selector matched on the page."""
    parsers = list(registry.parsers)
    if YnaCmsParser not in parsers:
        parsers.insert(0, YnaCmsParser)
    return {p.layout: {label: len(page.xpath(expr)) for label, expr in p.probes.items()} for p in parsers}


def template_drift(facts: dict[str, Any], selectors: dict[str, dict[str, int]], layout: str | None) -> list[str]:
    """The template assumptions this page breaks (empty on a page of the known template)."""
    if not facts:
        return ["page could not be parsed"]
    out = []
    if not facts["og_title_suffix"]:
        out.append("og:title has no ' | og:site_name' suffix")
    if not facts["content_data"]:
        out.append("no CONTENT_DATA script")
    if not facts["article_section"]:
        out.append("no article:section meta")
    if not facts["article_published_time"]:
        out.append("no article:published_time meta")
    layout = layout or YnaCmsParser.layout
    for label, count in selectors.get(layout, {}).items():
        if count == 0 and label in _REQUIRED_PROBES:
            out.append(f"{layout}: selector {label} matched nothing")
    return out


# Landmarks every page of a layout has (the others are optional: photos, tags, update line).
_REQUIRED_PROBES = frozenset({
    "header.title-article01 h1.tit", "div.info-con span.txt", "article.story-news", "article.story-news p",
    "main.article-view", "header.article-head .headline", "section.article-body", "div.paragraph",
})


def check_site(
    base_url: str, user_agent: str, *, articles: int = 3, timeout: float = 20.0, registry: Registry | None = None
) -> SiteReport:
    registry = registry or Registry.from_names(None)  # YONHAP_PARSERS, as the crawler
    report = SiteReport(base_url=base_url)
    try:
        _check(report, base_url, user_agent, articles, timeout, registry)
    except Unreachable as err:
        report.unreachable = str(err)
        report.problems.append(f"unreachable: {err}")
    return report


def _check(report: SiteReport, base_url: str, user_agent: str, articles: int, timeout: float,
           registry: Registry) -> None:
    robots = urllib.robotparser.RobotFileParser()
    status, body, _ = _fetch(base_url.rstrip("/") + "/robots.txt", user_agent, timeout)
    if status >= 500:  # RFC 9309: an unreachable robots.txt disallows everything
        report.problems.append(f"robots.txt answered HTTP {status}: crawling is disallowed until it answers")
        report.robots_ok = False
        return
    robots.parse(body.decode("utf-8", "replace").splitlines() if status == 200 else [])

    def allowed(url: str) -> bool:
        if robots.can_fetch(user_agent, url):
            return True
        report.problems.append(f"robots.txt disallows {url}")
        report.robots_ok = False
        return False

    candidates: list[str] = []

    def discover(url: str, parse, problem: str) -> int:
        """Add the article URLs of the feed or a list page to the candidates; their count
        (0 when robots.txt disallows the page). ``problem``: the line when there is none."""
        if not allowed(url):
            return 0
        status, body, _ = _fetch(url, user_agent, timeout)
        entries = parse(body, base_url) if status == 200 else []
        if not entries:
            report.problems.append(problem.format(url=url, status=status))
        candidates.extend(e.url for e in entries)
        return len(entries)

    report.feed_items = discover(rss_url(base_url), parse_rss, "feed {url}: HTTP {status}, no article items")
    report.list_items = discover(list_page_url(1, base_url), parse_list_page,
                                 "list page {url}: HTTP {status}, no article entries")

    seen: set[str] = set()
    for url in candidates:
        if len(report.pages) >= articles:
            break
        if url in seen or not allowed(url):
            continue
        seen.add(url)
        status, body, headers = _fetch(url, user_agent, timeout)
        check = PageCheck(url=url, status=status)
        report.pages.append(check)
        if status != 200:
            report.problems.append(f"{url}: HTTP {status}")
            continue
        extraction = registry.extract(body, url, headers)
        page = Page(body=body, url=url, headers=headers)
        check.layout, check.matches = layer_matches(page, registry)
        check.winners = dict(extraction.sources)
        check.errors = list(extraction.errors)
        check.warnings = list(extraction.warnings)
        check.template = template_facts(page)
        check.selectors = selector_matches(page, registry)
        check.drift = template_drift(check.template, check.selectors, check.layout)
        if check.layout is None:
            report.problems.append(f"{url}: no registered layout parser recognized the page")
        for name in ESSENTIAL_FIELDS:
            if name not in extraction.fields:
                report.problems.append(f"{url}: essential field {name} not extracted")
    if not report.pages:
        report.problems.append("no article page could be checked")


def render(report: SiteReport, registry: Registry | None = None) -> Any:
    """A rich renderable: one table per article page (field x layer), then the problems."""
    from rich.console import Group  # lazy: rich ~30 ms, only to print; CLI start-up loads this
    from rich.table import Table  # lazy: as above
    from rich.text import Text  # lazy: as above

    registry = registry or Registry()
    parts: list[Any] = [
        Text(f"{report.base_url}: feed items {report.feed_items}, list items {report.list_items}")
    ]
    for check in report.pages:
        table = Table(title=f"{check.url} (HTTP {check.status}, layout {check.layout or 'none'})")
        table.add_column("field")
        for layer in (LAYER_JSONLD, LAYER_META, LAYER_SELECTOR, LAYER_GENERIC):
            table.add_column(layer)
        table.add_column("used")
        table.add_column("selector")
        parser_cls = next((p for p in registry.parsers if p.layout == check.layout), None)
        for name in REPORTED_FIELDS:
            row = check.matches.get(name, {})
            cells = [("yes" if row.get(layer) else ("no" if layer in row else "-")) for layer in
                     (LAYER_JSONLD, LAYER_META, LAYER_SELECTOR, LAYER_GENERIC)]
            selector = parser_cls.selectors.get(name, "") if parser_cls else ""
            used = check.winners.get(name, "MISSING" if name in ESSENTIAL_FIELDS else "")
            table.add_row(name, *cells, used, Text(selector))  # Text: XPath brackets are not markup
        parts.append(table)
        parts.append(_template_table(check))
        if check.errors:
            parts.append(Text("parse errors: " + "; ".join(check.errors), style="yellow"))
        if check.warnings:
            parts.append(Text("parse warnings: " + "; ".join(check.warnings), style="yellow"))
        if check.drift:
            parts.append(Text("template drift:\n  " + "\n  ".join(check.drift), style="yellow"))
    if report.problems:
        parts.append(Text("PROBLEMS:\n  " + "\n  ".join(report.problems), style="bold red"))
    else:
        parts.append(Text("OK: every essential field extracted by a registered layout", style="green"))
    return Group(*parts)


def _template_table(check: PageCheck) -> Any:
    """The page's template facts, then each layout's landmark selectors with their match counts."""
    from rich.table import Table  # lazy: as in render()
    from rich.text import Text  # lazy: as in render()

    table = Table(title="template facts and selectors")
    table.add_column("check")
    table.add_column("value")
    facts = check.template
    if facts:
        table.add_row("og:site_name", str(facts["og_site_name"]))
        table.add_row("site suffix in og:title", "yes" if facts["og_title_suffix"] else "no")
        blocks = ", ".join(f"{b['type']} ({'valid' if b['valid'] else 'INVALID'})" for b in facts["jsonld"])
        table.add_row("JSON-LD blocks", blocks or "none")
        table.add_row("CONTENT_DATA", ("yes: " + ", ".join(facts["content_data_keys"])) if facts["content_data"] else "no")
        table.add_row("article:section", "yes" if facts["article_section"] else "no")
        table.add_row("article:published_time", "yes" if facts["article_published_time"] else "no")
        table.add_row("og:description cut with '...'", "yes" if facts["og_description_cut"] else "no")
    for layout, probes in check.selectors.items():
        for label, count in probes.items():
            table.add_row(Text(f"{layout}: {label}"), f"{count} match{'es' if count != 1 else ''}")
    return table
