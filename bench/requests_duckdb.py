"""The figures of `srtlog requests summary` computed by DuckDB (bench/requests.sh).

    python requests_duckdb.py LOG.jsonl            # prints the figures as JSON
    python requests_duckdb.py LOG.jsonl SRTLOG.json  # also checks them against srtlog's

Figures: requests, error rate (status other than "success"), and mean, p50,
p90, p95, p99 and max of latency_ms, batch_size, gpu_util and
memory_used_gb (quantile_cont: numpy's linear method, as srtlog), and the
time span from the first request's start to the last one's end
(timestamp + latency). The comparison allows a relative difference of
1e-9 (the two sum in different orders) and 1 ms on the span (DuckDB's
timestamps are microseconds).
"""
import json
import sys

import duckdb

FIELDS = ["latency_ms", "batch_size", "gpu_util", "memory_used_gb"]
QS = [0.5, 0.9, 0.95, 0.99]


def figures(path):
    cols = ", ".join(
        f"avg({f}), quantile_cont({f}, {QS}), max({f})" for f in FIELDS
    )
    row = duckdb.sql(
        f"""SELECT count(*), avg(CASE WHEN status = 'success' THEN 0 ELSE 1 END), {cols},
        epoch_us(max(timestamp + to_microseconds(CAST(trunc(latency_ms * 1000) AS BIGINT))))
          - epoch_us(min(timestamp))
        FROM read_json_auto('{path}')"""
    ).fetchall()[0]
    out = {"total_requests": row[0], "error_rate": row[1], "span_s": row[-1] / 1e6}
    for i, f in enumerate(FIELDS):
        mean, qs, mx = row[2 + 3 * i : 5 + 3 * i]
        out[f] = {"mean": mean, "median": qs[0], "p90": qs[1], "p95": qs[2], "p99": qs[3], "max": mx}
    return out


def check(duck, srt):
    bad = []

    def close(name, a, b, tol):
        if abs(a - b) > tol * max(1.0, abs(b)):
            bad.append(f"{name}: duckdb {a!r}, srtlog {b!r}")

    close("total_requests", duck["total_requests"], srt["total_requests"], 0)
    close("error_rate", duck["error_rate"], srt["error_rate"], 1e-12)
    close("span_s", duck["span_s"], srt["span_s"], 1e-3)
    for f in FIELDS:
        for k, v in duck[f].items():
            close(f"{f}.{k}", v, srt["fields"][f][k], 1e-9)
    return bad


if __name__ == "__main__":
    duck = figures(sys.argv[1])
    if len(sys.argv) > 2:
        with open(sys.argv[2]) as fh:
            bad = check(duck, json.load(fh))
        if bad:
            print("figures differ:\n  " + "\n  ".join(bad), file=sys.stderr)
            sys.exit(1)
        print("DuckDB and srtlog agree on every figure", file=sys.stderr)
    else:
        print(json.dumps(duck))
