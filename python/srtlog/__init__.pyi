from ._common import SrtlogWarning as SrtlogWarning
from ._srtlog import ArrowStream as ArrowStream, ParseError as ParseError, __version__ as __version__
from .jobs import (
    AiperfAnalysis as AiperfAnalysis,
    AuditReport as AuditReport,
    Scraper as Scraper,
    SnapshotAnalysis as SnapshotAnalysis,
    analyze_aiperf as analyze_aiperf,
    analyze_snapshots as analyze_snapshots,
    audit as audit,
    scrape as scrape,
)
from .requests import InferenceLogAnalyzer as InferenceLogAnalyzer
from .workers import (
    Batch as Batch,
    EngineStats as EngineStats,
    MemorySnapshot as MemorySnapshot,
    Node as Node,
    NodeAnalyzer as NodeAnalyzer,
    Run as Run,
)

__all__: list[str]
