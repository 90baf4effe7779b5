"""The other jobs: metrics snapshots and the scraper, the logging audit,
AIPerf exports. Each result has ``to_dict()`` (the CLI's ``--json``) and its
table as Arrow/pandas/polars (the CLI's ``--csv``).

Example::

    import srtlog

    snaps = srtlog.analyze_snapshots("metrics_snapshots/")
    snaps.summary["trusted"], snaps.to_pandas()[["request_id", "ttft_s"]]

    with srtlog.Scraper("http://localhost:8000/metrics", "scrapes/", every=1.0):
        run_benchmark()                      # snapshots are written meanwhile

    report = srtlog.audit("logs/")
    report.grade, report.findings, report.plan

    perf = srtlog.analyze_aiperf("artifacts/run/profile_export.jsonl")
    perf.insights, perf.sections.keys(), perf.records.to_pandas()
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any, List, Optional, Sequence, Union

from . import _srtlog
from ._common import ArrowMixin, progress_of, warn

PathLike = Union[str, "os.PathLike[str]"]


class _Result(ArrowMixin):
    """A job's result: the ``--json`` document and its table."""

    def __init__(self, doc: str, stream: Any) -> None:
        self._doc = json.loads(doc)
        self._table_stream = stream

    def _stream(self) -> Any:
        return self._table_stream

    def to_dict(self) -> dict:
        """The CLI's ``--json`` document."""
        return self._doc

    def __getitem__(self, key: str) -> Any:
        return self._doc[key]


class SnapshotAnalysis(_Result):
    """Prometheus snapshots taken before and after each request, paired:
    ``requests`` (one dict per request: prefill/decode/TTFT, deltas, flags),
    ``summary`` (every key but ``requests``), ``to_pandas()`` (one row per
    request, the table of ``srtlog snapshots --csv``)."""

    @property
    def requests(self) -> List[dict]:
        """One entry per before/after pair."""
        return self._doc.get("requests", [])

    @property
    def summary(self) -> dict:
        """Files, pairs, trusted/untrusted counts, statistics, problems."""
        return {k: v for k, v in self._doc.items() if k != "requests"}


def analyze_snapshots(directory: PathLike) -> SnapshotAnalysis:
    """Analyses a folder of snapshots (``{request_id}_{before|after}.txt``),
    as ``srtlog snapshots DIR``. Raises :class:`srtlog.ParseError` when no
    before/after pair is found."""
    doc, stream = _srtlog.snapshots(os.fspath(directory))
    return SnapshotAnalysis(doc, stream)


def scrape(url: str, out: PathLike, request_id: Optional[str] = None, stage: Optional[str] = None,
           prefix: str = "metrics", headers: Sequence[str] = (), timeout: float = 10.0,
           keep: Optional[float] = None) -> str:
    """Takes one snapshot of a Prometheus endpoint into ``out`` (written
    atomically), as ``srtlog scrape``; ``request_id`` and ``stage``
    (``"before"``/``"after"``) name it for :func:`analyze_snapshots`.
    ``keep`` removes snapshots older than that many seconds. Returns the path."""
    return _srtlog.scrape_once(url, os.fspath(out), prefix, list(headers), timeout, request_id, stage, keep)


class Scraper:
    """Periodic scrapes in a background thread (``srtlog scrape --every``).

    ``start()`` / ``stop()``, or use it as a context manager. Each scrape
    releases the GIL while it fetches and writes. ``written`` lists the
    files written, ``errors`` the failed scrapes' messages (the next tick
    tries again, as the CLI does).

    Example::

        with Scraper("http://localhost:8000/metrics", "scrapes/", every=1.0) as s:
            run_benchmark()
        print(len(s.written), "snapshots")
    """

    def __init__(self, url: str, out: PathLike, every: float = 1.0, prefix: str = "metrics",
                 headers: Sequence[str] = (), timeout: float = 10.0, keep: Optional[float] = None,
                 duration: Optional[float] = None) -> None:
        if every <= 0:
            raise ValueError("every must be more than 0")
        self.url, self.out, self.every = url, os.fspath(out), every
        self.prefix, self.headers, self.timeout, self.keep = prefix, list(headers), timeout, keep
        self.duration = duration
        self.written: List[str] = []
        self.errors: List[str] = []
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def _loop(self) -> None:
        import time

        start = time.monotonic()
        k = 0
        while not self._stop.is_set():
            if self.duration is not None and time.monotonic() - start >= self.duration:
                break
            try:
                self.written.append(scrape(self.url, self.out, prefix=self.prefix, headers=self.headers,
                                           timeout=self.timeout, keep=self.keep))
            except (OSError, ValueError) as e:
                self.errors.append(str(e))
            k += 1
            # Ticks on a fixed schedule; a slow scrape skips ticks rather than drifting.
            next_t = start + k * self.every
            now = time.monotonic()
            if next_t < now:
                k = int((now - start) / self.every) + 1
                next_t = start + k * self.every
            self._stop.wait(max(0.0, next_t - now))

    def start(self) -> "Scraper":
        """Starts scraping in a daemon thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="srtlog-scraper", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stops after the scrape in progress and waits for the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def join(self, timeout: Optional[float] = None) -> None:
        """Waits for the thread (ends by itself only with ``duration``)."""
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        """True while the thread scrapes."""
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> "Scraper":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


class AuditReport(_Result):
    """A logging and metrics audit: ``grade`` (A–F), ``score``, ``findings``
    (one dict per check), ``plan`` (the recommendations, in order), ``areas``;
    ``to_pandas()`` gives the findings table (``srtlog audit --csv``)."""

    @property
    def grade(self) -> str:
        """The letter grade."""
        return self._doc["grade"]

    @property
    def score(self) -> float:
        """The score behind the grade."""
        return self._doc["score"]

    @property
    def findings(self) -> List[dict]:
        """Every finding with its status and evidence."""
        return self._doc.get("findings", [])

    @property
    def plan(self) -> List[dict]:
        """The improvement plan (recommendations, most valuable first)."""
        return self._doc.get("recommendations", [])

    @property
    def areas(self) -> List[dict]:
        """Per-area scores."""
        return self._doc.get("areas", [])


def audit(paths: Union[PathLike, Sequence[PathLike]], metrics: Optional[str] = None,
          dashboards: Optional[PathLike] = None, timeout: float = 10.0,
          headers: Sequence[str] = ()) -> AuditReport:
    """Audits the logs under ``paths`` (and a metrics snapshot file or
    ``http(s)://`` endpoint, and a Grafana dashboards folder), as ``srtlog
    audit``. Raises :class:`srtlog.ParseError` when no log line was read."""
    ps = [os.fspath(paths)] if isinstance(paths, (str, os.PathLike)) else [os.fspath(p) for p in paths]
    doc, stream = _srtlog.audit(ps, metrics, None if dashboards is None else os.fspath(dashboards),
                                timeout, list(headers))
    return AuditReport(doc, stream)


class AiperfAnalysis(_Result):
    """An AIPerf export analysed: ``sections`` (connection reuse, DNS, TTFB,
    inter-chunk latency, tokens, …: every section of ``srtlog aiperf
    --json``), ``insights`` (the key network-efficiency findings, the
    document's ``findings``),
    ``records`` (one row per record with its trace timings; also
    ``to_pandas()``)."""

    @property
    def sections(self) -> dict:
        """Every section of the analysis (a sweep: ``{"sweep", "runs"}``)."""
        return {k: v for k, v in self._doc.items() if k != "findings"}

    @property
    def insights(self) -> List[Any]:
        """The key insights: the analysis' findings (for a sweep, of every run)."""
        if "runs" in self._doc:
            return [i for r in self._doc["runs"] for i in r.get("findings", [])]
        return self._doc.get("findings", [])

    @property
    def records(self) -> "AiperfAnalysis":
        """The per-record table (this object's ``to_arrow()``/``to_pandas()``)."""
        return self


def analyze_aiperf(path: PathLike, include_warmup: bool = False, progress: Any = None) -> AiperfAnalysis:
    """Analyses an AIPerf ``profile_export.jsonl``, an artifact folder, or a
    folder of runs (a sweep), as ``srtlog aiperf``."""
    cb, close = progress_of(progress, "reading")
    try:
        doc, stream = _srtlog.aiperf(os.fspath(path), include_warmup, cb)
    finally:
        close()
    a = AiperfAnalysis(doc, stream)
    for r in a._doc.get("runs", [a._doc]):
        i = r.get("input", {}) or {}
        bad, not_ = i.get("bad_json", 0), sum((i.get("not_aiperf") or {}).values())
        if bad or not_ or i.get("truncated_last_line"):
            warn(f"{r.get('name')}: {bad} line(s) not JSON, {not_} JSON line(s) not AIPerf records"
                 + (", truncated last line" if i.get("truncated_last_line") else ""))
    return a
