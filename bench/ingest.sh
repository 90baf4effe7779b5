#!/usr/bin/env bash
# Benchmark of `srtlog ingest` on a generated sweep of runs.
#
#   bench/ingest.sh [SIZE_MB] [OUT_DIR]    (default 4000 MB, /tmp/srtlog-bench-ingest)
#
# Generates RUNS runs (default 8, named sweep-concurrencyN) totalling about
# SIZE_MB: per run 80 % worker logs (2 prefill + 2 decode SGLang workers), 15 %
# a per-request JSON-lines log and 5 % an AIPerf export. Warms the page
# cache, then times with /usr/bin/time (best of REPEAT, default 3):
#   - a first ingest into an empty dataset (MB/s of input, peak RSS);
#   - a second ingest of the same runs (every file unchanged: manifest only);
# and prints the dataset's size against the input, per table.
# SRTLOG_BIN runs an existing binary instead of building the release one.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MB=${1:-4000}
OUT=${2:-/tmp/srtlog-bench-ingest}
RUNS=${RUNS:-8}
REPEAT=${REPEAT:-3}
if [ -z "${SRTLOG_BIN:-}" ]; then
    cargo build --release -p srtlog-cli --locked -q
    SRTLOG_BIN=${CARGO_TARGET_DIR:-target}/release/srtlog
fi
BIN=$SRTLOG_BIN
PER_RUN=$((SIZE_MB * 1000000 / RUNS))
rm -rf "$OUT"
mkdir -p "$OUT/runs"
for i in $(seq 1 "$RUNS"); do
    r="$OUT/runs/sweep-concurrency$((i * 8))"
    "$BIN" simulate workers "$r" --size "$((PER_RUN * 80 / 100))" --prefill 2 --decode 2 --rng "$i" -q
    mkdir -p "$r/requests" "$r/aiperf"
    "$BIN" simulate requests "$r/requests/requests.jsonl" --size "$((PER_RUN * 15 / 100))" --rng "$i" -q
    "$BIN" simulate aiperf "$r/aiperf/profile_export.jsonl" --size "$((PER_RUN * 5 / 100))" --rng "$i" -q
done
BYTES=$(find "$OUT/runs" -type f -printf '%s\n' | awk '{s+=$1} END {printf "%d", s}')
find "$OUT/runs" -type f -exec cat {} + > /dev/null  # warm the page cache: we measure ingesting, not the disk
echo "input: $((BYTES / 1000000)) MB in $RUNS runs, $(find "$OUT/runs" -type f | wc -l) files, $(nproc) cores"

measure() {  # label, command...
    local label=$1; shift
    local best=""
    for _ in $(seq 1 "$REPEAT"); do
        /usr/bin/time -f "%e %M" -o /tmp/srtlog-bench-ingest.time "$@" > /dev/null
        read -r secs rss < /tmp/srtlog-bench-ingest.time
        if [ -z "$best" ] || awk "BEGIN {exit !($secs < $best)}"; then best=$secs; best_rss=$rss; fi
    done
    awk -v l="$label" -v s="$best" -v r="$best_rss" -v b="$BYTES" \
        'BEGIN { printf "%-34s %7.2f s  %7.0f MB/s  peak RSS %5.0f MB\n", l, s, b / 1e6 / s, r / 1024 }'
}

measure "ingest (empty dataset)" sh -c "rm -rf '$OUT/fleet' && '$BIN' ingest '$OUT'/runs/* --into '$OUT/fleet' -q"
measure "ingest again (all unchanged)" "$BIN" ingest "$OUT"/runs/* --into "$OUT/fleet" -q
OUT_BYTES=$(find "$OUT/fleet" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
awk -v i="$BYTES" -v o="$OUT_BYTES" 'BEGIN { printf "dataset: %.1f MB for %.1f MB of input (%.1f %%)\n", o / 1e6, i / 1e6, 100 * o / i }'
for t in node_metrics requests aiperf_records snapshot_pairs runs warnings; do
    [ -d "$OUT/fleet/$t" ] || continue
    du -sb "$OUT/fleet/$t" | awk -v t="$t" '{ printf "  %-16s %8.1f MB\n", t, $1 / 1e6 }'
done
