"""Snapshots, the scraper, the audit and AIPerf analysis, against the CLI."""

from __future__ import annotations

import http.server
import json
import threading
from pathlib import Path

import pytest
import srtlog


@pytest.fixture(scope="module")
def snaps(cli, tmp_path_factory):
    d = tmp_path_factory.mktemp("snaps") / "snaps"
    truth = [json.loads(line) for line in cli.run("simulate", "snapshots", d, "-q").stdout.splitlines() if line.strip()]
    return d, truth


def test_snapshot_analysis(snaps, cli):
    d, truth = snaps
    s = srtlog.analyze_snapshots(d)
    ref = cli.json("snapshots", d, "--json")
    assert s.to_dict() == ref
    assert len(s.requests) == len(truth)
    df = s.to_pandas()
    assert len(df) == len(truth)
    want = {t["request_id"]: t["ttft_s"] for t in truth}
    for rid, ttft in zip(df["request_id"], df["ttft_s"]):
        assert ttft == pytest.approx(want[rid], abs=1e-6)
    assert "requests" not in s.summary


def test_snapshots_without_pairs(tmp_path, cli):
    (tmp_path / "x.txt").write_text("# nothing\n")
    with pytest.raises(srtlog.ParseError, match="no before/after pair"):
        srtlog.analyze_snapshots(tmp_path)


class _Metrics(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *a):
        pass


def test_scraper_in_a_background_thread(snaps, tmp_path):
    d, _ = snaps
    _Metrics.body = sorted(Path(d).glob("*.txt"))[0].read_bytes()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Metrics)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{srv.server_address[1]}/metrics"
    try:
        p = srtlog.scrape(url, tmp_path / "one", request_id="req-1", stage="before")
        assert Path(p).read_bytes() == _Metrics.body and "req-1_before" in p
        out = tmp_path / "periodic"
        s = srtlog.Scraper(url, out, every=0.05, duration=0.5).start()
        s.join(timeout=60)
        assert not s.running and s.errors == []
        assert len(s.written) >= 2
        assert sorted(str(p) for p in out.glob("*.txt")) == sorted(s.written)
    finally:
        srv.shutdown()


def test_audit_report(cli, tmp_path):
    d = tmp_path / "svc"
    cli.run("simulate", "service", d, "-q")
    r = srtlog.audit(d / "logs", metrics=str(d / "metrics.txt"), dashboards=d / "dashboards")
    ref = cli.json("audit", d / "logs", "--metrics", d / "metrics.txt", "--dashboards", d / "dashboards", "--json")
    assert r.to_dict() == ref
    assert r.grade == ref["grade"] and r.findings == ref["findings"] and r.plan == ref["recommendations"]
    cli.run("audit", d / "logs", "--metrics", d / "metrics.txt", "--dashboards", d / "dashboards",
            "--csv", tmp_path / "findings.csv")
    rows = (tmp_path / "findings.csv").read_text().splitlines()
    assert len(r.to_pandas()) == len(rows) - 1 > 0


def test_aiperf_analysis(cli, tmp_path):
    f = tmp_path / "run" / "profile_export.jsonl"
    f.parent.mkdir()
    cli.run("simulate", "aiperf", f, "-q")
    a = srtlog.analyze_aiperf(f)
    ref = cli.json("aiperf", f, "--json")
    assert a.to_dict() == ref
    assert a.insights == ref["findings"]
    assert "findings" not in a.sections and a.sections["input"] == ref["input"]
    cli.run("aiperf", f, "--csv", tmp_path / "rows.csv")
    rows = (tmp_path / "rows.csv").read_text().splitlines()
    df = a.records.to_pandas()
    assert len(df) == len(rows) - 1 > 0
    assert list(df.columns) == rows[0].split(",")


def test_aiperf_real_export(shared_data, cli):
    f = shared_data / "aiperf-examples-run1" / "profile_export.jsonl"
    a = srtlog.analyze_aiperf(f)
    assert a.to_dict() == cli.json("aiperf", f, "--json")
    assert len(a.to_pandas()) > 0
