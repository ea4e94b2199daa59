-- Dashboards in folders (nested: a folder may have a parent), with their charts and layout as
-- JSON documents and a version that every update must name (a stale one is refused), and each
-- organisation's themes, chart templates and layout templates (one table, by kind).
CREATE TABLE dashboard_folders (
    id          BIGSERIAL     PRIMARY KEY,
    org_id      VARCHAR(36)   NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name        VARCHAR(200)  NOT NULL,
    parent_id   BIGINT        REFERENCES dashboard_folders (id),
    created_at  TIMESTAMP     NOT NULL,
    updated_at  TIMESTAMP     NOT NULL
);
CREATE INDEX dashboard_folders_org_parent_idx ON dashboard_folders (org_id, parent_id);

CREATE TABLE dashboards (
    id           BIGSERIAL     PRIMARY KEY,
    org_id       VARCHAR(36)   NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    folder_id    BIGINT        REFERENCES dashboard_folders (id),
    title        VARCHAR(200)  NOT NULL,
    description  TEXT          NOT NULL,
    theme        VARCHAR(100),
    layout       TEXT          NOT NULL,
    charts       TEXT          NOT NULL,
    version      BIGINT        NOT NULL,
    created_by   VARCHAR(36),
    created_at   TIMESTAMP     NOT NULL,
    updated_at   TIMESTAMP     NOT NULL
);
CREATE INDEX dashboards_org_folder_idx ON dashboards (org_id, folder_id);

CREATE TABLE dashboard_assets (
    id           BIGSERIAL     PRIMARY KEY,
    org_id       VARCHAR(36)   NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind         VARCHAR(20)   NOT NULL,
    name         VARCHAR(200)  NOT NULL,
    description  TEXT          NOT NULL,
    definition   TEXT          NOT NULL,
    created_at   TIMESTAMP     NOT NULL,
    updated_at   TIMESTAMP     NOT NULL
);
CREATE INDEX dashboard_assets_org_kind_idx ON dashboard_assets (org_id, kind, id);
