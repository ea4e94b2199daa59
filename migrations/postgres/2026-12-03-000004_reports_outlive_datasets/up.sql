-- A report belongs to its organisation, not to the dataset's: deleting a (public) dataset keeps
-- other organisations' reports and their results, with the dataset reference cleared.
ALTER TABLE reports ALTER COLUMN dataset_id DROP NOT NULL;
ALTER TABLE reports DROP CONSTRAINT reports_dataset_id_fkey;
ALTER TABLE reports ADD CONSTRAINT reports_dataset_id_fkey
    FOREIGN KEY (dataset_id) REFERENCES datasets (id) ON DELETE SET NULL;
CREATE INDEX jobs_status_org_idx ON jobs (status, org_id, created_at);
