"""``srtlog.sql``: DuckDB over a dataset written by ``srtlog ingest``; the
figures equal the CLI's (``requests summary --json``, ``parse --json``) on
the same runs. DuckDB is an optional dependency: without it the test skips
with the reason shown, and with ``CI=true`` it fails."""

from __future__ import annotations

import os

import pytest
import srtlog


def _duckdb():
    try:
        import duckdb  # noqa: F401
    except ImportError:
        if os.environ.get("CI", "") in ("true", "1"):
            pytest.fail("CI=true but the duckdb package is not installed")
        pytest.skip("the duckdb package is not installed (pip install duckdb)")


@pytest.fixture(scope="module")
def dataset(cli, tmp_path_factory):
    base = tmp_path_factory.mktemp("sqlruns")
    a, b = base / "conc8", base / "conc16"
    cli.run("simulate", "workers", a, "--size", "2MB", "--dp", "2", "--tp", "2", "-q")
    cli.run("simulate", "requests", a / "requests.jsonl", "--size", "1MB", "-q")
    cli.run("simulate", "workers", b, "--mode", "agg", "--size", "1MB", "-q")
    out = tmp_path_factory.mktemp("sqlfleet")
    cli.run("ingest", a, b, "--into", out, "-q")
    return {"a": a, "b": b, "out": out}


def test_views_are_named_after_the_tables(dataset):
    _duckdb()
    v = srtlog._sql.views(dataset["out"])
    assert {"node_metrics", "requests", "runs"} <= set(v)
    rel = srtlog.sql("SELECT table_name FROM information_schema.tables ORDER BY 1", dataset["out"])
    assert {r[0] for r in rel.fetchall()} == set(v)


def test_figures_equal_the_cli(cli, dataset):
    _duckdb()
    want = cli.json("requests", "summary", dataset["a"] / "requests.jsonl", "--json", "-q")
    n, p99 = srtlog.sql(
        "SELECT count(*), quantile_cont(latency_ms, 0.99) FROM requests WHERE run = 'conc8'",
        dataset["out"],
    ).fetchall()[0]
    assert n == want["total_requests"]
    assert p99 == pytest.approx(want["p99_latency_ms"], rel=1e-9)
    for run in ("a", "b"):
        parsed = cli.json("parse", dataset[run], "--json", "--no-cache", "-q")
        ws = parsed["workers"]
        lines = sum(w["prefill_lines"] + w["decode_lines"] for w in ws)
        batches = sum(w["prefill_batches"] + w["decode_batches"] for w in ws)
        assert batches > 0
        got_lines, got_batches = srtlog.sql(
            "SELECT count(*), count(*) FILTER (WHERE NOT duplicate) FROM node_metrics "
            f"WHERE record = 'batch' AND run = '{dataset[run].name}'",
            dataset["out"],
        ).fetchall()[0]
        assert (got_lines, got_batches) == (lines, batches)


def test_bad_paths_say_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a folder"):
        srtlog.sql("SELECT 1", tmp_path / "missing")
    with pytest.raises(ValueError, match="no dataset table"):
        srtlog.sql("SELECT 1", tmp_path)
