-- Uploaded datasets (stored as Parquet files), EDA reports, the background jobs that compute
-- them (claimed through leases, so a job runs once however many processes there are), and
-- share links for reports (tokens stored hashed).
CREATE TABLE datasets (
    id            VARCHAR(36)   NOT NULL PRIMARY KEY,
    org_id        VARCHAR(36)   NOT NULL,
    owner_id      VARCHAR(36) NULL,
    name          VARCHAR(200)  NOT NULL,
    description   TEXT NULL,
    is_public     BOOLEAN       NOT NULL,
    format        VARCHAR(16)   NOT NULL,
    file_name     VARCHAR(255)  NOT NULL,
    storage_path  VARCHAR(1024) NOT NULL,
    size_bytes    BIGINT        NOT NULL,
    row_count     BIGINT        NOT NULL,
    column_count  INTEGER       NOT NULL,
    schema_json   LONGTEXT          NOT NULL,
    created_at    DATETIME(6)     NOT NULL,
    updated_at    DATETIME(6)     NOT NULL,
    CONSTRAINT datasets_org_id_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
) CHARACTER SET utf8mb4;
CREATE INDEX datasets_org_idx ON datasets (org_id, name);
CREATE INDEX datasets_public_idx ON datasets (is_public);

CREATE TABLE reports (
    id            VARCHAR(36)   NOT NULL PRIMARY KEY,
    org_id        VARCHAR(36)   NOT NULL,
    dataset_id    VARCHAR(36)   NOT NULL,
    owner_id      VARCHAR(36) NULL,
    title         VARCHAR(200)  NOT NULL,
    description   TEXT NULL,
    is_public     BOOLEAN       NOT NULL,
    options_json  TEXT          NOT NULL,
    html_path     VARCHAR(1024) NULL,
    results_path  VARCHAR(1024) NULL,
    size_bytes    BIGINT        NOT NULL,
    created_at    DATETIME(6)     NOT NULL,
    updated_at    DATETIME(6)     NOT NULL,
    CONSTRAINT reports_org_id_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT reports_dataset_id_fk FOREIGN KEY (dataset_id) REFERENCES datasets (id) ON DELETE CASCADE
) CHARACTER SET utf8mb4;
CREATE INDEX reports_org_idx ON reports (org_id, created_at);
CREATE INDEX reports_dataset_idx ON reports (dataset_id);

CREATE TABLE jobs (
    id                VARCHAR(36)  NOT NULL PRIMARY KEY,
    org_id            VARCHAR(36)  NOT NULL,
    kind              VARCHAR(32)  NOT NULL,
    subject_id        VARCHAR(36)  NOT NULL,
    status            VARCHAR(16)  NOT NULL,
    progress          INTEGER      NOT NULL,
    error             TEXT NULL,
    attempts          INTEGER      NOT NULL,
    lease_owner       VARCHAR(64) NULL,
    lease_expires_at  DATETIME(6) NULL,
    created_at        DATETIME(6)    NOT NULL,
    started_at        DATETIME(6) NULL,
    finished_at       DATETIME(6) NULL,
    updated_at        DATETIME(6)    NOT NULL,
    CONSTRAINT jobs_org_id_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
) CHARACTER SET utf8mb4;
CREATE INDEX jobs_claim_idx ON jobs (status, created_at);
CREATE INDEX jobs_subject_idx ON jobs (subject_id);

CREATE TABLE report_shares (
    id           VARCHAR(36)  NOT NULL PRIMARY KEY,
    report_id    VARCHAR(36)  NOT NULL,
    org_id       VARCHAR(36)  NOT NULL,
    token_hash   VARCHAR(64)  NOT NULL,
    created_by   VARCHAR(36) NULL,
    expires_at   DATETIME(6) NULL,
    revoked_at   DATETIME(6) NULL,
    created_at   DATETIME(6)    NOT NULL,
    CONSTRAINT report_shares_report_id_fk FOREIGN KEY (report_id) REFERENCES reports (id) ON DELETE CASCADE,
    CONSTRAINT report_shares_org_id_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
) CHARACTER SET utf8mb4;
CREATE UNIQUE INDEX report_shares_token_key ON report_shares (token_hash);
CREATE INDEX report_shares_report_idx ON report_shares (report_id);
