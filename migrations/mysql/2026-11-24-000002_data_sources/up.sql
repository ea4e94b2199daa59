-- Data sources (users' databases, credentials sealed) and datamarts (saved virtual tables).
CREATE TABLE data_sources (
    id             VARCHAR(36)   NOT NULL PRIMARY KEY,
    org_id         VARCHAR(36)   NOT NULL,
    name           VARCHAR(100)  NOT NULL,
    kind           VARCHAR(16)   NOT NULL,
    host           VARCHAR(255)  NULL,
    port           INTEGER       NULL,
    database_name  VARCHAR(1024) NULL,
    username       VARCHAR(255)  NULL,
    sealed_url     TEXT          NOT NULL,
    created_by     VARCHAR(36)   NULL,
    created_at     DATETIME(6)   NOT NULL,
    updated_at     DATETIME(6)   NOT NULL,
    CONSTRAINT data_sources_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
) CHARACTER SET utf8mb4;
CREATE UNIQUE INDEX data_sources_org_name_key ON data_sources (org_id, name);

CREATE TABLE datamarts (
    id           VARCHAR(36)  NOT NULL PRIMARY KEY,
    org_id       VARCHAR(36)  NOT NULL,
    source_id    VARCHAR(36)  NOT NULL,
    name         VARCHAR(100) NOT NULL,
    description  TEXT         NULL,
    sql_text     TEXT         NOT NULL,
    created_by   VARCHAR(36)  NULL,
    created_at   DATETIME(6)  NOT NULL,
    updated_at   DATETIME(6)  NOT NULL,
    CONSTRAINT datamarts_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT datamarts_source_fk FOREIGN KEY (source_id) REFERENCES data_sources (id) ON DELETE CASCADE
) CHARACTER SET utf8mb4;
CREATE UNIQUE INDEX datamarts_org_name_key ON datamarts (org_id, name);
CREATE INDEX datamarts_source_idx ON datamarts (source_id);
