#!/usr/bin/env bash
# AIPerf from PyPI against a tiny OpenAI-compatible streaming server on
# 127.0.0.1, with --export-http-trace: produces a real profile_export.jsonl
# with trace data (target/aiperf-live/artifacts) and runs the Rust test
# that checks srtlog's connection, DNS, TTFB and chunk figures against the
# records (crates/cli/tests/aiperf_live.rs).
#
# Idempotent: the virtualenv (target/aiperf-venv) is reused when it holds
# the pinned AIPerf; the run is redone every time (about 30 s). Outside CI a
# missing prerequisite (no venv module, no network for pip) skips with the
# reason; with CI=true it fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
AIPERF_VERSION="${AIPERF_VERSION:-0.13.0}"
VENV="${AIPERF_VENV:-$ROOT/target/aiperf-venv}"
WORK="$ROOT/target/aiperf-live"

give_up() {
    if [ "${CI:-}" = "true" ]; then
        echo "aiperf_live: FAILED: $1" >&2
        exit 1
    fi
    echo "aiperf_live: skipped: $1"
    exit 0
}

if ! "$VENV/bin/aiperf" --version 2>/dev/null | grep -qx "$AIPERF_VERSION"; then
    python3 -m venv "$VENV" || give_up "python3 -m venv failed (install python3-venv)"
    timeout 900 "$VENV/bin/pip" install --quiet --disable-pip-version-check "aiperf==$AIPERF_VERSION" \
        || give_up "pip install aiperf==$AIPERF_VERSION failed (no network or no wheel for this Python)"
fi

mkdir -p "$WORK"
rm -rf "$WORK/artifacts"
# An offline word-level tokenizer: AIPerf's default fetches one.
"$VENV/bin/python" tests/aiperf_live/make_tokenizer.py "$WORK/tokenizer" 2>/dev/null
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 tests/aiperf_live/server.py "$PORT" 16 0.004 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/health')" 2>/dev/null; then break; fi
    sleep 0.1
done

# `localhost`, not 127.0.0.1, so the trace records DNS resolution (a lookup
# for the first connection, cache hits after it). Four concurrent users,
# 40 profiling requests after 4 warm-up requests.
timeout 600 "$VENV/bin/aiperf" profile --model mock-model --tokenizer "$WORK/tokenizer" \
    --url "http://localhost:$PORT" --endpoint-type chat --streaming \
    --concurrency 4 --request-count 40 --warmup-request-count 4 \
    --synthetic-input-tokens-mean 20 --output-tokens-mean 16 \
    --export-http-trace --ui-type none --artifact-dir "$WORK/artifacts" > "$WORK/aiperf.log" 2>&1 \
    || { tail -40 "$WORK/aiperf.log" >&2; give_up "aiperf profile failed (log: $WORK/aiperf.log)"; }
test -s "$WORK/artifacts/profile_export.jsonl" || give_up "aiperf wrote no profile_export.jsonl"
echo "aiperf_live: $(wc -l < "$WORK/artifacts/profile_export.jsonl") records in $WORK/artifacts"

SRTLOG_AIPERF_LIVE_DIR="$WORK/artifacts" cargo test --locked -p srtlog-cli --test aiperf_live -- --nocapture
