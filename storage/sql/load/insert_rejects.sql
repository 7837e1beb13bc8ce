-- The run's rejects not stored yet (keyed per run by item_key: unchanged ones stay as they are).
INSERT INTO yonhap.rejected_items (run_id, item_key, article_id, url, reasons, payload, stage, rejected_at)
SELECT DISTINCT ON (s.item_key) %(run_id)s, s.item_key, s.article_id, s.url,
       ARRAY(SELECT jsonb_array_elements_text(s.reasons)), s.payload, s.stage,
       coalesce(%(run_time)s, now())
FROM stage_rejects s
ORDER BY s.item_key
ON CONFLICT (run_id, item_key) DO NOTHING
