"""``srtlog.sql``: SQL over a dataset written by ``srtlog ingest``, with DuckDB.

DuckDB is the engine users already reach for, and embedding one in the
binary would cost a long build; its Python package is imported only when
``sql`` is called (``pip install duckdb``). Each table folder of the dataset
(``node_metrics``, ``requests``, ``aiperf_records``, ``snapshot_pairs``,
``runs``, ``warnings``) becomes a view of the same name over its Parquet
files, with the ``run`` (and ``worker_type``) partitions kept as strings
(``hive_types_autocast = false``: a run called ``8`` stays ``'8'``, as in the
files' own ``run`` column). These are the views the README creates by hand.
"""

from __future__ import annotations

import os
from typing import Any, Optional, Union

PathLike = Union[str, "os.PathLike[str]"]

#: The dataset's tables (docs/dataset.md), in the order views are created.
TABLES = ("node_metrics", "requests", "aiperf_records", "snapshot_pairs", "runs", "warnings")


def views(dataset: PathLike) -> dict:
    """``{table: CREATE VIEW statement}`` for every table folder of
    ``dataset`` that holds at least one Parquet file."""
    root = os.fspath(dataset)
    out = {}
    for t in TABLES:
        folder = os.path.join(root, t)
        has = any(f.endswith(".parquet") for _, _, fs in os.walk(folder) for f in fs)
        if has:
            glob = os.path.join(folder, "**", "*.parquet").replace("'", "''")
            out[t] = (f"CREATE OR REPLACE VIEW {t} AS SELECT * FROM read_parquet('{glob}', "
                      "hive_partitioning = true, hive_types_autocast = false)")
    return out


def sql(query: str, dataset: PathLike, con: Optional[Any] = None) -> Any:
    """Runs ``query`` over the dataset at ``dataset`` (a folder written by
    ``srtlog ingest``) with DuckDB and returns the DuckDB relation
    (``.df()`` for pandas, ``.pl()`` for polars, ``.arrow()``,
    ``.fetchall()``).

    The views are named after the table folders present; ``con`` is a
    DuckDB connection to create them in (a new in-memory one by default).

    Raises ``FileNotFoundError`` when ``dataset`` is not a folder, and
    ``ValueError`` when it holds no table (not a dataset, or an empty one).

    Example::

        import srtlog
        p99 = srtlog.sql(
            "SELECT run, quantile_cont(ttft_ms, 0.99) AS p99_ttft_ms "
            "FROM requests GROUP BY run ORDER BY run",
            "fleet/",
        ).df()
    """
    root = os.fspath(dataset)
    if not os.path.isdir(root):
        raise FileNotFoundError(f"{root}: not a folder (a dataset is written by `srtlog ingest RUN... --into DIR`)")
    stmts = views(root)
    if not stmts:
        raise ValueError(f"{root}: no dataset table in it ({', '.join(TABLES)}); "
                         "write one with `srtlog ingest RUN... --into DIR`")
    import duckdb  # optional: imported only when used

    if con is None:
        con = duckdb.connect()
    for stmt in stmts.values():
        con.execute(stmt)
    return con.sql(query)
