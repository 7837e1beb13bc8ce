"""History from public web archives: Common Crawl and the Internet Archive's Wayback Machine.

A run with ``--source archive`` (or ``auto``, for what the site does not give) finds the
captures of the edition's article pages in the archives' CDX indexes, fetches each article's
latest capture and hands it to the same parsers as a site crawl; the crawl stage's staging
outputs (ITEMS, CRAWL_ERRORS, SEEN, SEARCHED, CRAWL_STATS) and the raw WARC archive are written
exactly as a crawl writes them, so transform, gate and load are unchanged. Not one request goes
to the site. Plain HTTP (requests), no Scrapy, no Airflow.

| module | job |
|---|---|
| ``client.py`` | polite HTTP to the archives: our user agent, a delay per host, back-off on 429/5xx with Retry-After, bounded retries, requests counted per archive |
| ``captures.py`` | what a capture is, which index queries a window needs, which captures are article pages and which one per article id is taken (pure) |
| ``index.py`` | Common Crawl's index server (collinfo.json, a CDX API per crawl) and the Wayback CDX server, with pagination and a per-run cache of answers |
| ``fetch.py`` | one capture's HTTP response: a Common Crawl WARC record by byte range, a Wayback capture raw (``id_``) |
| ``stage.py`` | the producers: ``fetch_window`` (archive runs) and ``fill`` (an auto run's second half), and their health verdicts |
"""
