"""One timing of the fleet readers (run by bench/fleet.sh, one process per
mode, so each engine starts fresh).

    python fleet_bench.py MODE TABLE RUN...

MODE: ``local`` (srtlog._fleet.read_local: the same plan and per-split reads
in this process, one split after another), ``whole`` (the same, every file
whole: a request log read by the parallel block engine, as ``srtlog
requests`` reads it), ``ray1`` / ``ray2`` (a local Ray
with 1 or 2 CPUs: ``srtlog.ray.read_runs(...).materialize()``), ``spark1`` /
``spark2`` (``local[1]`` / ``local[2]``: ``srtlog.spark.read_runs`` counted). Prints one JSON line: mode, table, input bytes, rows, engine
start-up seconds and read seconds (wall, page cache warm).
"""

import json
import os
import sys
import time

#: Byte-range size (``SPLIT_MB``, default 64): small enough that a 300 MB
#: request log is several splits.
SPLIT = int(float(os.environ.get("SPLIT_MB", "64")) * (1 << 20))


def input_bytes(runs, table, split):
    from srtlog import _fleet

    splits, _ = _fleet.plan_local(runs, table, split)
    return sum(s["bytes"] for s in splits), len(splits)


def main() -> None:
    mode, table, runs = sys.argv[1], sys.argv[2], sys.argv[3:]
    nbytes, nsplits = input_bytes(runs, table, 1 << 50 if mode == "whole" else SPLIT)
    t0 = time.perf_counter()
    if mode in ("local", "whole"):
        from srtlog import _fleet

        started = time.perf_counter()
        split = 1 << 50 if mode == "whole" else SPLIT
        rows = _fleet.read_local(runs, table, split)[0].num_rows
    elif mode.startswith("ray"):
        import ray
        import srtlog.ray

        ray.init(num_cpus=int(mode[3:]), include_dashboard=False, log_to_driver=False)
        ray.data.DataContext.get_current().enable_progress_bars = False
        started = time.perf_counter()
        ds = srtlog.ray.read_runs(runs, table=table, split_bytes=SPLIT).materialize()
        rows = ds.count()
    elif mode.startswith("spark"):
        os.environ["PYSPARK_PYTHON"] = sys.executable
        import srtlog.spark
        from pyspark.sql import SparkSession

        spark = (SparkSession.builder.master(f"local[{mode[5:]}]").config("spark.ui.enabled", "false")
                 .config("spark.driver.memory", "4g").getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
        started = time.perf_counter()
        # mapInArrow's output is made whole in Python and sent to the JVM
        # (Spark cannot prune columns inside it), so a count moves every row.
        rows = srtlog.spark.read_runs(spark, runs, table=table, split_bytes=SPLIT).count()
    else:
        raise SystemExit(f"unknown mode {mode}")
    done = time.perf_counter()
    print(json.dumps({"mode": mode, "table": table, "input_mb": round(nbytes / 1e6, 1), "splits": nsplits,
                      "rows": rows, "startup_s": round(started - t0, 2), "read_s": round(done - started, 2),
                      "mb_per_s": round(nbytes / 1e6 / (done - started), 1)}))


if __name__ == "__main__":
    main()
