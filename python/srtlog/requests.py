"""Request logs (JSON lines, one object per request): the request-log
workflow's ``InferenceLogAnalyzer``.

Example::

    from srtlog import InferenceLogAnalyzer

    analyzer = InferenceLogAnalyzer()
    analyzer.load_logs("data/production_logs.txt")
    summary = analyzer.summary()
    print(f"P99 latency: {summary['p99_latency_ms']:.2f} ms")
    outliers = analyzer.detect_anomalies(metric="latency_ms", method="zscore", threshold=3.0)
    trends = analyzer.analyze_trends(metric="latency_ms", window="1h", aggregation="mean")
    df = analyzer.to_pandas()       # every request, plus `duration` (seconds)

Loading and every statistic run in Rust (the code of ``srtlog requests``);
the results equal ``srtlog requests … --json`` on the same files. Frames are
pandas DataFrames built from Arrow.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterable, List, Optional, Sequence, Union

from . import _srtlog
from ._common import ArrowMixin, ensure_parent, progress_of, to_arrow, warn

if TYPE_CHECKING:  # only for annotations; imported when used
    import pandas

PathLike = Union[str, "os.PathLike[str]"]
TimeLike = Union[str, datetime, int, float, Any]


def _ns(t: TimeLike) -> int:
    """A time as nanoseconds since the epoch: a ``datetime`` or pandas
    ``Timestamp`` (naive ones are UTC, as the logs' timestamps are), an
    ISO-8601 string, or epoch seconds."""
    if isinstance(t, (int, float)) and not isinstance(t, bool):
        return int(t * 1_000_000_000)
    import pandas as pd

    ts = pd.Timestamp(t)
    if ts.tzinfo is None:
        ts = ts.tz_localize(timezone.utc)
    return int(ts.value)


def _files_warnings(files: Iterable[dict]) -> None:
    # The CLI's messages for unreadable lines (`srtlog requests`, stderr).
    for f in files:
        if f.get("bad_lines", 0) > 0:
            first = "; ".join(f"line {n}: {m}" for n, m in f.get("first_bad", []))
            warn(f"{f['path']}: {f['bad_lines']} of {f['lines']} lines skipped ({first})")
        if f.get("json_document"):
            warn(f"{f['path']}: one JSON document, not JSON lines; skipped")
        if f.get("not_per_request", 0) > 0:
            warn(
                f"{f['path']}: {f['not_per_request']} line(s) are not per-request records "
                "(benchmark summaries or telemetry), skipped"
            )
        if f.get("overlong_lines", 0) > 0:
            warn(f"{f['path']}: {f['overlong_lines']} overlong line(s) skipped")
        if f.get("error"):
            warn(f"{f['path']}: {f['error']}")


def frame(stream: Any) -> "pandas.DataFrame":  # noqa: F821
    """A request table as a pandas DataFrame with the derived ``duration``
    column (seconds, ``latency_ms / 1000``)."""
    df = to_arrow(stream).to_pandas(split_blocks=True)
    if "latency_ms" in df.columns and "duration" not in df.columns:
        df["duration"] = df["latency_ms"] / 1000.0
    return df


class InferenceLogAnalyzer(ArrowMixin):
    """Loads per-request JSON-lines logs and analyses them.

    Inputs: the request-log workflow's schema (``timestamp``, ``request_id``,
    ``model``, ``latency_ms``, ``batch_size``, ``status``, ``gpu_util``,
    ``memory_used_gb``), AIPerf ``profile_export.jsonl``, SGLang
    request-metrics exports; plain, ``.gz`` or ``.zst``. Other numeric
    fields become columns of their own.

    Example::

        >>> a = InferenceLogAnalyzer()
        >>> a.load_logs("requests.jsonl")                 # doctest: +SKIP
        >>> a.summary()["total_requests"]                 # doctest: +SKIP
        10000
    """

    def __init__(self, progress: Any = None) -> None:
        self._log = _srtlog.RequestLog()
        self._progress = progress
        self._df: Any = None
        self.paths: List[str] = []

    @classmethod
    def _of(cls, log: Any, paths: List[str]) -> "InferenceLogAnalyzer":
        a = cls()
        a._log = log
        a.paths = list(paths)
        return a

    # -- loading ---------------------------------------------------------

    def load_logs(self, path: PathLike) -> "InferenceLogAnalyzer":
        """Adds the requests of a file (or folder). Lines that cannot be
        read are skipped and reported as :class:`srtlog.SrtlogWarning`.

        Raises ``FileNotFoundError`` for a missing path and
        :class:`srtlog.ParseError` when it holds no request. Ctrl-C
        interrupts a long load.
        """
        p = os.fspath(path)
        cb, close = progress_of(self._progress, "loading")
        try:
            files = self._log.load(p, cb)
        except _srtlog.ParseError:
            raise
        finally:
            close()
        _files_warnings(json.loads(files))
        self.paths.append(p)
        self._df = None
        return self

    def load_logs_from_dir(self, directory: PathLike) -> "InferenceLogAnalyzer":
        """Adds every request log under a folder, recursively (``.jsonl``,
        ``.json``, ``.log``, ``.txt``, also compressed)."""
        return self.load_logs(directory)

    def __len__(self) -> int:
        return len(self._log)

    # -- tables ----------------------------------------------------------

    def _stream(self) -> Any:
        return self._log.table()

    @property
    def df(self) -> "pandas.DataFrame":  # noqa: F821
        """Every request as a pandas DataFrame (with ``duration``), cached."""
        if self._df is None:
            self._df = frame(self._log.table())
        return self._df

    def to_pandas(self) -> "pandas.DataFrame":  # noqa: F821
        """Every request as a pandas DataFrame, with ``duration`` in seconds."""
        return frame(self._log.table())

    # -- analyses --------------------------------------------------------

    def summary(self) -> dict:
        """Summary statistics: ``total_requests``, ``avg_latency_ms``,
        ``p50_latency_ms``, ``p95_latency_ms``, ``p99_latency_ms``,
        ``error_rate`` (a fraction), … and ``per_model``, ``fields``,
        ``files`` — the document of ``srtlog requests summary --json``."""
        return json.loads(self._log.summary_json())

    def to_dict(self) -> dict:
        """The summary (as :meth:`summary`)."""
        return self.summary()

    def detect_anomalies(self, metric: str = "latency_ms", method: str = "zscore",
                         threshold: Optional[float] = None) -> List[dict]:
        """Outlying requests of ``metric``: ``method`` is ``"zscore"``,
        ``"iqr"`` (Tukey's fences) or ``"mad"`` (modified z-score);
        ``threshold`` defaults to the method's (3, 1.5, 3.5).

        Returns one dict per outlier with ``request_id``, ``timestamp``,
        ``value``, ``score`` (the entries of ``srtlog requests anomalies
        --json``) and the value under the metric's name as well
        (``outlier["latency_ms"]``). Raises ``ValueError`` for a field that
        is not numeric (the message lists those that are).
        """
        r = json.loads(self._log.anomalies_json(metric, method, threshold))
        out = []
        for a in r.get("anomalies", []):
            d = dict(a)
            d.setdefault(metric, d.get("value"))
            out.append(d)
        return out

    def analyze_trends(self, metric: str = "latency_ms", window: str = "1h",
                       aggregation: str = "mean") -> "pandas.DataFrame":  # noqa: F821
        """``metric`` aggregated over windows (``"90s"``, ``"10m"``, ``"1h"``,
        ``"1d"``) with ``aggregation`` one of mean, median, p95, p99, max,
        min, count, sum, error_rate.

        Returns a DataFrame with ``timestamp`` (the window's start, UTC),
        ``requests`` and ``value`` (NaN for a window without one), ready for
        ``plt.plot(trends['timestamp'], trends['value'])``.
        """
        import pandas as pd

        _, stream = self._log.trends(metric, window, aggregation)
        df = to_arrow(stream).to_pandas()
        df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True, format="ISO8601")
        return df

    def correlate_metrics(self, metrics: Optional[Sequence[str]] = None,
                          method: str = "pearson") -> "pandas.DataFrame":  # noqa: F821
        """The correlation matrix of ``metrics`` (default: every numeric
        field) as a square DataFrame; ``method`` is ``"pearson"`` or
        ``"spearman"``. Pairwise complete observations, as pandas' ``corr``."""
        import pandas as pd

        r = json.loads(self._log.correlate_json(list(metrics or [])))
        if method not in ("pearson", "spearman"):
            raise ValueError(f'method must be "pearson" or "spearman", not {method!r}')
        m = [[float("nan") if v is None else v for v in row] for row in r[method]]
        return pd.DataFrame(m, index=r["metrics"], columns=r["metrics"])

    # -- filters ---------------------------------------------------------

    def filter_time_range(self, start: TimeLike, end: TimeLike) -> "pandas.DataFrame":  # noqa: F821
        """The requests with ``start <= timestamp < end`` as a DataFrame.
        Times are ``datetime``/``Timestamp`` objects (naive ones are UTC),
        ISO-8601 strings or epoch seconds."""
        return frame(self._log.filter(_ns(start), _ns(end), None).table())

    def filter_model(self, model: str) -> "pandas.DataFrame":  # noqa: F821
        """The requests of ``model`` as a DataFrame. An exact model name
        selects that model; another string selects every model whose name
        contains it, ignoring case (as ``srtlog requests --model``)."""
        df = frame(self._log.filter(None, None, model).table())
        if "model" in df.columns and (df["model"] == model).any():
            df = df[df["model"] == model].reset_index(drop=True)
        return df

    def filtered(self, start: Optional[TimeLike] = None, end: Optional[TimeLike] = None,
                 model: Optional[str] = None) -> "InferenceLogAnalyzer":
        """A new analyzer holding only the requests in the window and/or of
        the model (every analysis then runs on them)."""
        log = self._log.filter(
            None if start is None else _ns(start), None if end is None else _ns(end), model
        )
        return InferenceLogAnalyzer._of(log, self.paths)

    # -- outputs ---------------------------------------------------------

    def generate_report(self, output: PathLike = "report.html", format: str = "html",
                        metric: str = "latency_ms", window: Optional[str] = None) -> str:
        """Writes the HTML report of ``srtlog requests report`` (trends,
        histogram, errors, correlations, anomalies, models). Creates missing
        folders; returns the path."""
        if format != "html":
            raise ValueError(f'format must be "html" (got {format!r}); use export_csv() for CSV')
        out = ensure_parent(output)
        self._log.report_html(out, metric, window, self.paths)
        return out

    def export_csv(self, path: PathLike) -> str:
        """Writes every request as CSV (``srtlog requests export --csv``),
        atomically; creates missing folders. Returns the path."""
        out = ensure_parent(path)
        self._log.export_csv(out)
        return out

    def __repr__(self) -> str:
        return f"InferenceLogAnalyzer({len(self)} requests from {len(self.paths)} path(s))"
