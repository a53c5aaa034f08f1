#!/usr/bin/env bash
# Wall time of `make demo` from a warm virtualenv.
#
#   bash bench/demo_walltime.sh            # from the repository root or anywhere inside it
#
# "Warm" means `.venv` already holds the lock and `.atlas/` is set up: the script first runs
# `make setup` (NOT timed; on a fresh clone this is the slow part), then times one `make demo`
# (setup again — now a quick no-op check — plus every family DAG in replay mode and the marts
# DAG). The demo's output goes to .atlas/bench/demo-<timestamp>.log (gitignored); the script
# prints the last lines and the seconds. Nothing is asserted: the figure goes in the README.
set -euo pipefail
cd "$(dirname "$0")/.."

mkdir -p .atlas/bench
log=".atlas/bench/demo-$(date +%Y%m%d-%H%M%S).log"

echo "[bench] warming up: make setup (not timed)"
make setup >"$log" 2>&1 || { echo "[bench] make setup failed; see $log" >&2; exit 1; }

echo "[bench] timing: make demo (log: $log)"
start=$(date +%s.%N)
set +e
make demo >>"$log" 2>&1
rc=$?
set -e
end=$(date +%s.%N)
seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')

tail -n 15 "$log"
echo
echo "make demo wall time (warm virtualenv): ${seconds} s  [exit ${rc}; $(nproc) CPU; $(uname -m)]"
exit "$rc"
