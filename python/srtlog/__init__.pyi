from ._common import SrtlogWarning as SrtlogWarning
from ._sql import sql as sql
from ._srtlog import ArrowStream as ArrowStream
from ._srtlog import ParseError as ParseError
from ._srtlog import __version__ as __version__
from .jobs import (
    AiperfAnalysis as AiperfAnalysis,
)
from .jobs import (
    AuditReport as AuditReport,
)
from .jobs import (
    Scraper as Scraper,
)
from .jobs import (
    SnapshotAnalysis as SnapshotAnalysis,
)
from .jobs import (
    analyze_aiperf as analyze_aiperf,
)
from .jobs import (
    analyze_snapshots as analyze_snapshots,
)
from .jobs import (
    audit as audit,
)
from .jobs import (
    scrape as scrape,
)
from .requests import InferenceLogAnalyzer as InferenceLogAnalyzer
from .workers import (
    Batch as Batch,
)
from .workers import (
    EngineStats as EngineStats,
)
from .workers import (
    MemorySnapshot as MemorySnapshot,
)
from .workers import (
    Node as Node,
)
from .workers import (
    NodeAnalyzer as NodeAnalyzer,
)
from .workers import (
    Run as Run,
)

__all__: list[str]
