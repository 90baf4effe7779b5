"""The worker-log Parquet cache (``logs/cached_assets/node_metrics.parquet``,
written by ``srtlog parse``) read by the tools users reach for: pyarrow,
pandas, polars and DuckDB. Each must see every row and the same values as
the table the parser hands out in memory (``parse_run_logs(...).to_arrow()``,
which never goes through Parquet), and the record counts of the CLI's own
``--json`` summary."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import srtlog

NUMERIC = ["new_token", "running_req", "token_usage", "gen_throughput"]


@pytest.fixture(scope="module")
def cached_run(cli, disagg_run, tmp_path_factory) -> tuple[Path, dict]:
    run = tmp_path_factory.mktemp("cache-readers") / "job"
    shutil.copytree(disagg_run, run)
    ref = cli.json("parse", run, "--json", "--no-cache")
    cli.run("parse", run, "-q")
    path = run / "logs" / "cached_assets" / "node_metrics.parquet"
    assert path.is_file()
    return path, ref


def _expected(ref: dict) -> dict:
    t = ref["totals"]
    return {
        "rows_batch": t["prefill_batches"] + t["decode_batches"] + t["duplicate_lines"],
        "rows_memory": t["memory_snapshots"],
    }


def _sums(table) -> dict:
    return {c: pc.sum(table.column(c)).as_py() for c in NUMERIC}


def test_pyarrow_and_pandas_read_every_row(cached_run, disagg_run):
    path, ref = cached_run
    want = _expected(ref)
    t = pq.read_table(path)
    rec = t.column("record").to_pylist()
    assert rec.count("batch") == want["rows_batch"]
    assert rec.count("memory") == want["rows_memory"]
    mem = srtlog.NodeAnalyzer().parse_run_logs(disagg_run).to_arrow()
    assert t.num_rows == mem.num_rows
    # Float sums differ in their last bits with the batch boundaries.
    assert _sums(t) == pytest.approx(_sums(mem), rel=1e-12)
    df = pd.read_parquet(path)
    assert len(df) == t.num_rows
    for c in NUMERIC:
        assert df[c].sum() == pytest.approx(_sums(t)[c], rel=1e-12)


def test_polars_reads_every_row(cached_run):
    polars = pytest.importorskip("polars")
    path, ref = cached_run
    df = polars.read_parquet(path)
    t = pq.read_table(path)
    assert df.height == t.num_rows
    assert df.filter(polars.col("record") == "batch").height == _expected(ref)["rows_batch"]
    for c in NUMERIC:
        assert df[c].sum() == pytest.approx(_sums(t)[c], rel=1e-12)


def test_duckdb_reads_every_row(cached_run):
    duckdb = pytest.importorskip("duckdb")
    path, ref = cached_run
    con = duckdb.connect()
    n, batch, memory = con.execute(
        "select count(*), count(*) filter (where record = 'batch'), "
        "count(*) filter (where record = 'memory') from read_parquet(?)",
        [str(path)],
    ).fetchone()
    want = _expected(ref)
    assert (batch, memory) == (want["rows_batch"], want["rows_memory"])
    assert n == pq.read_table(path).num_rows
    sums = con.execute(
        "select " + ", ".join(f"sum({c})" for c in NUMERIC) + " from read_parquet(?)", [str(path)]
    ).fetchone()
    want_sums = _sums(pq.read_table(path))
    for c, v in zip(NUMERIC, sums):
        assert v == pytest.approx(want_sums[c], rel=1e-12)
