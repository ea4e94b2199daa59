-- Changes that make cached answers stale (a source changed or deleted, a dataset changed, a
-- member removed), for every process serving this database: each polls the rows after the last
-- one it has seen and forgets what they name. Rows older than an hour are pruned.
CREATE TABLE cache_events (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    scope       VARCHAR(80)  NOT NULL,
    created_at  DATETIME(6)  NOT NULL
) CHARACTER SET utf8mb4;
CREATE INDEX cache_events_created_idx ON cache_events (created_at);
