-- Undo 000004: reports without a dataset cannot exist before it.
DROP INDEX jobs_status_org_idx;
DELETE FROM reports WHERE dataset_id IS NULL;
ALTER TABLE reports DROP CONSTRAINT reports_dataset_id_fkey;
ALTER TABLE reports ADD CONSTRAINT reports_dataset_id_fkey
    FOREIGN KEY (dataset_id) REFERENCES datasets (id) ON DELETE CASCADE;
ALTER TABLE reports ALTER COLUMN dataset_id SET NOT NULL;
