-- The ledger's seen ids: a new id gets its row; one seen again keeps its first run and time,
-- takes the latest shown time and day, and gains this run's sources. Idempotent.
INSERT INTO yonhap.seen_articles AS v (article_id, kst_date, listed_at, sources, robots_denied,
                                       first_seen_run, last_seen_run, first_seen_at, last_seen_at,
                                       edition)
SELECT DISTINCT ON (s.article_id) s.article_id, s.kst_date, s.listed_at, s.sources, s.robots_denied,
       %(run_id)s, %(run_id)s, coalesce(%(run_time)s, now()), coalesce(%(run_time)s, now()),
       -- the edition of the id's prefix (seen ids are canonical ids of an edition, migration 0007)
       coalesce((SELECT e.edition FROM yonhap.editions e WHERE e.id_prefix = left(s.article_id, 3)),
                %(default_edition)s)
FROM stage_seen s
ORDER BY s.article_id
ON CONFLICT (article_id) DO UPDATE SET
    kst_date = CASE WHEN EXCLUDED.listed_at IS NOT NULL THEN EXCLUDED.kst_date ELSE v.kst_date END,
    listed_at = coalesce(EXCLUDED.listed_at, v.listed_at),
    sources = ARRAY(SELECT DISTINCT x FROM unnest(v.sources || EXCLUDED.sources) AS x ORDER BY x),
    robots_denied = EXCLUDED.robots_denied,
    last_seen_run = EXCLUDED.last_seen_run,
    last_seen_at = greatest(v.last_seen_at, EXCLUDED.last_seen_at)
WHERE (v.kst_date, v.listed_at, v.sources, v.robots_denied, v.last_seen_run, v.last_seen_at)
      IS DISTINCT FROM
      (CASE WHEN EXCLUDED.listed_at IS NOT NULL THEN EXCLUDED.kst_date ELSE v.kst_date END,
       coalesce(EXCLUDED.listed_at, v.listed_at),
       ARRAY(SELECT DISTINCT x FROM unnest(v.sources || EXCLUDED.sources) AS x ORDER BY x),
       EXCLUDED.robots_denied, EXCLUDED.last_seen_run, greatest(v.last_seen_at, EXCLUDED.last_seen_at))
