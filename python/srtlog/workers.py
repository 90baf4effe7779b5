"""Worker logs (SGLang, vLLM): the worker-log workflow's ``NodeAnalyzer``.

Example::

    from srtlog import NodeAnalyzer

    analyzer = NodeAnalyzer()
    nodes = analyzer.parse_run_logs("/path/to/job/logs")
    prefill_nodes = [n for n in nodes if n.is_prefill]
    for node in nodes:
        print(f"{node.node_name}: {len(node.batches)} batches")
        for batch in node.batches[:5]:
            print(f"  {batch.timestamp} - {batch.batch_type}")
    df = nodes.to_pandas()          # every row of the run (one per batch line, memory snapshot, …)
    nodes.summary["totals"]         # the summary of ``srtlog parse --json``
    nodes.viz("report.html")        # the HTML report of ``srtlog viz``

The rows stay in Arrow buffers filled by the Rust parser; ``batches`` builds
the Python objects of the rows you index, on demand.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any, Iterator, List, Optional, Sequence, Union, overload

from . import _srtlog
from ._common import ArrowMixin, ensure_parent, progress_of, warn

if TYPE_CHECKING:  # only for annotations; imported when used
    import pandas
    import pyarrow

PathLike = Union[str, "os.PathLike[str]"]

#: Rank-tag columns of the node-metrics table (formats.md §1.2).
RANK_COLUMNS = ("dp", "pp", "tp", "ep", "attn_cp", "moe_dp")


class Row:
    """One row of the node-metrics table; every non-null column is an attribute.

    ``timestamp`` is a ``datetime``; ``ranks`` maps the rank tags present
    (``dp``, ``tp``, …) to their values; ``to_dict()`` gives every column.
    """

    __slots__ = ("_d",)

    def __init__(self, d: dict) -> None:
        self._d = d

    def __getattr__(self, name: str) -> Any:
        try:
            return self._d[name]
        except KeyError:
            raise AttributeError(name) from None

    def __dir__(self) -> List[str]:
        return sorted(set(self._d) | set(object.__dir__(self)))

    @property
    def ranks(self) -> dict:
        """The rank tags printed on the line (``{"dp": 0, "tp": 3}``)."""
        return {k: self._d[k] for k in RANK_COLUMNS if self._d.get(k) is not None}

    def get(self, name: str, default: Any = None) -> Any:
        """A column's value, or ``default`` when absent or null."""
        v = self._d.get(name)
        return default if v is None else v

    def to_dict(self) -> dict:
        """Every column of the row (nulls included)."""
        return dict(self._d)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Row) and other._d == self._d

    def __repr__(self) -> str:
        keep = {k: v for k, v in self._d.items() if v is not None}
        return f"{type(self).__name__}({keep})"


class Batch(Row):
    """One batch line: ``timestamp``, ``batch_type`` (``"prefill"``/``"decode"``),
    rank tags (``dp``, ``tp``, … and ``ranks``), and every field printed
    (``new_token``, ``running_req``, ``gen_throughput``, …) as attributes."""

    __slots__ = ()


class MemorySnapshot(Row):
    """One memory line: ``timestamp``, ``mem_event``, ``avail_mem_gb``,
    ``mem_usage_gb``, ``kv_tokens`` and the rank tags."""

    __slots__ = ()

    @property
    def event(self) -> Optional[str]:
        """The step (``load_weight_end``, ``kv_cache_allocated``, …)."""
        return self._d.get("mem_event")


class EngineStats(Row):
    """One vLLM engine statistics line (throughputs, running/queued, KV usage)."""

    __slots__ = ()


class Rows(Sequence):
    """A lazy sequence of rows of one kind; supports ``len``, indexing,
    slicing and iteration. Python objects are built only for the rows used."""

    _CHUNK = 8192

    def __init__(self, node: "Node", record: str, kind: type, count: int) -> None:
        # The row numbers are found on first use: ``len`` is the count the
        # parser's table gives per record kind, so it needs neither the
        # pyarrow table nor NumPy.
        self._node = node
        self._record = record
        self._kind = kind
        self._count = count
        self._positions: Any = None

    @property
    def _table(self) -> Any:
        return self._node.table

    @property
    def _idx(self) -> Any:
        if self._positions is None:
            self._positions = _indices(self._node.table, self._record)
        return self._positions

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, i: int) -> Any: ...

    @overload
    def __getitem__(self, i: slice) -> List[Any]: ...

    def __getitem__(self, i: Union[int, slice]) -> Any:
        if isinstance(i, slice):
            return self._rows(self._idx[i])
        n = len(self._idx)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("row index out of range")
        return self._kind(self._table.slice(int(self._idx[i]), 1).to_pylist()[0])

    def _rows(self, idx: Any) -> List[Any]:
        if len(idx) == 0:
            return []
        return [self._kind(d) for d in self._table.take(idx).to_pylist()]

    def __iter__(self) -> Iterator[Any]:
        for s in range(0, len(self._idx), self._CHUNK):
            yield from self._rows(self._idx[s : s + self._CHUNK])

    def to_arrow(self) -> "pyarrow.Table":  # noqa: F821
        """These rows as a ``pyarrow.Table``."""
        return self._table.take(self._idx)

    def to_pandas(self) -> "pandas.DataFrame":  # noqa: F821
        """These rows as a pandas DataFrame."""
        return self.to_arrow().to_pandas(split_blocks=True)

    def __repr__(self) -> str:
        return f"<{len(self)} {self._kind.__name__} rows>"


def _indices(table: Any, record: str) -> Any:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    col = table.column("record")
    if not pa.types.is_dictionary(col.type):
        return np.flatnonzero(pc.equal(col, record).to_numpy(zero_copy_only=False))
    # Compare the dictionary keys with the key of `record` in each chunk,
    # rather than casting millions of keys to strings first.
    masks = []
    for chunk in col.chunks:
        words = chunk.dictionary.to_pylist()
        if record in words:
            key = words.index(record)
            masks.append(pc.equal(chunk.indices, key).to_numpy(zero_copy_only=False))
        else:
            masks.append(np.zeros(len(chunk), dtype=bool))
    if not masks:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.concatenate(masks))


class Node(ArrowMixin):
    """One worker (one log file) with its rows.

    Attributes: ``node_name``, ``worker_id``, ``worker_type`` (``"prefill"``,
    ``"decode"`` or ``"agg"``), ``backend``, ``file``, ``config`` (the server
    arguments found), ``summary`` (this file's entry of ``srtlog parse
    --json``). ``batches``, ``memory_snapshots`` and ``engine_stats`` are
    lazy sequences of row objects; ``to_pandas()`` gives every row.
    """

    def __init__(self, summary: dict, stream: Any) -> None:
        self.summary = summary
        self.node_name: str = summary.get("node", "")
        self.worker_id: str = summary.get("worker_id", "")
        self.worker_type: str = summary.get("worker_type", "")
        self.backend: str = summary.get("backend", "")
        self.file: str = summary.get("file", "")
        self.config: dict = summary.get("config", {}) or {}
        self._arrow_stream = stream
        self._table: Any = None
        self._cache: dict = {}
        self._counts: Optional[dict] = None

    def _stream(self) -> Any:
        return self._arrow_stream

    @property
    def table(self) -> "pyarrow.Table":  # noqa: F821
        """This worker's rows as a ``pyarrow.Table`` (shared buffers)."""
        if self._table is None:
            import pyarrow as pa

            self._table = pa.table(self._arrow_stream)
        return self._table

    def _rows(self, record: str, kind: type) -> Rows:
        if record not in self._cache:
            if self._counts is None:
                self._counts = self._arrow_stream.value_counts("record")
            self._cache[record] = Rows(self, record, kind, self._counts.get(record, 0))
        return self._cache[record]

    @property
    def is_prefill(self) -> bool:
        """A prefill worker."""
        return self.worker_type == "prefill"

    @property
    def is_decode(self) -> bool:
        """A decode worker."""
        return self.worker_type == "decode"

    @property
    def is_agg(self) -> bool:
        """An aggregated (prefill and decode) worker."""
        return self.worker_type == "agg"

    @property
    def batches(self) -> Rows:
        """Batch lines in file order (lines repeated by non-primary ranks are
        kept and flagged ``duplicate=True``)."""
        return self._rows("batch", Batch)

    @property
    def memory_snapshots(self) -> Rows:
        """Memory lines in file order."""
        return self._rows("memory", MemorySnapshot)

    @property
    def engine_stats(self) -> Rows:
        """vLLM engine statistics lines in file order."""
        return self._rows("stats", EngineStats)

    def to_dict(self) -> dict:
        """This file's summary (its entry of ``srtlog parse --json``)."""
        return dict(self.summary)

    def __repr__(self) -> str:
        return (
            f"Node({self.node_name!r}, {self.worker_type}, {self.worker_id}, "
            f"{self.summary.get('prefill_batches', 0) + self.summary.get('decode_batches', 0)} batches)"
        )


class Run(list, ArrowMixin):
    """The nodes of a run (a ``list`` of :class:`Node`, in path order) plus
    the run's table (``to_arrow()``, ``to_pandas()``, ``to_polars()``), its
    summary (``summary``: the document of ``srtlog parse --json
    --no-cache``) and the HTML report (``viz()``)."""

    def __init__(self, nodes: List[Node], summary: dict, paths: List[str], year: Optional[int]) -> None:
        super().__init__(nodes)
        self.summary = summary
        self.paths = paths
        self._year = year

    def _stream(self) -> Any:
        import pyarrow as pa

        tables = [n.table for n in self]
        return pa.concat_tables(tables) if tables else None

    def to_dict(self) -> dict:
        """The summary (``srtlog parse --json``)."""
        return dict(self.summary)

    def viz(self, output: PathLike = "report.html", group_by: str = "worker", max_points: int = 2000,
            bucket_s: Optional[int] = None) -> str:
        """Writes the HTML report of ``srtlog viz`` (throughput, queues, KV
        usage over time); ``group_by`` is ``"worker"``, ``"dp"`` or ``"all"``.
        Creates missing folders; returns the path."""
        out = ensure_parent(output)
        _srtlog.viz_html(self.paths, out, group_by, max_points, bucket_s, self._year)
        return out


class NodeAnalyzer:
    """Parses a run's worker logs into nodes (the worker-log workflow's API).

    ``year`` is the year of vLLM logs' first line (vLLM prints dates without
    one; default: a date found in the file, else its modification time).

    Example::

        >>> from srtlog import NodeAnalyzer
        >>> nodes = NodeAnalyzer().parse_run_logs("run/logs")   # doctest: +SKIP
        >>> [n.node_name for n in nodes if n.is_decode]         # doctest: +SKIP
        ['node02']
    """

    def __init__(self, year: Optional[int] = None) -> None:
        self.year = year

    def parse_run_logs(self, path: Union[PathLike, Sequence[PathLike]], progress: Any = None) -> Run:
        """Parses a run directory (its ``logs/`` folder), a logs folder, or
        log files (plain, ``.gz``, ``.zst``) into a :class:`Run` of nodes.

        The parse runs in Rust with the GIL released; Ctrl-C raises
        ``KeyboardInterrupt``. ``progress`` is a callable ``(done_bytes,
        total_bytes)``, ``True`` for a tqdm bar, or ``None`` (a tqdm bar when
        tqdm is installed and stderr is a terminal). Problems with the input
        that do not stop the parse (a truncated gzip, overlong lines) are
        reported as :class:`srtlog.SrtlogWarning`, as the CLI prints them.

        Raises ``FileNotFoundError`` for a missing path and
        :class:`srtlog.ParseError` when no worker log is found.
        """
        paths = [os.fspath(path)] if isinstance(path, (str, os.PathLike)) else [os.fspath(p) for p in path]
        cb, close = progress_of(progress, "parsing")
        try:
            run_json, workers, streams, discovery_warnings = _srtlog.parse_workers(paths, self.year, cb)
        finally:
            close()
        for m in discovery_warnings:
            warn(m)
        nodes = []
        for w, s in zip(workers, streams):
            summary = json.loads(w)
            for m in summary.get("warnings", []):
                warn(f"{summary.get('file')}: {m}")
            nodes.append(Node(summary, s))
        return Run(nodes, json.loads(run_json), paths, self.year)


