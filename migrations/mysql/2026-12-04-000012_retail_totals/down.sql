-- Undo 000012.
DROP TABLE retail_stock_totals;
DROP TABLE retail_order_days;
