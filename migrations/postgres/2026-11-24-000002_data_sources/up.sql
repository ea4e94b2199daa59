-- Data sources (users' databases, credentials sealed) and datamarts (saved virtual tables).
CREATE TABLE data_sources (
    id             VARCHAR(36)   NOT NULL PRIMARY KEY,
    org_id         VARCHAR(36)   NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name           VARCHAR(100)  NOT NULL,
    kind           VARCHAR(16)   NOT NULL,
    host           VARCHAR(255),
    port           INTEGER,
    database_name  VARCHAR(1024),
    username       VARCHAR(255),
    sealed_url     TEXT          NOT NULL,
    created_by     VARCHAR(36),
    created_at     TIMESTAMP     NOT NULL,
    updated_at     TIMESTAMP     NOT NULL
);
CREATE UNIQUE INDEX data_sources_org_name_key ON data_sources (org_id, name);

CREATE TABLE datamarts (
    id           VARCHAR(36)  NOT NULL PRIMARY KEY,
    org_id       VARCHAR(36)  NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    source_id    VARCHAR(36)  NOT NULL REFERENCES data_sources (id) ON DELETE CASCADE,
    name         VARCHAR(100) NOT NULL,
    description  TEXT,
    sql_text     TEXT         NOT NULL,
    created_by   VARCHAR(36),
    created_at   TIMESTAMP    NOT NULL,
    updated_at   TIMESTAMP    NOT NULL
);
CREATE UNIQUE INDEX datamarts_org_name_key ON datamarts (org_id, name);
CREATE INDEX datamarts_source_idx ON datamarts (source_id);
