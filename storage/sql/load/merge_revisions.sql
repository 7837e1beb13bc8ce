-- Revisions appended for each new (article_id, content_hash): the staged revisions plus each
-- loaded row's own content, restricted to loaded ids; revision = max + 1 in fetch order.
WITH candidates AS (
    SELECT DISTINCT ON (c.article_id, c.content_hash)
           c.article_id, c.content_hash, c.title_raw, c.body, c.fetched_at
    FROM (
        SELECT r.article_id, r.content_hash, r.title_raw, r.body, r.fetched_at
        FROM stage_revisions r JOIN yonhap_load.stage_articles s USING (article_id)
        UNION ALL
        SELECT s.article_id, s.content_hash, s.title_raw, s.body,
               coalesce(s.fetched_at, %(run_time)s, now())
        FROM yonhap_load.stage_articles s
    ) c
    WHERE NOT EXISTS (
        SELECT 1 FROM yonhap.article_revisions x
        WHERE x.article_id = c.article_id AND x.content_hash = c.content_hash
    )
    ORDER BY c.article_id, c.content_hash, c.fetched_at
)
INSERT INTO yonhap.article_revisions
    (article_id, revision, content_hash, title_raw, body, fetched_at, run_id)
SELECT c.article_id,
       coalesce((SELECT max(x.revision) FROM yonhap.article_revisions x
                 WHERE x.article_id = c.article_id), 0)
       + row_number() OVER (PARTITION BY c.article_id ORDER BY c.fetched_at, c.content_hash),
       c.content_hash, c.title_raw, c.body, c.fetched_at, %(run_id)s
FROM candidates c
