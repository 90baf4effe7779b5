#!/usr/bin/env bash
# End-to-end benchmark of `srtlog parse` on a generated multi-GB run.
#
#   bench/parse.sh [SIZE] [OUT_DIR]        (default 1GB, /tmp/srtlog-bench)
#
# Reports MB/s and peak RSS for: --no-cache (parse + summary), a cold cache
# build (parse + Parquet), and a cache hit. With PY_SRTLOG_SRC pointing at a
# checkout of the Python srtlog (its src/ folder), it also times that parser
# on two of the same files (bench/python_srtlog.py). The run carries DP, TP
# and EP tags because the Python parser reads no other DP shape (it finds 0
# batches in `[ts DP2 TP2]` lines).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-1GB}
OUT=${2:-/tmp/srtlog-bench}
VARIANT=${VARIANT:-v056}
cargo build --release -p srtlog-cli --locked -q
BIN=target/release/srtlog
rm -rf "$OUT"
"$BIN" simulate "$OUT" --size "$SIZE" --prefill 8 --decode 8 --dp 8 --tp 8 --ep 8 --variant "$VARIANT" -q
BYTES=$(find "$OUT/logs" -name '*_w*.out*' -printf '%s\n' | awk '{s+=$1} END {print s}')
cat "$OUT"/logs/* > /dev/null  # warm the page cache: we measure parsing, not the disk
echo "input: $((BYTES / 1000000)) MB in $(ls "$OUT"/logs/*_w*.out* | wc -l) worker files ($VARIANT), $(nproc) cores"

measure() {  # label, command...
    local label=$1; shift
    local best=""
    for _ in 1 2 3; do
        /usr/bin/time -f "%e %M" -o /tmp/srtlog-bench.time "$@" > /dev/null
        read -r secs rss < /tmp/srtlog-bench.time
        if [ -z "$best" ] || awk "BEGIN {exit !($secs < $best)}"; then best=$secs; best_rss=$rss; fi
    done
    awk -v l="$label" -v s="$best" -v r="$best_rss" -v b="$BYTES" \
        'BEGIN { printf "%-28s %6.2f s  %7.0f MB/s  peak RSS %5.0f MB\n", l, s, b / 1e6 / s, r / 1024 }'
}

measure "parse --no-cache" "$BIN" parse "$OUT" --no-cache -q
measure "parse (build cache)" sh -c "rm -rf '$OUT/logs/cached_assets' && '$BIN' parse '$OUT' -q"
measure "parse (cache hit)" "$BIN" parse "$OUT" -q
ls -l "$OUT/logs/cached_assets/node_metrics.parquet" | awk '{printf "cache: %.1f MB Parquet\n", $5 / 1e6}'

if [ -n "${PY_SRTLOG_SRC:-}" ]; then
    # The Python parser is single-threaded and slow: time it on two files
    # and compare per byte.
    FILES=$(ls "$OUT"/logs/*_w*.out | head -2)
    python3 bench/python_srtlog.py $FILES
fi
