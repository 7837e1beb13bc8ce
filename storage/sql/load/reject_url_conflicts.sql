-- Staged rows whose URL another article owns (stored, or earlier in the batch) leave the stage
-- table and become rejects of stage 'load'.
WITH owners AS (
    SELECT s.url, coalesce(min(a.article_id), min(s.article_id)) AS owner
    FROM yonhap_load.stage_articles s LEFT JOIN yonhap.articles a ON a.url = s.url
    GROUP BY s.url
), conflicts AS (
    SELECT s.article_id, o.owner
    FROM yonhap_load.stage_articles s JOIN owners o USING (url)
    WHERE s.article_id <> o.owner
), removed AS (
    DELETE FROM yonhap_load.stage_articles s USING conflicts c
    WHERE s.article_id = c.article_id
    RETURNING s.*, c.owner
)
INSERT INTO stage_rejects (item_key, article_id, url, reasons, payload, stage)
SELECT md5('url-conflict' || r.article_id || r.url), r.article_id, r.url,
       jsonb_build_array('canonical URL ' || r.url || ' belongs to article ' || r.owner),
       to_jsonb(r) - 'owner', 'load'
FROM removed r
