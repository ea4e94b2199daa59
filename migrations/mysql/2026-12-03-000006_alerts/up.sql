-- The system alerts feed (low stock, suspicious transactions, system notices) of each
-- organisation: an open condition is one row, updated while it lasts and resolved when it ends
-- (never a row per poll). The alerting rules build on the same table.
CREATE TABLE alerts (
    id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    org_id       VARCHAR(36)  NOT NULL,
    alert_type   VARCHAR(40)  NOT NULL,
    message      TEXT         NOT NULL,
    severity     VARCHAR(10)  NOT NULL,
    metadata     TEXT         NOT NULL,
    created_at   DATETIME(6)  NOT NULL,
    updated_at   DATETIME(6)  NOT NULL,
    resolved_at  DATETIME(6),
    CONSTRAINT alerts_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
) CHARACTER SET utf8mb4;
CREATE INDEX alerts_org_type_idx ON alerts (org_id, alert_type, resolved_at);
