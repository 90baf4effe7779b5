"""Type stubs of srtlog.ray (Ray Data readers; needs ``srtlog[ray]``)."""

from os import PathLike
from typing import Any, Dict, Iterable, Optional, Tuple, Union

import pyarrow as pa

_Path = Union[str, PathLike[str]]

TABLES: Tuple[str, ...]
WARNINGS_SCHEMA: pa.Schema

def read_runs(
    paths: Union[_Path, Iterable[_Path]],
    table: str = "node_metrics",
    *,
    split_bytes: int = ...,
    concurrency: Optional[int] = None,
    ray_remote_args: Optional[Dict[str, Any]] = None,
) -> Any:
    """A ``ray.data.Dataset`` of one dataset table of the runs."""

def read_warnings(
    paths: Union[_Path, Iterable[_Path]],
    table: str = "node_metrics",
    *,
    split_bytes: int = ...,
) -> Any:
    """A small ``ray.data.Dataset`` of the problems (run, table, path, line, message)."""
