-- Undo 000009.
DROP INDEX commerce_transactions_status_idx ON commerce_transactions;
DROP INDEX commerce_transactions_amount_idx ON commerce_transactions;
DROP INDEX commerce_customers_spent_idx ON commerce_customers;
DROP INDEX commerce_customers_risk_idx ON commerce_customers;
