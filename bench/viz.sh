#!/usr/bin/env bash
# Benchmark of `srtlog viz` on a generated run (default 1 GB: 8 prefill + 8
# decode workers): report generation time and peak RSS (/usr/bin/time -v),
# report size, lines downsampled, and how long headless Chromium takes to
# open the report and draw every chart. Compares with `srtlog parse
# --no-cache` on the same logs (the parse alone).
#
# Usage: bench/viz.sh [SIZE] [RUNS]        e.g. bench/viz.sh 1GB 3
#
# The generated logs (SIZE of disk) are deleted on exit; the report is kept
# in the printed folder until you delete it. Timings are with a warm page
# cache (the logs were just written); dropping caches needs root.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${1:-1GB}
RUNS=${2:-3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/srtlog-viz-bench.XXXXXX")
trap 'rm -rf "$WORK/run"' EXIT

echo "== build (release)"
cargo build --release -p srtlog-cli --locked 2>&1 | tail -1
BIN=target/release/srtlog

echo "== simulate $SIZE (8 prefill + 8 decode workers) into $WORK/run"
"$BIN" simulate "$WORK/run" --size "$SIZE" --prefill 8 --decode 8
LOG_BYTES=$(du -sb "$WORK/run/logs" | cut -f1)
echo "worker logs: $(ls "$WORK/run/logs" | grep -c -E '_(prefill|decode)_') files, $LOG_BYTES bytes"

echo "== srtlog parse --no-cache (parse only, for comparison)"
/usr/bin/time -f "parse: %e s wall, %M KB peak RSS" "$BIN" parse -q --no-cache "$WORK/run" >/dev/null

echo "== srtlog viz, $RUNS runs"
for i in $(seq 1 "$RUNS"); do
    /usr/bin/time -v "$BIN" viz "$WORK/run" -o "$WORK/report.html" 2>"$WORK/time.txt" >"$WORK/viz.txt"
    wall=$(grep "Elapsed (wall clock)" "$WORK/time.txt" | awk '{print $NF}')
    rss=$(grep "Maximum resident set size" "$WORK/time.txt" | awk '{print $NF}')
    cpu=$(grep "Percent of CPU" "$WORK/time.txt" | awk '{print $NF}')
    echo "run $i: $wall wall, $cpu CPU, $((rss / 1024)) MB peak RSS"
done
cat "$WORK/viz.txt"
REPORT_BYTES=$(stat -c %s "$WORK/report.html")
echo "report: $REPORT_BYTES bytes ($(gzip -9 -c "$WORK/report.html" | wc -c) gzipped)"

if command -v chromium >/dev/null; then
    echo "== open in headless Chromium (load, draw every chart, dump the DOM)"
    start=$(date +%s.%N)
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$WORK/profile" --dump-dom "file://$WORK/report.html" \
        >"$WORK/dom.html" 2>/dev/null
    end=$(date +%s.%N)
    drawn=$(grep -o '"drawn":true' "$WORK/dom.html" | wc -l)
    charts=$(grep -o '"expected_charts":[0-9]*' "$WORK/dom.html" | cut -d: -f2)
    awk -v a="$start" -v b="$end" -v d="$drawn" -v c="${charts:-?}" \
        'BEGIN { printf "chromium: %.2f s to load and draw %s of %s charts (browser start-up included)\n", b - a, d, c }'
else
    echo "chromium not installed: browser timing skipped"
fi
echo "report kept at $WORK/report.html (logs deleted)"
