-- Sales per organisation and hour (hours since the epoch), kept by the write path and rebuilt
-- from the transactions by demo generation and recalculate-totals: the overview reads a few
-- thousand rows instead of every transaction. A row per shard (customer id modulo 8) so that
-- concurrent posts of one hour do not all wait for the same row.
CREATE TABLE commerce_sales_hourly (
    org_id        VARCHAR(36) NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    hour          BIGINT      NOT NULL,
    shard         BIGINT      NOT NULL,
    transactions  BIGINT      NOT NULL,
    amount_cents  BIGINT      NOT NULL,
    PRIMARY KEY (org_id, hour, shard)
);
INSERT INTO commerce_sales_hourly (org_id, hour, shard, transactions, amount_cents)
SELECT org_id, occurred_hour, customer_id % 8, COUNT(*), SUM(amount_cents)
FROM commerce_transactions
GROUP BY org_id, occurred_hour, customer_id % 8;
