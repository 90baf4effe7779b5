"""Type stubs of srtlog.spark (Spark readers; needs ``srtlog[spark]``)."""

from os import PathLike
from typing import Any, Iterable, Tuple, Union

import pyarrow as pa

_Path = Union[str, PathLike[str]]

TABLES: Tuple[str, ...]
WARNINGS_SCHEMA: pa.Schema

def spark_schema(table: str) -> Any:
    """The Spark ``StructType`` of a dataset table."""

def read_runs(
    spark: Any,
    paths: Union[_Path, Iterable[_Path]],
    table: str = "node_metrics",
    *,
    split_bytes: int = ...,
) -> Any:
    """A Spark DataFrame of one dataset table of the runs (``mapInArrow``)."""

def read_warnings(
    spark: Any,
    paths: Union[_Path, Iterable[_Path]],
    table: str = "node_metrics",
    *,
    split_bytes: int = ...,
) -> Any:
    """A small DataFrame of the problems (run, table, path, line, message)."""
