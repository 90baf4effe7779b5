-- The DuckDB queries of the README ("When one machine is not enough"), run by
-- tests/dataset/duckdb_queries.py against a dataset written by `srtlog ingest`
-- and checked there against the figures of `srtlog parse`, `srtlog requests
-- summary` and `srtlog stats`. Each query starts with a `-- name:` line.

-- name: views
CREATE VIEW node_metrics AS SELECT * FROM read_parquet('fleet/node_metrics/**/*.parquet', hive_partitioning = true, hive_types_autocast = false);
CREATE VIEW requests AS SELECT * FROM read_parquet('fleet/requests/**/*.parquet', hive_partitioning = true, hive_types_autocast = false);
CREATE VIEW runs AS SELECT * FROM read_parquet('fleet/runs/**/*.parquet', hive_partitioning = true, hive_types_autocast = false);

-- name: p99_ttft_per_run
SELECT run, runs.concurrency, count(*) AS requests,
       quantile_cont(ttft_ms, 0.99) AS p99_ttft_ms,
       quantile_cont(latency_ms, 0.99) AS p99_latency_ms
FROM requests JOIN runs USING (run)
GROUP BY ALL
ORDER BY runs.concurrency, run;

-- name: decode_throughput_per_worker_type
SELECT run, runs.concurrency, worker_type,
       count(*) AS decode_batches,
       avg(gen_throughput) AS mean_gen_throughput,
       quantile_cont(gen_throughput, 0.99) AS p99_gen_throughput
FROM node_metrics JOIN runs USING (run)
WHERE record = 'batch' AND batch_type = 'decode' AND NOT duplicate
GROUP BY ALL
ORDER BY runs.concurrency, worker_type;

-- name: batches_per_worker_type
SELECT run, worker_type, batch_type, count(*) AS batches
FROM node_metrics
WHERE record = 'batch' AND NOT duplicate
GROUP BY ALL
ORDER BY ALL;
