-- Earlier failed fetches of an article this run fetched fine (loaded, unchanged or rejected)
-- are resolved at that fetch's time.
WITH ok AS (
    SELECT article_id, url, coalesce(fetched_at, %(run_time)s, now()) AS at FROM yonhap_load.stage_articles
    UNION ALL
    SELECT unnest(%(ids)s::text[]), NULL, coalesce(%(run_time)s, now())
)
UPDATE yonhap.crawl_errors e SET resolved_at = ok.at
FROM ok
WHERE e.resolved_at IS NULL AND e.at <= ok.at
  AND (e.url = ok.url OR e.article_id = ok.article_id)
