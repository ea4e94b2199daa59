#!/usr/bin/env bash
# Commerce benchmarks against a release build (issue 12):
#  1. POST /api/v1/commerce/transactions with fraud scoring, 32 connections, over 1,000
#     customers and the products with stock to spare: after a 3 s warm-up, once flat out (the
#     most it sustains) and once paced at about RATE posts a second (the latency at that
#     load: each connection waits a random 0..2×pace between posts); afterwards `tessera admin
#     recalculate-totals` must find no customer ledger to change (zero lost updates);
#  2. GET /api/v1/commerce/dashboard/overview?time_range=90d (never cached) over the demo shop.
# ENGINE=sqlite|postgres (postgres: a fresh database tessera_bench, user postgres, through the
# local socket in /var/run/postgresql when there is one, else TCP 127.0.0.1 without TLS;
# PG_TCP=1 forces TCP).
#   ENGINE=postgres CUSTOMERS=150000 DURATION=10s CONNECTIONS=32 RATE=1000 bash benches/commerce_load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ENGINE=${ENGINE:-sqlite}
CUSTOMERS=${CUSTOMERS:-150000}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
RATE=${RATE:-1000}
PACED_DURATION=${PACED_DURATION:-20s}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/tessera-target}
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || { echo "wrk is needed (apt-get install wrk)"; exit 1; }; }
cargo build -q --release --bin tessera
bin=$CARGO_TARGET_DIR/release/tessera
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
case "$ENGINE" in
  sqlite) export DATABASE_URL="sqlite://$work/tessera.db" ;;
  postgres)
    psql -q -h 127.0.0.1 -U postgres -d postgres -c 'DROP DATABASE IF EXISTS tessera_bench' -c 'CREATE DATABASE tessera_bench'
    if [ -S /var/run/postgresql/.s.PGSQL.5432 ] && [ -z "${PG_TCP:-}" ]; then
      export DATABASE_URL="postgres://postgres@%2Fvar%2Frun%2Fpostgresql/tessera_bench"
    else
      export DATABASE_URL="postgres://postgres@127.0.0.1/tessera_bench?sslmode=disable"
    fi
    echo "PostgreSQL at $DATABASE_URL" ;;
  *) echo "ENGINE must be sqlite or postgres"; exit 1 ;;
esac
export TESSERA_ADMIN_PASSWORD=bench-admin-password TESSERA_SOURCES__SQLITE_DIR="$work/sources" \
  TESSERA_HTTP__RATE_LIMIT__ENABLED=false TESSERA_LOG__LEVEL=warn TESSERA_BOOTSTRAP__DEMO_ROWS=1000 \
  TESSERA_AUTH__SECRET_KEY_FILE="$work/secret.key" TESSERA_DATABASE__MAX_CONNECTIONS=16
mkdir -p "$work/sources"
start=$(date +%s)
"$bin" demo-data --rows 1000 --customers "$CUSTOMERS" | tail -1
echo "demo shop generated in $(( $(date +%s) - start )) s"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --bind "127.0.0.1:$port" >"$work/server.log" 2>&1 &
pid=$!
base="http://127.0.0.1:$port/api/v1"
for _ in $(seq 1 120); do curl -fsS "$base/health" >/dev/null 2>&1 && break; sleep 0.5; done
token=$(curl -fsS "$base/auth/login/json" -H 'content-type: application/json' \
  -d '{"email":"admin@example.com","password":"bench-admin-password"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])')

echo "== GET /commerce/dashboard/overview?time_range=90d, uncached, 1 connection, $DURATION"
curl -fsS "$base/commerce/dashboard/overview?time_range=90d" -H "authorization: Bearer $token" | python3 -c '
import json,sys; o=json.load(sys.stdin); print("lifetime sales %.2f, %d daily points" % (o["sales"]["total_lifetime"], len(o["sales"]["hourly_breakdown"])))'
wrk -t1 -c1 -d"$DURATION" --latency -H "authorization: Bearer $token" \
  "$base/commerce/dashboard/overview?time_range=90d" | grep -E "Requests/sec|50%|99%|requests in|Non-2xx"

products=$(curl -fsS "$base/commerce/inventory/products?limit=1000" -H "authorization: Bearer $token" | python3 -c '
import json,sys; print(",".join(str(p["id"]) for p in json.load(sys.stdin) if p["stock_quantity"] >= 200))')
# restock what the run posts against, so every post is a full write (the demo's stock of a few
# hundred units a product would run out and turn posts into quick 409 refusals)
case "$ENGINE" in
  sqlite) python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("UPDATE commerce_products SET stock_quantity = 1000000 WHERE id IN (%s)" % sys.argv[2]); c.commit()' "$work/tessera.db" "$products" ;;
  postgres) psql -q "$DATABASE_URL" -c "UPDATE commerce_products SET stock_quantity = 1000000 WHERE id IN ($products)" ;;
esac
customers=$(curl -fsS "$base/commerce/customers?page=1&page_size=1" -H "authorization: Bearer $token" | python3 -c '
import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
cat > "$work/post.lua" <<LUA
local products = { $products }
local first = $customers
local n = 0
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.headers["authorization"] = "Bearer $token"
request = function()
  n = n + 1
  local c = first + math.random(0, 999)
  local p = products[math.random(1, #products)]
  local m = ({ "credit_card", "paypal", "bank_transfer" })[math.random(1, 3)]
  return wrk.format(nil, nil, nil, string.format(
    '{"customer_id":%d,"product_id":%d,"quantity":1,"payment_method":"%s"}', c, p, m))
end
LUA
cat > "$work/paced.lua" <<LUA
dofile("$work/post.lua")
-- each connection waits a random 0..2×pace ms between posts: about RATE posts a second in all
delay = function() return math.random(0, 2 * $(( CONNECTIONS * 1000 / RATE - 5 ))) end
LUA
cat >> "$work/post.lua" <<'LUA'
response = function(status, headers, body)
  if status >= 300 then io.write("refused " .. status .. "\n") end
end
LUA
summary() {
  awk '/^refused/ { r[$0]++; next } /Requests\/sec|50%|90%|99%|requests in/ { print }
       END { for (k in r) print "  " r[k] " " k }'
}
wrk -t2 -c"$CONNECTIONS" -d3s -s "$work/post.lua" "$base/commerce/transactions" >/dev/null
echo "== POST /commerce/transactions with fraud scoring, $CONNECTIONS connections flat out, $DURATION ($ENGINE)"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$work/post.lua" "$base/commerce/transactions" | summary
echo "== the same paced at about $RATE posts/s, $PACED_DURATION ($ENGINE)"
wrk -t2 -c"$CONNECTIONS" -d"$PACED_DURATION" --latency -s "$work/paced.lua" "$base/commerce/transactions" | summary
kill $pid; wait $pid 2>/dev/null || true; pid=
echo "== lost updates (ledgers recalculation would change; must be 0)"
"$bin" admin recalculate-totals | tail -1
