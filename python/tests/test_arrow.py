"""Tables cross into Python through the Arrow PyCapsule interface, without a copy."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
import srtlog


def test_request_table_numeric_columns_are_not_copied(request_logs):
    a = srtlog.InferenceLogAnalyzer().load_logs(request_logs["file"])
    stream = a._stream()
    t = pa.table(stream)
    # The package's hand-off (what to_pandas() does with the table it exports).
    df = srtlog._common.to_pandas(stream)
    for c in ("latency_ms", "batch_size", "gpu_util", "memory_used_gb"):
        col = t.column(c)
        assert col.num_chunks == 1 and col.null_count == 0
        arrow_addr = col.chunk(0).buffers()[1].address
        # pandas' column is a view of the same buffer: no copy.
        assert df[c].to_numpy().__array_interface__["data"][0] == arrow_addr
    # Two exports share the Rust buffers.
    assert pa.table(stream).column("latency_ms").chunk(0).buffers()[1].address == \
        t.column("latency_ms").chunk(0).buffers()[1].address


def test_capsule_protocol_consumers(request_logs, disagg_run):
    a = srtlog.InferenceLogAnalyzer().load_logs(request_logs["file"])
    reader = pa.RecordBatchReader.from_stream(a)
    assert reader.read_all().num_rows == len(a)
    assert pa.schema(a._stream()).names == a.to_arrow().schema.names
    nodes = srtlog.NodeAnalyzer().parse_run_logs(disagg_run)
    assert pa.RecordBatchReader.from_stream(nodes).read_all().num_rows == sum(n.table.num_rows for n in nodes)
    assert nodes.to_arrow().num_rows == len(nodes.to_pandas())


def test_polars_is_optional_and_reads_the_tables(request_logs):
    pl = pytest.importorskip("polars")
    a = srtlog.InferenceLogAnalyzer().load_logs(request_logs["file"])
    df = a.to_polars()
    assert isinstance(df, pl.DataFrame) and df.height == len(a)
    assert df["latency_ms"].sum() == pytest.approx(float(np.nansum(a.to_pandas()["latency_ms"])))


def test_unconsumed_capsule_is_released(request_logs):
    a = srtlog.InferenceLogAnalyzer().load_logs(request_logs["file"])
    for _ in range(100):
        cap = a._stream().__arrow_c_stream__()
        del cap  # the capsule's destructor releases the stream
    assert a.to_arrow().num_rows == len(a)


def test_value_counts_of_string_columns_and_errors(disagg_run):
    _, workers, streams, _ = srtlog._srtlog.parse_workers([disagg_run])
    s = streams[0]
    t = pa.table(s)
    want = {}
    for v in t.column("batch_type").to_pylist():
        if v is not None:
            want[v] = want.get(v, 0) + 1
    # Dictionary column with nulls (memory rows have no batch type).
    assert s.value_counts("batch_type") == want
    with pytest.raises(ValueError, match="no column"):
        s.value_counts("nope")
    with pytest.raises(ValueError, match="string column"):
        s.value_counts("line")
