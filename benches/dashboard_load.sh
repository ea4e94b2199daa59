#!/usr/bin/env bash
# A 12-chart dashboard over 1,000,000 demo transactions (issue 15): GET /dashboards/{id}/data
# with Cache-Control: no-cache (every chart computed afresh in SQLite, four at a time), timed
# RUNS times from the client after a warm-up; prints the median, p95 and the slowest chart.
#   ROWS=1000000 RUNS=20 bash benches/dashboard_load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-20}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/tessera-target}
cargo build -q --release --bin tessera
bin=$CARGO_TARGET_DIR/release/tessera
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
export DATABASE_URL="sqlite://$work/tessera.db" TESSERA_ADMIN_PASSWORD=bench-admin-password \
  TESSERA_SOURCES__SQLITE_DIR="$work/sources" TESSERA_HTTP__RATE_LIMIT__ENABLED=false TESSERA_LOG__LEVEL=warn \
  TESSERA_BOOTSTRAP__DEMO_ROWS=1000 TESSERA_AUTH__SECRET_KEY_FILE="$work/secret.key" \
  TESSERA_BOOTSTRAP__DEMO_CUSTOMERS=0 TESSERA_BOOTSTRAP__DEMO_STORES=0 TESSERA_ALERTS__SCHEDULER=false
mkdir -p "$work/sources"
"$bin" demo-data --rows "$ROWS" --customers 0 --stores 0 | tail -1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --bind "127.0.0.1:$port" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 60); do curl -fsS "http://127.0.0.1:$port/api/v1/health" >/dev/null 2>&1 && break; sleep 0.5; done
python3 - "$port" "$RUNS" <<'PY'
import json, sys, time, urllib.request
port, runs = sys.argv[1], int(sys.argv[2])
base = f"http://127.0.0.1:{port}/api/v1"
def call(method, path, body=None, token=None, headers=None):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    with urllib.request.urlopen(req) as r:
        return json.load(r)
token = call("POST", "/auth/login/json", {"email": "admin@example.com", "password": "bench-admin-password"})["access_token"]
demo = next(s["id"] for s in call("GET", "/data-sources?limit=100", token=token)["items"] if s["name"] == "demo")
def q(measures, **kw):
    return dict({"source_id": demo, "table": "transactions", "measures": measures}, **kw)
s_amount = [{"agg": "sum", "column": "amount", "as": "revenue"}]
last30 = {"column": "created_at", "period": "30d"}
at = lambda i: {"x": (i % 4) * 6, "y": (i // 4) * 6, "w": 6, "h": 6}
charts = [
    ("Revenue", "number", q(s_amount, time=last30)),
    ("Transactions", "number", q([{"agg": "count", "as": "n"}], time=last30)),
    ("Average order", "number", q([{"agg": "avg", "column": "amount", "as": "avg"}], time=last30)),
    ("Buyers", "number", q([{"agg": "count_distinct", "column": "user_id", "as": "buyers"}], time=last30)),
    ("Revenue by day", "line", q(s_amount, time=dict(last30, granularity="day"))),
    ("Transactions by day", "area", q([{"agg": "count", "as": "n"}], time=dict(last30, granularity="day"))),
    ("Revenue by week, 90 days", "line", q(s_amount, time={"column": "created_at", "period": "90d", "granularity": "week"})),
    ("Revenue by category", "bar", q(s_amount, dimensions=["category"], time=last30)),
    ("Revenue by segment", "pie", q(s_amount, dimensions=["segment"], time=last30)),
    ("Transactions by category", "bar", q([{"agg": "count", "as": "n"}], dimensions=["category"], time=last30)),
    ("Top 10 buyers", "table", q(s_amount, dimensions=["user_id"], time=last30, sort=[{"by": "revenue", "desc": True}], limit=10)),
    ("Revenue by category and segment", "table", q(s_amount, dimensions=["category", "segment"], time=last30)),
]
board = call("POST", "/dashboards", {"title": "Bench", "charts": [
    {"id": f"c{i}", "title": t, "chart_type": k, "query": qq, "position": at(i)} for i, (t, k, qq) in enumerate(charts)]}, token=token)
path = f"/dashboards/{board['id']}/data"
call("GET", path, token=token)  # warm-up: opens the pool, introspects the schema
times, slowest = [], {}
for _ in range(runs):
    t0 = time.perf_counter()
    d = call("GET", path, token=token, headers={"cache-control": "no-cache"})
    times.append((time.perf_counter() - t0) * 1000)
    for c in d["charts"]:
        assert "problem" not in c, c
        assert not c["metadata"]["cached"], c
        slowest[c["title"]] = max(slowest.get(c["title"], 0), c["metadata"]["duration_ms"])
times.sort()
p = lambda f: times[min(len(times) - 1, int(f * len(times)))]
print(f"12 charts, uncached, {runs} runs: median {p(0.5):.1f} ms, p95 {p(0.95):.1f} ms, min {times[0]:.1f} ms")
for t, ms in sorted(slowest.items(), key=lambda x: -x[1])[:4]:
    print(f"  slowest chart: {t}: {ms:.1f} ms")
PY
