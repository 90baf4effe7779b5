"""srtlog on Ray Data: the tables of many runs parsed by the Ray cluster.

``pip install 'srtlog[ray]'`` (Ray is imported only when these functions
are called). The srtlog wheel must be installed on every node, and the runs
must be at the same path on every node (shared storage).

- :func:`read_runs` returns a ``ray.data.Dataset`` of one dataset table
  (``node_metrics``, ``requests``, ``aiperf_records``, ``snapshot_pairs``),
  in exactly the schema of ``srtlog ingest``'s files (docs/dataset.md).
- :func:`read_warnings` returns the problems as a small second dataset:
  this is srtlog's one mechanism for warnings on Ray. A missing,
  unreadable or corrupt file never fails the job: its split gives no rows,
  and a row in :func:`read_warnings` (``run``, ``table``, ``path``,
  ``line``, ``message``).

How the work is cut: each run is listed by one Ray task (the driver opens no
file; it holds only the split records: path, byte range, size); each worker
log, compressed file and snapshot folder is one split, and plain JSON-lines
files larger than ``split_bytes`` are cut into line-aligned byte ranges.
Each split is one Ray task running srtlog's Rust parser with the GIL
released; batches leave it as Arrow without a copy.

Example::

    import ray, srtlog.ray
    ray.init()
    ds = srtlog.ray.read_runs(["/shared/runs/conc8", "/shared/runs/conc16"],
                              table="node_metrics")
    decode = ds.filter(expr="record == 'batch' and batch_type == 'decode'")
    per_type = decode.groupby(["run", "worker_type"]).mean("gen_throughput")
    print(per_type.to_pandas())
    srtlog.ray.read_warnings(["/shared/runs/conc8"], table="node_metrics").to_pandas()
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple, Union

import pyarrow as pa

from . import _fleet
from ._fleet import DEFAULT_SPLIT_BYTES, TABLES, WARNINGS_SCHEMA, PathArg

__all__ = ["read_runs", "read_warnings", "TABLES", "WARNINGS_SCHEMA"]


def _ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as e:  # pragma: no cover - exercised without ray
        raise ImportError("srtlog.ray needs Ray Data: pip install 'srtlog[ray]'") from e
    return ray


def _plan(paths: Union[PathArg, Iterable[PathArg]], table: str,
          split_bytes: int) -> Tuple[List[Dict[str, Any]], pa.Table]:
    """Splits and listing warnings, each run listed by a Ray task."""
    ray = _ray()
    _fleet.check_table(table)
    runs, warned = _fleet.runs_with_ids(_fleet.as_paths(paths), table)
    task = ray.remote(num_cpus=1)(_fleet.plan_run)
    planned = ray.get([task.remote(run, rid, table, split_bytes) for run, rid in runs])
    splits = [s for p in planned for s in p[0]]
    # Largest first, so a big file does not start last.
    splits.sort(key=lambda s: -s["bytes"])
    return splits, pa.concat_tables([warned] + [p[1] for p in planned])


def _task_cpus() -> int:
    """The CPUs Ray gave the running task (at least 1): its parse runs on
    as many threads, not on one per core of the node."""
    import ray

    cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 1)
    return max(1, int(cpus))


def _read_rows(batch: pa.Table) -> Iterator[pa.Table]:
    threads = _task_cpus()
    for split in batch.to_pylist():
        rows, _ = _fleet.read_split(split, threads)
        yield rows


def _read_warnings(batch: pa.Table) -> Iterator[pa.Table]:
    threads = _task_cpus()
    for split in batch.to_pylist():
        _, warned = _fleet.read_split(split, threads)
        yield warned


def _splits_dataset(splits: List[Dict[str, Any]]) -> Any:
    ray = _ray()
    return ray.data.from_arrow(_fleet.split_table(splits)).repartition(len(splits))


def read_runs(
    paths: Union[PathArg, Iterable[PathArg]],
    table: str = "node_metrics",
    *,
    split_bytes: int = DEFAULT_SPLIT_BYTES,
    concurrency: Optional[int] = None,
    ray_remote_args: Optional[Dict[str, Any]] = None,
) -> Any:
    """A ``ray.data.Dataset`` of table ``table`` of the runs ``paths`` (run
    folders, as ``srtlog ingest`` takes them).

    The schema is the table's dataset schema (``run`` first; the schema of
    ``srtlog ingest``'s Parquet files and of :func:`srtlog.ray.read_runs` for
    any input). Rows are in no particular order. Problems with files are in
    :func:`read_warnings`, never an exception.

    Args:
        paths: run folders (or files) on storage every node sees.
        table: ``node_metrics``, ``requests``, ``aiperf_records`` or
            ``snapshot_pairs``.
        split_bytes: size of the byte ranges large plain JSON-lines files
            are cut into (at least 1 MiB; default 256 MiB).
        concurrency: at most this many read tasks at once (Ray's default
            when ``None``).
        ray_remote_args: passed to ``map_batches`` (``num_cpus``, …).

    Example::

        ds = srtlog.ray.read_runs("/shared/runs/conc8", table="requests")
        ds.groupby("model").count().show()
    """
    ray = _ray()
    schema = _fleet.table_schema(table)
    splits, _ = _plan(paths, table, split_bytes)
    if not splits:
        return ray.data.from_arrow(schema.empty_table())
    kwargs: Dict[str, Any] = dict(ray_remote_args or {})
    if concurrency is not None:
        kwargs["concurrency"] = concurrency
    return _splits_dataset(splits).map_batches(
        _read_rows, batch_size=1, batch_format="pyarrow", zero_copy_batch=True, **kwargs
    )


def read_warnings(
    paths: Union[PathArg, Iterable[PathArg]],
    table: str = "node_metrics",
    *,
    split_bytes: int = DEFAULT_SPLIT_BYTES,
) -> Any:
    """The problems :func:`read_runs` met on the same arguments, as a small
    ``ray.data.Dataset`` of :data:`WARNINGS_SCHEMA` (``run``, ``table``,
    ``path``, ``line``, ``message``): runs or files that are missing,
    unreadable, truncated or corrupt, lines that are not records.

    It reads the splits again (only the warnings travel back), so call it
    when you need the list, not in a hot loop.

    Example::

        w = srtlog.ray.read_warnings(["/shared/runs/conc8"], table="requests")
        for row in w.iter_rows():
            print(row["path"], row["line"], row["message"])
    """
    ray = _ray()
    splits, warned = _plan(paths, table, split_bytes)
    planned = ray.data.from_arrow(warned)
    if not splits:
        return planned
    read = _splits_dataset(splits).map_batches(
        _read_warnings, batch_size=1, batch_format="pyarrow", zero_copy_batch=True
    )
    return planned.union(read)
