-- 0003: articles.search_vector is stored out of line without compression (STORAGE EXTERNAL).
--
-- Why: a French tsvector (lexemes and positions) does not compress: over 50k articles pglz
-- saved under 0.2 % of its size while costing about 1.2 s of CPU per 50k rows loaded (every
-- row is over the 2 kB TOAST threshold, so PostgreSQL tried to compress every vector, and
-- failed). Where vectors lived is unchanged (out of line, in the TOAST table); searches read
-- them exactly as before. Existing rows keep their current storage until they are rewritten.

ALTER TABLE yonhap.articles ALTER COLUMN search_vector SET STORAGE EXTERNAL;
