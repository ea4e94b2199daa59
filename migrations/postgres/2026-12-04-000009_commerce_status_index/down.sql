-- Undo 000009.
DROP INDEX commerce_transactions_status_idx;
DROP INDEX commerce_transactions_amount_idx;
DROP INDEX commerce_customers_spent_idx;
DROP INDEX commerce_customers_risk_idx;
