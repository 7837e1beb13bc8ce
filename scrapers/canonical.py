"""URL canonicalization and link policy (pure).

One canonical form per page, so the request de-duplication and the stored ``url`` agree:
scheme and host from the configured site root, no tracking query, no fragment, no trailing
slash. Links we must never follow (search, print, replica controls, off-site) are refused here.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import urljoin, urlsplit, urlunsplit

from ground.core.editions import ANY_ID_PATTERN

# Article ids of any edition (AFR…, AEN…); the site root decides which edition is crawled.
ARTICLE_PATH_RE = re.compile(rf"^/view/({ANY_ID_PATTERN})/?$")
_CANONICAL_ARTICLE_PATH_RE = re.compile(rf"/view/{ANY_ID_PATTERN}")  # no slash, query or fragment
ARTICLE_ID_RE = re.compile(rf"^{ANY_ID_PATTERN}$")
LIST_PATH_RE = re.compile(r"^/news(?:/(\d+))?/?$")
RSS_PATH = "/RSS/news.xml"

# Paths the crawler never requests, whatever robots.txt says (robots is obeyed on top of this).
FORBIDDEN_PREFIXES = ("/search", "/print/", "/__replica__", "/cdn-cgi/")


def _host_key(netloc: str) -> str:
    """Host without ``www.``, default ports or letter case: fr.yna.co.kr == WWW.fr.yna.co.kr:443."""
    host = netloc.lower()
    for default in (":80", ":443"):
        if host.endswith(default):
            host = host[: -len(default)]
    if host.startswith("www."):
        host = host[4:]
    return host


def same_site(url: str, base_url: str) -> bool:
    return _host_key(urlsplit(url).netloc) == _host_key(urlsplit(base_url).netloc)


@functools.lru_cache(maxsize=16)
def _site_root(base_url: str) -> str:
    base = urlsplit(base_url)
    return f"{base.scheme}://{base.netloc}"


def canonicalize(url: str, base_url: str) -> str:
    """Absolute, site-rooted URL without query (tracking), fragment or trailing slash.

    Only the query of article and list URLs is dropped: their content never depends on it.
    """
    root = _site_root(base_url)
    if url.startswith(root) and _CANONICAL_ARTICLE_PATH_RE.fullmatch(url, len(root)):
        return url  # already canonical: most calls (each article's request and page link)
    return _canonicalize_any(url, base_url)


def _canonicalize_any(url: str, base_url: str) -> str:
    absolute = urljoin(base_url.rstrip("/") + "/", url.strip())
    parts = urlsplit(absolute)
    base = urlsplit(base_url)
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    if path != "/" and path.endswith("/"):
        path = path.rstrip("/")
    if same_site(absolute, base_url):
        scheme, netloc = base.scheme, base.netloc  # one host spelling: the configured one
    else:
        scheme, netloc = parts.scheme.lower(), parts.netloc.lower()
    query = "" if (ARTICLE_PATH_RE.match(path) or LIST_PATH_RE.match(path)) else parts.query
    return urlunsplit((scheme, netloc, path, query, ""))


def article_id_from_url(url: str) -> str | None:
    m = ARTICLE_PATH_RE.match(urlsplit(url).path)
    return m.group(1) if m else None


def article_url(article_id: str, base_url: str) -> str:
    if not ARTICLE_ID_RE.match(article_id):
        raise ValueError(f"not an article id: {article_id!r}")
    return f"{base_url.rstrip('/')}/view/{article_id}"


def list_page_url(page: int, base_url: str) -> str:
    if page < 1:
        raise ValueError(f"list pages start at 1, got {page}")
    root = base_url.rstrip("/")
    return f"{root}/news" if page == 1 else f"{root}/news/{page}"


def list_page_number(url: str) -> int | None:
    m = LIST_PATH_RE.match(urlsplit(url).path)
    if not m:
        return None
    return int(m.group(1)) if m.group(1) else 1


def rss_url(base_url: str) -> str:
    return base_url.rstrip("/") + RSS_PATH


def is_followable(url: str, base_url: str) -> bool:
    """True only for on-site article pages: the one kind of link the spider follows from
    list pages and the feed (navigation, related, search, replica controls are never followed)."""
    if not same_site(url, base_url):
        return False
    path = urlsplit(url).path
    if any(path.startswith(p) for p in FORBIDDEN_PREFIXES):
        return False
    return ARTICLE_PATH_RE.match(path) is not None


def page_kind(url: str) -> str:
    """'article' | 'list' | 'rss' | 'robots' | 'other' (for stats and WARC partitioning)."""
    path = urlsplit(url).path
    if ARTICLE_PATH_RE.match(path):
        return "article"
    if LIST_PATH_RE.match(path):
        return "list"
    if path == RSS_PATH:
        return "rss"
    if path == "/robots.txt":
        return "robots"
    return "other"
