-- Undo 000005.
DROP TABLE cache_events;
