#!/usr/bin/env bash
# A real AIPerf sweep: three runs of AIPerf from PyPI (concurrency 1, 2 and
# 4) against the tiny streaming server of run.sh, in artifact folders whose
# names do not state the load, then the Rust test that checks `srtlog
# aiperf` places each run at the concurrency AIPerf wrote in its own
# summary (crates/cli/tests/aiperf_live_sweep.rs).
#
# Reuses run.sh's virtualenv (or AIPERF_VENV); outside CI a missing
# prerequisite skips with the reason, with CI=true it fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
AIPERF_VERSION="${AIPERF_VERSION:-0.13.0}"
VENV="${AIPERF_VENV:-$ROOT/target/aiperf-venv}"
WORK="${AIPERF_WORK:-$ROOT/target/aiperf-live}"

give_up() {
    if [ "${CI:-}" = "true" ]; then
        echo "aiperf_live sweep: FAILED: $1" >&2
        exit 1
    fi
    echo "aiperf_live sweep: skipped: $1"
    exit 0
}

if ! "$VENV/bin/aiperf" --version 2>/dev/null | grep -qx "$AIPERF_VERSION"; then
    python3 -m venv "$VENV" || give_up "python3 -m venv failed (install python3-venv)"
    timeout 900 "$VENV/bin/pip" install --quiet --disable-pip-version-check "aiperf==$AIPERF_VERSION" \
        || give_up "pip install aiperf==$AIPERF_VERSION failed (no network or no wheel for this Python)"
fi

mkdir -p "$WORK"
rm -rf "$WORK/sweep"
"$VENV/bin/python" tests/aiperf_live/make_tokenizer.py "$WORK/tokenizer" 2>/dev/null
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 tests/aiperf_live/server.py "$PORT" 16 0.004 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/health')" 2>/dev/null; then break; fi
    sleep 0.1
done

# Folder names `run-a`, `run-b`, `run-c`: the load must come from the files.
i=0
for c in 1 2 4; do
    name="run-$(printf "\\x$(printf %x $((97 + i)))")"
    i=$((i + 1))
    timeout 600 "$VENV/bin/aiperf" profile --model mock-model --tokenizer "$WORK/tokenizer" \
        --url "http://127.0.0.1:$PORT" --endpoint-type chat --streaming \
        --concurrency "$c" --request-count 12 --warmup-request-count 2 \
        --synthetic-input-tokens-mean 20 --output-tokens-mean 16 \
        --ui-type none --artifact-dir "$WORK/sweep/$name" > "$WORK/sweep-$name.log" 2>&1 \
        || { tail -40 "$WORK/sweep-$name.log" >&2; give_up "aiperf profile failed (log: $WORK/sweep-$name.log)"; }
done
echo "aiperf_live sweep: $(ls "$WORK/sweep" | wc -l) runs in $WORK/sweep"

SRTLOG_AIPERF_SWEEP_DIR="$WORK/sweep" cargo test --locked -p srtlog-cli --test aiperf_live_sweep -- --nocapture
