-- The run's crawl errors, one per URL (the latest, most retried): written only when they differ.
INSERT INTO yonhap.crawl_errors AS e (run_id, url, status, error, attempts, at, article_id)
SELECT DISTINCT ON (s.url) %(run_id)s, s.url, s.status, s.error, s.attempts, s.at, s.article_id
FROM stage_errors s
ORDER BY s.url, s.at DESC, s.attempts DESC
ON CONFLICT (run_id, url) DO UPDATE SET
    status = EXCLUDED.status, error = EXCLUDED.error, attempts = EXCLUDED.attempts, at = EXCLUDED.at,
    article_id = coalesce(EXCLUDED.article_id, e.article_id)
WHERE (e.status, e.error, e.attempts, e.at, e.article_id)
      IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.error, EXCLUDED.attempts, EXCLUDED.at,
                        coalesce(EXCLUDED.article_id, e.article_id))
