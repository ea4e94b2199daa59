#!/usr/bin/env bash
# Bounded loopback load run on GET /api/v1/charts/bar (cached answers) against a release build
# serving 1,000,000 demo transactions from SQLite. Prints requests/s and p50/p99 latency, plus
# the server-measured time of the first (uncached) and of a cached answer.
#   ROWS=1000000 DURATION=10s CONNECTIONS=32 bash benches/http_load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/tessera-target}
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || { echo "wrk is needed (apt-get install wrk)"; exit 1; }; }
cargo build -q --release --bin tessera
bin=$CARGO_TARGET_DIR/release/tessera
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
export DATABASE_URL="sqlite://$work/tessera.db" TESSERA_ADMIN_PASSWORD=bench-admin-password \
  TESSERA_SOURCES__SQLITE_DIR="$work/sources" TESSERA_HTTP__RATE_LIMIT__ENABLED=false TESSERA_LOG__LEVEL=warn \
  TESSERA_BOOTSTRAP__DEMO_ROWS=1000 TESSERA_AUTH__SECRET_KEY_FILE="$work/secret.key"
mkdir -p "$work/sources"
"$bin" demo-data --rows "$ROWS"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --bind "127.0.0.1:$port" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 60); do curl -fsS "http://127.0.0.1:$port/api/v1/health" >/dev/null 2>&1 && break; sleep 0.5; done
token=$(curl -fsS "http://127.0.0.1:$port/api/v1/auth/login/json" -H 'content-type: application/json' \
  -d '{"email":"admin@example.com","password":"bench-admin-password"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])')
url="http://127.0.0.1:$port/api/v1/charts/bar?metric=revenue&period=30d"
# first touch opens the pool and introspects the schema (row counts included)
touch=$(curl -fsS "http://127.0.0.1:$port/api/v1/charts/bar?metric=transactions&period=7d" -H "authorization: Bearer $token")
first=$(curl -fsS "$url" -H "authorization: Bearer $token")
second=$(curl -fsS "$url" -H "authorization: Bearer $token")
python3 - "$touch" "$first" "$second" <<'PY'
import json, sys
t, a, b = (json.loads(x)["metadata"] for x in sys.argv[1:4])
print("first touch (pool + schema): server %.2f ms" % t["duration_ms"])
print("uncached: server %.2f ms (of which SQL %.2f ms), cached=%s" % (a["duration_ms"], a["query_ms"], a["cached"]))
print("cached:   server %.3f ms, cached=%s" % (b["duration_ms"], b["cached"]))
PY
echo "wrk -t2 -c$CONNECTIONS -d$DURATION --latency (loopback, cached answers):"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "authorization: Bearer $token" "$url" | grep -E "Requests/sec|50%|99%|requests in|Non-2xx"
