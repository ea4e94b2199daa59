-- Columnar extracts: a source's table or datamart copied as Parquet under
-- extracts.dir/<org>/<extract>/v<version>/, what the serving copy holds (version, rows, bytes,
-- high-water mark, columns), and one row per refresh (rows, bytes, duration, high-water mark,
-- error). An extract goes with its source; `refresh_owner` and `refresh_until` are the claim
-- that keeps one process refreshing an extract at a time.
CREATE TABLE extracts (
    id               VARCHAR(36)   NOT NULL PRIMARY KEY,
    org_id           VARCHAR(36)   NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    source_id        VARCHAR(36)   NOT NULL REFERENCES data_sources (id) ON DELETE CASCADE,
    name             VARCHAR(200)  NOT NULL,
    target           VARCHAR(300)  NOT NULL,
    definition       TEXT    NOT NULL,
    next_refresh_at  TIMESTAMP,
    version          BIGINT        NOT NULL,
    refreshed_at     TIMESTAMP,
    row_count        BIGINT        NOT NULL,
    byte_count       BIGINT        NOT NULL,
    high_water       VARCHAR(500),
    columns_json     TEXT    NOT NULL,
    refresh_owner    VARCHAR(100),
    refresh_until    TIMESTAMP,
    created_at       TIMESTAMP   NOT NULL
);
CREATE UNIQUE INDEX extracts_org_name_idx ON extracts (org_id, name);
CREATE INDEX extracts_source_idx ON extracts (source_id, target);
CREATE INDEX extracts_due_idx ON extracts (next_refresh_at);

CREATE TABLE extract_refreshes (
    id            VARCHAR(36)   NOT NULL PRIMARY KEY,
    extract_id    VARCHAR(36)   NOT NULL REFERENCES extracts (id) ON DELETE CASCADE,
    org_id        VARCHAR(36)   NOT NULL,
    job_id        VARCHAR(36),
    mode          VARCHAR(20)   NOT NULL,
    status        VARCHAR(20)   NOT NULL,
    started_at    TIMESTAMP   NOT NULL,
    finished_at   TIMESTAMP,
    rows_read     BIGINT        NOT NULL,
    row_count     BIGINT        NOT NULL,
    byte_count    BIGINT        NOT NULL,
    duration_ms   BIGINT        NOT NULL,
    high_water    VARCHAR(500),
    error         TEXT
);
CREATE INDEX extract_refreshes_extract_idx ON extract_refreshes (extract_id, started_at);
