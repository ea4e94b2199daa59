-- Undo 000012.
ALTER TABLE retail_products DROP COLUMN inventory_rows;
DROP INDEX retail_inventory_available_idx;
DROP TABLE retail_stock_totals;
DROP TABLE retail_order_days;
