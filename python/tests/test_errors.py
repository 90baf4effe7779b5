"""Bad input from Python gives the CLI's error or warning, never a crash."""

from __future__ import annotations

import gzip
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from srtlog import InferenceLogAnalyzer, NodeAnalyzer, ParseError, SrtlogWarning


def cli_error(cli, *args) -> str:
    p = cli.run(*args, check=False)
    assert p.returncode != 0
    m = re.search(r"^error: (.*)$", p.stderr, re.M)
    assert m, p.stderr
    return m.group(1)


def cli_warnings(cli, *args) -> list:
    p = cli.run(*args)
    return re.findall(r"^warning: (.*)$", p.stderr, re.M)


def truncated_gzip(src: Path, dst: Path) -> None:
    data = gzip.compress(src.read_bytes())
    dst.write_bytes(data[: len(data) // 2])


def test_missing_path(cli, tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(FileNotFoundError) as e:
        NodeAnalyzer().parse_run_logs(missing)
    assert str(e.value) == cli_error(cli, "parse", missing)
    with pytest.raises(FileNotFoundError) as e:
        InferenceLogAnalyzer().load_logs(missing)
    assert str(e.value) == cli_error(cli, "requests", "summary", missing)


def test_folder_without_logs(cli, tmp_path):
    (tmp_path / "notes.md").write_text("nothing here\n")
    with pytest.raises(ParseError) as e:
        NodeAnalyzer().parse_run_logs(tmp_path)
    assert str(e.value) == cli_error(cli, "parse", tmp_path)
    assert isinstance(e.value, ValueError)
    with pytest.raises(ParseError) as e:
        InferenceLogAnalyzer().load_logs_from_dir(tmp_path)
    assert str(e.value) == cli_error(cli, "requests", "summary", tmp_path)


def test_truncated_gzip_worker_log(cli, disagg_run, tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    src = sorted((disagg_run / "logs").glob("*_prefill_w0.out"))[0]
    truncated_gzip(src, logs / "node01_prefill_w0.out.gz")
    with pytest.warns(SrtlogWarning) as rec:
        nodes = NodeAnalyzer().parse_run_logs(logs)
    got = [str(w.message) for w in rec]
    want = cli_warnings(cli, "parse", logs, "--no-cache")
    assert any("truncated" in w for w in want)
    assert got == want
    # The lines before the cut are kept, as the CLI keeps them.
    assert nodes.summary == cli.json("parse", logs, "--json", "--no-cache")
    assert len(nodes[0].batches) > 0


def test_truncated_gzip_request_log(cli, request_logs, tmp_path):
    f = tmp_path / "r.jsonl.gz"
    truncated_gzip(Path(request_logs["file"]), f)
    with pytest.warns(SrtlogWarning) as rec:
        a = InferenceLogAnalyzer().load_logs(f)
    got = sorted(str(w.message) for w in rec)
    want = sorted(cli_warnings(cli, "requests", "summary", f))
    assert got == want and any("truncated" in w for w in got)
    ref = cli.json("requests", "summary", f, "--json")
    assert a.summary()["total_requests"] == ref["total_requests"] > 0


def test_bad_arguments_are_value_errors(request_logs):
    a = InferenceLogAnalyzer().load_logs(request_logs["file"])
    with pytest.raises(ValueError, match="no numeric field"):
        a.detect_anomalies(metric="nope")
    with pytest.raises(ValueError, match="method"):
        a.detect_anomalies(method="magic")
    with pytest.raises(ValueError, match="duration"):
        a.analyze_trends(window="soon")
    with pytest.raises(ValueError):
        a.generate_report("x.pdf", format="pdf")


def test_empty_analyzer_says_so():
    with pytest.raises(ParseError, match="no requests found"):
        InferenceLogAnalyzer().detect_anomalies()


def test_keyboard_interrupt_during_parse(disagg_run):
    """SIGINT while Rust parses (the main thread waiting with the GIL
    released) raises KeyboardInterrupt from parse_run_logs. A subprocess,
    so that the signal cannot hit the test runner; the signal comes from
    another thread, as Ctrl-C comes from outside."""
    code = textwrap.dedent(f"""
        import os, signal, sys, threading, traceback
        import srtlog
        threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        try:
            for _ in range(10000):
                srtlog.NodeAnalyzer().parse_run_logs({str(disagg_run)!r}, progress=False)
        except KeyboardInterrupt as e:
            names = [f.name for f in traceback.extract_tb(e.__traceback__)]
            print("interrupted", "parse_run_logs" in names)
            sys.exit(0)
        print("not interrupted")
    """)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert p.stdout.split()[:1] == ["interrupted"], p.stderr
    print(p.stdout)
