-- New ids: a plain INSERT (no speculative insertion; the load lock keeps other loads out).
-- Only here are loaded_at (the transaction's time) and loaded_by_run set (migration 0005).
INSERT INTO yonhap.articles (${staged_columns}, first_seen_at, last_seen_at, search_vector,
                             ${set_on_insert_columns})
SELECT ${staged_columns_of_s}, coalesce(s.fetched_at, %(run_time)s, now()),
       coalesce(s.fetched_at, %(run_time)s, now()), v.search_vector, now(), %(run_id)s
FROM yonhap_load.stage_articles s LEFT JOIN stage_vectors v ON v.article_id = s.article_id
WHERE NOT EXISTS (SELECT 1 FROM yonhap.articles a WHERE a.article_id = s.article_id)
