"""Ray and Spark readers (``srtlog.ray``, ``srtlog.spark``) against the local
tables.

The reference is ``srtlog ingest`` (the binary, ``SRTLOG_BIN``): its Parquet
files are the local tables. A local Ray (``ray.init(num_cpus=2)``) and a
local Spark (``local[2]``) each read simulated runs and the real files in
``../shared/data``; every table must equal the ingest's row for row: the
same row count, the same rows per worker (file), the same sum of every
numeric column and the same number of true values of every boolean one. A
missing or corrupt file is a warning, never a failed job.

Ray and PySpark are optional: without them these tests are skipped with the
reason shown, except in CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import gzip
import math
import os
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import _ci
from srtlog import _fleet

TABLES = ["node_metrics", "requests", "aiperf_records", "snapshot_pairs"]


def _need(module: str):
    try:
        return __import__(module)
    except ImportError:
        msg = f"{module} is not installed (pip install 'srtlog[{'spark' if module == 'pyspark' else 'ray'}]')"
        if _ci():
            pytest.fail("CI=true but " + msg)
        pytest.skip(msg)


@pytest.fixture(scope="module")
def ray_local():
    ray = _need("ray")
    _need("ray.data")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def spark():
    _need("pyspark")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    s = (SparkSession.builder.master("local[2]").appName("srtlog-tests")
         .config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC")
         .config("spark.sql.shuffle.partitions", "4").getOrCreate())
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def sim_runs(cli, tmp_path_factory) -> list:
    """Two simulated runs: a disaggregated one with a request log (cut into
    byte ranges at 1 MiB), an AIPerf export and a snapshot folder, and an
    aggregated one."""
    base = tmp_path_factory.mktemp("fleet")
    a, b = base / "conc8", base / "conc16"
    cli.run("simulate", "workers", a, "--size", "2MB", "--dp", "2", "--tp", "2", "-q")
    cli.run("simulate", "requests", a / "requests.jsonl", "--size", "3MB", "-q")
    (a / "aiperf").mkdir()
    cli.run("simulate", "aiperf", a / "aiperf" / "profile_export.jsonl", "--count", "300", "-q")
    cli.run("simulate", "snapshots", a / "snapshots", "--count", "20", "-q")
    cli.run("simulate", "workers", b, "--mode", "agg", "--size", "1MB", "-q")
    return [a, b]


@pytest.fixture(scope="module")
def real_runs(shared_data) -> list:
    return sorted(p for p in shared_data.iterdir() if p.is_dir())


def _ingested(cli, runs, tmp_path_factory) -> dict:
    """``srtlog ingest`` of ``runs``: table name -> Arrow table (dataset schema)."""
    out = tmp_path_factory.mktemp("dataset")
    cli.run("ingest", *runs, "--into", out, "-q")
    tables = {}
    for t in TABLES:
        schema = _fleet.table_schema(t)
        parts = [pq.read_table(f).cast(schema) for f in sorted((out / t).rglob("*.parquet"))]
        tables[t] = pa.concat_tables(parts) if parts else schema.empty_table()
    return tables


@pytest.fixture(scope="module")
def sim_ref(cli, sim_runs, tmp_path_factory) -> dict:
    return _ingested(cli, sim_runs, tmp_path_factory)


@pytest.fixture(scope="module")
def real_ref(cli, real_runs, tmp_path_factory) -> dict:
    return _ingested(cli, real_runs, tmp_path_factory)


def _per_worker(t: pa.Table) -> dict:
    key = "file" if "file" in t.column_names else "run"
    g = t.group_by(["run", key]).aggregate([([], "count_all")])
    return {(r["run"], r[key]): r["count_all"] for r in g.to_pylist()}


def _sums(t: pa.Table) -> dict:
    out = {}
    for f in t.schema:
        c = t.column(f.name)
        if pa.types.is_boolean(f.type):
            out[f.name] = pc.sum(pc.cast(c, pa.int64())).as_py() or 0
        elif pa.types.is_integer(f.type) or pa.types.is_floating(f.type):
            s = pc.sum(pc.if_else(pc.is_finite(c), c, None) if pa.types.is_floating(f.type) else c).as_py()
            out[f.name] = s or 0
        elif pa.types.is_timestamp(f.type):
            out[f.name] = pc.sum(pc.cast(c, pa.int64())).as_py() or 0
        out[f.name + ".nulls"] = c.null_count
    return out


def _assert_same(got: pa.Table, want: pa.Table, what: str) -> None:
    assert got.schema.equals(want.schema), f"{what}: schema differs\n{got.schema}\n--\n{want.schema}"
    assert got.num_rows == want.num_rows, f"{what}: {got.num_rows} rows, the ingest {want.num_rows}"
    assert _per_worker(got) == _per_worker(want), f"{what}: rows per worker differ"
    gs, ws = _sums(got), _sums(want)
    for k, w in ws.items():
        g = gs[k]
        if isinstance(w, float) or isinstance(g, float):
            assert math.isclose(g, w, rel_tol=1e-9, abs_tol=1e-6), f"{what}: sum of {k}: {g} != {w}"
        else:
            assert g == w, f"{what}: sum of {k}: {g} != {w}"


def _ray_table(ray, ds, table: str) -> pa.Table:
    parts = [pa.table(b) for b in ray.get(ds.to_arrow_refs())]
    return pa.concat_tables(parts).cast(_fleet.table_schema(table)) if parts else \
        _fleet.table_schema(table).empty_table()


def test_sim_inputs_cover_every_table(sim_ref):
    # The comparison below means something only if every table has rows.
    for t in TABLES:
        assert sim_ref[t].num_rows > 0, t
    assert sim_ref["requests"].num_rows > 1000


def test_local_reader_equals_ingest(sim_runs, sim_ref):
    # The 3 MB request log is read as byte ranges of 1 MiB, 3 or more.
    splits, _ = _fleet.plan_local(sim_runs, "requests", 1 << 20)
    assert sum(1 for s in splits if s["start"] is not None) >= 3, splits
    for t in TABLES:
        got, warned = _fleet.read_local(sim_runs, t, split_bytes=1 << 20)
        _assert_same(got, sim_ref[t], f"local {t}")


@pytest.mark.parametrize("which", ["sim", "real"])
def test_ray_equals_ingest(which, ray_local, request):
    import srtlog.ray

    runs = request.getfixturevalue(f"{which}_runs")
    ref = request.getfixturevalue(f"{which}_ref")
    for t in TABLES:
        ds = srtlog.ray.read_runs(runs, table=t, split_bytes=1 << 20)
        assert ds.schema().base_schema.equals(_fleet.table_schema(t)) or ref[t].num_rows == 0
        got = _ray_table(ray_local, ds, t)
        _assert_same(got, ref[t], f"ray {which} {t}")


@pytest.mark.parametrize("which", ["sim", "real"])
def test_spark_equals_ingest(which, spark, request):
    import srtlog.spark

    runs = request.getfixturevalue(f"{which}_runs")
    ref = request.getfixturevalue(f"{which}_ref")
    for t in TABLES:
        df = srtlog.spark.read_runs(spark, runs, table=t, split_bytes=1 << 20)
        assert df.schema == srtlog.spark.spark_schema(t)
        rows = df.toArrow() if hasattr(df, "toArrow") else pa.Table.from_pandas(df.toPandas())
        _assert_same(rows.cast(_fleet.table_schema(t)), ref[t], f"spark {which} {t}")


@pytest.fixture()
def damaged(cli, tmp_path) -> dict:
    """A run with a corrupt gzip worker log, a request log with bad lines, a
    good worker log, and a missing run beside it."""
    run = tmp_path / "damaged"
    cli.run("simulate", "workers", run, "--mode", "agg", "--size", "1MB", "-q")
    good = sorted((run / "logs").glob("*_agg_w0.out"))[0]
    data = good.read_bytes()
    # A gzip stream cut in the middle: its name says worker log, its head decodes.
    bad = run / "logs" / good.name.replace("_w0.out", "_w7.out.gz")
    packed = gzip.compress(data)
    bad.write_bytes(packed[: len(packed) // 2])
    req = run / "requests.jsonl"
    cli.run("simulate", "requests", req, "--count", "500", "-q")
    with req.open("ab") as f:
        f.write(b'{"request_id": "x", "latency_ms": \n\x00\x01garbage\n')
    return {"run": run, "bad": bad, "req": req, "missing": tmp_path / "gone"}


def _check_damage(rows_nm: int, rows_req: int, warned: pa.Table, d: dict) -> None:
    assert rows_req == 500
    assert rows_nm > 0
    paths = warned.column("path").to_pylist()
    msgs = warned.column("message").to_pylist()
    assert str(d["missing"]) in paths, warned.to_pylist()
    assert any(str(d["bad"]) == p for p in paths), warned.to_pylist()
    assert any(str(d["req"]) == p for p in paths), warned.to_pylist()
    assert all(m for m in msgs)


def test_ray_damaged_files_are_warnings(ray_local, damaged):
    import srtlog.ray

    paths = [damaged["run"], damaged["missing"]]
    nm = srtlog.ray.read_runs(paths, table="node_metrics").count()
    req = srtlog.ray.read_runs(paths, table="requests").count()
    w = pa.concat_tables([
        pa.table(b) for t in ("node_metrics", "requests")
        for b in ray_local.get(srtlog.ray.read_warnings(paths, table=t).to_arrow_refs())
    ])
    _check_damage(nm, req, w, damaged)


def test_ray_file_gone_after_planning(ray_local, damaged):
    import srtlog.ray

    ds = srtlog.ray.read_runs([damaged["run"]], table="requests")
    damaged["req"].unlink()  # planned, then deleted before the tasks run
    assert ds.count() == 0  # no rows, and no failed job
    _, w = _fleet.read_split({"table": "requests", "run": "damaged", "path": str(damaged["req"]),
                              "start": None, "end": None, "bytes": 0})
    assert w.column("message").to_pylist() == ["no such file or directory"]


def test_spark_damaged_files_are_warnings(spark, damaged):
    import srtlog.spark

    paths = [damaged["run"], damaged["missing"]]
    nm = srtlog.spark.read_runs(spark, paths, table="node_metrics").count()
    req = srtlog.spark.read_runs(spark, paths, table="requests").count()
    w = srtlog.spark.read_warnings(spark, paths, "node_metrics").unionByName(
        srtlog.spark.read_warnings(spark, paths, "requests"))
    rows = w.collect()
    warned = pa.Table.from_pylist([r.asDict() for r in rows], schema=_fleet.WARNINGS_SCHEMA)
    _check_damage(nm, req, warned, damaged)


def test_a_split_read_on_a_task_s_threads_equals_the_whole_machine_s(sim_runs):
    # Ray and Spark tasks read on as many threads as CPUs they were given;
    # the rows are the same whatever the thread count.
    splits, _ = _fleet.plan_local(sim_runs, "requests", 1 << 20)
    splits += _fleet.plan_local(sim_runs, "node_metrics")[0]
    for split in splits:
        want, want_w = _fleet.read_split(split)
        for threads in (1, 2):
            got, got_w = _fleet.read_split(split, threads)
            assert got.equals(want), (split, threads)
            assert got_w.equals(want_w), (split, threads)
    with pytest.raises(ValueError, match="at least 1"):
        _fleet.read_split(splits[0], 0)


def test_unknown_table_is_a_value_error():
    with pytest.raises(ValueError, match="unknown table"):
        _fleet.table_schema("nodes")
    with pytest.raises(ValueError, match="unknown table"):
        _fleet.plan_local([Path(".")], "nodes")


def _readme_block(marker: str) -> str:
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    after = text.split(f"<!-- {marker}: run by python/tests/test_fleet.py -->", 1)[1]
    return after.split("```python\n", 1)[1].split("```", 1)[0]


def _check_readme_p99(p99, cli, sim_runs) -> None:
    """The README's cluster answer equals ``srtlog requests summary`` per run."""
    got = {r["run"]: r for r in p99.to_dict("records")}
    # conc8 holds the request logs (conc16 none: no row, and the CLI's "no requests").
    run = sim_runs[0]
    want = {run.name: cli.json("requests", "summary", run, "--json")["p99_latency_ms"]}
    assert want and set(got) == set(want), (got, want)
    for run, w in want.items():
        assert math.isclose(got[run]["p99_latency_ms" if "p99_latency_ms" in got[run] else "latency_ms"], w,
                            rel_tol=1e-9), run


def test_readme_ray_answer(ray_local, sim_runs, cli, capsys):
    code = _readme_block("fleet-ray").replace("ray.init()", "pass  # the test's local Ray")
    code = code.replace('"runs/sweep-*"', repr(str(sim_runs[0].parent / "*")))
    env: dict = {}
    exec(compile(code, "README.md (fleet-ray)", "exec"), env)
    _check_readme_p99(env["p99"], cli, sim_runs)


def test_readme_spark_answer(spark, sim_runs, cli, capsys):
    code = _readme_block("fleet-spark").replace('"runs/sweep-*"', repr(str(sim_runs[0].parent / "*")))
    env: dict = {}
    exec(compile(code, "README.md (fleet-spark)", "exec"), env)
    _check_readme_p99(env["p99"], cli, sim_runs)
