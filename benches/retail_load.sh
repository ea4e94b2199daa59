#!/usr/bin/env bash
# Retail benchmarks against a release build on PostgreSQL (issue 13):
#  1. the demo chain with STORES stores besides the warehouse, topped up in SQL to PRODUCTS
#     products (an inventory row of each at every store, with its seeded history row) and
#     ORDERS orders over the last 365 days (PENDING of them placed an hour ago, pending review,
#     1 case each from the warehouse; the others fulfilled or cancelled, the last 3 days' pending);
#  2. one connection, never cached: GET /orders?page=1&limit=10 over the last 30 days,
#     /orders/status/summary (all orders, then the last 30 days) and /inventory/kpi;
#  3. approve+fulfil throughput: 32 connections, each approving then fulfilling its own share of
#     the pending orders (every approval reserves, every fulfilment moves stock, in the
#     transaction of the status change); afterwards the warehouse's reservations must be 0 and
#     no inventory row negative.
#   STORES=99 PRODUCTS=5000 ORDERS=1000000 PENDING=100000 DURATION=10s bash benches/retail_load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
STORES=${STORES:-99}
PRODUCTS=${PRODUCTS:-5000}
ORDERS=${ORDERS:-1000000}
PENDING=${PENDING:-100000}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/tessera-target}
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || { echo "wrk is needed (apt-get install wrk)"; exit 1; }; }
cargo build -q --release --bin tessera
bin=$CARGO_TARGET_DIR/release/tessera
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
psql -q -h 127.0.0.1 -U postgres -d postgres -c 'DROP DATABASE IF EXISTS tessera_bench' -c 'CREATE DATABASE tessera_bench'
if [ -S /var/run/postgresql/.s.PGSQL.5432 ] && [ -z "${PG_TCP:-}" ]; then
  export DATABASE_URL="postgres://postgres@%2Fvar%2Frun%2Fpostgresql/tessera_bench"
else
  export DATABASE_URL="postgres://postgres@127.0.0.1/tessera_bench?sslmode=disable"
fi
psql_bench() { psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres -d tessera_bench "$@"; }
export TESSERA_ADMIN_PASSWORD=bench-admin-password TESSERA_SOURCES__SQLITE_DIR="$work/sources" \
  TESSERA_HTTP__RATE_LIMIT__ENABLED=false TESSERA_LOG__LEVEL=warn TESSERA_BOOTSTRAP__DEMO_ROWS=1000 \
  TESSERA_AUTH__SECRET_KEY_FILE="$work/secret.key" TESSERA_DATABASE__MAX_CONNECTIONS=16 \
  TESSERA_BOOTSTRAP__DEMO_CUSTOMERS=10
mkdir -p "$work/sources"
start=$(date +%s)
"$bin" demo-data --rows 1000 --customers 10 --stores "$STORES" | tail -1
echo "demo chain generated in $(( $(date +%s) - start )) s"
start=$(date +%s)
psql_bench -v products="$PRODUCTS" -v orders="$ORDERS" -v pending="$PENDING" <<'SQL'
CREATE TEMP TABLE o AS SELECT org_id AS id FROM retail_stores GROUP BY org_id;
-- products up to :products, each category in turn
INSERT INTO retail_products (org_id, number, name, brand, category, package_size, unit_price_cents, created_at)
SELECT o.id, n, 'Bench product ' || n, (ARRAY['Fizz', 'Leaf', 'Bolt', 'Crest'])[1 + n % 4],
       c.cats[1 + n % cardinality(c.cats)], '24x12oz', 1000 + (n * 37) % 4000,
       now()::timestamp - interval '120 days'
FROM o, (SELECT array_agg(DISTINCT category) AS cats FROM retail_products) c,
     generate_series((SELECT max(number) + 1 FROM retail_products), :products) n;
-- an inventory row of each new product at every store (the warehouse holds plenty)
CREATE TEMP TABLE new_rows AS
SELECT p.org_id, (SELECT max(number) FROM retail_inventory) + row_number() OVER (ORDER BY p.number, s.number) AS number,
       s.id AS store_id, p.id AS product_id,
       -- as the demo stocks them: one row in 25 at 0..40 cases, the others 60..400
       CASE WHEN s.number = 1 THEN 5000
            WHEN (p.number * 7 + s.number * 13) % 25 = 0 THEN (p.number + s.number) % 41
            ELSE 60 + (p.number * 7 + s.number * 13) % 341 END AS quantity
FROM retail_products p JOIN retail_stores s ON s.org_id = p.org_id
WHERE NOT EXISTS (SELECT 1 FROM retail_inventory i WHERE i.product_id = p.id);
INSERT INTO retail_inventory (org_id, number, store_id, product_id, quantity_cases, reserved_cases, last_updated)
SELECT org_id, number, store_id, product_id, quantity, 0, now()::timestamp - interval '120 days' FROM new_rows;
INSERT INTO retail_inventory_history (org_id, inventory_id, quantity_cases, reserved_cases, change_cases, reason, order_number, recorded_at, recorded_day)
SELECT i.org_id, i.id, i.quantity_cases, 0, i.quantity_cases, 'seeded', NULL, i.last_updated,
       floor(extract(epoch FROM i.last_updated) / 86400)::bigint
FROM retail_inventory i JOIN new_rows n ON n.store_id = i.store_id AND n.product_id = i.product_id;
-- the warehouse can ship every pending order
UPDATE retail_inventory i SET quantity_cases = quantity_cases + 1000000
FROM retail_stores s WHERE s.id = i.store_id AND s.number = 1;
-- orders: the history over 365 days, then the pending pool placed an hour ago
CREATE TEMP TABLE ids AS
SELECT (SELECT array_agg(id ORDER BY number) FROM retail_stores WHERE number > 1) AS stores,
       (SELECT array_agg(id ORDER BY number) FROM retail_products) AS products,
       (SELECT id FROM retail_stores WHERE number = 1) AS warehouse,
       (SELECT max(number) FROM retail_orders) AS base,
       (SELECT count(*) FROM retail_orders) AS existing;
INSERT INTO retail_orders (org_id, number, from_store_id, to_store_id, product_id, quantity_cases, status,
                           order_date, order_day, approved_date, fulfilled_date, fulfilment_seconds, notes, version)
SELECT o.id, ids.base + g, ids.warehouse, ids.stores[1 + (g * 31) % cardinality(ids.stores)],
       ids.products[1 + (g * 7919) % cardinality(ids.products)], 1 + g % 200,
       CASE WHEN t.age < 3 THEN 'pending_review' WHEN g % 7 = 0 THEN 'cancelled' ELSE 'fulfilled' END,
       t.d, floor(extract(epoch FROM t.d) / 86400)::bigint,
       CASE WHEN t.age >= 3 AND g % 7 <> 0 THEN t.d + interval '2 hours' END,
       CASE WHEN t.age >= 3 AND g % 7 <> 0 THEN t.d + (20 + g % 40) * interval '1 hour' END,
       CASE WHEN t.age >= 3 AND g % 7 <> 0 THEN (20 + g % 40) * 3600 END,
       'bench history', CASE WHEN t.age < 3 THEN 1 WHEN g % 7 = 0 THEN 2 ELSE 3 END
FROM o, ids, generate_series(1, :orders - :pending - (SELECT existing FROM ids)) g,
     LATERAL (SELECT g % 365 AS age,
                     now()::timestamp - (g % 365) * interval '1 day' - ((g * 7919) % 86400) * interval '1 second' AS d) t;
INSERT INTO retail_orders (org_id, number, from_store_id, to_store_id, product_id, quantity_cases, status,
                           order_date, order_day, notes, version)
SELECT o.id, (SELECT max(number) FROM retail_orders) + g, ids.warehouse,
       ids.stores[1 + (g * 31) % cardinality(ids.stores)], ids.products[1 + (g * 7919) % cardinality(ids.products)],
       1, 'pending_review', now()::timestamp - interval '1 hour',
       floor(extract(epoch FROM now()::timestamp - interval '1 hour') / 86400)::bigint, 'bench pending', 1
FROM o, ids, generate_series(1, :pending) g;
UPDATE retail_numbers n SET last_number = m.last FROM (
  SELECT 'order' AS kind, max(number) AS last FROM retail_orders UNION ALL
  SELECT 'product', max(number) FROM retail_products UNION ALL
  SELECT 'inventory', max(number) FROM retail_inventory) m
WHERE n.kind = m.kind;
-- the kept counts and stock totals, rebuilt as migration 000012 fills them
DELETE FROM retail_order_days;
INSERT INTO retail_order_days
    (org_id, order_day, to_store_id, pending_review, approved, fulfilled, cancelled, cases)
SELECT org_id, order_day, to_store_id,
       SUM(CASE WHEN status = 'pending_review' THEN 1 ELSE 0 END),
       SUM(CASE WHEN status = 'approved' THEN 1 ELSE 0 END),
       SUM(CASE WHEN status = 'fulfilled' THEN 1 ELSE 0 END),
       SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END),
       SUM(quantity_cases)
FROM retail_orders GROUP BY org_id, order_day, to_store_id;
DELETE FROM retail_stock_totals;
INSERT INTO retail_stock_totals (org_id, store_id, category, cases, value_cents)
SELECT i.org_id, i.store_id, p.category, SUM(i.quantity_cases), SUM(i.quantity_cases * p.unit_price_cents)
FROM retail_inventory i JOIN retail_products p ON p.id = i.product_id
GROUP BY i.org_id, i.store_id, p.category;
UPDATE retail_products SET inventory_rows =
    (SELECT COUNT(*) FROM retail_inventory i WHERE i.product_id = retail_products.id);
VACUUM ANALYZE;
SQL
psql_bench -At -c "SELECT 'stores ' || (SELECT count(*) FROM retail_stores) || ', products ' || (SELECT count(*) FROM retail_products) || ', inventory rows ' || (SELECT count(*) FROM retail_inventory) || ', history rows ' || (SELECT count(*) FROM retail_inventory_history) || ', orders ' || (SELECT count(*) FROM retail_orders)"
first_pending=$(psql_bench -At -c "SELECT min(number) FROM retail_orders WHERE notes = 'bench pending'")
echo "topped up in SQL in $(( $(date +%s) - start )) s; pending pool from order $first_pending"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --bind "127.0.0.1:$port" >"$work/server.log" 2>&1 &
pid=$!
base="http://127.0.0.1:$port/api/v1"
for _ in $(seq 1 120); do curl -fsS "$base/health" >/dev/null 2>&1 && break; sleep 0.5; done
token=$(curl -fsS "$base/auth/login/json" -H 'content-type: application/json' \
  -d '{"email":"admin@example.com","password":"bench-admin-password"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])')
from=$(date -u -d '29 days ago' +%F)
to=$(date -u +%F)
read_run() {
  echo "== GET $1, 1 connection, $DURATION"
  { curl -fsS "$base$1" -H "authorization: Bearer $token" || true; } | head -c 300; echo
  wrk -t1 -c1 -d"$DURATION" --latency -H "authorization: Bearer $token" "$base$1" \
    | grep -E "Requests/sec|50%|90%|99%|requests in|Non-2xx"
}
read_run "/retail/orders?page=1&limit=10&date_from=$from&date_to=$to"
read_run "/retail/orders/status/summary"
read_run "/retail/orders/status/summary?date_from=$from&date_to=$to"
read_run "/retail/inventory/kpi"

cat > "$work/moves.lua" <<LUA
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
local k = 0
local stride = math.floor($PENDING / $CONNECTIONS)
request = function()
  local order = $first_pending + id * stride + math.floor(k / 2)
  local action = (k % 2 == 0) and "approve" or "fulfill"
  k = k + 1
  return wrk.format("PATCH", "/api/v1/retail/orders/" .. order .. "/" .. action,
    { ["authorization"] = "Bearer $token" }, nil)
end
response = function(status, headers, body)
  if status >= 300 then io.write("refused " .. status .. " " .. string.sub(body, 1, 160) .. "\n") end
end
LUA
echo "== PATCH /orders/{id}/approve then /fulfill, $CONNECTIONS connections, $DURATION (each request one transition)"
wrk -t"$CONNECTIONS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$work/moves.lua" "$base/retail" \
  | awk '/^refused/ { r[$0]++; next } /Requests\/sec|50%|90%|99%|requests in/ { print }
         END { for (k in r) print "  " r[k] " " k }'
kill $pid; wait $pid 2>/dev/null || true; pid=
psql_bench -At -c "SELECT 'fulfilled from the pool ' || count(*) FILTER (WHERE status = 'fulfilled') || ', approved (awaiting fulfilment) ' || count(*) FILTER (WHERE status = 'approved') FROM retail_orders WHERE notes = 'bench pending'"
psql_bench -At -c "SELECT 'cases reserved ' || (SELECT sum(reserved_cases) FROM retail_inventory) || ', cases of approved orders ' || (SELECT sum(quantity_cases) FROM retail_orders WHERE status = 'approved') || ', rows out of bounds ' || (SELECT count(*) FROM retail_inventory WHERE quantity_cases < 0 OR reserved_cases < 0 OR reserved_cases > quantity_cases)"
psql_bench -At -c "SELECT 'kept stock totals off by ' || abs((SELECT sum(cases) FROM retail_stock_totals) - (SELECT sum(quantity_cases) FROM retail_inventory)) || ' cases; kept order counts off by ' || abs((SELECT sum(pending_review + approved + fulfilled + cancelled) FROM retail_order_days) - (SELECT count(*) FROM retail_orders)) || ' orders'"
