-- The run's rejects that this load of it no longer has (a rerun replaces them).
DELETE FROM yonhap.rejected_items r
WHERE r.run_id = %(run_id)s AND NOT EXISTS (SELECT 1 FROM stage_rejects s WHERE s.item_key = r.item_key)
