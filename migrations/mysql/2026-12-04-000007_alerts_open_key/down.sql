-- Undo 000007.
DROP INDEX alerts_open_key_idx ON alerts;
ALTER TABLE alerts DROP COLUMN open_key;
