#!/usr/bin/env bash
# Benchmark of the distributed readers (not a timed test):
#
#   bench/fleet.sh [RUN_DIR...]      (default: a generated 1 GB run and a 300 MB request log)
#
# The same input read as one dataset table by
#   - the local reader in one process: "whole" (every file whole, as
#     `srtlog parse` and `srtlog requests` read them, on every core) and
#     "local" (split as the cluster splits, split after split; a worker log
#     is still parsed on every core, a byte range on one),
#   - a local Ray with 1 and with 2 CPUs (srtlog.ray.read_runs, materialized),
#   - optionally (SPARK=1) a local Spark, local[1] and local[2].
# Tables: node_metrics (worker logs: one split per file) and requests
# (byte ranges of SPLIT_MB, default 64 MiB). Each mode runs in a fresh
# process, twice; the page cache is warm. Engine start-up is reported apart from the read.
#
# A virtualenv under the target folder gets srtlog's release wheel (built
# from pyproject.toml unless WHEEL names one) and the `ray` (and `spark`)
# extras from PyPI. SRTLOG_BIN names the binary that generates the inputs
# (default: target/release/srtlog, built when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
PYTHON="${PYTHON:-python3}"
OUT="${OUT:-/tmp/srtlog-fleetbench}"
VENV="$TARGET/fleet-bench-venv"

if [ ! -x "$VENV/bin/python" ]; then "$PYTHON" -m venv "$VENV"; fi
if [ -z "${WHEEL:-}" ]; then
    rm -rf "$TARGET/fleet-bench-wheels"
    "$VENV/bin/python" -m pip wheel --quiet --no-deps -w "$TARGET/fleet-bench-wheels" "$ROOT"
    WHEEL="$(ls "$TARGET"/fleet-bench-wheels/srtlog-*.whl)"
fi
EXTRAS="ray"
if [ "${SPARK:-0}" = "1" ]; then EXTRAS="ray,spark"; fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir --force-reinstall --no-deps "$WHEEL"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir "$WHEEL[$EXTRAS]"

if [ "$#" -gt 0 ]; then
    RUNS=("$@")
else
    if [ -z "${SRTLOG_BIN:-}" ]; then cargo build --release -p srtlog-cli --locked -q; fi
    BIN="${SRTLOG_BIN:-$TARGET/release/srtlog}"
    if [ ! -d "$OUT/run1g" ]; then
        "$BIN" simulate "$OUT/run1g" --size 1GB --prefill 8 --decode 8 --dp 8 --tp 8 --ep 8 -q
    fi
    if [ ! -f "$OUT/req300/requests.jsonl" ]; then
        mkdir -p "$OUT/req300"
        "$BIN" simulate requests "$OUT/req300/requests.jsonl" --size 300MB -q
    fi
    RUNS=("$OUT/run1g" "$OUT/req300")
fi
# Warm the page cache.
cat $(find "${RUNS[@]}" -type f) > /dev/null

MODES="whole local ray1 ray2"
if [ "${SPARK:-0}" = "1" ]; then MODES="$MODES spark1 spark2"; fi
for table in node_metrics requests; do
    for mode in $MODES; do
        for _ in 1 2; do
            "$VENV/bin/python" "$ROOT/bench/fleet_bench.py" "$mode" "$table" "${RUNS[@]}" 2>/dev/null
        done
    done
done
