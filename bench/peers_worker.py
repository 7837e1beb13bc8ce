"""One extraction run of one tool over a directory of rendered pages (bench/bench_peers.py).

    python -m bench.peers_worker --tool ours|trafilatura|newspaper4k --pages DIR --out FILE.json

Runs in whichever venv has the tool (newspaper4k lives in .venv-peers, apart from the project's
pins), so this module imports only the standard library at module level and never imports the
project unless the tool is ``ours``. It maps each tool's output onto one common record, times the
extraction loop (pages already in memory, after a 5-page warm-up) and reports peak RSS.

Common record per page (None = the tool gave nothing; fields a tool has no API for are listed
in ``NOT_PRODUCED``): title, published_at (ISO instant), published_date (YYYY-MM-DD),
paragraphs (list), section, lead, author_email, image_urls (list), captions (list), keywords (list).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

WARM_UP = 5

# Fields each tool has no way to produce: scored as misses and shown as "n/a" in the report.
NOT_PRODUCED = {
    "ours": [],
    "trafilatura": ["author_email", "captions"],
    "newspaper4k": ["section", "author_email", "captions"],
    # Not an extractor: the parse floor (lxml.html.fromstring of the page, nothing read).
    "lxml": ["title", "published_at", "published_date", "paragraphs", "section", "lead", "author_email",
             "image_urls", "captions", "keywords"],
}


def _proc_status_kib(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return -1


def _day(iso: str | None) -> str | None:
    return iso[:10] if iso else None


def _paragraphs(text: str | None, sep: str) -> list[str] | None:
    if not text:
        return None
    return [p for p in text.split(sep) if p.strip()]


# -- one adapter per tool: setup() -> extract(html_bytes, url) -> common record ---------------
def ours_extractor():
    from scrapers.parsers.registry import REPLICA_PARSERS, Registry

    registry = Registry(REPLICA_PARSERS)  # replica pages, its redesign among them

    def extract(body: bytes, url: str) -> dict:
        f = registry.extract(body, url, {}).fields
        images = f.get("images")
        return {
            "title": f.get("title_raw"),
            "published_at": f.get("published_at"),
            "published_date": _day(f.get("published_at")),  # ISO in KST: the first 10 chars are the KST day
            "paragraphs": f.get("paragraphs"),
            "section": f.get("section"),
            "lead": f.get("lead"),
            "author_email": f.get("author_email"),
            "image_urls": [i.get("url") for i in images] if images is not None else None,
            "captions": [i.get("caption") for i in images] if images is not None else None,
            "keywords": f.get("keywords") or [],
        }

    return extract


def trafilatura_extractor():
    import trafilatura

    # Give trafilatura its best shot at the time of day, not only the date.
    date_params = {"outputformat": "%Y-%m-%dT%H:%M:%S%z", "original_date": True, "extensive_search": True}

    def extract(body: bytes, url: str) -> dict:
        raw = trafilatura.extract(body, url=url, output_format="json", with_metadata=True,
                                  include_comments=False, date_extraction_params=date_params)
        r = json.loads(raw) if raw else {}
        date = r.get("date")
        instant = None
        if date and "T" in date:  # "2024-06-10T04:00:00+0900" -> ISO with a colon in the offset
            instant = date[:-2] + ":" + date[-2:] if date[-5] in "+-" else date
        return {
            "title": r.get("title"),
            "published_at": instant,
            "published_date": _day(date),
            "paragraphs": _paragraphs(r.get("text"), "\n"),
            "section": r.get("categories") or None,
            "lead": r.get("description") or r.get("excerpt") or None,
            "author_email": None,
            "image_urls": [r["image"]] if r.get("image") else [],
            "captions": None,
            "keywords": [t.strip() for t in (r.get("tags") or "").split(",") if t.strip()],
        }

    return extract


def newspaper4k_extractor():
    import warnings

    warnings.filterwarnings("ignore")  # "nltk is not installed": nlp() is not used
    from newspaper import Article

    def extract(body: bytes, url: str) -> dict:
        article = Article(url, language="fr", fetch_images=False)
        article.download(input_html=body.decode("utf-8", errors="replace"))
        article.parse()
        published = article.publish_date.isoformat() if article.publish_date else None
        return {
            "title": article.title or None,
            "published_at": published,
            "published_date": _day(published),
            "paragraphs": _paragraphs(article.text, "\n\n"),
            "section": None,
            "lead": article.meta_description or None,
            "author_email": None,
            "image_urls": sorted(article.images),
            "captions": None,
            "keywords": sorted(article.tags or ()) or list(article.meta_keywords or []),
        }

    return extract


def lxml_floor():
    """The parse floor: lxml.html.fromstring of the page and nothing else (any extractor that
    reads the page's tree pays at least this)."""
    from lxml import html

    def extract(body: bytes, url: str) -> dict:
        html.fromstring(body)
        return {}

    return extract


EXTRACTORS = {"ours": ours_extractor, "trafilatura": trafilatura_extractor, "newspaper4k": newspaper4k_extractor,
              "lxml": lxml_floor}
DISTRIBUTIONS = {"ours": "yonhap-pipeline", "trafilatura": "trafilatura", "newspaper4k": "newspaper4k",
                 "lxml": "lxml"}


def _version(tool: str) -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version(DISTRIBUTIONS[tool])
    except importlib.metadata.PackageNotFoundError:
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tool", choices=sorted(EXTRACTORS), required=True)
    parser.add_argument("--pages", type=Path, required=True, help="dir with manifest.json + pages")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--no-records", action="store_true", help="timing only (later runs)")
    args = parser.parse_args()

    manifest = json.loads((args.pages / "manifest.json").read_text(encoding="utf-8"))
    pages = [(entry["url"], (args.pages / entry["file"]).read_bytes()) for entry in manifest]
    rss_start = _proc_status_kib("VmRSS")
    extract = EXTRACTORS[args.tool]()
    for url, body in pages[:WARM_UP]:
        extract(body, url)
    rss_ready = _proc_status_kib("VmRSS")
    started = time.perf_counter()
    records = [extract(body, url) for url, body in pages]
    seconds = time.perf_counter() - started
    result = {
        "tool": args.tool,
        "version": _version(args.tool),
        "pages": len(pages),
        "seconds": seconds,
        "rss_start_kib": rss_start,
        "rss_ready_kib": rss_ready,  # interpreter + tool imported and warmed up
        "rss_peak_kib": _proc_status_kib("VmHWM"),
        "not_produced": NOT_PRODUCED[args.tool],
        "records": None if args.no_records else records,
    }
    args.out.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
