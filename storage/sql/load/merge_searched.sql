-- The days the run looked for, per source (migration 0011): the first run and time are kept,
-- the last ones move forward. Idempotent (a rerun's time is its crawl's).
INSERT INTO yonhap.searched_days AS d (edition, kst_date, source, first_run, last_run,
                                       first_searched_at, last_searched_at)
SELECT DISTINCT r.edition, s.kst_date, s.source, %(run_id)s, %(run_id)s,
       coalesce(%(run_time)s, now()), coalesce(%(run_time)s, now())
FROM stage_searched s JOIN yonhap.crawl_runs r ON r.run_id = %(run_id)s
ON CONFLICT (edition, kst_date, source) DO UPDATE SET
    last_run = EXCLUDED.last_run,
    last_searched_at = greatest(d.last_searched_at, EXCLUDED.last_searched_at)
WHERE (d.last_run, d.last_searched_at)
      IS DISTINCT FROM (EXCLUDED.last_run, greatest(d.last_searched_at, EXCLUDED.last_searched_at))
