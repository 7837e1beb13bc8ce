"""HTML/XML of the replica: article pages (reference and redesign layouts), list pages, RSS,
robots.txt. Pure functions of the truth and its variation flags."""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from yonhap.schema import SECTIONS
from yonhap.timeutil import UTC

SITE_NAME = "AGENCE DE PRESSE YONHAP"
LOGO = "https://r.yna.co.kr/global/home/v01/img/yonhapnews_logo_600x600_fr01.jpg"
RSS_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
RSS_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

ROBOTS_TXT = b"""User-agent: *
Disallow: /search
Disallow: /print/
Disallow: /__replica__/
Allow: /
"""

_NAMED = {"\u00ab": "&laquo;", "\u00bb": "&raquo;", " :": "&nbsp;:", " ?": "&nbsp;?"}
_NUMERIC = {"\u00ab": "&#171;", "\u00bb": "&#187;", " :": "&#160;:", " !": "&#160;!"}


@dataclass(frozen=True)
class Page:
    body: bytes
    etag: str
    last_modified: str  # HTTP date
    last_modified_dt: datetime


def esc(text: str, style: str = "plain") -> str:
    """Escape text for HTML, spelling some characters as entities the way the site does."""
    out = html.escape(text, quote=False)
    table = _NAMED if style == "named" else _NUMERIC if style == "numeric" else None
    if table:
        for char, entity in table.items():
            out = out.replace(char, entity)
    return out


def attr(text: str) -> str:
    return html.escape(text, quote=True)


def cf_email(address: str, key: int) -> str:
    """Cloudflare e-mail obfuscation: hex of key byte, then each byte XOR key."""
    return f"{key:02x}" + "".join(f"{b ^ key:02x}" for b in address.encode("utf-8"))


def http_date(dt: datetime) -> str:
    return format_datetime(dt.astimezone(UTC), usegmt=True)


def time_line(dt: datetime) -> str:
    """'19.06.2024 à 20h04' (KST wall time)."""
    return f"{dt:%d.%m.%Y} à {dt:%H}h{dt:%M}"


def rss_date(dt: datetime) -> str:
    """Zone-less KST wall time, as the non-Korean Yonhap feeds print it."""
    return (f"{RSS_DAYS[dt.weekday()]}, {dt.day:02d} {RSS_MONTHS[dt.month - 1]} {dt.year} "
            f"{dt:%H:%M:%S}")


def _head(title: str, extra: str = "") -> str:
    return (f'<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(title)} | {SITE_NAME}</title>\n{extra}"
            f'<link rel="stylesheet" href="/static/css/fr.css">\n</head>\n')


def _chrome_top() -> str:
    nav = "".join(f'<li><a href="/news">{esc(s)}</a></li>' for s in SECTIONS)
    return (
        '<body>\n<div class="skip-nav"><a href="#container">Go to Contents</a> '
        '<a href="#gnb">Go to Navigation</a></div>\n'
        '<div class="cookie-banner"><p>Ce site emploie des cookies et des outils de mesure '
        "d'audience afin d'améliorer votre navigation. En poursuivant, vous acceptez leur usage. "
        '<a href="/policy">En savoir plus</a></p><button type="button">Fermer</button></div>\n'
        '<header id="header"><strong class="logo"><a href="/">Agence de presse Yonhap</a></strong>\n'
        f'<nav id="gnb"><ul>{nav}<li><a href="/search?query=">Recherche</a></li></ul></nav>\n'
        "</header>\n"
    )


FOOTER = ('<footer id="footer"><a href="/">Accueil</a> <a href="#header">Haut de page</a>\n'
          "<p class=\"copyright\">(c) Agence de presse Yonhap. Réplique locale pour tests.</p>"
          "</footer>\n</body>\n</html>\n")


def _meta(t, v) -> str:
    out = [f'<link rel="canonical" href="{attr(t.url)}">\n']
    edited = v.get("edited")
    if v["og"]:
        image = t.images[0]["url"] if t.images else LOGO
        out += [
            '<meta property="og:type" content="article">\n',
            f'<meta property="og:site_name" content="{SITE_NAME}">\n',
            f'<meta property="og:title" content="{attr(t.title_raw)}">\n',
            f'<meta property="og:description" content="{attr(t.lead)}">\n',
            f'<meta property="og:url" content="{attr(t.url)}">\n',
            f'<meta property="og:image" content="{attr(image)}">\n',
        ]
    if v["published_meta"]:
        out.append(f'<meta property="article:published_time" content="{t.published_at.isoformat()}">\n')
        out.append(f'<meta property="article:section" content="{attr(t.section)}">\n')
    if edited and (v["og"] or v["published_meta"]):
        out.append(f'<meta property="article:modified_time" content="{t.updated_at.isoformat()}">\n')
    if v["jsonld"]:
        data = {
            "@context": "https://schema.org", "@type": "NewsArticle",
            "headline": t.title_raw, "description": t.lead,
            "datePublished": t.published_at.isoformat(),
            "dateModified": (t.updated_at or t.published_at).isoformat(),
            "articleSection": t.section, "url": t.url, "inLanguage": "fr",
            "mainEntityOfPage": {"@type": "WebPage", "@id": t.url},
            "image": [i["url"] for i in t.images],
            "author": {"@type": "Organization", "name": "Agence de presse Yonhap"},
            "publisher": {"@type": "Organization", "name": "Agence de presse Yonhap",
                          "logo": {"@type": "ImageObject", "url": LOGO}},
        }
        text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
        out.append(f'<script type="application/ld+json">{text}</script>\n')
    return "".join(out)


def _related(corpus, t, style: str) -> list[tuple[str, str]]:
    links = []
    for rid in corpus.related_ids(t.article_id, t.variations["related"]):
        links.append((f"/view/{rid}", esc(corpus._title_raw(rid), style)))
    return links


def _photo_slots(t) -> dict[int, list[dict]]:
    """Paragraph index -> photos placed just before it."""
    slots: dict[int, list[dict]] = {}
    last = max(0, len(t.paragraphs) - 1)
    positions = t.variations["photo_after"]
    for i, image in enumerate(t.images):
        at = 0 if t.variations["br_body"] else min(positions[i], last)
        slots.setdefault(at, []).append(image)
    return slots


def reference_article(corpus, t) -> str:
    v = t.variations
    style = v["entities"]
    parts = [_head(t.title_raw, _meta(t, v)), _chrome_top(), '<div id="container">\n']
    parts.append(
        f'<div class="title-article01">\n<h1 class="tit">{esc(t.title_raw, style)}</h1>\n'
        f'<div class="info-con"><span class="sect">{esc(t.section)}</span>\n'
        f'<span class="txt-time">{time_line(t.published_at)}</span>'
    )
    if t.updated_at:
        parts.append(f'\n<span class="txt-update">Mis à jour {time_line(t.updated_at)}</span>')
    parts.append("</div>\n</div>\n<article class=\"story-news article\">\n")
    slots = _photo_slots(t)

    def photo(image: dict) -> str:
        return (
            '<div class="comp-box photo-group"><figure>\n'
            f'<div class="img-con"><img src="{attr(image["url"])}" alt="{attr(image["alt"])}"></div>\n'
            f'<figcaption class="desc-con"><strong class="tit">{esc(image["alt"], style)}</strong>\n'
            f'<p class="desc">{esc(image["caption"], style)} {esc(image["notice"])}</p>\n'
            "</figcaption></figure></div>\n"
        )

    if v["br_body"]:
        parts += [photo(i) for i in slots.get(0, [])]
        parts.append("<p>" + "<br><br>\n".join(esc(p, style) for p in t.paragraphs) + "</p>\n")
    else:
        for i, paragraph in enumerate(t.paragraphs):
            parts += [photo(img) for img in slots.get(i, [])]
            parts.append(f"<p>{esc(paragraph, style)}</p>\n")
    if t.author_email:
        parts.append(
            '<p class="txt-copyright adrs"><a href="/cdn-cgi/l/email-protection" class="__cf_email__" '
            f'data-cfemail="{cf_email(t.author_email, v["cf_key"])}">[email&#160;protected]</a></p>\n'
        )
    parts.append("<p>(FIN)</p>\n</article>\n")
    parts.append('<div class="writer-zone01"><strong class="tit">Rédaction</strong>'
                 '<p>Service français de l\'agence Yonhap</p></div>\n')
    related = "".join(f'<li><a href="{h}">{txt}</a></li>' for h, txt in _related(corpus, t, style))
    keyword = html.escape(t.section.split("/")[0])
    parts.append(
        f'<div class="related-group"><strong class="tit">Articles liés</strong><ul>{related}'
        f'<li><a href="/search?query={keyword}">Plus de résultats</a></li></ul></div>\n'
        f'<a class="btn-print" href="/print/{t.article_id}">Imprimer</a>\n</div>\n'
    )
    parts.append(FOOTER)
    return "".join(parts)


def redesign_article(corpus, t) -> str:
    """The same content after a simulated site redesign: new classes and structure."""
    v = t.variations
    style = v["entities"]
    parts = [_head(t.title_raw, _meta(t, v)), _chrome_top()]
    parts.append(
        '<main class="article-view" id="container">\n<header class="article-head">\n'
        f'<h2 class="headline">{esc(t.title_raw, style)}</h2>\n'
        f'<div class="meta-line"><a class="category" href="/news">{esc(t.section)}</a>\n'
        f'<time datetime="{t.published_at.isoformat()}">{t.published_at:%Y-%m-%d %H:%M}</time>'
    )
    if t.updated_at:
        parts.append(f'\n<time class="modified" datetime="{t.updated_at.isoformat()}">'
                     f'modifié {t.updated_at:%Y-%m-%d %H:%M}</time>')
    parts.append('</div>\n</header>\n<section class="article-body" id="articleBody">\n')
    slots = _photo_slots(t)
    for i, paragraph in enumerate(t.paragraphs):
        for image in slots.get(i, []):
            parts.append(
                f'<div class="media-block"><picture><img data-src="{attr(image["url"])}" '
                f'src="{attr(image["url"])}" alt="{attr(image["alt"])}"></picture>\n'
                f'<div class="media-caption"><em class="media-title">{esc(image["alt"], style)}</em>\n'
                f'<span class="media-text">{esc(image["caption"], style)}</span> '
                f'<span class="media-notice">{esc(image["notice"])}</span></div></div>\n'
            )
        parts.append(f'<div class="paragraph">{esc(paragraph, style)}</div>\n')
    if t.author_email:
        parts.append(
            '<address class="reporter-mail"><a href="/cdn-cgi/l/email-protection#'
            f'{cf_email(t.author_email, v["cf_key"])}" class="__cf_email__">'
            "[email&#160;protected]</a></address>\n"
        )
    parts.append('<div class="paragraph end-mark">(FIN)</div>\n</section>\n')
    related = "".join(f'<li><a href="{h}">{txt}</a></li>' for h, txt in _related(corpus, t, style))
    parts.append(
        '<aside class="reporter-card"><span>Rédaction</span></aside>\n'
        f'<nav class="related-articles"><h3>A lire aussi</h3><ul>{related}</ul></nav>\n</main>\n'
    )
    parts.append(FOOTER)
    return "".join(parts)


def make_page(body: bytes, modified: datetime) -> Page:
    etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    return Page(body, etag, http_date(modified), modified)


def article_page(corpus, t, layout: str) -> Page:
    if t.kind == "hostile":
        from yonhap.replica.hostile import hostile_page

        body = hostile_page(corpus, t)
    elif layout == "redesign":
        body = redesign_article(corpus, t).encode("utf-8")
    else:
        body = reference_article(corpus, t).encode("utf-8")
    return make_page(body, t.updated_at or t.published_at)


def list_page(items, n: int, has_next: bool) -> bytes:
    parts = [_head("Dernières nouvelles"), _chrome_top(), '<div id="container">\n'
             '<h2 class="tit-sub">Dernières nouvelles</h2>\n<div class="smain-list-type01"><ul>\n']
    for item in items:
        parts.append(
            f'<li><article>\n<strong class="tit"><a href="{attr(item.href)}">{esc(item.title_raw)}</a></strong>\n'
            + (f'<p class="lead">{esc(item.lead)}</p>\n' if item.lead else "")
            + f'<span class="date">{item.date_text}</span>\n</article></li>\n'
        )
    parts.append('</ul></div>\n<div class="paging">')
    if n > 1:
        parts.append(f'<a class="prev" href="{"/news" if n == 2 else f"/news/{n - 1}"}">Précédent</a> ')
    parts.append(f"<strong>{n}</strong>")
    if has_next:
        parts.append(f' <a class="next" href="/news/{n + 1}">Suivant</a>')
    parts.append("</div>\n</div>\n")
    parts.append(FOOTER)
    return "".join(parts).encode("utf-8")


def rss(items, base_url: str, now: datetime) -> bytes:
    def x(text: str) -> str:
        return html.escape(text, quote=False)

    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n'
        "<title>Yonhap - Dernières nouvelles</title>\n"
        f"<link>{x(base_url)}/news</link>\n"
        "<description>Les dernières dépêches du service français de l'agence Yonhap</description>\n"
        f"<language>fr</language>\n<lastBuildDate>{rss_date(now)}</lastBuildDate>\n"
    ]
    for item in items:
        parts.append(
            f"<item>\n<title>{x(item.title_raw)}</title>\n<link>{x(base_url + item.href)}</link>\n"
            f"<description>{x(item.summary)}</description>\n"
            f"<pubDate>{rss_date(item.published_at)}</pubDate>\n"
            f'<guid isPermaLink="false">{item.article_id}</guid>\n</item>\n'
        )
    parts.append("</channel>\n</rss>\n")
    return "".join(parts).encode("utf-8")


def simple_page(title: str, text: str, links: list[tuple[str, str]] = ()) -> bytes:
    items = "".join(f'<li><a href="{attr(h)}">{esc(t)}</a></li>' for h, t in links)
    return (_head(title) + _chrome_top() + f'<div id="container"><h2>{esc(title)}</h2>'
            f"<p>{esc(text)}</p><ul>{items}</ul></div>\n" + FOOTER).encode("utf-8")
