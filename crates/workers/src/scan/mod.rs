//! The hot loop: one buffer of whole lines in, records out to a sink.
//!
//! Lines are found with `memchr` and decoded in place; nothing is allocated
//! per line (ANSI-coloured lines reuse one scratch buffer). What the loop
//! learns besides records (per-rank counts, time range, configuration,
//! coverage) goes into a small [`ChunkStats`], merged across chunks in file
//! order. SGLang files are scanned here; vLLM files by
//! [`vllm`], into the same [`ChunkStats`] ([`scan_buffer_as`]).
//!
//! Uvicorn access lines (formats.md §8.C.4) of both servers are counted per
//! status code, and per second into a request-rate series kept as
//! run-length `(second, count)` pairs: memory grows with the seconds that
//! saw requests, never with the lines. SGLang access lines carry their own
//! timestamp; vLLM's carry none and are dated by the latest vLLM line before
//! them (on a busy server, the statistics line of the same 10-s interval).

pub mod chunk;
pub mod sglang;
pub mod vllm;

pub use chunk::*;

use crate::types::Backend;

/// Scans `buf` (whole lines; the last one may lack its `\n`) of an SGLang
/// log and feeds `sink`.
pub fn scan_buffer<S: RecordSink>(buf: &[u8], sink: &mut S) -> ChunkStats {
    scan_buffer_as(buf, Backend::Sglang, sink)
}

/// Scans `buf` with the decoder of `backend`.
pub fn scan_buffer_as<S: RecordSink>(buf: &[u8], backend: Backend, sink: &mut S) -> ChunkStats {
    match backend {
        Backend::Sglang => sglang::scan(buf, sink),
        Backend::Vllm => vllm::scan(buf, sink),
    }
}
