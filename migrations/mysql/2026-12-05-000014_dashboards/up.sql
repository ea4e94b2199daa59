-- Dashboards in folders (nested: a folder may have a parent), with their charts and layout as
-- JSON documents and a version that every update must name (a stale one is refused), and each
-- organisation's themes, chart templates and layout templates (one table, by kind).
CREATE TABLE dashboard_folders (
    id          BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    org_id      VARCHAR(36)   NOT NULL,
    name        VARCHAR(200)  NOT NULL,
    parent_id   BIGINT,
    created_at  DATETIME(6)   NOT NULL,
    updated_at  DATETIME(6)   NOT NULL,
    CONSTRAINT dashboard_folders_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT dashboard_folders_parent_fk FOREIGN KEY (parent_id) REFERENCES dashboard_folders (id)
) CHARACTER SET utf8mb4;
CREATE INDEX dashboard_folders_org_parent_idx ON dashboard_folders (org_id, parent_id);

CREATE TABLE dashboards (
    id           BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    org_id       VARCHAR(36)   NOT NULL,
    folder_id    BIGINT,
    title        VARCHAR(200)  NOT NULL,
    description  TEXT          NOT NULL,
    theme        VARCHAR(100),
    layout       MEDIUMTEXT    NOT NULL,
    charts       MEDIUMTEXT    NOT NULL,
    version      BIGINT        NOT NULL,
    created_by   VARCHAR(36),
    created_at   DATETIME(6)   NOT NULL,
    updated_at   DATETIME(6)   NOT NULL,
    CONSTRAINT dashboards_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT dashboards_folder_fk FOREIGN KEY (folder_id) REFERENCES dashboard_folders (id)
) CHARACTER SET utf8mb4;
CREATE INDEX dashboards_org_folder_idx ON dashboards (org_id, folder_id);

CREATE TABLE dashboard_assets (
    id           BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    org_id       VARCHAR(36)   NOT NULL,
    kind         VARCHAR(20)   NOT NULL,
    name         VARCHAR(200)  NOT NULL,
    description  TEXT          NOT NULL,
    definition   MEDIUMTEXT    NOT NULL,
    created_at   DATETIME(6)   NOT NULL,
    updated_at   DATETIME(6)   NOT NULL,
    CONSTRAINT dashboard_assets_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
) CHARACTER SET utf8mb4;
CREATE INDEX dashboard_assets_org_kind_idx ON dashboard_assets (org_id, kind, id);
