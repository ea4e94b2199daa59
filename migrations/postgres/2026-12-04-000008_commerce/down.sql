-- Undo 000008.
DROP TABLE commerce_transactions;
DROP TABLE commerce_customers;
DROP TABLE commerce_products;
DROP TABLE commerce_suppliers;
