-- A run loaded without a crawl_runs row (`crawl` then `load` on their own): made from its stats.
INSERT INTO yonhap.crawl_runs (run_id, kind, window_start, window_end, started_at, status, site)
VALUES (%(run_id)s, 'stages', %(window_start)s, %(window_end)s, coalesce(%(started_at)s::timestamptz, now()),
        'running', %(site)s)
