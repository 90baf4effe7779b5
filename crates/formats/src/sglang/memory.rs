//! Memory and start-up capacity lines (formats.md §1.7).
//!
//! ```text
//! Load weight begin. avail mem=286.25 GB
//! Load weight end. type=DeepseekV3ForCausalLM, dtype=torch.bfloat16, avail mem=201.75 GB, mem usage=84.50 GB.
//! KV Cache is allocated. #tokens: 2688964, KV size: 175.98 GB
//! KV Cache is allocated. dtype: torch.bfloat16, #tokens: 148717, K size: 10.21 GB, V size: 10.21 GB
//! Memory pool end. avail mem=23.16 GB
//! Capture cuda graph begin. This can take up to several minutes. avail mem=23.04 GB
//! Capture cuda graph end. Time elapsed: 74.17 s. mem usage=3.18 GB. avail mem=19.87 GB.
//! max_total_num_tokens=2688964, chunked_prefill_size=16384, max_prefill_tokens=16384, max_running_requests=4096, context_len=163840, available_gpu_mem=23.04 GB
//! ```
//! Sizes are printed as "GB" (GiB in practice) and kept as printed.

use super::prefix::Prefix;
use crate::num::parse_f64;
use memchr::memmem;

/// Which start-up step a memory line reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemoryEvent {
    /// `Load weight begin.`
    LoadWeightBegin,
    /// `Load weight end.`
    LoadWeightEnd,
    /// `KV Cache is allocated.` (one line per KV pool in 2026 builds)
    KvCacheAllocated,
    /// `Memory pool end.`
    MemoryPoolEnd,
    /// `Capture cuda graph begin.`
    CudaGraphBegin,
    /// `Capture cuda graph end.`
    CudaGraphEnd,
    /// `max_total_num_tokens=…` capacity summary.
    MaxTotalNumTokens,
    /// Any other line reporting `avail mem=` (for example the 2026 builds'
    /// `Capture target verify CUDA graph end. …, avail mem=6.67 GB.`).
    Other,
}

impl MemoryEvent {
    /// Snake-case name used in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            MemoryEvent::LoadWeightBegin => "load_weight_begin",
            MemoryEvent::LoadWeightEnd => "load_weight_end",
            MemoryEvent::KvCacheAllocated => "kv_cache_allocated",
            MemoryEvent::MemoryPoolEnd => "memory_pool_end",
            MemoryEvent::CudaGraphBegin => "cuda_graph_begin",
            MemoryEvent::CudaGraphEnd => "cuda_graph_end",
            MemoryEvent::MaxTotalNumTokens => "max_total_num_tokens",
            MemoryEvent::Other => "other",
        }
    }
}

/// One memory snapshot. Every quantity is optional: each line prints a subset.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MemoryRecord {
    /// Timestamp and rank tags.
    pub prefix: Prefix,
    /// The step reported.
    pub event: MemoryEvent,
    /// Free GPU memory on this rank, GB (`avail mem=`, `available_gpu_mem=`).
    pub avail_mem_gb: Option<f64>,
    /// Memory consumed by the step, GB (`mem usage=`).
    pub mem_usage_gb: Option<f64>,
    /// KV pool capacity in tokens (`#tokens:`, `max_total_num_tokens=`).
    pub kv_tokens: Option<f64>,
    /// Combined KV size, GB (MLA models, `KV size:`).
    pub kv_size_gb: Option<f64>,
    /// K size, GB.
    pub k_size_gb: Option<f64>,
    /// V size, GB.
    pub v_size_gb: Option<f64>,
    /// `chunked_prefill_size=`.
    pub chunked_prefill_size: Option<f64>,
    /// `max_prefill_tokens=`.
    pub max_prefill_tokens: Option<f64>,
    /// `max_running_requests=`.
    pub max_running_requests: Option<f64>,
    /// `context_len=`.
    pub context_len: Option<f64>,
}

/// Reads a number printed right after `needle` (up to a space, comma or the
/// end).
fn num_after(msg: &[u8], needle: &[u8]) -> Option<f64> {
    let i = memmem::find(msg, needle)? + needle.len();
    let rest = &msg[i..];
    let end = rest
        .iter()
        .position(|&b| b == b' ' || b == b',')
        .unwrap_or(rest.len());
    let v = &rest[..end];
    let v = v.strip_suffix(b".").unwrap_or(v);
    parse_f64(v)
}

pub(super) fn decode_memory(prefix: Prefix, msg: &[u8]) -> Option<MemoryRecord> {
    let event = match msg.first()? {
        b'L' if msg.starts_with(b"Load weight begin") => MemoryEvent::LoadWeightBegin,
        b'L' if msg.starts_with(b"Load weight end") => MemoryEvent::LoadWeightEnd,
        b'K' if msg.starts_with(b"KV Cache is allocated") => MemoryEvent::KvCacheAllocated,
        b'M' if msg.starts_with(b"Memory pool end") => MemoryEvent::MemoryPoolEnd,
        b'C' if msg.starts_with(b"Capture cuda graph begin") => MemoryEvent::CudaGraphBegin,
        b'C' if msg.starts_with(b"Capture cuda graph end") => MemoryEvent::CudaGraphEnd,
        b'm' if msg.starts_with(b"max_total_num_tokens=") => MemoryEvent::MaxTotalNumTokens,
        b'C' if msg.starts_with(b"Capture") && memmem::find(msg, b"graph begin").is_some() => {
            MemoryEvent::CudaGraphBegin
        }
        b'C' if msg.starts_with(b"Capture") && memmem::find(msg, b"graph end").is_some() => {
            MemoryEvent::CudaGraphEnd
        }
        _ if super::finders::AVAIL_MEM.find(msg).is_some() => MemoryEvent::Other,
        _ => return None,
    };
    let mut r = MemoryRecord {
        prefix,
        event,
        avail_mem_gb: num_after(msg, b"avail mem="),
        mem_usage_gb: num_after(msg, b"mem usage="),
        kv_tokens: None,
        kv_size_gb: None,
        k_size_gb: None,
        v_size_gb: None,
        chunked_prefill_size: None,
        max_prefill_tokens: None,
        max_running_requests: None,
        context_len: None,
    };
    match event {
        MemoryEvent::KvCacheAllocated => {
            r.kv_tokens = num_after(msg, b"#tokens: ");
            r.kv_size_gb = num_after(msg, b"KV size: ");
            r.k_size_gb = num_after(msg, b" K size: ");
            r.v_size_gb = num_after(msg, b" V size: ");
        }
        MemoryEvent::MaxTotalNumTokens => {
            r.kv_tokens = num_after(msg, b"max_total_num_tokens=");
            r.chunked_prefill_size = num_after(msg, b"chunked_prefill_size=");
            r.max_prefill_tokens = num_after(msg, b"max_prefill_tokens=");
            r.max_running_requests = num_after(msg, b"max_running_requests=");
            r.context_len = num_after(msg, b"context_len=");
            r.avail_mem_gb = num_after(msg, b"available_gpu_mem=");
        }
        _ => {}
    }
    Some(r)
}
