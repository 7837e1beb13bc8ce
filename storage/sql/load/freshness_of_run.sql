-- Articles the run first loaded and the p50 / p95 of their publication -> load lag in seconds.
-- The lag is yonhap.freshness's lag_seconds (migration 0005); percentile_cont skips rows
-- without published_at. Rounded to milliseconds (the run row stores the same values).
SELECT count(*),
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY f.lag_seconds)::numeric, 3)::double precision,
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY f.lag_seconds)::numeric, 3)::double precision
FROM (
    SELECT (extract(epoch FROM a.loaded_at) - extract(epoch FROM a.published_at))::double precision
           AS lag_seconds
    FROM yonhap.articles a
    WHERE a.loaded_by_run = %(run_id)s
) f
