#!/usr/bin/env bash
# Columnar extracts against their database (issue 16), over SIZES demo transactions (default
# 1,000,000 and 10,000,000), on SQLite (the demo source) and PostgreSQL (the same rows copied
# into a fresh database with an index on created_at). For each size and engine: a fresh server
# refreshes an extract of `transactions` (its duration from the refresh record, the server's
# peak RSS from /proc), then three charts are timed RUNS times each, uncached, from the database
# (`"live": true`) and from the extract (a different limit each run, so no answer is cached):
# the daily line over a year, the 30-day bar by category, and a two-dimension breakdown.
# Prints the server-side medians (the whole engine path, and the run alone) and the ratios.
#   SIZES="1000000 10000000" RUNS=7 bash benches/extract_load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"1000000 10000000"}
RUNS=${RUNS:-7}
PG=${PG:-"postgres://postgres@127.0.0.1:5432"}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/tessera-target}
export PGGSSENCMODE=disable
cargo build -q --release --bin tessera
bin=$CARGO_TARGET_DIR/release/tessera
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
export DATABASE_URL="sqlite://$work/tessera.db" TESSERA_ADMIN_PASSWORD=bench-admin-password \
  TESSERA_SOURCES__SQLITE_DIR="$work/sources" TESSERA_HTTP__RATE_LIMIT__ENABLED=false TESSERA_LOG__LEVEL=warn \
  TESSERA_BOOTSTRAP__DEMO_ROWS=1000 TESSERA_AUTH__SECRET_KEY_FILE="$work/secret.key" \
  TESSERA_BOOTSTRAP__DEMO_CUSTOMERS=0 TESSERA_BOOTSTRAP__DEMO_STORES=0 TESSERA_ALERTS__SCHEDULER=false \
  TESSERA_EXTRACTS__DIR="$work/extracts" TESSERA_EXTRACTS__SCHEDULER=false \
  TESSERA_SOURCES__STATEMENT_TIMEOUT_SECS=300 TESSERA_REPORTS__JOB_TIMEOUT_SECS=1800 \
  TESSERA_EXTRACTS__REFRESH_TIMEOUT_SECS=1800
mkdir -p "$work/sources"

start_server() {
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$bin" serve --bind "127.0.0.1:$port" >>"$work/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 120); do curl -fsS "http://127.0.0.1:$port/api/v1/health" >/dev/null 2>&1 && return; sleep 0.5; done
  echo "the server did not start"; tail -20 "$work/server.log"; exit 1
}
stop_server() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; }

for rows in $SIZES; do
  echo "== $rows transactions"
  "$bin" demo-data --rows "$rows" --customers 0 --stores 0 | tail -1
  psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS tessera_bench" -c "CREATE DATABASE tessera_bench"
  psql -q "$PG/tessera_bench" -c "CREATE TABLE transactions (id BIGINT PRIMARY KEY, user_id INTEGER NOT NULL,
    amount DOUBLE PRECISION NOT NULL, category TEXT NOT NULL, segment TEXT NOT NULL, created_at TIMESTAMP NOT NULL)"
  t0=$(date +%s.%N)
  python3 - "$work/sources/demo.db" <<'PY' | psql -q "$PG/tessera_bench" -c "\copy transactions FROM STDIN WITH (FORMAT csv)"
import csv, sqlite3, sys
out = csv.writer(sys.stdout)
con = sqlite3.connect(sys.argv[1])
for row in con.execute("SELECT id, user_id, amount, category, segment, created_at FROM transactions"):
    out.writerow(row)
PY
  psql -q "$PG/tessera_bench" -c "CREATE INDEX transactions_created_at ON transactions (created_at)" -c "ANALYZE transactions"
  echo "copied into PostgreSQL in $(python3 -c "import sys; print(round($(date +%s.%N) - $t0, 1))") s"
  for engine in sqlite postgres; do
    start_server
    python3 - "$port" "$RUNS" "$engine" "$PG/tessera_bench" "$pid" "$rows" <<'PY'
import json, statistics, sys, time, urllib.request
port, runs, engine, pg_url, pid, rows = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
base = f"http://127.0.0.1:{port}/api/v1"
def call(method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.load(r)
def peak_mib():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
token = call("POST", "/auth/login/json", {"email": "admin@example.com", "password": "bench-admin-password"})["access_token"]
sources = call("GET", "/data-sources?limit=100", token=token)["items"]
if engine == "sqlite":
    source = next(s["id"] for s in sources if s["name"] == "demo")
else:
    found = [s["id"] for s in sources if s["name"] == "bench pg"]
    source = found[0] if found else call("POST", "/data-sources", {"name": "bench pg", "kind": "postgres", "url": pg_url}, token=token)["id"]
name = f"{engine} transactions"
for old in [x for x in call("GET", "/extracts?limit=100", token=token)["items"] if x["name"] == name]:
    req = urllib.request.Request(base + f"/extracts/{old['id']}", method="DELETE")
    req.add_header("authorization", "Bearer " + token)
    urllib.request.urlopen(req).close()
before = peak_mib()
x = call("POST", "/extracts", {"name": name, "source_id": source, "table": "transactions"}, token=token)
t0 = time.perf_counter()
while True:
    x = call("GET", f"/extracts/{x['id']}", token=token)
    if x["job"] and x["job"]["status"] in ("succeeded", "failed"):
        break
    time.sleep(0.2)
wall = time.perf_counter() - t0
r = x["refreshes"][0]
assert r["status"] == "succeeded", r
print(f"{engine}: refresh of {r['rows']:,} rows in {r['duration_ms'] / 1000:.1f} s (job {wall:.1f} s), "
      f"{r['bytes'] / 1048576:.0f} MiB of Parquet, server peak RSS {peak_mib():.0f} MiB (before: {before:.0f} MiB)")
q = lambda measures, **kw: dict({"source_id": source, "table": "transactions", "measures": measures}, **kw)
s_amount = [{"agg": "sum", "column": "amount", "as": "revenue"}]
charts = [
    ("daily line, 1 year", q(s_amount, time={"column": "created_at", "granularity": "day", "period": "1y"})),
    ("bar by category, 30 days", q(s_amount, dimensions=["category"], time={"column": "created_at", "period": "30d"})),
    ("category x segment, 1 year", q(s_amount + [{"agg": "count", "as": "n"}], dimensions=["category", "segment"],
                                     time={"column": "created_at", "period": "1y"})),
]
for title, body in charts:
    times, runs_ms = {}, {}
    for mode in ("database", "extract"):
        ms, run_ms = [], []
        for i in range(runs + 1):
            b = dict(body, limit=1000 + i + (0 if mode == "database" else 500))
            if mode == "database":
                b["live"] = True
            a = call("POST", "/charts/query", b, token=token)
            assert a["metadata"]["source"] == mode, a["metadata"]
            assert not a["metadata"]["cached"]
            if i > 0:  # the first run warms the pool and the page cache
                ms.append(a["metadata"]["duration_ms"])
                run_ms.append(a["metadata"]["query_ms"])
        times[mode], runs_ms[mode] = statistics.median(ms), statistics.median(run_ms)
    print(f"{engine} {rows:,} {title}: database {times['database']:.1f} ms, extract {times['extract']:.1f} ms "
          f"(of which the run {runs_ms['extract']:.1f} ms), {times['database'] / times['extract']:.1f}x")
PY
    stop_server
  done
done
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS tessera_bench"
