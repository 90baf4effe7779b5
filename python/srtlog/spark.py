"""srtlog on Spark: the tables of many runs parsed by the Spark executors.

``pip install 'srtlog[spark]'`` (PySpark is imported only when these
functions are called). Works on any Spark 3.4+ cluster (classic or Spark
Connect) whose executors have the srtlog wheel installed and see the runs at
the same path (shared storage).

- :func:`read_runs` returns a DataFrame of one dataset table
  (``node_metrics``, ``requests``, ``aiperf_records``, ``snapshot_pairs``),
  in exactly the schema of ``srtlog ingest``'s files (docs/dataset.md),
  converted to Spark types (strings, ``int``/``bigint``, ``double``,
  ``boolean``, ``timestamp``).
- :func:`read_warnings` returns the problems as a small second DataFrame:
  this is srtlog's one mechanism for warnings on Spark. A missing,
  unreadable or corrupt file never fails the job: its split gives no rows,
  and a row in :func:`read_warnings` (``run``, ``table``, ``path``,
  ``line``, ``message``).

How the work is cut: each run is listed by one Spark task (the driver opens
no file; it collects only the split records: path, byte range, size); the
split records are spread one per partition, and ``mapInArrow`` runs
srtlog's Rust parser on each, reading the file by path on the executor (no
``binaryFile``: a file is never one value). Worker logs, compressed files
and snapshot folders are one split each; plain JSON-lines files larger than
``split_bytes`` are cut into line-aligned byte ranges.

Example::

    from pyspark.sql import SparkSession, functions as F
    import srtlog.spark
    spark = SparkSession.builder.getOrCreate()
    df = srtlog.spark.read_runs(spark, ["/shared/runs/conc8", "/shared/runs/conc16"],
                                table="node_metrics")
    (df.where("record = 'batch' AND batch_type = 'decode' AND NOT duplicate")
       .groupBy("run", "worker_type")
       .agg(F.percentile_approx("gen_throughput", 0.99).alias("p99_gen_throughput"))
       .show())
    srtlog.spark.read_warnings(spark, ["/shared/runs/conc8"]).show(truncate=False)
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, List, Tuple, Union

import pyarrow as pa

from . import _fleet
from ._fleet import DEFAULT_SPLIT_BYTES, TABLES, WARNINGS_SCHEMA, PathArg

__all__ = ["read_runs", "read_warnings", "spark_schema", "TABLES", "WARNINGS_SCHEMA"]


def _from_arrow(schema: pa.Schema) -> Any:
    try:
        from pyspark.sql.pandas.types import from_arrow_schema
    except ImportError as e:  # pragma: no cover - exercised without pyspark
        raise ImportError("srtlog.spark needs PySpark: pip install 'srtlog[spark]'") from e
    return from_arrow_schema(schema)


def spark_schema(table: str) -> Any:
    """The Spark ``StructType`` of table ``table`` (the dataset schema)."""
    return _from_arrow(_fleet.table_schema(table))


_RUNS_SCHEMA = pa.schema([("path", pa.string()), ("run", pa.string())])


def _plan_batches(table: str, split_bytes: int):
    """The planning task: run records in, split records and listing
    warnings out in one schema (a split row has a null ``message``)."""
    def plan(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for b in batches:
            for r in b.to_pylist():
                splits, warned = _fleet.plan_run(r["path"], r["run"], table, split_bytes)
                s = _fleet.split_table(splits)
                n, m = s.num_rows, warned.num_rows
                cols = ["table", "run", "path", "start", "end", "bytes"]
                found = pa.table({**{c: s.column(c) for c in cols},
                                  "line": pa.nulls(n, pa.int64()), "message": pa.nulls(n, pa.string())})
                problems = pa.table({
                    "table": pa.nulls(m, pa.string()), "run": warned.column("run"),
                    "path": warned.column("path"), "start": pa.nulls(m, pa.int64()),
                    "end": pa.nulls(m, pa.int64()), "bytes": pa.nulls(m, pa.int64()),
                    "line": warned.column("line"), "message": warned.column("message"),
                })
                yield from pa.concat_tables([found.cast(problems.schema), problems]).to_batches()
    return plan


_PLAN_DDL = ("table string, run string, path string, start bigint, end bigint, bytes bigint, "
             "line bigint, message string")


def _plan(spark: Any, paths: Union[PathArg, Iterable[PathArg]], table: str,
          split_bytes: int) -> Tuple[List[Dict[str, Any]], pa.Table]:
    """Splits and listing warnings, each run listed by a Spark task."""
    _fleet.check_table(table)
    runs, warned = _fleet.runs_with_ids(_fleet.as_paths(paths), table)
    if not runs:
        return [], warned
    plan = _plan_batches(table, split_bytes)
    runs_df = spark.createDataFrame([(p, r) for p, r in runs], "path string, run string")
    rows = (runs_df.repartition(len(runs))
            .mapInArrow(plan, _PLAN_DDL)
            .collect())
    splits, problems = [], []
    for r in rows:
        d = r.asDict()
        if d["message"] is None:
            splits.append({k: d[k] for k in ("table", "run", "path", "start", "end", "bytes")})
        else:
            problems.append({"run": d["run"], "table": table, "path": d["path"], "line": d["line"],
                             "message": d["message"]})
    splits.sort(key=lambda s: -s["bytes"])
    listed = pa.Table.from_pylist(problems, schema=WARNINGS_SCHEMA)
    return splits, pa.concat_tables([warned, listed])


def _splits_df(spark: Any, splits: List[Dict[str, Any]]) -> Any:
    rows = [(s["table"], s["run"], s["path"], s["start"], s["end"], s["bytes"]) for s in splits]
    df = spark.createDataFrame(rows, "table string, run string, path string, start bigint, end bigint, "
                                     "bytes bigint")
    # One split per partition: round-robin from one input partition.
    return df.coalesce(1).repartition(len(splits))


def _task_cpus() -> int:
    """The CPUs Spark gives each task (``spark.task.cpus``, at least 1): the
    task's parse runs on as many threads, not on one per core of the
    executor's machine."""
    from pyspark import TaskContext

    tc = TaskContext.get()
    return max(1, int(tc.cpus())) if tc is not None else 1


def _read_rows(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    threads = _task_cpus()
    for b in batches:
        for split in b.to_pylist():
            rows, _ = _fleet.read_split(split, threads)
            yield from rows.to_batches()


def _read_warnings(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    threads = _task_cpus()
    for b in batches:
        for split in b.to_pylist():
            _, warned = _fleet.read_split(split, threads)
            yield from warned.to_batches()


_WARNINGS_DDL = "run string, table string, path string, line bigint, message string"


def read_runs(
    spark: Any,
    paths: Union[PathArg, Iterable[PathArg]],
    table: str = "node_metrics",
    *,
    split_bytes: int = DEFAULT_SPLIT_BYTES,
) -> Any:
    """A Spark DataFrame of table ``table`` of the runs ``paths`` (run
    folders, as ``srtlog ingest`` takes them), read by ``mapInArrow`` on
    the executors.

    The schema is the table's dataset schema in Spark types
    (:func:`spark_schema`). Problems with files are in
    :func:`read_warnings`, never a failed job.

    Args:
        spark: the ``SparkSession``.
        paths: run folders (or files) on storage every executor sees.
        table: ``node_metrics``, ``requests``, ``aiperf_records`` or
            ``snapshot_pairs``.
        split_bytes: size of the byte ranges large plain JSON-lines files
            are cut into (at least 1 MiB; default 256 MiB).

    Example::

        df = srtlog.spark.read_runs(spark, "/shared/runs/conc8", table="requests")
        df.groupBy("model").count().show()
    """
    schema = spark_schema(table)
    splits, _ = _plan(spark, paths, table, split_bytes)
    if not splits:
        return spark.createDataFrame([], schema)
    return _splits_df(spark, splits).mapInArrow(_read_rows, schema)


def read_warnings(
    spark: Any,
    paths: Union[PathArg, Iterable[PathArg]],
    table: str = "node_metrics",
    *,
    split_bytes: int = DEFAULT_SPLIT_BYTES,
) -> Any:
    """The problems :func:`read_runs` met on the same arguments, as a small
    DataFrame (``run``, ``table``, ``path``, ``line``, ``message``): runs or
    files that are missing, unreadable, truncated or corrupt, lines that are
    not records. It reads the splits again (only the warnings travel back).

    Example::

        srtlog.spark.read_warnings(spark, ["/shared/runs/conc8"], "requests").show(truncate=False)
    """
    splits, warned = _plan(spark, paths, table, split_bytes)
    planned = spark.createDataFrame(warned.to_pylist(), _WARNINGS_DDL)
    if not splits:
        return planned
    return planned.unionByName(_splits_df(spark, splits).mapInArrow(_read_warnings, _WARNINGS_DDL))
