-- Vectors of the staged rows that are new or whose title or body changed (parallel-capable).
-- toast_tuple_target: a vector barely compresses, so rows up to a page stay as they are (no
-- failed pglz attempt per row); yonhap.articles stores it uncompressed too (migration 0003).
CREATE TEMP TABLE stage_vectors WITH (toast_tuple_target = 8160) ON COMMIT DROP AS
SELECT s.article_id, yonhap.search_vector_of(s.title, s.body, s.edition) AS search_vector
FROM yonhap_load.stage_articles s
WHERE NOT EXISTS (
    SELECT 1 FROM yonhap.articles a
    WHERE a.article_id = s.article_id AND a.title = s.title AND a.body = s.body
)
