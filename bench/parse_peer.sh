#!/usr/bin/env bash
# `srtlog parse --no-cache` against the Python srtlog's own `srtlog parse`
# CLI on the same whole run (not a timed test).
#
#   bench/parse_peer.sh [SIZE] [OUT_DIR]     (default 229MB, /tmp/srtlog-parse-peer)
#
# The run is generated in the layout the Python srtlog reads (8 prefill +
# 8 decode workers, DP8/TP8/EP8 tags: its parser finds no batch on the
# common `[ts DPn TPn]` shape, formats.md §1.2). The Python srtlog
# (PY_SRTLOG_PEER, default ../shared/peers/srtlog-python) is installed into
# a virtualenv this script makes (BENCH_VENV, default
# /tmp/srtlog-peer-venv). Both commands run in turn (A B A B …, RUNS pairs,
# default 3, page cache warm), each timed by /usr/bin/time: wall, user+sys
# CPU and peak RSS. The Python CLI writes a Parquet cache into the logs
# folder; it is removed before each of its runs, so every run parses.
# The script prints the medians and the median of the pair-by-pair ratios
# Python/srtlog, which holds when the machine's speed drifts.
#
# CALLGRIND=1 also counts instructions (valgrind, one thread) of
# `parse --no-cache` on a 48 MB run of the same layout, for this binary
# and, when SRTLOG_BEFORE names one, an earlier build: the per-core cost of
# the decoder, independent of the machine's load.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-229MB}
OUT=${2:-/tmp/srtlog-parse-peer}
RUNS=${RUNS:-3}
VENV=${BENCH_VENV:-/tmp/srtlog-peer-venv}
PEER=${PY_SRTLOG_PEER:-../shared/peers/srtlog-python}
# SRTLOG_BIN=path uses an existing binary instead of building one.
BIN=${SRTLOG_BIN:-target/release/srtlog}
[ -n "${SRTLOG_BIN:-}" ] || cargo build --release -p srtlog-cli --locked -q
[ -x "$VENV/bin/srtlog" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q "$PEER"; }
if [ ! -d "$OUT/logs" ]; then
    "$BIN" simulate "$OUT" --size "$SIZE" --prefill 8 --decode 8 --dp 8 --tp 8 --ep 8 -q
fi
BYTES=$(find "$OUT/logs" -maxdepth 1 -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
cat "$OUT"/logs/* > /dev/null 2>&1 || true  # warm the page cache
echo "input: $((BYTES / 1000000)) MB in $(ls "$OUT"/logs | wc -l) files, $(nproc) cores"

T=/tmp/srtlog-parse-peer.time
: > "$T.all"
run() {  # label, command... → appends "label wall cpu rss_kb" to $T.all
    local label=$1; shift
    /usr/bin/time -f "%e %U %S %M" -o "$T" "$@" > /dev/null 2>&1
    read -r wall user sys rss < "$T"
    echo "$label $wall $(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}') $rss" >> "$T.all"
}
for _ in $(seq "$RUNS"); do
    rm -rf "$OUT/logs/cached_assets"
    run python "$VENV/bin/srtlog" parse "$OUT"
    run srtlog "$BIN" parse "$OUT" --no-cache -q
done
rm -rf "$OUT/logs/cached_assets"
python3 - "$T.all" "$BYTES" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
size = int(sys.argv[2])
by = {}
for label, wall, cpu, rss in rows:
    by.setdefault(label, []).append((float(wall), float(cpu), int(rss)))
for label, runs in by.items():
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    rss = max(r[2] for r in runs) / 1024
    print(f"{label:8} wall {wall:7.2f} s  CPU {cpu:7.2f} s  {size / 1e6 / wall:7.0f} MB/s  peak RSS {rss:6.0f} MB  ({len(runs)} runs)")
for i, what in ((0, "wall"), (1, "CPU")):
    ratios = [p[i] / s[i] for p, s in zip(by["python"], by["srtlog"])]
    print(f"Python srtlog / srtlog, {what}: {statistics.median(ratios):.0f}x (median of {len(ratios)} pairs)")
PY

if [ "${CALLGRIND:-0}" = 1 ]; then
    SMALL="$OUT-48mb"
    [ -d "$SMALL/logs" ] || "$BIN" simulate "$SMALL" --size 48MB --prefill 8 --decode 8 --dp 8 --tp 8 --ep 8 -q
    count() {  # binary → instructions of one-thread `parse --no-cache`
        RAYON_NUM_THREADS=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
            "$1" parse "$SMALL" --no-cache -q 2>&1 >/dev/null | awk '/Collected/ {print $4}'
    }
    echo "instructions, parse --no-cache of 48 MB, one thread: $(count "$BIN")"
    if [ -n "${SRTLOG_BEFORE:-}" ]; then
        echo "the same, $SRTLOG_BEFORE: $(count "$SRTLOG_BEFORE")"
    fi
fi
