#!/usr/bin/env bash
# The worker-log Parquet cache (issue 14): what building it costs against a
# parse without it, and what reading it saves `viz` and `stats`.
#
#   bench/cache.sh [SIZE] [OUT_DIR] [RUNS]   (default 230MB, /tmp/srtlog-cache-bench, 5)
#
# Generates a run of SIZE with `srtlog simulate` (8 prefill + 8 decode
# workers, DP8/TP8/EP8 tags, as bench/parse.sh; kept when OUT_DIR already
# holds one, so two binaries can be timed on the same files), warms the page
# cache, and times, RUNS times each, whole processes with /usr/bin/time:
#
#   parse --no-cache            the parse alone
#   parse (build cache)         the first parse of the folder: parse + Parquet
#   parse (cache hit)
#   stats/viz, no cache         they parse the logs
#   stats/viz, valid cache      they read the cache
#   parse --stats (--no-cache)  statistics from the one pass over the logs
#   parse --stats, valid cache
#
# and prints the medians of wall time, CPU time (user + sys) and peak RSS,
# the ratios the issue sets (build ÷ --no-cache at most 1.5; no cache ÷
# cache at least 3 for viz and stats), and whether the outputs with and
# without the cache are the same bytes. SRTLOG_BIN names the binary (default:
# a release build of this checkout); BASE_BIN, another one (an older
# release) timed on the same files for the "before" columns.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-230MB}
OUT=${2:-/tmp/srtlog-cache-bench}
RUNS=${3:-5}
if [ -z "${SRTLOG_BIN:-}" ]; then
    cargo build --release -p srtlog-cli --locked -q
    SRTLOG_BIN=${CARGO_TARGET_DIR:-target}/release/srtlog
fi
BIN=$SRTLOG_BIN
BASE=${BASE_BIN:-}
if [ ! -d "$OUT/logs" ]; then
    "$BIN" simulate "$OUT" --size "$SIZE" --prefill 8 --decode 8 --dp 8 --tp 8 --ep 8 -q
fi
CACHE="$OUT/logs/cached_assets"
BYTES=$(find "$OUT/logs" -maxdepth 1 -name '*_w*.out*' -printf '%s\n' | awk '{s+=$1} END {print s}')
find "$OUT/logs" -maxdepth 1 -type f -exec cat {} + > /dev/null  # warm the page cache
WORK=$(mktemp -d "${TMPDIR:-/tmp}/srtlog-cache-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
echo "input: $((BYTES / 1000000)) MB in $(ls "$OUT"/logs/*_w*.out* | wc -l) worker files, $(nproc) cores, $RUNS runs each, medians"
printf '%-34s %8s %8s %9s\n' "work" "wall s" "CPU s" "peak MB"

median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

# measure LABEL SETUP COMMAND...: SETUP (a shell command, untimed) runs
# before each timed run of COMMAND. Sets WALL for the ratios.
measure() {
    local label=$1 setup=$2; shift 2
    : > "$WORK/runs"
    for _ in $(seq 1 "$RUNS"); do
        sh -c "$setup"
        /usr/bin/time -f "%e %U %S %M" -o "$WORK/t" "$@" > "$WORK/stdout" 2> /dev/null
        cat "$WORK/t" >> "$WORK/runs"
    done
    WALL=$(awk '{print $1}' "$WORK/runs" | median)
    local cpu rss
    cpu=$(awk '{print $2 + $3}' "$WORK/runs" | median)
    rss=$(awk '{print $4}' "$WORK/runs" | median)
    printf '%-34s %8.3f %8.3f %9.0f\n' "$label" "$WALL" "$cpu" "$((${rss%.*} / 1024))"
}
ratio() { awk -v a="$2" -v b="$3" -v l="$1" 'BEGIN { printf "  %-48s %5.2f\n", l, a / b }'; }

NOCACHE="rm -rf '$CACHE'"
HAVECACHE="[ -f '$CACHE/cache_metadata.json' ] || '$BIN' parse '$OUT' -q > /dev/null 2>&1"

measure "parse --no-cache" "$NOCACHE" "$BIN" parse "$OUT" --no-cache -q
T_NOCACHE=$WALL
measure "parse (build cache)" "$NOCACHE" "$BIN" parse "$OUT" -q
T_BUILD=$WALL
ls -l "$CACHE/node_metrics.parquet" | awk '{printf "  (cache: %.1f MB Parquet)\n", $5 / 1e6}'
measure "parse (cache hit)" "$HAVECACHE" "$BIN" parse "$OUT" -q
measure "stats --json, no cache" "$NOCACHE" "$BIN" stats "$OUT" --json
T_STATS_COLD=$WALL
cp "$WORK/stdout" "$WORK/stats-cold.json"
measure "viz, no cache" "$NOCACHE" "$BIN" viz "$OUT" -o "$WORK/cold.html" -q
T_VIZ_COLD=$WALL
measure "parse --stats --no-cache" "$NOCACHE" "$BIN" parse "$OUT" --stats --no-cache -q
measure "stats --json, valid cache" "$HAVECACHE" "$BIN" stats "$OUT" --json
T_STATS_WARM=$WALL
cp "$WORK/stdout" "$WORK/stats-warm.json"
measure "viz, valid cache" "$HAVECACHE" "$BIN" viz "$OUT" -o "$WORK/warm.html" -q
T_VIZ_WARM=$WALL
measure "parse --stats, valid cache" "$HAVECACHE" "$BIN" parse "$OUT" --stats -q

if [ -n "$BASE" ]; then
    echo "before ($BASE), same files:"
    measure "  parse --no-cache" "$NOCACHE" "$BASE" parse "$OUT" --no-cache -q
    B_NOCACHE=$WALL
    measure "  parse (build cache)" "$NOCACHE" "$BASE" parse "$OUT" -q
    B_BUILD=$WALL
    # Its viz and stats parse the logs whether or not a cache is there.
    measure "  stats --json, cache present" "$HAVECACHE" "$BASE" stats "$OUT" --json
    B_STATS=$WALL
    measure "  viz, cache present" "$HAVECACHE" "$BASE" viz "$OUT" -o "$WORK/base.html" -q
    B_VIZ=$WALL
    measure "  parse --stats, cache present" "$HAVECACHE" "$BASE" parse "$OUT" --stats -q
fi

echo "ratios (wall, medians):"
ratio "parse building the cache / parse --no-cache" "$T_BUILD" "$T_NOCACHE"
ratio "stats without / with the cache" "$T_STATS_COLD" "$T_STATS_WARM"
ratio "viz without / with the cache" "$T_VIZ_COLD" "$T_VIZ_WARM"
if [ -n "$BASE" ]; then
    ratio "before: parse building the cache / --no-cache" "$B_BUILD" "$B_NOCACHE"
    ratio "stats before / stats with the cache" "$B_STATS" "$T_STATS_WARM"
    ratio "viz before / viz with the cache" "$B_VIZ" "$T_VIZ_WARM"
fi
cmp -s "$WORK/stats-cold.json" "$WORK/stats-warm.json" && same=yes || same=NO
cmp -s "$WORK/cold.html" "$WORK/warm.html" && same_html=yes || same_html=NO
echo "same output with and without the cache: stats --json $same, viz report $same_html"
