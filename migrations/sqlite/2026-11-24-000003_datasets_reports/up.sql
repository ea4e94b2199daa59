-- Uploaded datasets (stored as Parquet files), EDA reports, the background jobs that compute
-- them (claimed through leases, so a job runs once however many processes there are), and
-- share links for reports (tokens stored hashed).
CREATE TABLE datasets (
    id            VARCHAR(36)   NOT NULL PRIMARY KEY,
    org_id        VARCHAR(36)   NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    owner_id      VARCHAR(36),
    name          VARCHAR(200)  NOT NULL,
    description   TEXT,
    is_public     BOOLEAN       NOT NULL,
    format        VARCHAR(16)   NOT NULL,
    file_name     VARCHAR(255)  NOT NULL,
    storage_path  VARCHAR(1024) NOT NULL,
    size_bytes    BIGINT        NOT NULL,
    row_count     BIGINT        NOT NULL,
    column_count  INTEGER       NOT NULL,
    schema_json   TEXT          NOT NULL,
    created_at    TIMESTAMP     NOT NULL,
    updated_at    TIMESTAMP     NOT NULL
);
CREATE INDEX datasets_org_idx ON datasets (org_id, name);
CREATE INDEX datasets_public_idx ON datasets (is_public);

CREATE TABLE reports (
    id            VARCHAR(36)   NOT NULL PRIMARY KEY,
    org_id        VARCHAR(36)   NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    dataset_id    VARCHAR(36)   NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
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
CREATE INDEX reports_org_idx ON reports (org_id, created_at);
CREATE INDEX reports_dataset_idx ON reports (dataset_id);

CREATE TABLE jobs (
    id                VARCHAR(36)  NOT NULL PRIMARY KEY,
    org_id            VARCHAR(36)  NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind              VARCHAR(32)  NOT NULL,
    subject_id        VARCHAR(36)  NOT NULL,
    status            VARCHAR(16)  NOT NULL,
    progress          INTEGER      NOT NULL,
    error             TEXT,
    attempts          INTEGER      NOT NULL,
    lease_owner       VARCHAR(64),
    lease_expires_at  TIMESTAMP,
    created_at        TIMESTAMP    NOT NULL,
    started_at        TIMESTAMP,
    finished_at       TIMESTAMP,
    updated_at        TIMESTAMP    NOT NULL
);
CREATE INDEX jobs_claim_idx ON jobs (status, created_at);
CREATE INDEX jobs_subject_idx ON jobs (subject_id);

CREATE TABLE report_shares (
    id           VARCHAR(36)  NOT NULL PRIMARY KEY,
    report_id    VARCHAR(36)  NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    org_id       VARCHAR(36)  NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    token_hash   VARCHAR(64)  NOT NULL,
    created_by   VARCHAR(36),
    expires_at   TIMESTAMP,
    revoked_at   TIMESTAMP,
    created_at   TIMESTAMP    NOT NULL
);
CREATE UNIQUE INDEX report_shares_token_key ON report_shares (token_hash);
CREATE INDEX report_shares_report_idx ON report_shares (report_id);
