#!/usr/bin/env bash
# The desk's event-stream benchmark (issue 5; docs/benchmarks.md, "Desk"):
# 5,000 authenticated WebSocket clients on this machine, events appended
# through the SQLite store, latency from append to each client's receipt,
# the server's memory and goroutines per idle connection. The server runs
# in the benchmark's process, the clients in a second process (see
# httpapi/events_bench_test.go).
#   scripts/bench-ws.sh [runs]              every scenario, 3 runs each (medians)
#   CLIENTS=1000 scripts/bench-ws.sh 1      a smaller floor
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
clients=${CLIENTS:-5000}

# Each process holds one socket per client (Go raises the soft limit of
# open files to the hard one by itself).
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt $((clients + 1000)) ]; then
  echo "the hard limit of open files is $hard; $clients clients need $((clients + 1000)): raise it (ulimit -Hn, limits.conf)" >&2
  exit 1
fi
echo "machine: $(nproc) cores, $(uname -sr), $(go version | cut -d' ' -f3); load average $(cut -d' ' -f1-3 /proc/loadavg); open files hard limit $hard"

# scenario NAME MODE RATE EVENTS: runs the benchmark, prints each run and the medians.
scenario() {
  local name=$1 mode=$2 rate=$3 events=$4 out
  echo
  echo "== $name: $clients clients, $mode events at $rate/s, $events events, $runs runs"
  out=$(TSUNAGU_WSBENCH_CLIENTS=$clients TSUNAGU_WSBENCH_MODE=$mode TSUNAGU_WSBENCH_RATE=$rate TSUNAGU_WSBENCH_EVENTS=$events \
    go test ./httpapi/ -run '^$' -bench EventStream -benchtime 1x -count "$runs" -timeout 60m)
  echo "$out" | grep -E '^BenchmarkEventStream|clients connected' || { echo "$out"; return 1; }
  echo "  load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  # Medians of every reported metric over the runs.
  echo "$out" | awk '/^BenchmarkEventStream/ { for (i = 3; i < NF; i += 2) { v[$(i+1)] = v[$(i+1)] " " $i } }
    END { for (k in v) { n = split(substr(v[k], 2), a, " "); asort(a); printf "  median %-26s %s\n", k, a[int((n + 1) / 2)] } }' | sort
}

scenario "a busy floor (offers and state changes to one desk and the supervisors; tiles to every desk every 2 s)" floor 20 1200
scenario "offers (one desk and the supervisors per event)" private 50 1500
scenario "floor-wide (every desk gets every event: the worst case)" broadcast 1 60
