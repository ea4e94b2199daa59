-- Undo 000011.
DROP TABLE retail_orders;
DROP TABLE retail_inventory_history;
DROP TABLE retail_inventory;
DROP TABLE retail_staff;
DROP TABLE retail_products;
DROP TABLE retail_stores;
DROP TABLE retail_numbers;
