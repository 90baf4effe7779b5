"""The documents' own Python code, run against generated inputs and the
real sample files, with every value checked against the CLI's ``--json``."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest
import snippets
import srtlog


def run_snippet(code: str, env: dict) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<document>", "exec"), env)
    return out.getvalue()


@contextlib.contextmanager
def chdir(p: Path):
    old = os.getcwd()
    os.chdir(p)
    try:
        yield
    finally:
        os.chdir(old)


# -- worker logs (000) ------------------------------------------------------


def _node_api(path: Path, cli) -> None:
    code = snippets.NODE_API.replace("/path/to/job/logs", str(path))
    env: dict = {}
    out = run_snippet(code, env)
    ref = cli.json("parse", path, "--json", "--no-cache")
    nodes = env["nodes"]
    assert nodes.summary == ref
    # One "name: N batches" line per worker file, in path order; N counts
    # every batch line of the file (the CLI's prefill_lines + decode_lines).
    heads = re.findall(r"^(\S+): (\d+) batches$", out, re.M)
    assert heads == [
        (w["node"], str(w["prefill_lines"] + w["decode_lines"])) for w in ref["workers"]
    ]
    by_type = {t: [w for w in ref["workers"] if w["worker_type"] == t] for t in ("prefill", "decode", "agg")}
    assert [n.file for n in env["prefill_nodes"]] == [w["file"] for w in by_type["prefill"]]
    assert [n.file for n in env["decode_nodes"]] == [w["file"] for w in by_type["decode"]]
    assert [n.file for n in env["agg_nodes"]] == [w["file"] for w in by_type["agg"]]
    # `len` of a node's rows comes from the parser's counts per record kind,
    # without the row numbers: it must agree with the table's own column
    # and with the rows the sequence yields.
    for node in nodes:
        rec = node.table.column("record").to_pylist()
        for kind, rows in (("batch", node.batches), ("memory", node.memory_snapshots), ("stats", node.engine_stats)):
            assert len(rows) == rec.count(kind)
            if len(rows) <= 20_000:
                assert sum(1 for _ in rows) == len(rows)
        assert node._arrow_stream.value_counts("record") == {k: rec.count(k) for k in set(rec)}
    # The first batches: timestamps as datetimes, within the file's range.
    for node, w in zip(nodes, ref["workers"]):
        for b in node.batches[:5]:
            assert b.batch_type in ("prefill", "decode")
            assert b.timestamp.isoformat() >= w["first_timestamp"][:19]
    return nodes, ref


def test_node_api_disaggregated(disagg_run, cli):
    nodes, ref = _node_api(disagg_run, cli)
    assert {n.worker_type for n in nodes} == {"prefill", "decode"}
    # Rank tags and fields as attributes.
    b = next(iter(nodes[0].batches))
    assert "tp" in b.ranks and b.new_token is not None if b.batch_type == "prefill" else True
    # The run's table: one row per batch line, memory snapshot, stats line.
    t = nodes.to_arrow()
    rec = t.column("record").to_pylist()
    assert rec.count("batch") == ref["totals"]["prefill_batches"] + ref["totals"]["decode_batches"] + ref["totals"]["duplicate_lines"]
    assert rec.count("memory") == ref["totals"]["memory_snapshots"]
    assert len(nodes.to_pandas()) == t.num_rows
    assert sum(len(n.memory_snapshots) for n in nodes) == ref["totals"]["memory_snapshots"]


def test_run_report_equals_viz(disagg_run, cli, tmp_path):
    nodes = srtlog.NodeAnalyzer().parse_run_logs(disagg_run)
    out = nodes.viz(tmp_path / "new" / "folder" / "run.html", group_by="dp")
    cli.run("viz", disagg_run, "-o", tmp_path / "cli.html", "--group-by", "dp", "-q")
    assert Path(out).read_bytes() == (tmp_path / "cli.html").read_bytes()


def test_node_api_aggregated(agg_run, cli):
    nodes, _ = _node_api(agg_run, cli)
    assert all(n.is_agg and not n.is_prefill and not n.is_decode for n in nodes)


def test_node_api_real_pd_logs(shared_data, cli):
    _node_api(shared_data / "sglang-ci-pd-v0.5.3.post3", cli)


def test_node_api_real_dp_attention(shared_data, cli):
    nodes, ref = _node_api(shared_data / "sglang-ci-dp8-v0.5.5.post2", cli)
    assert len({b.dp for b in nodes[0].batches}) == 8


def test_node_api_real_vllm(shared_data, cli):
    nodes, ref = _node_api(shared_data / "dgx-spark-sostrowsk" / "vllm.log", cli)
    assert len(nodes[0].engine_stats) == ref["workers"][0]["stats_lines"]


# -- request logs (001) -----------------------------------------------------


@pytest.fixture()
def doc_env(request_logs):
    env: dict = {"pd": pd}
    with chdir(request_logs["cwd"]):
        run_snippet(snippets.LOADING, env)
        yield env


def test_sections_2_to_7(doc_env, request_logs, cli):
    inputs = ["data/production_logs.txt", "data/logs/"]
    cwd = str(request_logs["cwd"])
    env = doc_env
    ref = cli.json("requests", "summary", *inputs, "--json", cwd=cwd)
    truth = request_logs["truth_file"]["requests"] + request_logs["truth_dir"]["requests"]

    out = run_snippet(snippets.BASIC, env)
    s = env["summary"]
    for k in ("total_requests", "avg_latency_ms", "p50_latency_ms", "p95_latency_ms", "p99_latency_ms",
              "error_rate", "errors", "per_model"):
        assert s[k] == ref[k], k
    assert s["total_requests"] == truth
    assert f"Total requests: {truth}" in out
    assert f"P99 latency: {ref['p99_latency_ms']:.2f} ms" in out
    assert f"Error rate: {ref['error_rate']:.2%}" in out

    out = run_snippet(snippets.ANOMALIES, env)
    ref_a = cli.json("requests", "anomalies", *inputs, "--metric", "latency_ms", "--method", "zscore",
                     "--threshold", "3", "--json", cwd=cwd)
    assert len(env["outliers"]) == ref_a["count"] > 0
    assert [o["request_id"] for o in env["outliers"]] == [a["request_id"] for a in ref_a["anomalies"]]
    assert [o["latency_ms"] for o in env["outliers"]] == [a["value"] for a in ref_a["anomalies"]]
    assert f"Found {ref_a['count']} anomalous requests" in out

    run_snippet(snippets.TRENDS, env)
    # A finer window than the document's 1h, so that there are several rows.
    fine = env["analyzer"].analyze_trends(metric="latency_ms", window="1m", aggregation="p99")
    ref_f = cli.json("requests", "trends", *inputs, "--metric", "latency_ms", "--window", "1m", "--agg", "p99",
                     "--json", cwd=cwd)
    assert len(fine) == len(ref_f["rows"]) > 1
    assert list(fine["value"]) == [x["value"] for x in ref_f["rows"]]
    ref_t = cli.json("requests", "trends", *inputs, "--metric", "latency_ms", "--window", "1h", "--agg", "mean",
                     "--json", cwd=cwd)
    trends = env["trends"]
    assert list(trends.columns[:1]) == ["timestamp"] and "value" in trends.columns
    assert str(trends["timestamp"].dtype).startswith("datetime64")
    rows = ref_t["rows"]
    assert len(trends) == len(rows)
    for (_, r), x in zip(trends.iterrows(), rows):
        assert r["timestamp"].value == x["start_ns"]
        assert r["requests"] == x["requests"]
        assert r["value"] == pytest.approx(x["value"], rel=1e-12)
    ax = env["plt"].gca()
    assert len(ax.lines) == 1 and ax.get_title() == "Latency Trend"

    out = run_snippet(snippets.CORRELATION, env)
    metrics = ["latency_ms", "batch_size", "gpu_util", "memory_used_gb"]
    ref_c = cli.json("requests", "correlate", *inputs, "--metrics", ",".join(metrics), "--json", cwd=cwd)
    c = env["correlations"]
    assert list(c.index) == metrics and list(c.columns) == metrics
    for i, row in enumerate(ref_c["pearson"]):
        for j, v in enumerate(row):
            assert c.iloc[i, j] == pytest.approx(v, rel=1e-12)
    assert "Correlation matrix:" in out

    with chdir(request_logs["cwd"]):
        run_snippet(snippets.EXPORT, env)
        # The same page as `srtlog requests report` on the same inputs, byte for byte.
        cli.run("requests", "report", *inputs, "-o", "cli_report.html", "-q", cwd=cwd)
        assert Path("reports/daily_report.html").read_bytes() == Path("cli_report.html").read_bytes()
        cli.run("requests", "export", *inputs, "--csv", "cli_export.csv", cwd=cwd)
        assert Path("reports/data_export.csv").read_bytes() == Path("cli_export.csv").read_bytes()


def _iso(line: str) -> str:
    return json.loads(line)["timestamp"]


def test_latency_spike_investigation(doc_env, request_logs, cli):
    env = doc_env
    run_snippet(snippets.SPIKE, env)
    truth = request_logs["truth_file"]
    lines = Path(request_logs["file"]).read_text().splitlines()
    start, end = _iso(lines[truth["spike_first_index"]]), _iso(lines[truth["spike_end_index"]])
    out = run_snippet("investigate_spike(analyzer, start_time, end_time)",
                      {**env, "start_time": start, "end_time": end})
    ref = cli.json("requests", "summary", "data/production_logs.txt", "data/logs/", "--from", start, "--to", end,
                   "--json", cwd=str(request_logs["cwd"]))
    n = ref["total_requests"]
    assert f"Requests during spike: {n}" in out
    # Independent reference: the rows of both inputs in [start, end); of the
    # first file, the simulator's spike (a tie on the boundary's millisecond
    # may add or drop one).
    rows = [json.loads(line) for line in lines]
    other = [json.loads(line) for line in (request_logs["dir"] / "mistral.jsonl").read_text().splitlines()]
    in_a = [r for r in rows if start <= r["timestamp"] < end]
    assert abs(len(in_a) - truth["spike_requests"]) <= 2
    sel = in_a + [r for r in other if start <= r["timestamp"] < end]
    assert len(sel) == n
    assert f"Average batch size: {sum(r['batch_size'] for r in sel) / n:.1f}" in out
    assert f"Memory usage: {sum(r['memory_used_gb'] for r in sel) / n:.2f} GB" in out
    # A datetime works as well as a string.
    df = env["analyzer"].filter_time_range(pd.Timestamp(start).to_pydatetime(), pd.Timestamp(end).to_pydatetime())
    assert len(df) == n


def test_model_comparison(doc_env, request_logs, cli):
    env = doc_env
    run_snippet(snippets.COMPARE, env)
    models = ["meta-llama/Llama-3.3-70B-Instruct", "mistralai/Mistral-7B-Instruct"]
    res = eval("compare_models(analyzer, model_names)", {**env, "model_names": models})
    ref = cli.json("requests", "compare", "data/production_logs.txt", "data/logs/", "--by", "model", "--json",
                   cwd=str(request_logs["cwd"]))
    groups = {g["key"]: g for g in ref}
    counts = {}
    sums = {}
    with open(request_logs["cwd"] / "data" / "production_logs.txt") as f1, \
            open(request_logs["dir"] / "mistral.jsonl") as f2:
        for line in [*f1, *f2]:
            r = json.loads(line)
            counts[r["model"]] = counts.get(r["model"], 0) + 1
            sums[r["model"]] = sums.get(r["model"], 0.0) + r["latency_ms"] / 1000
    for m in models:
        assert res.loc[m, "avg_latency"] == pytest.approx(groups[m]["avg_latency_ms"], rel=1e-12)
        assert res.loc[m, "p99_latency"] == pytest.approx(groups[m]["p99_latency_ms"], rel=1e-12)
        assert res.loc[m, "throughput"] == pytest.approx(counts[m] / sums[m], rel=1e-9)


def test_request_sections_on_real_aiperf_export(shared_data, cli, tmp_path):
    """Sections 3-4 and the trend on a real AIPerf export (it has latency,
    not batch size or GPU fields, so the other sections use generated logs)."""
    from srtlog import InferenceLogAnalyzer

    f = shared_data / "aiperf-examples-run1" / "profile_export.jsonl"
    analyzer = InferenceLogAnalyzer()
    analyzer.load_logs(f)
    env = {"analyzer": analyzer}
    run_snippet(snippets.BASIC, env)
    ref = cli.json("requests", "summary", f, "--json")
    for k in ("total_requests", "avg_latency_ms", "p99_latency_ms", "error_rate"):
        assert env["summary"][k] == ref[k]
    run_snippet(snippets.ANOMALIES, env)
    ref_a = cli.json("requests", "anomalies", f, "--metric", "latency_ms", "--method", "zscore", "--threshold", "3",
                     "--json")
    assert len(env["outliers"]) == ref_a["count"]


def test_snippets_match_documents():
    """The snippets above are the documents' code (only the import line differs)."""
    seeds = Path(os.environ.get("SRTLOG_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data")).parent / "seeds"
    if not seeds.is_dir():
        if os.environ.get("CI") in ("true", "1"):
            pytest.fail(f"CI=true but the documents are missing at {seeds}")
        pytest.skip(f"documents not found at {seeds}")
    for prefix, blocks in snippets.ALL.items():
        doc = next(seeds.glob(f"{prefix}_*.txt")).read_text()
        found = re.findall(r"```python\n(.*?)```", doc, re.S)
        found = [b.replace("from src.analyzer import", "from srtlog import") for b in found]
        for b in blocks:
            assert b in found, b[:80]
