-- A report belongs to its organisation, not to the dataset's: deleting a (public) dataset keeps
-- other organisations' reports and their results, with the dataset reference cleared.
ALTER TABLE reports DROP FOREIGN KEY reports_dataset_id_fk;
ALTER TABLE reports MODIFY dataset_id VARCHAR(36) NULL;
ALTER TABLE reports ADD CONSTRAINT reports_dataset_id_fk
    FOREIGN KEY (dataset_id) REFERENCES datasets (id) ON DELETE SET NULL;
CREATE INDEX jobs_status_org_idx ON jobs (status, org_id, created_at);
