#!/usr/bin/env bash
# Peak memory and wall time of profiling the generated mixed CSV in one fresh process per run
# (criterion measures time in one long-lived process; peak RSS needs its own process).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/tessera-target}
cargo build -q --release -p tessera-analytics --example profile_csv
bin=$CARGO_TARGET_DIR/release/examples/profile_csv
data=$CARGO_TARGET_DIR
[ -f "$data/tessera-bench-mixed-1000000.csv" ] || "$bin" --generate 1000000 "$data/tessera-bench-mixed-1000000.csv" quick >/dev/null
[ -f "$data/tessera-bench-mixed-100000.csv" ] || "$bin" --generate 100000 "$data/tessera-bench-mixed-100000.csv" quick >/dev/null
for run in "1000000 all" "1000000 quick" "100000 all"; do
  set -- $run
  "$bin" "$data/tessera-bench-mixed-$1.csv" "$2" /dev/null
done
