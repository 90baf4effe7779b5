import os
from typing import Any, Optional, Union

PathLike = Union[str, os.PathLike[str]]
TABLES: tuple[str, ...]

def views(dataset: PathLike) -> dict[str, str]: ...
def sql(query: str, dataset: PathLike, con: Optional[Any] = None) -> Any: ...
