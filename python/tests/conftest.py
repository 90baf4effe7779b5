"""Fixtures: the ``srtlog`` binary (the reference: every value is checked
against its ``--json``), simulated inputs written by ``srtlog simulate``,
and the real sample files in ``../shared/data``.

The binary is ``$SRTLOG_BIN``, else ``$CARGO_TARGET_DIR/debug/srtlog``, else
``target/debug/srtlog`` (``cargo test --workspace`` builds it). Real data:
``$SRTLOG_SHARED_DATA`` or ``../shared/data`` beside the checkout; missing,
the tests using it are skipped with the reason shown, except in CI
(``CI=true``), where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the documents call plt.show(); no display in tests

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _ci() -> bool:
    return os.environ.get("CI", "") in ("true", "1")


def _binary() -> Path | None:
    cands = []
    if os.environ.get("SRTLOG_BIN"):
        cands.append(Path(os.environ["SRTLOG_BIN"]))
    if os.environ.get("CARGO_TARGET_DIR"):
        cands.append(Path(os.environ["CARGO_TARGET_DIR"]) / "debug" / "srtlog")
    cands += [ROOT / "target" / "debug" / "srtlog", ROOT / "target" / "release" / "srtlog"]
    for c in cands:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    found = shutil.which("srtlog")
    return Path(found) if found else None


class Cli:
    """Runs the ``srtlog`` binary."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def run(self, *args: str, check: bool = True, cwd: str | None = None) -> subprocess.CompletedProcess:
        p = subprocess.run([str(self.path), *map(str, args)], capture_output=True, text=True, cwd=cwd,
                           timeout=600)
        if check and p.returncode != 0:
            raise AssertionError(f"srtlog {' '.join(map(str, args))} failed ({p.returncode}): {p.stderr}")
        return p

    def json(self, *args: str, cwd: str | None = None) -> dict:
        return json.loads(self.run(*args, cwd=cwd).stdout)


@pytest.fixture(scope="session")
def cli() -> Cli:
    b = _binary()
    if b is None:
        msg = "srtlog binary not found (set SRTLOG_BIN, or run cargo build -p srtlog-cli)"
        if _ci():
            pytest.fail(msg)
        pytest.skip(msg)
    return Cli(b)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    d = Path(os.environ.get("SRTLOG_SHARED_DATA", ROOT.parent / "shared" / "data"))
    if not d.is_dir():
        msg = f"real sample data not found at {d} (set SRTLOG_SHARED_DATA)"
        if _ci():
            pytest.fail("CI=true but " + msg)
        pytest.skip(msg)
    return d


@pytest.fixture(scope="session")
def disagg_run(cli: Cli, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulated disaggregated SGLang run (prefill and decode workers)."""
    d = tmp_path_factory.mktemp("runs") / "job_disagg"
    cli.run("simulate", "workers", d, "--size", "3MB", "--dp", "2", "--tp", "2", "-q")
    return d


@pytest.fixture(scope="session")
def agg_run(cli: Cli, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulated aggregated run."""
    d = tmp_path_factory.mktemp("runs") / "job_agg"
    cli.run("simulate", "workers", d, "--mode", "agg", "--size", "1MB", "-q")
    return d


@pytest.fixture(scope="session")
def request_logs(cli: Cli, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The request-log workflow's layout: ``data/production_logs.txt`` and a
    folder ``data/logs/`` (another model), each written by the simulator
    with its ground truth (the spike's rows)."""
    base = tmp_path_factory.mktemp("work")
    (base / "data" / "logs").mkdir(parents=True)
    a = base / "data" / "production_logs.txt"
    b = base / "data" / "logs" / "mistral.jsonl"
    truth_a = json.loads(cli.run("simulate", "requests", a, "--count", "6000", "--rng", "7", "--json", "-q").stdout)
    truth_b = json.loads(cli.run("simulate", "requests", b, "--count", "3000", "--rng", "8", "--rate", "10",
                                 "--model", "mistralai/Mistral-7B-Instruct", "--no-spike", "--json", "-q").stdout)
    return {"cwd": base, "file": a, "dir": b.parent, "truth_file": truth_a, "truth_dir": truth_b}
