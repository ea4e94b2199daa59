-- Flagged transactions awaiting review (the suspicious-transaction alert) and the three-times-
-- the-mean rule read by status and by amount without scanning the organisation's rows.
CREATE INDEX commerce_transactions_status_idx ON commerce_transactions (org_id, status, occurred_at);
CREATE INDEX commerce_transactions_amount_idx ON commerce_transactions (org_id, amount_cents);
-- The overview's customer head counts (count, mean total spent, high risk) read from indexes,
-- not from every customer row.
CREATE INDEX commerce_customers_spent_idx ON commerce_customers (org_id, total_spent_cents);
CREATE INDEX commerce_customers_risk_idx ON commerce_customers (org_id, risk_score);
