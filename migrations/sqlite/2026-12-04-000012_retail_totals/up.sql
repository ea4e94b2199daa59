-- Orders of each organisation per order day and destination store, counted by status, with
-- their cases: the status cards and the order list's count add up these rows (days x stores)
-- instead of scanning the orders. Kept in the transaction of every order's change
-- (store::retail::order_days); filled here from the orders already there.
CREATE TABLE retail_order_days (
    org_id          VARCHAR(36) NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    order_day       BIGINT   NOT NULL,
    to_store_id     BIGINT   NOT NULL REFERENCES retail_stores (id) ON DELETE CASCADE,
    pending_review  BIGINT   NOT NULL DEFAULT 0,
    approved        BIGINT   NOT NULL DEFAULT 0,
    fulfilled       BIGINT   NOT NULL DEFAULT 0,
    cancelled       BIGINT   NOT NULL DEFAULT 0,
    cases           BIGINT   NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, order_day, to_store_id)
);
INSERT INTO retail_order_days
    (org_id, order_day, to_store_id, pending_review, approved, fulfilled, cancelled, cases)
SELECT org_id, order_day, to_store_id,
       SUM(CASE WHEN status = 'pending_review' THEN 1 ELSE 0 END),
       SUM(CASE WHEN status = 'approved' THEN 1 ELSE 0 END),
       SUM(CASE WHEN status = 'fulfilled' THEN 1 ELSE 0 END),
       SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END),
       SUM(quantity_cases)
FROM retail_orders
GROUP BY org_id, order_day, to_store_id;

-- Stock of each organisation per store and product category: cases on hand and their value
-- (cents), what the inventory KPI cards add up instead of reading every inventory row. Kept
-- with every change of an inventory row (store::retail::stock_totals); filled here.
CREATE TABLE retail_stock_totals (
    org_id       VARCHAR(36)   NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    store_id     BIGINT        NOT NULL REFERENCES retail_stores (id) ON DELETE CASCADE,
    category     VARCHAR(100)  NOT NULL,
    cases        BIGINT        NOT NULL DEFAULT 0,
    value_cents  BIGINT        NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, store_id, category)
);
INSERT INTO retail_stock_totals (org_id, store_id, category, cases, value_cents)
SELECT i.org_id, i.store_id, p.category, SUM(i.quantity_cases), SUM(i.quantity_cases * p.unit_price_cents)
FROM retail_inventory i JOIN retail_products p ON p.id = i.product_id
GROUP BY i.org_id, i.store_id, p.category;

-- Low stock (available at most the threshold) is counted from this index, not the whole table.
CREATE INDEX retail_inventory_available_idx
    ON retail_inventory (org_id, (quantity_cases - reserved_cases));

-- How many inventory rows each product has (kept as rows are added): the KPI's product count
-- reads the products, not the inventory.
ALTER TABLE retail_products ADD COLUMN inventory_rows BIGINT NOT NULL DEFAULT 0;
UPDATE retail_products SET inventory_rows =
    (SELECT COUNT(*) FROM retail_inventory i WHERE i.product_id = retail_products.id);
