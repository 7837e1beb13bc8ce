-- Existing ids, only when the fetch is not older and some column differs: identical rows are
-- never rewritten. search_vector from stage_vectors (changed title/body) or as stored;
-- last_seen_at only moves forward.
UPDATE yonhap.articles a SET ${assign_staged_columns},
    search_vector = coalesce(v.search_vector, a.search_vector),
    last_seen_at = greatest(a.last_seen_at, coalesce(s.fetched_at, %(run_time)s, now()))
FROM yonhap_load.stage_articles s LEFT JOIN stage_vectors v ON v.article_id = s.article_id
WHERE a.article_id = s.article_id
  AND (a.fetched_at IS NULL OR s.fetched_at IS NULL OR s.fetched_at >= a.fetched_at)
  AND (${compared_columns_of_a}) IS DISTINCT FROM (${compared_columns_of_s})
