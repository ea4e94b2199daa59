-- Undo 000004: reports without a dataset cannot exist before it.
DROP INDEX jobs_status_org_idx ON jobs;
DELETE FROM reports WHERE dataset_id IS NULL;
ALTER TABLE reports DROP FOREIGN KEY reports_dataset_id_fk;
ALTER TABLE reports MODIFY dataset_id VARCHAR(36) NOT NULL;
ALTER TABLE reports ADD CONSTRAINT reports_dataset_id_fk
    FOREIGN KEY (dataset_id) REFERENCES datasets (id) ON DELETE CASCADE;
