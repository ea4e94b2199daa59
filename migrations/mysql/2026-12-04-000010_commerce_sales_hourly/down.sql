-- Undo 000010.
DROP TABLE commerce_sales_hourly;
