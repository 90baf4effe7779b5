"""srtlog: turn the logs and metrics of LLM inference serving into answers.

The core is srtlog's Rust library (the code of the ``srtlog`` command), so
notebooks get its speed; results equal ``srtlog … --json``; tables cross into
Python as Arrow without a copy.

- Worker logs: :class:`NodeAnalyzer` (``parse_run_logs``).
- Request logs: :class:`InferenceLogAnalyzer`.
- Metrics snapshots: :func:`analyze_snapshots`, :func:`scrape`, :class:`Scraper`.
- Logging audit: :func:`audit`.
- AIPerf exports: :func:`analyze_aiperf`.
- A dataset of many runs (``srtlog ingest``): :func:`sql` queries it with DuckDB
  (``pip install duckdb``), views named after the tables.
- Many runs on a cluster: ``srtlog.ray.read_runs`` and ``srtlog.spark.read_runs``
  (``pip install 'srtlog[ray]'`` / ``'srtlog[spark]'``; imported on demand).

Errors: ``FileNotFoundError`` (a missing path), ``ValueError`` (a bad
argument), :class:`ParseError` (input srtlog cannot use; a ``ValueError``),
``OSError`` (other I/O), each with the CLI's message. Problems that do not
stop a job are :class:`SrtlogWarning` warnings.
"""

from ._common import SrtlogWarning
from ._sql import sql
from ._srtlog import ArrowStream, ParseError, __version__
from .jobs import (
    AiperfAnalysis,
    AuditReport,
    Scraper,
    SnapshotAnalysis,
    analyze_aiperf,
    analyze_snapshots,
    audit,
    scrape,
)
from .requests import InferenceLogAnalyzer
from .workers import Batch, EngineStats, MemorySnapshot, Node, NodeAnalyzer, Run

__all__ = [
    "AiperfAnalysis",
    "ArrowStream",
    "AuditReport",
    "Batch",
    "EngineStats",
    "InferenceLogAnalyzer",
    "MemorySnapshot",
    "Node",
    "NodeAnalyzer",
    "ParseError",
    "Run",
    "Scraper",
    "SnapshotAnalysis",
    "SrtlogWarning",
    "__version__",
    "analyze_aiperf",
    "analyze_snapshots",
    "audit",
    "scrape",
    "sql",
]
