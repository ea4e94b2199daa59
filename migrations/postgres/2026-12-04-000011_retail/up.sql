-- The retail area (Brickhouse): stores, products, staff, inventory with its history and
-- stock-transfer orders of each organisation. Every row has `number`, allocated per
-- organisation on insert from retail_numbers and never reused: the id the web app sees.
-- Money is integer cents; stock is in cases.
CREATE TABLE retail_numbers (
    org_id  VARCHAR(36)  NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind    VARCHAR(20)  NOT NULL,
    last_number  BIGINT   NOT NULL,
    PRIMARY KEY (org_id, kind)
);

CREATE TABLE retail_stores (
    id          BIGSERIAL     PRIMARY KEY,
    org_id      VARCHAR(36)   NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    number      BIGINT        NOT NULL,
    name        VARCHAR(200)  NOT NULL,
    code        VARCHAR(20)   NOT NULL,
    address     VARCHAR(200)  NOT NULL,
    city        VARCHAR(100)  NOT NULL,
    state       VARCHAR(2)    NOT NULL,
    zip_code    VARCHAR(10)   NOT NULL,
    region      VARCHAR(50)   NOT NULL,
    store_type  VARCHAR(20)   NOT NULL,
    created_at  TIMESTAMP     NOT NULL
);
CREATE UNIQUE INDEX retail_stores_number_idx ON retail_stores (org_id, number);
CREATE UNIQUE INDEX retail_stores_code_idx ON retail_stores (org_id, code);
CREATE INDEX retail_stores_region_idx ON retail_stores (org_id, region);

CREATE TABLE retail_products (
    id                BIGSERIAL     PRIMARY KEY,
    org_id            VARCHAR(36)   NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    number            BIGINT        NOT NULL,
    name              VARCHAR(200)  NOT NULL,
    brand             VARCHAR(100)  NOT NULL,
    category          VARCHAR(100)  NOT NULL,
    package_size      VARCHAR(50)   NOT NULL,
    unit_price_cents  BIGINT        NOT NULL CHECK (unit_price_cents > 0),
    created_at        TIMESTAMP     NOT NULL
);
CREATE UNIQUE INDEX retail_products_number_idx ON retail_products (org_id, number);
CREATE INDEX retail_products_category_idx ON retail_products (org_id, category);

-- user_id: the Tessera account acting as this staff member (what a regional manager approves).
CREATE TABLE retail_staff (
    id          BIGSERIAL     PRIMARY KEY,
    org_id      VARCHAR(36)   NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    number      BIGINT        NOT NULL,
    username    VARCHAR(50)   NOT NULL,
    first_name  VARCHAR(100)  NOT NULL,
    last_name   VARCHAR(100)  NOT NULL,
    email       VARCHAR(254)  NOT NULL,
    avatar_url  VARCHAR(500),
    role        VARCHAR(20)   NOT NULL,
    store_id    BIGINT        REFERENCES retail_stores (id) ON DELETE SET NULL,
    region      VARCHAR(50),
    user_id     VARCHAR(36)   REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMP     NOT NULL
);
CREATE UNIQUE INDEX retail_staff_number_idx ON retail_staff (org_id, number);
CREATE UNIQUE INDEX retail_staff_username_idx ON retail_staff (org_id, username);
CREATE INDEX retail_staff_user_idx ON retail_staff (user_id);

-- available = quantity_cases - reserved_cases; reserved by approved orders shipping from here.
CREATE TABLE retail_inventory (
    id              BIGSERIAL    PRIMARY KEY,
    org_id          VARCHAR(36)  NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    number          BIGINT       NOT NULL,
    store_id        BIGINT       NOT NULL REFERENCES retail_stores (id) ON DELETE CASCADE,
    product_id      BIGINT       NOT NULL REFERENCES retail_products (id) ON DELETE CASCADE,
    quantity_cases  BIGINT       NOT NULL CHECK (quantity_cases >= 0),
    reserved_cases  BIGINT       NOT NULL DEFAULT 0 CHECK (reserved_cases >= 0),
    last_updated    TIMESTAMP    NOT NULL,
    CHECK (reserved_cases <= quantity_cases)
);
CREATE UNIQUE INDEX retail_inventory_number_idx ON retail_inventory (org_id, number);
CREATE UNIQUE INDEX retail_inventory_item_idx ON retail_inventory (store_id, product_id);
CREATE INDEX retail_inventory_product_idx ON retail_inventory (product_id);

-- One row per change of an inventory row: the levels after it and the change in cases, why
-- (received, shipped, adjusted, reserved, released, seeded) and the number of the order that
-- caused it;
-- recorded_day (days since 1970-01-01, UTC) is what every engine groups trends by alike.
CREATE TABLE retail_inventory_history (
    id              BIGSERIAL    PRIMARY KEY,
    org_id          VARCHAR(36)  NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    inventory_id    BIGINT       NOT NULL REFERENCES retail_inventory (id) ON DELETE CASCADE,
    quantity_cases  BIGINT       NOT NULL,
    reserved_cases  BIGINT       NOT NULL,
    change_cases    BIGINT       NOT NULL,
    reason          VARCHAR(20)  NOT NULL,
    order_number    BIGINT,
    recorded_at     TIMESTAMP    NOT NULL,
    recorded_day    BIGINT       NOT NULL
);
CREATE INDEX retail_inventory_history_time_idx
    ON retail_inventory_history (org_id, recorded_day);
CREATE INDEX retail_inventory_history_item_idx
    ON retail_inventory_history (inventory_id, recorded_at);

-- Keyed by (org_id, number): the number is the order's id on the wire and ORD000123 its order
-- number. order_day: days since 1970-01-01 (UTC) of order_date, what the date filters and daily
-- series compare; fulfilment_seconds: fulfilled_date - order_date, set on fulfilment.
CREATE TABLE retail_orders (
    org_id          VARCHAR(36)   NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    number          BIGINT        NOT NULL,
    from_store_id   BIGINT        NOT NULL REFERENCES retail_stores (id) ON DELETE CASCADE,
    to_store_id     BIGINT        NOT NULL REFERENCES retail_stores (id) ON DELETE CASCADE,
    product_id      BIGINT        NOT NULL REFERENCES retail_products (id) ON DELETE CASCADE,
    quantity_cases  BIGINT        NOT NULL CHECK (quantity_cases > 0),
    status          VARCHAR(20)   NOT NULL,
    requested_by    BIGINT        REFERENCES retail_staff (id) ON DELETE SET NULL,
    approver_id     BIGINT        REFERENCES retail_staff (id) ON DELETE SET NULL,
    order_date      TIMESTAMP     NOT NULL,
    order_day       BIGINT        NOT NULL,
    approved_date   TIMESTAMP,
    fulfilled_date  TIMESTAMP,
    fulfilment_seconds BIGINT,
    notes           TEXT,
    version         BIGINT        NOT NULL DEFAULT 1,
    PRIMARY KEY (org_id, number)
);
CREATE INDEX retail_orders_date_idx ON retail_orders (org_id, order_day, order_date);
CREATE INDEX retail_orders_status_idx ON retail_orders (org_id, status, order_day);
CREATE INDEX retail_orders_to_store_idx ON retail_orders (to_store_id, order_date);
CREATE INDEX retail_orders_product_idx ON retail_orders (product_id);
