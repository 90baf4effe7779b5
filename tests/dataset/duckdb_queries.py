"""Runs the README's DuckDB queries (queries.sql) over a dataset written by
`srtlog ingest` and checks every figure against what the CLI printed for the
same runs (EXPECTED, a JSON file the Rust test `crates/cli/tests/dataset_duckdb.rs`
writes from `srtlog parse --json`, `srtlog requests summary --json` and
`srtlog stats --json`).

Usage: python duckdb_queries.py DATASET EXPECTED.json [queries.sql]
Exit 0 when every figure agrees, 1 otherwise (each difference printed).
"""

import json
import math
import pathlib
import sys

import duckdb


def queries(path):
    """`-- name:` blocks of queries.sql, in order."""
    out, name, body = {}, None, []
    for line in pathlib.Path(path).read_text().splitlines():
        if line.startswith("-- name:"):
            if name:
                out[name] = "\n".join(body).strip()
            name, body = line.split(":", 1)[1].strip(), []
        elif name and not line.startswith("--"):
            body.append(line)
    if name:
        out[name] = "\n".join(body).strip()
    return out


def close(a, b):
    return a == b or (a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9))


def main():
    dataset, expected = sys.argv[1], json.loads(pathlib.Path(sys.argv[2]).read_text())
    sql = queries(sys.argv[3] if len(sys.argv) > 3 else pathlib.Path(__file__).with_name("queries.sql"))
    con = duckdb.connect()
    for stmt in sql["views"].split(";"):
        if stmt.strip():
            con.execute(stmt.replace("'fleet/", "'" + dataset.rstrip("/") + "/"))
    bad = []

    def check(what, got, want):
        ok = close(got, want)
        print(f"{'ok ' if ok else 'BAD'} {what}: duckdb {got!r}, cli {want!r}")
        if not ok:
            bad.append(what)

    runs = expected["runs"]
    seen = set()
    for run, conc, n, p99_ttft, p99_lat in con.sql(sql["p99_ttft_per_run"]).fetchall():
        e = runs[run]
        seen.add(run)
        check(f"{run} concurrency", conc, e["concurrency"])
        check(f"{run} requests", n, e["requests"])
        check(f"{run} p99 ttft_ms", p99_ttft, e["p99_ttft_ms"])
        check(f"{run} p99 latency_ms", p99_lat, e["p99_latency_ms"])
    for run, _conc, wt, n, mean, p99 in con.sql(sql["decode_throughput_per_worker_type"]).fetchall():
        e = runs[run]["decode_gen_throughput"][wt]
        check(f"{run} {wt} decode batches", n, e["count"])
        check(f"{run} {wt} mean gen_throughput", mean, e["mean"])
        check(f"{run} {wt} p99 gen_throughput", p99, e["p99"])
    got = {}
    for run, wt, kind, n in con.sql(sql["batches_per_worker_type"]).fetchall():
        got.setdefault(run, {}).setdefault(wt, {})[kind] = n
    for run, e in runs.items():
        for wt, kinds in e["batches"].items():
            for kind, n in kinds.items():
                if n:
                    check(f"{run} {wt} {kind} batches", got.get(run, {}).get(wt, {}).get(kind), n)
    check("runs answered", sorted(seen), sorted(runs))
    if bad:
        print(f"{len(bad)} figures differ", file=sys.stderr)
        return 1
    print("every figure agrees")
    return 0


if __name__ == "__main__":
    sys.exit(main())
