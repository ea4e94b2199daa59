-- One open alert per condition, by construction: `open_key` is the alert's type while it is
-- open and NULL once resolved, and (org_id, open_key) is unique, so two processes raising the
-- same condition at once cannot open it twice (NULLs never collide).
ALTER TABLE alerts ADD COLUMN open_key VARCHAR(40);
UPDATE alerts SET open_key = alert_type WHERE resolved_at IS NULL;
CREATE UNIQUE INDEX alerts_open_key_idx ON alerts (org_id, open_key);
