#!/usr/bin/env bash
# Benchmark of `srtlog aiperf` against the Python baseline the AIPerf workflow
# describes (bench/aiperf_baseline.py: json.loads per line, the same
# statistics from sorted lists), on one simulated export with trace data in
# the released layout. Prints size, wall time, MB/s and peak RSS of each,
# the speed-up, and checks that both count the same records.
#
# Usage: bench/aiperf.sh [SIZE]   (default 1GB; the file is kept in
# target/bench-aiperf/ and reused when it exists)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE="${1:-1GB}"
DIR=target/bench-aiperf
FILE="$DIR/profile_export-$SIZE.jsonl"
mkdir -p "$DIR"
cargo build --release --quiet --bin srtlog
BIN=target/release/srtlog
if [ ! -f "$FILE" ]; then
    "$BIN" simulate aiperf "$FILE" --size "$SIZE" --output-tokens 200 --concurrency 32
fi
BYTES=$(stat -c %s "$FILE")
MB=$(python3 -c "print($BYTES/1e6)")
echo "file: $FILE ($MB MB)"
cat "$FILE" > /dev/null  # warm the page cache for both runs

measure() { # label, command...
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o "$DIR/time.txt" "$@" > "$DIR/$label.json"
    read -r secs rss_kb < "$DIR/time.txt"
    echo "$label: ${secs}s, $(python3 -c "print(round($MB/$secs, 1))") MB/s, peak RSS $((rss_kb / 1024)) MB"
    echo "$secs" > "$DIR/$label.secs"
}
measure srtlog "$BIN" --quiet aiperf "$FILE" --json
measure python python3 bench/aiperf_baseline.py "$FILE"
python3 - "$DIR" <<'PY'
import json, sys
d = sys.argv[1]
s = json.load(open(f"{d}/srtlog.json")); p = json.load(open(f"{d}/python.json"))
assert s["overview"]["records"] == p["records"], (s["overview"]["records"], p["records"])
assert s["connections"]["reused"] == p["reused"] and s["overview"]["errors"] == p["errors"]
a = s["distributions"]["inter_chunk_latency_ms"]; b = p["distributions"]["icl"]
assert a["count"] == b["count"] and abs(a["p99"] - b["p99"]) < 1e-6, (a, b)
a = s["distributions"]["ttfb_ms"]; b = p["distributions"]["ttfb"]
assert a["count"] == b["count"] and abs(a["p50"] - b["p50"]) < 1e-6, (a, b)
rs = float(open(f"{d}/srtlog.secs").read()); rp = float(open(f"{d}/python.secs").read())
print(f"same figures; speed-up {rp / rs:.1f}x")
PY
