"""What the Ray and Spark readers share: run ids, planning and reading one
split, on top of the extension module's per-split functions
(``crates/python/src/dataset.rs``, ``srtlog::dataset``).

The work is cut as ``srtlog ingest`` cuts it (docs/dataset.md): one split per
worker log, compressed file and snapshot folder; plain JSON-lines files
(``requests``, ``aiperf_records``) larger than ``split_bytes`` are cut into
line-aligned byte ranges. The driver computes run ids from the paths alone
(no file is opened); listing each run's sources is one task per run on the
cluster, and the driver keeps only the resulting split records (table, run,
path, byte range, size). Each split is then one call of
:func:`read_split` on a worker, which opens the file by path.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import pyarrow as pa

from . import _srtlog

PathArg = Union[str, "os.PathLike[str]"]

#: The tables a reader can return (the dataset's folder names).
TABLES: Tuple[str, ...] = tuple(_srtlog.dataset_tables())

#: The default size of a byte-range split of a large JSON-lines file.
DEFAULT_SPLIT_BYTES = 256 << 20

#: The schema of the warnings a reader reports: one row per problem.
WARNINGS_SCHEMA = pa.schema(
    [
        pa.field("run", pa.string()),
        pa.field("table", pa.string(), nullable=False),
        pa.field("path", pa.string(), nullable=False),
        pa.field("line", pa.int64()),
        pa.field("message", pa.string(), nullable=False),
    ]
)

#: The schema of a split record (what the driver holds per unit of work).
SPLIT_SCHEMA = pa.schema(
    [
        pa.field("table", pa.string(), nullable=False),
        pa.field("run", pa.string(), nullable=False),
        pa.field("path", pa.string(), nullable=False),
        pa.field("start", pa.int64()),
        pa.field("end", pa.int64()),
        pa.field("bytes", pa.int64(), nullable=False),
    ]
)


def check_table(table: str) -> str:
    """``table`` if the dataset has it, else ``ValueError`` (on the driver,
    before any task starts)."""
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r} (tables: {', '.join(TABLES)})")
    return table


def table_schema(table: str) -> pa.Schema:
    """The dataset schema of ``table``: the schema of ``srtlog ingest``'s
    files and of every batch the readers return."""
    return pa.table(_srtlog.dataset_table_schema(check_table(table))).schema


def as_paths(paths: Union[PathArg, Iterable[PathArg]]) -> List[str]:
    """One path or several, as strings."""
    if isinstance(paths, (str, bytes, os.PathLike)):
        return [os.fsdecode(paths)]
    return [os.fsdecode(p) for p in paths]


def runs_with_ids(paths: Sequence[str], table: str) -> Tuple[List[Tuple[str, str]], pa.Table]:
    """``(run path, run id)`` for every run that exists, and a warning row
    for each that does not. Ids are ``srtlog ingest``'s (folder name, plus a
    hash of the path when two names collide); computing them opens no file."""
    present = [p for p in paths if os.path.exists(p)]
    missing = [p for p in paths if not os.path.exists(p)]
    ids = _srtlog.dataset_run_ids(present) if present else []
    warned = warnings_table(
        None, table, pa.table({"path": missing, "line": pa.array([None] * len(missing), pa.int64()),
                               "message": ["no such file or directory"] * len(missing)})
    )
    return list(zip(present, ids)), warned


def warnings_table(run: Any, table: str, w: Any) -> pa.Table:
    """Warning rows (``path``, ``line``, ``message``) with their run and
    table, in :data:`WARNINGS_SCHEMA`."""
    t = pa.table(w)
    n = t.num_rows
    return pa.table(
        {
            "run": pa.array([run] * n, pa.string()),
            "table": pa.array([table] * n, pa.string()),
            "path": t.column("path").cast(pa.string()),
            "line": t.column("line").cast(pa.int64()),
            "message": t.column("message").cast(pa.string()),
        },
        schema=WARNINGS_SCHEMA,
    )


def plan_run(run: str, run_id: str, table: str, split_bytes: int) -> Tuple[List[Dict[str, Any]], pa.Table]:
    """The splits of one run (runs on a worker: listing reads the heads of
    files whose names do not say what they are) and its listing warnings."""
    splits, warned = _srtlog.dataset_plan_run(run, run_id, [table], int(split_bytes))
    out = [
        {"table": t, "run": r, "path": os.fspath(p), "start": a, "end": b, "bytes": n}
        for (t, r, p, a, b, n) in splits
    ]
    return out, warnings_table(run_id, table, warned)


def read_split(split: Dict[str, Any], threads: Optional[int] = None) -> Tuple[pa.Table, pa.Table]:
    """Reads one split (a dict of :data:`SPLIT_SCHEMA`'s fields): its rows in
    the table's dataset schema, and its warnings. A missing, unreadable or
    corrupt file gives warnings and no rows, never an exception. ``threads``:
    parse on that many threads (the CPUs the cluster gave the task) rather
    than one per core of the machine."""
    start, end = split.get("start"), split.get("end")
    rows, warned = _srtlog.dataset_read_split(
        split["path"], split["table"], split["run"],
        None if start is None else int(start), None if end is None else int(end),
        threads,
    )
    return pa.table(rows), warnings_table(split["run"], split["table"], warned)


def split_table(splits: List[Dict[str, Any]]) -> pa.Table:
    """Split records as an Arrow table of :data:`SPLIT_SCHEMA`."""
    return pa.Table.from_pylist(splits, schema=SPLIT_SCHEMA)


def plan_local(paths: Union[PathArg, Iterable[PathArg]], table: str,
               split_bytes: int = DEFAULT_SPLIT_BYTES) -> Tuple[List[Dict[str, Any]], pa.Table]:
    """The splits of ``paths`` planned in this process (what the readers'
    per-run tasks do, one after the other), and the warnings."""
    check_table(table)
    runs, warned = runs_with_ids(as_paths(paths), table)
    splits: List[Dict[str, Any]] = []
    parts = [warned]
    for run, rid in runs:
        s, w = plan_run(run, rid, table, split_bytes)
        splits += s
        parts.append(w)
    return splits, pa.concat_tables(parts)


def read_local(paths: Union[PathArg, Iterable[PathArg]], table: str = "node_metrics",
               split_bytes: int = DEFAULT_SPLIT_BYTES) -> Tuple[pa.Table, pa.Table]:
    """The table ``table`` of ``paths`` read in this process, split by split
    (the reference the distributed readers equal), and its warnings."""
    splits, warned = plan_local(paths, table, split_bytes)
    rows = [pa.table(_srtlog.dataset_table_schema(table))]
    parts = [warned]
    for s in splits:
        r, w = read_split(s)
        rows.append(r)
        parts.append(w)
    return pa.concat_tables(rows), pa.concat_tables(parts)
