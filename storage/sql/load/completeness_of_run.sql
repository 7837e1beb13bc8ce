-- The ledger over the run's window's KST days, as it stands inside this load: per day, ids
-- seen, ids unaccounted and the first five of those.
SELECT c.kst_date, count(*), count(*) FILTER (WHERE c.status = 'unaccounted'),
       (array_agg(c.article_id ORDER BY c.article_id) FILTER (WHERE c.status = 'unaccounted'))[1:5]
FROM yonhap.crawl_runs r
JOIN yonhap.article_completeness c
  ON c.edition = r.edition
 AND c.kst_date BETWEEN (r.window_start AT TIME ZONE 'Asia/Seoul')::date
                    AND ((r.window_end - interval '1 microsecond') AT TIME ZONE 'Asia/Seoul')::date
WHERE r.run_id = %(run_id)s
GROUP BY c.kst_date ORDER BY c.kst_date
