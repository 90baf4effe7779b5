#!/usr/bin/env bash
# Throughput of the Prometheus/OpenMetrics parser (srtlog_formats::prom) on
# a large generated exposition (default 128 MB; SRTLOG_PROM_MB=N to change).
# One release build of srtlog-formats' test target; prints MB/s.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --release -q -p srtlog-formats --test prom_throughput -- --ignored --nocapture 2>&1 \
    | grep -E 'prom::parse|panicked|error' 
