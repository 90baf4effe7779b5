#!/usr/bin/env bash
# Benchmark of `srtlog requests summary` and `anomalies` on a generated
# JSON-lines request log in the request-log workflow's schema, against
# DuckDB computing the same figures (not a timed test).
#
#   bench/requests.sh [SIZE] [FILE]        (default 300MB, /tmp/srtlog-requests.jsonl)
#
# DuckDB (its Python package) is installed into a venv this script makes
# (BENCH_VENV, default /tmp/srtlog-bench-venv). bench/requests_duckdb.py
# computes the summary's figures (requests, error rate, mean, p50/p90/p95/
# p99 and max of the four numeric fields, time span) with `read_json_auto`
# and checks they equal srtlog's before anything is timed. Then srtlog and
# DuckDB run in turn (A B A B …, RUNS pairs, warm page cache), each run
# timed by /usr/bin/time (wall seconds, peak RSS); the script prints the
# medians and the median of the pair-by-pair ratios DuckDB/srtlog, which
# holds when the machine's speed drifts. `wc -l` on the same file is the
# floor of one pass. With pandas in the venv (PANDAS=1) it also times
# pandas' `read_json(lines=True)` and the latency quantiles.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-300MB}
FILE=${2:-/tmp/srtlog-requests.jsonl}
RUNS=${RUNS:-5}
VENV=${BENCH_VENV:-/tmp/srtlog-bench-venv}
# SRTLOG_BIN=path uses an existing binary instead of building one.
BIN=${SRTLOG_BIN:-target/release/srtlog}
[ -n "${SRTLOG_BIN:-}" ] || cargo build --release -p srtlog-cli --locked -q
[ -f "$FILE" ] || "$BIN" simulate requests "$FILE" --size "$SIZE" -q
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -c "import duckdb" 2>/dev/null || "$VENV/bin/pip" install -q duckdb
PY="$VENV/bin/python"
BYTES=$(stat -c %s "$FILE")
cat "$FILE" > /dev/null  # warm the page cache: we measure parsing, not the disk
echo "input: $((BYTES / 1000000)) MB, $(wc -l < "$FILE") requests, $(nproc) cores"

# The figures first: equal, or nothing is timed.
"$BIN" requests summary "$FILE" --json -q > /tmp/srtlog-requests.json
"$PY" bench/requests_duckdb.py "$FILE" /tmp/srtlog-requests.json

T=/tmp/srtlog-requests.time
run() {  # label, command... → appends "label secs rss_kb" to $T.all
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o "$T" "$@" > /dev/null
    read -r secs rss < "$T"
    echo "$label $secs $rss" >> "$T.all"
}
: > "$T.all"
for _ in $(seq "$RUNS"); do
    run summary "$BIN" requests summary "$FILE" --json -q
    run duckdb "$PY" bench/requests_duckdb.py "$FILE"
    run anomalies "$BIN" requests anomalies "$FILE" --json -q
    run wc wc -l "$FILE"
done
if [ "${PANDAS:-0}" = 1 ]; then
    "$PY" -c "import pandas" 2>/dev/null || "$VENV/bin/pip" install -q pandas
    run pandas "$PY" -c "import sys, pandas as pd; df = pd.read_json(sys.argv[1], lines=True); print(len(df), df['latency_ms'].quantile([.5, .9, .95, .99]).tolist())" "$FILE"
fi
"$PY" - "$T.all" "$BYTES" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
mb = int(sys.argv[2]) / 1e6
by = {}
for label, secs, rss in rows:
    by.setdefault(label, []).append((float(secs), int(rss) / 1024))
for label, runs in by.items():
    s = statistics.median(r[0] for r in runs)
    m = statistics.median(r[1] for r in runs)
    print(f"{label:<10} {s:6.2f} s  {mb / s:6.0f} MB/s  peak RSS {m:5.0f} MB  ({len(runs)} runs)")
for label in ("summary", "anomalies"):
    pairs = [d[0] / a[0] for a, d in zip(by[label], by["duckdb"])]
    print(f"DuckDB / srtlog {label}: {statistics.median(pairs):.2f}x (median of {len(pairs)} pairs)")
PY
