-- Alert rules: the definition as one checked JSON document (target: a named metric, a chart
-- query or SQL; condition; cron schedule in a time zone; channels, webhook secrets sealed;
-- cooldown), and what the rule remembers between evaluations (firing, last error, last
-- values, last notification, next run).
CREATE TABLE alert_rules (
    id                BIGINT           NOT NULL AUTO_INCREMENT PRIMARY KEY,
    org_id            VARCHAR(36)      NOT NULL,
    name              VARCHAR(200)     NOT NULL,
    definition        TEXT             NOT NULL,
    enabled           BOOLEAN          NOT NULL,
    firing            BOOLEAN          NOT NULL DEFAULT FALSE,
    last_error        TEXT,
    last_value        DOUBLE,
    recent_values     TEXT             NOT NULL,
    last_evaluated_at DATETIME(6),
    last_notified_at  DATETIME(6),
    next_run_at       DATETIME(6),
    created_by        VARCHAR(36),
    created_at        DATETIME(6)        NOT NULL,
    updated_at        DATETIME(6)        NOT NULL,
    CONSTRAINT alert_rules_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
) CHARACTER SET utf8mb4;
CREATE INDEX alert_rules_org_idx ON alert_rules (org_id, id);
CREATE INDEX alert_rules_due_idx ON alert_rules (enabled, next_run_at);

-- One row per evaluation that changed a rule's state and per failed evaluation: the value, the
-- condition it was held against, the state before and after, and each channel's delivery.
CREATE TABLE alert_events (
    id                 BIGINT           NOT NULL AUTO_INCREMENT PRIMARY KEY,
    org_id             VARCHAR(36)      NOT NULL,
    rule_id            BIGINT           NOT NULL,
    scheduled_at       DATETIME(6),
    evaluated_at       DATETIME(6)        NOT NULL,
    value              DOUBLE,
    reference_value    DOUBLE,
    threshold          TEXT             NOT NULL,
    state_from         VARCHAR(10)      NOT NULL,
    state_to           VARCHAR(10)      NOT NULL,
    notice             VARCHAR(10),
    suppressed         VARCHAR(10),
    error              TEXT,
    deliveries         TEXT             NOT NULL,
    deliveries_failed  INTEGER          NOT NULL DEFAULT 0,
    CONSTRAINT alert_events_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT alert_events_rule_fk FOREIGN KEY (rule_id) REFERENCES alert_rules (id) ON DELETE CASCADE
) CHARACTER SET utf8mb4;
CREATE INDEX alert_events_rule_idx ON alert_events (rule_id, id);
CREATE INDEX alert_events_org_time_idx ON alert_events (org_id, evaluated_at);

-- One row per scheduled run of a rule, claimed by inserting it (the key is unique, so several
-- processes evaluate each run once). A run whose lease ran out before it finished (its process
-- died) is taken over by another process, which completes it.
CREATE TABLE alert_runs (
    rule_id      BIGINT       NOT NULL,
    scheduled_at DATETIME(6)    NOT NULL,
    org_id       VARCHAR(36)  NOT NULL,
    claimed_by   VARCHAR(64)  NOT NULL,
    claimed_at   DATETIME(6)    NOT NULL,
    lease_until  DATETIME(6)    NOT NULL,
    attempts     INTEGER      NOT NULL,
    event_id     BIGINT,
    finished_at  DATETIME(6),
    PRIMARY KEY (rule_id, scheduled_at),
    CONSTRAINT alert_runs_rule_fk FOREIGN KEY (rule_id) REFERENCES alert_rules (id) ON DELETE CASCADE
) CHARACTER SET utf8mb4;
CREATE INDEX alert_runs_open_idx ON alert_runs (finished_at, lease_until);
