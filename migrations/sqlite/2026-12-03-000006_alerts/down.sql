-- Undo 000006.
DROP TABLE alerts;
