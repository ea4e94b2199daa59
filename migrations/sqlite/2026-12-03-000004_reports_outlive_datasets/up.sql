-- A report belongs to its organisation, not to the dataset's: deleting a (public) dataset keeps
-- other organisations' reports and their results, with the dataset reference cleared.
-- SQLite's table rebuild: foreign keys off, so dropping the old table cascades nowhere.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE reports_rebuilt (
    id            VARCHAR(36)   NOT NULL PRIMARY KEY,
    org_id        VARCHAR(36)   NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    dataset_id    VARCHAR(36)   REFERENCES datasets (id) ON DELETE SET NULL,
    owner_id      VARCHAR(36),
    title         VARCHAR(200)  NOT NULL,
    description   TEXT,
    is_public     BOOLEAN       NOT NULL,
    options_json  TEXT          NOT NULL,
    html_path     VARCHAR(1024),
    results_path  VARCHAR(1024),
    size_bytes    BIGINT        NOT NULL,
    created_at    TIMESTAMP     NOT NULL,
    updated_at    TIMESTAMP     NOT NULL
);
INSERT INTO reports_rebuilt SELECT id, org_id, dataset_id, owner_id, title, description, is_public,
    options_json, html_path, results_path, size_bytes, created_at, updated_at FROM reports;
DROP TABLE reports;
ALTER TABLE reports_rebuilt RENAME TO reports;
CREATE INDEX reports_org_idx ON reports (org_id, created_at);
CREATE INDEX reports_dataset_idx ON reports (dataset_id);
CREATE INDEX jobs_status_org_idx ON jobs (status, org_id, created_at);
COMMIT;
PRAGMA foreign_keys = ON;
