-- Undo 000007.
DROP INDEX alerts_open_key_idx;
ALTER TABLE alerts DROP COLUMN open_key;
