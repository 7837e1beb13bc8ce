"""HTML/XML of the replica: article pages ("yna-cms" = the real template, and "redesign"), list
pages, RSS, robots.txt. Pure functions of the truth and its variation flags."""

from __future__ import annotations

import functools
import hashlib
import html
import json
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import quote, urlsplit

from devtools.replica import text as french
from ground.core.editions import EDITIONS
from ground.core.timeutil import UTC

# Every page function takes the edition's words module (devtools.replica.text / text_en; its
# EDITION is the profile); the default is French, the product's default edition.
SITE_NAME = french.EDITION.site_name  # the French og:site_name (tests read it)
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


def rss_date(dt: datetime) -> str:
    """Zone-less KST wall time, as the non-Korean Yonhap feeds print it."""
    return (f"{RSS_DAYS[dt.weekday()]}, {dt.day:02d} {RSS_MONTHS[dt.month - 1]} {dt.year} "
            f"{dt:%H:%M:%S}")


def _head(title: str, extra: str = "", words=french, scripts: bool = False) -> str:
    ed = words.EDITION
    return (f'<!DOCTYPE html>\n<html lang="{ed.language}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(title)} | {ed.site_name}</title>\n{extra}"
            f'<link rel="stylesheet" href="/static/css/{ed.code}.css">\n{_head_scripts(ed.code) + _menu_data(words) if scripts else ""}'
            "</head>\n")


def _chrome_top(words=french) -> str:
    """The light top of the plain pages (errors, search): skip links, cookie banner, a menu."""
    c = words.CHROME
    nav = "".join(f'<li><a href="/news">{esc(s)}</a></li>' for s in words.EDITION.sections)
    return (
        '<body>\n<div class="skip-nav"><a href="#container">Go to Contents</a> '
        '<a href="#gnb">Go to Navigation</a></div>\n'
        f'<div class="cookie-banner"><p>{esc(c["cookie"])} '
        f'<a href="/policy">{esc(c["more_info"])}</a></p><button type="button">{esc(c["close"])}</button></div>\n'
        f'<header id="header"><strong class="logo"><a href="/">{esc(c["logo"])}</a></strong>\n'
        f'<nav id="gnb"><ul>{nav}<li><a href="/search?query=">{esc(c["search"])}</a></li></ul></nav>\n'
        "</header>\n"
    )


def footer(words=french) -> str:
    c = words.CHROME
    return (f'<footer id="footer"><a href="/">{esc(c["home"])}</a> <a href="#header">{esc(c["top"])}</a>\n'
            f'<p class="copyright">{esc(c["copyright"])}</p>'
            "</footer>\n</body>\n</html>\n")


# --- the heavy chrome of article and list pages (docs/replica.md "Page weight and chrome") ----
# The real pages weigh ~59 KiB: menus of every desk, boxes of links to other days' articles,
# ~40 scripts (ads, analytics), ad slots and a long footer. The static parts are built once per
# edition (cached); the link boxes once per KST day (Corpus.chrome_boxes).
LANGUAGES = (("한국어", "https://www.yna.co.kr/"), ("English", EDITIONS["en"].base_url + "/"),
             ("中文", "https://cn.yna.co.kr/"), ("日本語", "https://jp.yna.co.kr/"),
             ("العربية", "https://ar.yna.co.kr/"), ("Español", "https://sp.yna.co.kr/"),
             ("Français", EDITIONS["fr"].base_url + "/"))
SNS = (("facebook", "https://www.facebook.com/"), ("x", "https://x.com/"),
       ("youtube", "https://www.youtube.com/"), ("instagram", "https://www.instagram.com/"))
AD_SLOTS = ("top-banner", "right-1", "right-2", "right-3", "inline-1", "inline-2", "bottom-1", "bottom-2",
            "left-wing", "right-wing")
# External scripts of <head> and of the end of <body> (libraries, ads, analytics, widgets).
HEAD_SCRIPTS = ("/static/js/jquery-3.7.min.js", "/static/js/common.js", "/static/js/ui.menu.js",
                "/static/js/ui.layer.js", "/static/js/ads.loader.js", "/static/js/consent.js",
                "/static/js/analytics.js", "/static/js/share.js")
BODY_SCRIPTS = ("/static/js/view.js", "/static/js/photo.viewer.js", "/static/js/font.size.js",
                "/static/js/print.js", "/static/js/most.news.js", "/static/js/lazy.img.js",
                "/static/js/scroll.top.js", "/static/js/sns.share.js", "/static/js/reco.widget.js",
                "/static/js/video.player.js", "/static/js/poll.js", "/static/js/notice.layer.js")


def _menu_path(words, section: str) -> str:
    return words.SECTION_PATHS.get(section, "news")


def _ad_slot(code: str, slot: str, section_path: str = "news") -> str:
    """One ad slot: its container and the inline script that fills it (no request leaves)."""
    sizes = "[[300, 250], [300, 600]]" if slot.startswith(("right", "left")) else "[[728, 90], [970, 250]]"
    return (
        f'<div class="ad-area ad-{slot}" id="ad-{slot}" data-ad-unit="/{code}/{section_path}/{slot}">'
        f'<div class="ad-inner" style="min-height:90px"></div>'
        "<script>window.ynaAds = window.ynaAds || {queue: []};\n"
        "ynaAds.queue.push(function () {\n"
        f'  var slot = ynaAds.defineSlot("/{code}/{section_path}/{slot}", {sizes}, "ad-{slot}");\n'
        f'  slot.setTargeting("edition", "{code}").setTargeting("position", "{slot}");\n'
        '  slot.setCollapseEmptyDiv(true).addService(ynaAds.pubads());\n'
        f'  ynaAds.display("ad-{slot}");\n'
        "});</script></div>\n"
    )


def _head_scripts(code: str) -> str:
    consent = (
        "<script>(function (w) {\n"
        "  var stored = null;\n"
        '  try { stored = w.localStorage.getItem("consent-v2"); } catch (e) { stored = null; }\n'
        "  w.ynaConsent = {given: stored === \"yes\", purposes: [\"audience\", \"ads\", \"video\"],\n"
        "    ask: function (done) { if (this.given) { done(true); } else { w.setTimeout(function () { done(false); }, 0); } }};\n"
        "})(window);</script>\n"
    )
    analytics = (
        "<script>window.dataLayer = window.dataLayer || [];\n"
        "function track() { window.dataLayer.push(arguments); }\n"
        'track("js", new Date());\n'
        f'track("config", "REPLICA-{code.upper()}-1", {{anonymize_ip: true, page_type: "article", send_page_view: false}});\n'
        "</script>\n"
    )
    return ("".join(f'<script src="{src}?v=20240601" defer></script>\n' for src in HEAD_SCRIPTS)
            + consent + analytics)


@functools.lru_cache(maxsize=8)
def _menu_data(words=french) -> str:
    """The menus as the page's scripts read them (window.MENU_DATA, in <head>)."""
    data = [{"name": section, "path": f"/{_menu_path(words, section)}/index",
             "children": [{"name": sub, "path": f"/{_menu_path(words, section)}/{i:02d}", "badge": ""}
                          for i, sub in enumerate(subs, 1)]}
            for section, subs in words.MENUS.items()]
    return f"<script>window.MENU_DATA = {_script_json(data)};</script>\n"


@functools.lru_cache(maxsize=8)
def chrome_header(words=french) -> str:
    """<body> top of article and list pages: skip links, cookie banner, header#header.wrap-header
    (language switch, SNS, the all-menu layer of every desk and sub-desk, nav#nav > ul.gnb)."""
    c = words.CHROME
    b = words.BOXES
    code = words.EDITION.code
    langs = "".join(
        f'<li class="lang-item{" on" if host.startswith("https://" + words.EDITION.host) else ""}">'
        f'<a href="{attr(host)}" lang="{attr(label)}" target="_blank" rel="noopener">{esc(label)}</a></li>'
        for label, host in LANGUAGES)
    sns = "".join(f'<li class="sns-{name}"><a href="{attr(url)}" target="_blank" rel="noopener" '
                  f'data-track="header-sns-{name}"><span class="blind">{esc(name)}</span></a></li>'
                  for name, url in SNS)
    groups = []
    for section, subs in words.MENUS.items():
        path = _menu_path(words, section)
        items = "".join(
            f'<li class="menu-item"><a href="/{path}/{i:02d}" data-track="allmenu-{path}-{i:02d}">'
            f'<span class="ico" aria-hidden="true"></span><span class="txt">{esc(sub)}</span></a></li>'
            for i, sub in enumerate(subs, 1))
        groups.append(f'<div class="menu-group menu-{path}"><strong class="tit"><a href="/{path}/index">'
                      f'{esc(section)}</a></strong><ul class="list">{items}</ul></div>\n')
    extra = "".join(f'<li class="menu-item"><a href="/{slug}/index" data-track="allmenu-{slug}">'
                    f'<span class="txt">{esc(label)}</span></a></li>' for label, slug in words.EXTRA_MENUS)
    gnb = []
    for section, subs in words.MENUS.items():
        path = _menu_path(words, section)
        depth2 = "".join(f'<li><a href="/{path}/{i:02d}" data-track="gnb-{path}-{i:02d}">{esc(sub)}</a></li>'
                         for i, sub in enumerate(subs[:3], 1))
        gnb.append(f'<li class="gnb-item gnb-{path}"><a href="/{path}/index" class="depth1" '
                   f'data-track="gnb-{path}">{esc(section)}</a><ul class="depth2">{depth2}</ul></li>\n')
    return (
        '<body class="page-article">\n<div class="skip-nav"><a href="#container">Go to Contents</a> '
        '<a href="#nav">Go to Navigation</a></div>\n'
        f'<div class="cookie-banner" role="dialog"><p>{esc(c["cookie"])} '
        f'<a href="/policy">{esc(c["more_info"])}</a></p><button type="button" class="btn-close">'
        f'{esc(c["close"])}</button></div>\n'
        + _ad_slot(code, "top-banner")
        + '<header id="header" class="wrap-header">\n<div class="top-menu">'
        f'<div class="lang-zone"><strong class="blind">{esc(b["languages"])}</strong><ul class="lang-list">'
        f'{langs}</ul></div>\n<div class="sns-zone"><strong class="blind">{esc(b["follow"])}</strong>'
        f'<ul class="sns-list">{sns}</ul></div></div>\n'
        f'<div class="header-inner"><h1 class="logo"><a href="/" data-track="logo">'
        f'<span class="blind">{esc(c["logo"])}</span></a></h1>\n'
        f'<button type="button" class="btn-all-menu" aria-controls="allMenu">{esc(b["open_menu"])}</button>\n'
        f'<form class="search-form" action="/search/index" method="get"><label class="blind" for="q">'
        f'{esc(c["search"])}</label><input type="text" id="q" name="query" placeholder="{attr(b["search_placeholder"])}">'
        f'<button type="submit" class="btn-search">{esc(c["search"])}</button></form></div>\n'
        f'<div class="all-menu" id="allMenu" hidden><strong class="tit-menu">{esc(b["all_menu"])}</strong>\n'
        + "".join(groups)
        + f'<div class="menu-group menu-extra"><ul class="list">{extra}</ul></div>\n'
        f'<button type="button" class="btn-close-menu">{esc(b["close_menu"])}</button></div>\n'
        '<nav id="nav" class="nav"><ul class="gnb">\n' + "".join(gnb) + "</ul></nav>\n</header>\n"
    )


@functools.lru_cache(maxsize=8)
def chrome_footer(words=french) -> str:
    """footer#footer (nav.fnb of every desk and sub-desk, languages, SNS, company lines), then
    the scripts of the end of <body>, and the end of the page."""
    c = words.CHROME
    b = words.BOXES
    code = words.EDITION.code
    fnb = []
    for section, subs in words.MENUS.items():
        path = _menu_path(words, section)
        items = "".join(f'<li><a href="/{path}/{i:02d}">{esc(sub)}</a></li>' for i, sub in enumerate(subs[:3], 1))
        fnb.append(f'<div class="fnb-group"><strong><a href="/{path}/index">{esc(section)}</a></strong>'
                   f'<ul>{items}</ul></div>\n')
    links = "".join(f'<li><a href="{attr(href)}">{esc(label)}</a></li>' for label, href in words.FOOTER_LINKS)
    langs = "".join(f'<li><a href="{attr(host)}" target="_blank" rel="noopener">{esc(label)}</a></li>'
                    for label, host in LANGUAGES)
    sns = "".join(f'<li><a href="{attr(url)}" class="sns-{name}" target="_blank" rel="noopener">'
                  f'<span class="blind">{esc(name)}</span></a></li>' for name, url in SNS)
    company = "".join(f'<p class="txt">{esc(line)}</p>' for line in words.COMPANY_LINES)
    t = words.TOOLS
    family = "".join(f'<option value="/family/{i:02d}">{esc(name)}</option>'
                     for i, name in enumerate(words.FAMILY_SITES, 1))
    tail_scripts = "".join(f'<script src="{src}?v=20240601" defer></script>\n' for src in BODY_SCRIPTS)
    widgets = "".join(
        f"<script>(function () {{ var box = document.getElementById(\"{box}\");\n"
        "  if (!box) { return; }\n"
        "  box.addEventListener(\"click\", function (event) {\n"
        "    var link = event.target.closest(\"a\");\n"
        f"    if (link) {{ track(\"event\", \"{box}\", {{target: link.getAttribute(\"href\")}}); }}\n"
        "  });\n})();</script>\n"
        for box in ("mostRead", "mostShared", "mostViewed", "mostPhoto", "rightNow", "relatedGroup"))
    page_view = ("<script>if (window.CONTENT_DATA) {\n"
                 "  var cd = JSON.parse(window.CONTENT_DATA);\n"
                 '  track("event", "page_view", {content_id: cd.CID, section: cd.SECTION_NAME});\n'
                 "}</script>\n")
    return (
        _ad_slot(code, "bottom-1") + _ad_slot(code, "bottom-2")
        + '<footer id="footer" class="footer">\n<nav class="fnb">\n' + "".join(fnb)
        + f'<ul class="fnb-links">{links}</ul></nav>\n'
        f'<div class="footer-lang"><strong>{esc(b["languages"])}</strong><ul>{langs}</ul></div>\n'
        f'<div class="footer-sns"><strong>{esc(b["follow"])}</strong><ul>{sns}</ul></div>\n'
        f'<form class="family-site" action="/family" method="get"><label for="family">{esc(t["family"])}</label>'
        f'<select id="family" name="site">{family}</select><button type="submit">{esc(t["go"])}</button></form>\n'
        f'<div class="company-info"><strong class="logo">{esc(c["logo"])}</strong>{company}\n'
        f'<p class="copyright">{esc(c["copyright"])}</p></div>\n'
        f'<a href="#header" class="btn-top">{esc(c["top"])}</a>\n</footer>\n'
        + tail_scripts + widgets + page_view + "</body>\n</html>\n"
    )


def article_tools(words, article_id: str) -> str:
    """The share / font size / print toolbar under the article's title."""
    t = words.TOOLS
    share = "".join(f'<li><button type="button" class="btn-sns btn-{name}" data-share="{name}" '
                    f'data-track="share-{name}"><span class="blind">{esc(name)}</span></button></li>'
                    for name, _ in SNS)
    return (
        f'<div class="share-zone"><div class="share-sns"><strong class="blind">{esc(t["share"])}</strong>'
        f'<ul class="list">{share}<li><button type="button" class="btn-copy" data-url="/view/{article_id}">'
        f'<span class="blind">{esc(t["copy"])}</span></button></li>'
        f'<li><a class="btn-mail" href="/email/{article_id}"><span class="blind">{esc(t["email"])}</span></a></li>'
        f'</ul></div>\n<div class="font-size"><strong class="blind">{esc(t["font"])}</strong>'
        f'<button type="button" class="btn-larger">{esc(t["larger"])}</button>'
        f'<button type="button" class="btn-smaller">{esc(t["smaller"])}</button></div>\n'
        f'<div class="print-zone"><button type="button" class="btn-print-layer">{esc(t["print"])}</button></div></div>\n'
    )


def extra_boxes(words) -> str:
    """The trending-keywords box and the newsletter form of the right area."""
    t = words.TOOLS
    hot = "".join(f'<li><a href="{attr(_search_href(s))}" data-track="hot-{n}"><span class="num">{n}</span>'
                  f'<span class="txt">{esc(s)}</span></a></li>'
                  for n, s in enumerate((*words.MENUS, *(label for label, _ in words.EXTRA_MENUS[:2])), 1))
    return (f'<section class="hot-keyword-zone"><h2 class="tit-box">{esc(t["hot"])}</h2><ol class="list">{hot}</ol>'
            "</section>\n"
            f'<section class="newsletter-zone"><h2 class="tit-box">{esc(t["newsletter"])}</h2>'
            '<form action="/newsletter" method="post"><input type="email" name="email" required>'
            f'<button type="submit">{esc(t["subscribe"])}</button></form></section>\n')


def link_box(box_id: str, css: str, title: str, links: list[tuple[str, str]], numbered: bool = True) -> str:
    """A box of article links (most read, right now...): links are (href, escaped title)."""
    items = "".join(
        f'<li class="item-box"><a href="{h}" class="tit-wrap" data-track="{box_id}-{n}">'
        + (f'<span class="num">{n}</span>' if numbered else "")
        + f'<strong class="tit">{txt}</strong></a></li>'
        for n, (h, txt) in enumerate(links, 1))
    return (f'<section class="{css}" id="{box_id}"><h2 class="tit-box">{esc(title)}</h2>'
            f'<ul class="list">{items}</ul></section>\n')


def photo_box(box_id: str, title: str, links: list[tuple[str, str]], code: str) -> str:
    items = "".join(
        f'<li class="item-box"><a href="{h}" class="img-wrap" data-track="{box_id}-{n}">'
        f'<span class="img"><img src="//img{n}.yna.co.kr/photo/thumb/{code}_{n:02d}_T2.jpg" alt="" loading="lazy">'
        f'</span><strong class="tit">{txt}</strong></a></li>'
        for n, (h, txt) in enumerate(links, 1))
    return (f'<section class="most-photo-zone" id="{box_id}"><h2 class="tit-box">{esc(title)}</h2>'
            f'<ul class="list">{items}</ul></section>\n')


def _box_links(boxes: dict, ids) -> list[tuple[str, str]]:
    return [(f"/view/{i}", esc(boxes["titles"][i])) for i in ids]


def side_boxes(corpus, ordinal: int) -> str:
    """div.right-area of an article page of KST day ``ordinal``: three most-news lists and the
    photo box (the same for every article of that day; cached by the corpus)."""
    boxes = corpus.chrome_ids(ordinal)
    b = corpus.words.BOXES
    code = corpus.words.EDITION.code
    titles = (b["most_read"], b["most_shared"], b["most_viewed"])
    ids = ("mostRead", "mostShared", "mostViewed")
    parts = ['<div class="right-area">\n', _ad_slot(code, "right-1")]
    for box_id, title, box in zip(ids, titles, boxes["most"], strict=True):
        parts.append(link_box(box_id, "most-news-zone", title, _box_links(boxes, box)))
    parts.append(_ad_slot(code, "right-2"))
    parts.append(photo_box("mostPhoto", b["photos"], _box_links(boxes, boxes["photo"]), code))
    parts.append(extra_boxes(corpus.words))
    parts.append(_ad_slot(code, "right-3"))
    parts.append("</div>\n")
    return "".join(parts)


def rightnow_box(corpus, ordinal: int) -> str:
    """section.main-rightnow below the article: the newest articles of the day before."""
    boxes = corpus.chrome_ids(ordinal)
    links = _box_links(boxes, boxes["rightnow"])
    return link_box("rightNow", "main-rightnow", corpus.words.BOXES["rightnow"], links, numbered=False)


def _host(corpus) -> str:
    return urlsplit(corpus.config.canonical_base).netloc


def _src(image: dict) -> str:
    """The page's protocol-relative src ("//img..."): truth url minus its "https:"."""
    url = image["url"]
    return url[len("https:"):] if url.startswith("https://") else url


def _script_json(data) -> str:
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def _title_entities(text: str) -> str:
    """CONTENT_DATA TITLE spelling: HTML entities, ' as &apos;."""
    return html.escape(text, quote=True).replace("&#x27;", "&apos;")


def description(t) -> str:
    """og:description / description: the first ~90 characters of the body, cut with "..."."""
    text = " ".join(t.paragraphs)
    return text if len(text) <= 90 else text[:90].rstrip() + "..."


def article_head(corpus, t) -> str:
    """<head> of an article page (yna-cms and redesign): suffixed titles, article:* meta,
    Organization + invalid Person + BreadcrumbList JSON-LD, no NewsArticle."""
    v = t.variations
    W = corpus.words
    site_name = W.EDITION.site_name
    full = f"{t.title_raw} | {site_name}"
    base = corpus.config.canonical_base
    image = "https:" + _src(t.images[0]) if t.images else LOGO
    modified = t.updated_at or t.published_at
    desc = description(t)
    path = W.SECTION_PATHS.get(t.section, "news")
    org = {"@context": "https://schema.org", "@type": "Organization", "name": site_name,
           "url": base + "/", "logo": {"@type": "ImageObject", "url": LOGO}}
    crumbs = {"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": 1, "name": W.CHROME["home"], "item": base + "/"},
        {"@type": "ListItem", "position": 2, "name": t.section, "item": f"{base}/{path}/index"}]}
    person = (
        '{\n  "@context": "https://schema.org",\n  "@type": "Person",\n'
        f'  "name": {_script_json(v.get("author_ko", "연합"))},\n'
        f'  "worksFor": {{"@type": "Organization", "name": {_script_json(site_name)}}},\n'
        '  "sameAs": [\n'
        f"    // {W.CHROME['profile_comment']}\n"
        f'    "{base}/"\n'
        '    // , "https://www.facebook.com/"\n'
        "  ]\n}"
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{W.EDITION.language}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(full)}</title>\n"
        f'<meta name="title" content="{attr(full)}">\n'
        f'<meta name="description" content="{attr(desc)}">\n'
        f'<meta name="author" content="{attr(v.get("author_ko", "연합"))}">\n'
        f'<meta itemprop="headline" content="{attr(full)}">\n'
        f'<link rel="canonical" href="{attr(t.url)}">\n'
        '<meta property="og:type" content="article">\n'
        f'<meta property="og:site_name" content="{attr(site_name)}">\n'
        f'<meta property="og:title" content="{attr(full)}">\n'
        f'<meta property="og:description" content="{attr(desc)}">\n'
        f'<meta property="og:url" content="{attr(t.url)}">\n'
        f'<meta property="og:image" content="{attr(image)}">\n'
        '<meta name="twitter:card" content="summary_large_image">\n'
        f'<meta name="twitter:title" content="{attr(full)}">\n'
        f'<meta name="twitter:description" content="{attr(desc)}">\n'
        f'<meta property="article:published_time" content="{t.published_at.isoformat()}">\n'
        f'<meta property="article:modified_time" content="{modified.isoformat()}">\n'
        f'<meta property="article:section" content="{attr(t.section)}">\n'
        f'<meta property="yna:content_id" content="{t.article_id}">\n'
        f'<meta property="yna:mobile_url" content="{W.EDITION.mobile_base_url}/view/{t.article_id}">\n'
        f'<script type="application/ld+json">\n{_script_json(org)}\n</script>\n'
        f'<script type="application/ld+json">\n{person}\n</script>\n'
        f'<script type="application/ld+json">\n{_script_json(crumbs)}\n</script>\n'
        f'<link rel="stylesheet" href="/static/css/{W.EDITION.code}.css">\n'
        + _head_scripts(W.EDITION.code) + _menu_data(W) + "</head>\n"
    )


def content_data(t, words=french) -> str:
    """<script id="contentJsonData">: the CMS's own data (BODY cut at 1,000 characters)."""
    v = t.variations
    path = words.SECTION_PATHS.get(t.section, "news")
    data = {
        "CID": t.article_id, "TITLE": _title_entities(t.title_raw),
        "BODY": " ".join(t.paragraphs)[:1000],
        "SECTION": f"{path};{t.section}" if v.get("section_path", True) else "",
        "SECTION_NAME": t.section, "KEYWORD": ";".join(t.keywords),
        "DATETIME": f"{t.published_at:%Y%m%d%H%M%S}",
        "IMG": _src(t.images[0]) if t.images else "",
    }
    return (f'<script id="contentJsonData">var CONTENT_DATA = JSON.stringify({_script_json(data)});'
            "</script>\n")


def _related(corpus, t, style: str) -> list[tuple[str, str]]:
    links = []
    for rid in corpus.related_ids(t.article_id, t.variations["related"]):
        links.append((f"/view/{rid}", esc(corpus._title_raw(rid), style)))
    return links


def _photo_slots(t) -> dict[int, list[tuple[int, dict]]]:
    """Paragraph index -> (photo number, photo) placed just before it."""
    slots: dict[int, list[tuple[int, dict]]] = {}
    last = max(0, len(t.paragraphs) - 1)
    positions = t.variations["photo_after"]
    for i, image in enumerate(t.images):
        slots.setdefault(min(positions[i], last), []).append((i, image))
    return slots


def _caption_text(image: dict, style: str) -> str:
    """p.txt-desc: "CAPTION (NOTICE)" or "CAPTION (NOTICE) (Yonhap)"; empty without caption."""
    caption = image["caption"]
    if not caption:
        return ""
    tail = ""
    if caption.endswith(" (Yonhap)"):
        caption, tail = caption[: -len(" (Yonhap)")], " (Yonhap)"
    notice = f" {esc(image['notice'])}" if image.get("notice") else ""
    return f"{esc(caption, style)}{notice}{tail}"


def _search_href(tag: str) -> str:
    return "/search/index?query=" + quote(tag)


def credit_lines(t, words=french) -> list[str]:
    """The page's note/byline lines (before the dateline): "(ATTN : ...)", "Par Kim Min-ji"."""
    out = []
    if t.editor_note:
        out.append(f"({t.editor_note})")
    if t.byline:
        out.append(f"{words.EDITION.byline_word} {t.byline}")
    return out


def yna_cms_article(corpus, t) -> str:
    """The real template (docs/site.md, "Article page: the real template")."""
    v = t.variations
    style = v["entities"]
    W = corpus.words
    ed = W.EDITION
    day = t.published_at.date().toordinal()
    parts = [article_head(corpus, t), chrome_header(W),
             '<div class="wrap-container"><div id="container" class="container">\n<aside class="aside-ad">',
             _ad_slot(ed.code, "left-wing"), _ad_slot(ed.code, "right-wing"),
             '</aside>\n<section class="contents"><article class="story-view-zone">\n', content_data(t, W)]
    parts.append(
        '<header class="title-article01">\n'
        f'<h1 class="tit" data-cid="">{esc(t.title_raw, style)}</h1>\n</header>\n'
        f'<div class="info-con"><span class="txt"><strong><a href="//{_host(corpus)}/news">'
        f"{ed.news_list_label}</a></strong> {ed.time_line(t.published_at)}</span>"
    )
    if t.updated_at and v.get("show_update", True):
        parts.append(f'\n<span class="txt-update">{ed.update_label} {ed.time_line(t.updated_at)}</span>')
    parts.append("</div>\n")
    parts.append(article_tools(W, t.article_id))
    parts.append('<div class="view-body"><div class="sub-content">\n<article class="story-news article">\n')
    credits = credit_lines(t, W)
    if credits:
        parts.append("<p>" + "<br/>".join(esc(c, style) for c in credits) + "</p>\n")

    def photo(n: int, image: dict) -> str:
        src = _src(image)
        shown = v.get("tit_cap", [False] * 3)[n % 3]
        return (
            '<div class="comp-box photo-group">'
            f'<figure class="image-zone" data-mapping-filename="{attr(src.rsplit("/", 1)[-1])}">\n'
            f'<div class="img-con"><span class="img"><img src="{attr(src)}" alt="{attr(image["alt"] or "")}">'
            "</span></div>\n"
            f'<figcaption class="desc-con"><strong class="tit-cap">'
            f'{esc(image["alt"] or "", style) if shown else ""}</strong>\n'
            f'<p class="txt-desc">{_caption_text(image, style)}</p>\n'
            '<p class="txt-link" data-mapping-link=""><a href="" target="_blank"></a></p>'
            "</figcaption></figure></div>\n"
        )

    slots = _photo_slots(t)
    paragraphs = t.paragraphs
    last = len(paragraphs) - 1
    if t.kind == "continued":  # dateline paragraph, then the table: one <p>, one line per <br/>
        parts.append(f"<p> {esc(paragraphs[0], style)}</p>\n")
        if last:
            parts.append("<p> " + "<br/>".join(esc(p, style) for p in paragraphs[1:]) + "</p>\n")
    else:
        for i, paragraph in enumerate(paragraphs):
            parts += [photo(n, img) for n, img in slots.get(i, [])]
            br = "<br/>" if i == last and v.get("trailing_br") else ""
            parts.append(f"<p> {esc(paragraph, style)}{br}</p>\n")
    marker = v.get("end_marker", ed.end_marker)
    if t.author_email and v.get("email_form") == "plain":
        parts.append(f"<p> {esc(t.author_email)}<br/>{marker}</p>\n")
    elif t.author_email:
        parts.append(
            '<p> <a href="/cdn-cgi/l/email-protection" class="__cf_email__" '
            f'data-cfemail="{cf_email(t.author_email, v["cf_key"])}">[email&#160;protected]</a>'
            f"<br/>{marker}</p>\n"
        )
    else:
        parts.append(f"<p>{marker}</p>\n")
    # The related-group closes the article element (as on the site): never body text.
    related = "".join(f'<li><a href="{h}">{txt}</a></li>' for h, txt in _related(corpus, t, style))
    keyword = quote(t.section.split("/")[0])
    parts.append(
        f'<div class="related-group" id="relatedGroup"><strong class="tit">{W.CHROME["related"]}</strong>'
        f'<ul>{related}<li><a href="/search?query={keyword}">{W.CHROME["more_results"]}</a></li></ul></div>\n'
        "</article>\n"
    )
    parts.append('<div class="aside-box01"><div class="ad-area" data-ad="article-right">'
                 f"<span>{W.CHROME['ad']}</span></div></div>\n")
    parts.append(_ad_slot(ed.code, "inline-1", W.SECTION_PATHS.get(t.section, "news")))
    tags = "".join(f'<span><a href="{attr(_search_href(k))}">#{esc(k)}</a></span>' for k in t.keywords)
    parts.append(f'<div class="keyword-zone01"><strong class="tit">{W.CHROME["tags"]}</strong>'
                 f'<div class="list">{tags}</div></div>\n')
    parts.append(f'<a class="btn-print" href="/print/{t.article_id}">{W.CHROME["print"]}</a>\n'
                 "</div>\n")  # div.sub-content
    parts.append(corpus.chrome_fragment("side", day))
    parts.append("</div>\n</article>\n")  # div.view-body, article.story-view-zone
    parts.append(corpus.chrome_fragment("rightnow", day))
    parts.append("</section>\n</div></div>\n")  # section.contents, #container, .wrap-container
    parts.append(chrome_footer(W))
    return "".join(parts)


def redesign_article(corpus, t) -> str:
    """The same content after a simulated site redesign: same <head> and CONTENT_DATA,
    new classes and structure in the body."""
    v = t.variations
    style = v["entities"]
    W = corpus.words
    parts = [article_head(corpus, t), chrome_header(W)]
    parts.append('<main class="article-view" id="container">\n')
    parts.append(content_data(t, W))
    parts.append(
        '<header class="article-head">\n'
        f'<h2 class="headline">{esc(t.title_raw, style)}</h2>\n'
        f'<div class="meta-line"><a class="category" href="/news">{esc(t.section)}</a>\n'
        f'<time datetime="{t.published_at.isoformat()}">{t.published_at:%Y-%m-%d %H:%M}</time>'
    )
    if t.updated_at:
        parts.append(f'\n<time class="modified" datetime="{t.updated_at.isoformat()}">'
                     f'modifié {t.updated_at:%Y-%m-%d %H:%M}</time>')
    parts.append("</div>\n")
    if t.editor_note:
        parts.append(f'<p class="editor-note">({esc(t.editor_note, style)})</p>\n')
    if t.byline:
        parts.append(f'<p class="byline">{W.EDITION.byline_word} {esc(t.byline, style)}</p>\n')
    parts.append('</header>\n<section class="article-body" id="articleBody">\n')
    slots = _photo_slots(t)
    for i, paragraph in enumerate(t.paragraphs):
        for _, image in slots.get(i, []):
            caption = ""
            if image["caption"]:
                caption = f'<span class="media-text">{esc(image["caption"], style)}</span>'
                if image.get("notice"):
                    caption += f' <span class="media-notice">{esc(image["notice"])}</span>'
            parts.append(
                f'<div class="media-block"><picture><img data-src="{attr(_src(image))}" '
                f'src="{attr(_src(image))}" alt="{attr(image["alt"] or "")}"></picture>\n'
                f'<div class="media-caption"><em class="media-title">{esc(image["alt"] or "", style)}</em>\n'
                f"{caption}</div></div>\n"
            )
        parts.append(f'<div class="paragraph">{esc(paragraph, style)}</div>\n')
    if t.author_email and v.get("email_form") == "plain":
        parts.append(f'<address class="reporter-mail">{esc(t.author_email)}</address>\n')
    elif t.author_email:
        parts.append(
            '<address class="reporter-mail"><a href="/cdn-cgi/l/email-protection#'
            f'{cf_email(t.author_email, v["cf_key"])}" class="__cf_email__">'
            "[email&#160;protected]</a></address>\n"
        )
    parts.append(f'<div class="paragraph end-mark">{v.get("end_marker", W.EDITION.end_marker)}</div>\n</section>\n')
    tags = "".join(f'<a class="tag" href="{attr(_search_href(k))}">#{esc(k)}</a>' for k in t.keywords)
    parts.append(f'<nav class="article-tags">{tags}</nav>\n')
    related = "".join(f'<li><a href="{h}">{txt}</a></li>' for h, txt in _related(corpus, t, style))
    parts.append(
        f'<aside class="reporter-card"><span>{W.CHROME["reporter"]}</span></aside>\n'
        f'<nav class="related-articles"><h3>A lire aussi</h3><ul>{related}</ul></nav>\n</main>\n'
    )
    day = t.published_at.date().toordinal()
    parts.append(corpus.chrome_fragment("side", day))
    parts.append(corpus.chrome_fragment("rightnow", day))
    parts.append(chrome_footer(W))
    return "".join(parts)


def make_page(body: bytes, modified: datetime) -> Page:
    etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    return Page(body, etag, http_date(modified), modified)


def article_page(corpus, t, layout: str) -> Page:
    if layout == "redesign":
        body = redesign_article(corpus, t).encode("utf-8")
    else:
        body = yna_cms_article(corpus, t).encode("utf-8")
    return make_page(body, t.updated_at or t.published_at)


def list_page(items, n: int, has_next: bool, words=french) -> bytes:
    c = words.CHROME
    parts = [_head(c["latest"], words=words, scripts=True), chrome_header(words), '<div id="container">\n'
             f'<h2 class="tit-sub">{c["latest"]}</h2>\n<div class="smain-list-type01"><ul>\n']
    for item in items:
        parts.append(
            f'<li><article>\n<strong class="tit"><a href="{attr(item.href)}">{esc(item.title_raw)}</a></strong>\n'
            + (f'<p class="lead">{esc(item.lead)}</p>\n' if item.lead else "")
            + f'<span class="date">{item.date_text}</span>\n</article></li>\n'
        )
    parts.append('</ul></div>\n<div class="paging">')
    if n > 1:
        prev = "/news" if n == 2 else f"/news/{n - 1}"
        parts.append(f'<a class="prev" href="{prev}">{c["prev"]}</a> ')
    parts.append(f"<strong>{n}</strong>")
    if has_next:
        parts.append(f' <a class="next" href="/news/{n + 1}">{c["next"]}</a>')
    parts.append("</div>\n</div>\n")
    parts.append(chrome_footer(words))
    return "".join(parts).encode("utf-8")


def rss(items, base_url: str, now: datetime, words=french) -> bytes:
    def x(text: str) -> str:
        return html.escape(text, quote=False)

    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n'
        f"<title>Yonhap - {x(words.CHROME['latest'])}</title>\n"
        f"<link>{x(base_url)}/news</link>\n"
        f"<description>{x(words.CHROME['rss_description'])}</description>\n"
        f"<language>{words.EDITION.language}</language>\n<lastBuildDate>{rss_date(now)}</lastBuildDate>\n"
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


def simple_page(title: str, text: str, links: list[tuple[str, str]] = (), words=french) -> bytes:
    items = "".join(f'<li><a href="{attr(h)}">{esc(t)}</a></li>' for h, t in links)
    return (_head(title, words=words) + _chrome_top(words) + f'<div id="container"><h2>{esc(title)}</h2>'
            f"<p>{esc(text)}</p><ul>{items}</ul></div>\n" + footer(words)).encode("utf-8")
