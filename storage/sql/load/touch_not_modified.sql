-- Articles the crawl found unchanged (HTTP 304): seen at the crawl's time.
UPDATE yonhap.articles SET last_seen_at = %(run_time)s
WHERE article_id = ANY(%(ids)s) AND last_seen_at < %(run_time)s
