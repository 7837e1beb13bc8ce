-- The run's crawl errors that this load of it no longer has (a rerun replaces them).
DELETE FROM yonhap.crawl_errors e
WHERE e.run_id = %(run_id)s AND NOT EXISTS (SELECT 1 FROM stage_errors s WHERE s.url = e.url)
