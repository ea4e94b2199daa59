-- The commerce area (TechMart): suppliers, products, customers and transactions of each
-- organisation. Money is integer cents, so totals are exact sums; every id is an integer the
-- web app keys its lists by.
CREATE TABLE commerce_suppliers (
    id                 INTEGER          PRIMARY KEY AUTOINCREMENT,
    org_id             VARCHAR(36)      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name               VARCHAR(200)     NOT NULL,
    reliability_score  DOUBLE           NOT NULL,
    country            VARCHAR(100)     NOT NULL
);
CREATE INDEX commerce_suppliers_org_idx ON commerce_suppliers (org_id);

CREATE TABLE commerce_products (
    id              INTEGER       PRIMARY KEY AUTOINCREMENT,
    org_id          VARCHAR(36)   NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            VARCHAR(200)  NOT NULL,
    category        VARCHAR(100)  NOT NULL,
    price_cents     BIGINT        NOT NULL CHECK (price_cents > 0),
    stock_quantity  BIGINT        NOT NULL CHECK (stock_quantity >= 0),
    supplier_id     BIGINT        REFERENCES commerce_suppliers (id) ON DELETE SET NULL
);
CREATE INDEX commerce_products_org_idx ON commerce_products (org_id, category);

-- amount_count/amount_mean/amount_m2: Welford statistics of the customer's transaction amounts
-- (dollars) in id order; payment_methods and purchase_hours are bit sets of the methods and UTC
-- hours the customer used; revision is bumped by every write (the write path's row lock).
CREATE TABLE commerce_customers (
    id                 INTEGER          PRIMARY KEY AUTOINCREMENT,
    org_id             VARCHAR(36)      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email              VARCHAR(320)     NOT NULL,
    registration_date  TIMESTAMP        NOT NULL,
    region             VARCHAR(100)     NOT NULL,
    total_spent_cents  BIGINT           NOT NULL DEFAULT 0,
    amount_count       BIGINT           NOT NULL DEFAULT 0,
    amount_mean        DOUBLE           NOT NULL DEFAULT 0,
    amount_m2          DOUBLE           NOT NULL DEFAULT 0,
    payment_methods    BIGINT           NOT NULL DEFAULT 0,
    purchase_hours     BIGINT           NOT NULL DEFAULT 0,
    risk_score         DOUBLE           NOT NULL DEFAULT 0,
    risk_updated_at    TIMESTAMP,
    revision           BIGINT           NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX commerce_customers_email_idx ON commerce_customers (org_id, email);

CREATE TABLE commerce_transactions (
    id              INTEGER          PRIMARY KEY AUTOINCREMENT,
    org_id          VARCHAR(36)      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    customer_id     BIGINT           NOT NULL REFERENCES commerce_customers (id) ON DELETE CASCADE,
    product_id      BIGINT           NOT NULL REFERENCES commerce_products (id) ON DELETE CASCADE,
    quantity        BIGINT           NOT NULL,
    price_cents     BIGINT           NOT NULL,
    amount_cents    BIGINT           NOT NULL,
    payment_method  VARCHAR(20)      NOT NULL,
    status          VARCHAR(20)      NOT NULL,
    occurred_at     TIMESTAMP        NOT NULL,
    occurred_hour   BIGINT           NOT NULL,
    risk_score      DOUBLE,
    fraud_check     TEXT,
    reviewed_at     TIMESTAMP
);
CREATE INDEX commerce_transactions_time_idx
    ON commerce_transactions (org_id, occurred_at, amount_cents);
CREATE INDEX commerce_transactions_hour_idx
    ON commerce_transactions (org_id, occurred_hour, amount_cents);
CREATE INDEX commerce_transactions_customer_idx
    ON commerce_transactions (customer_id, occurred_at);
CREATE INDEX commerce_transactions_product_idx
    ON commerce_transactions (product_id);
