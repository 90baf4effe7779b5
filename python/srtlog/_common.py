"""Shared helpers: Arrow conversions, warnings, progress reporting.

pyarrow and pandas are dependencies of the package; polars and tqdm are
optional and imported only when used.
"""

from __future__ import annotations

import os
import warnings
from typing import TYPE_CHECKING, Any, Callable, Optional

if TYPE_CHECKING:  # only for annotations; imported when used
    import pandas
    import polars
    import pyarrow

ProgressCallback = Callable[[int, int], None]


class SrtlogWarning(UserWarning):
    """A warning srtlog reports about its input (the CLI prints these on stderr)."""


def warn(message: str) -> None:
    """Emits `message` as a :class:`SrtlogWarning` (the CLI's ``warning: …``)."""
    warnings.warn(message, SrtlogWarning, stacklevel=3)


class ArrowMixin:
    """``to_arrow()``, ``to_pandas()``, ``to_polars()`` and the Arrow
    PyCapsule protocol for an object whose ``_stream()`` returns an
    :class:`srtlog._srtlog.ArrowStream`."""

    def _stream(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        """The Arrow PyCapsule stream protocol: pyarrow, polars and DuckDB read it without a copy."""
        return self._stream().__arrow_c_stream__(requested_schema)

    def to_arrow(self) -> "pyarrow.Table":  # noqa: F821
        """The table as a ``pyarrow.Table`` (the buffers are shared, not copied)."""
        return to_arrow(self._stream())

    def to_pandas(self) -> "pandas.DataFrame":  # noqa: F821
        """The table as a pandas DataFrame (numeric columns without nulls are not copied)."""
        return to_pandas(self._stream())

    def to_polars(self) -> "polars.DataFrame":  # noqa: F821
        """The table as a polars DataFrame (needs ``pip install polars``)."""
        return to_polars(self._stream())


def to_arrow(stream: Any) -> "pyarrow.Table":  # noqa: F821
    """Any object with ``__arrow_c_stream__`` as a ``pyarrow.Table``, without a copy."""
    import pyarrow as pa

    return pa.RecordBatchReader.from_stream(stream).read_all()


def to_pandas(stream: Any) -> "pandas.DataFrame":  # noqa: F821
    """A pandas DataFrame; one-chunk numeric columns without nulls keep Arrow's buffers.

    ``split_blocks=True`` keeps one block per column, which is what lets
    pyarrow hand a column's buffer to pandas instead of copying it into a
    consolidated 2-D block.
    """
    return to_arrow(stream).to_pandas(split_blocks=True)


def to_polars(stream: Any) -> "polars.DataFrame":  # noqa: F821
    """A polars DataFrame (polars is optional)."""
    try:
        import polars as pl
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("to_polars() needs polars: pip install polars") from e
    df = pl.from_arrow(to_arrow(stream))
    assert isinstance(df, pl.DataFrame)  # a table gives a frame (a lone array would give a Series)
    return df


class _Tqdm:
    """A progress callback drawing a tqdm bar over bytes."""

    def __init__(self, desc: str) -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(total=0, unit="B", unit_scale=True, desc=desc, leave=False)

    def __call__(self, done: int, total: int) -> None:
        if total and self.bar.total != total:
            self.bar.total = total
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


def progress_of(progress: Any, desc: str) -> tuple[Optional[ProgressCallback], Callable[[], None]]:
    """Resolves a ``progress`` argument: a callable ``(done_bytes, total_bytes)``,
    ``True`` for a tqdm bar (tqdm must be installed), ``None`` for a tqdm bar
    when tqdm is installed and stderr is a terminal, ``False`` for none.
    Returns the callback and a function closing it."""
    if callable(progress):
        return progress, lambda: None
    if progress is False:
        return None, lambda: None
    if progress is None and not _interactive():
        return None, lambda: None
    try:
        bar = _Tqdm(desc)
    except ImportError:
        if progress is True:
            raise ImportError("progress=True needs tqdm: pip install tqdm") from None
        return None, lambda: None
    return bar, bar.close


def _interactive() -> bool:
    import sys

    if os.environ.get("SRTLOG_PROGRESS") == "0":
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def ensure_parent(path: "os.PathLike[str] | str") -> str:
    """Creates the folder an output file goes into; returns the path as str."""
    p = os.fspath(path)
    parent = os.path.dirname(os.path.abspath(p))
    os.makedirs(parent, exist_ok=True)
    return p
