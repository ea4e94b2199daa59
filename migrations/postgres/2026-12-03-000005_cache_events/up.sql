-- Changes that make cached answers stale (a source changed or deleted, a dataset changed, a
-- member removed), for every process serving this database: each polls the rows after the last
-- one it has seen and forgets what they name. Rows older than an hour are pruned.
CREATE TABLE cache_events (
    id          BIGSERIAL    PRIMARY KEY,
    scope       VARCHAR(80)  NOT NULL,
    created_at  TIMESTAMP    NOT NULL
);
CREATE INDEX cache_events_created_idx ON cache_events (created_at);
