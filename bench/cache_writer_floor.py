"""What writing the worker-log cache costs in Apache Arrow's C++ Parquet
writer (pyarrow), as a floor for srtlog's Rust writer (issue 14).

    python bench/cache_writer_floor.py LOGS/cached_assets/node_metrics.parquet [RUNS]

Reads a cache `srtlog parse` wrote, then writes the same table RUNS times
(default 5) with the cache's settings: LZ4_RAW, 256 Ki-row row groups,
dictionary encoding for the dictionary (string) columns only, statistics
for the other columns. Prints the median wall and CPU time of a write, with
those settings and with the 42 all-null columns of a batch-line table left
out. The CPU time bounds what any cache build adds to the parse: on a
machine whose cores the parse already fills, the build's wall time is at
least (parse CPU + writer CPU) / cores.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

import pyarrow as pa
import pyarrow.parquet as pq


def timed_writes(table: pa.Table, runs: int, out: str) -> tuple[float, float, int]:
    dict_cols = [f.name for f in table.schema if pa.types.is_dictionary(f.type)]
    stat_cols = [f.name for f in table.schema if not pa.types.is_dictionary(f.type)]
    walls, cpus = [], []
    for _ in range(runs):
        w0, c0 = time.perf_counter(), time.process_time()
        pq.write_table(table, out, compression="lz4", row_group_size=256 * 1024,
                       use_dictionary=dict_cols, write_statistics=stat_cols)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus), os.path.getsize(out)


def main() -> None:
    path = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    table = pq.read_table(path)
    dense = table.select([c for c in table.column_names if table[c].null_count < len(table)])
    print(f"{path}: {table.num_rows} rows, {table.num_columns} columns "
          f"({table.num_columns - dense.num_columns} all null); pyarrow {pa.__version__}, {runs} runs")
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "t.parquet")
        for label, t in [("the cache's table and settings", table),
                         ("without the all-null columns", dense)]:
            wall, cpu, size = timed_writes(t, runs, out)
            print(f"  {label:34s} wall {wall:.3f} s  CPU {cpu:.3f} s  {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
