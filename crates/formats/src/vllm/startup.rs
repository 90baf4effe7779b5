//! Start-up facts and memory lines of a vLLM server (formats.md §2.3).
//!
//! ```text
//! vLLM API server version 0.6.3.post1
//! ▄▄ ▄█ █     █     █ ▀▄▀ █  version 0.25.1          (ASCII-art banner, 0.1x on; `model   NAME` on the next line)
//! args: Namespace(…, model='…', …, tensor_parallel_size=4, …)                      (V0)
//! non-default args: {'model': '…', 'tensor_parallel_size': 2, 'kv_transfer_config': …} (V1)
//! Initializing a V1 LLM engine (v0.17.0) with config: model='…', …, tensor_parallel_size=1, pipeline_parallel_size=1, data_parallel_size=1, …
//! # GPU blocks: 2987, # CPU blocks: 4096                                              (V0)
//! GPU KV cache size: 429,328 tokens                  (thousands separators; 2026: `, Maximum concurrency for …` on the same line)
//! Maximum concurrency for 4,096 tokens per request: 104.82x
//! vllm cache_config_info with initialization after num_gpu_blocks is: 64302          (0.9)
//! Model loading took 5.79 GiB memory and 2.564047 seconds  /  Loading model weights took 15.3916 GB (V0)
//! Available KV cache memory: 14.74 GiB
//! Graph capturing finished in 3 secs, took 0.51 GiB
//! ```
//!
//! Sizes are kept as printed (GiB or GB). The KV-transfer role
//! (`kv_role='kv_producer'`) says whether a disaggregated server prefills or
//! decodes.

use crate::num::parse_f64;
use crate::sglang::MemoryEvent;
use memchr::memmem;

/// Configuration and capacity facts; `None` when the line did not say.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StartupFacts<'a> {
    /// vLLM version (`0.25.1`, `0.6.3.post1`).
    pub version: Option<&'a [u8]>,
    /// Model name or path.
    pub model: Option<&'a [u8]>,
    /// Tensor-parallel size.
    pub tp_size: Option<u32>,
    /// Pipeline-parallel size.
    pub pp_size: Option<u32>,
    /// Data-parallel size.
    pub dp_size: Option<u32>,
    /// GPU KV cache capacity, tokens.
    pub kv_cache_tokens: Option<u64>,
    /// `# GPU blocks` / `num_gpu_blocks`.
    pub gpu_blocks: Option<u64>,
    /// `# CPU blocks` (V0 swap space).
    pub cpu_blocks: Option<u64>,
    /// `Maximum concurrency for N tokens per request: Xx`: X.
    pub max_concurrency: Option<f64>,
    /// The N of that line: tokens per request.
    pub max_concurrency_tokens: Option<u64>,
    /// KV-transfer role: `kv_producer` (prefill), `kv_consumer` (decode) or
    /// `kv_both`.
    pub kv_role: Option<&'a [u8]>,
}

impl<'a> StartupFacts<'a> {
    /// True when nothing was found.
    pub fn is_empty(&self) -> bool {
        *self == StartupFacts::default()
    }
}

/// A start-up memory step, with the quantities it printed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MemoryStep {
    /// The step, in SGLang's vocabulary so both backends share the table's
    /// `mem_event` values: weights loaded (`load_weight_end`), KV cache sized
    /// (`kv_cache_allocated`), graphs captured (`cuda_graph_end`).
    pub event: MemoryEvent,
    /// Memory used by the step, GiB as printed.
    pub mem_usage_gb: Option<f64>,
    /// KV cache memory, GiB.
    pub kv_size_gb: Option<f64>,
    /// KV cache capacity, tokens.
    pub kv_tokens: Option<f64>,
}

/// What a start-up line holds: facts, a memory step, or both.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StartupRecord<'a> {
    /// Configuration and capacity facts.
    pub facts: StartupFacts<'a>,
    /// A memory step.
    pub memory: Option<MemoryStep>,
}

/// A count with thousands separators (`1,028,832`) at the start of `s`.
fn grouped_u64(s: &[u8]) -> Option<u64> {
    let mut v: u64 = 0;
    let mut any = false;
    for (i, &b) in s.iter().enumerate() {
        match b {
            b'0'..=b'9' => {
                v = v.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
                any = true;
            }
            // A separator only between digit groups: `1,028`, not `1, 2`.
            b',' if any && s.get(i + 1).is_some_and(u8::is_ascii_digit) => {}
            _ => break,
        }
    }
    any.then_some(v)
}

/// The number right after `needle` (up to a space, comma or `x`).
fn num_after(msg: &[u8], needle: &[u8]) -> Option<f64> {
    let i = memmem::find(msg, needle)? + needle.len();
    let rest = &msg[i..];
    let end = rest
        .iter()
        .position(|&b| !(b.is_ascii_digit() || b == b'.'))
        .unwrap_or(rest.len());
    let v = &rest[..end];
    parse_f64(v.strip_suffix(b".").unwrap_or(v))
}

/// A version token: digits, letters, `.`, `+`, `-`, `_`.
fn version_token(s: &[u8]) -> Option<&[u8]> {
    let end = s
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-' | b'_')))
        .unwrap_or(s.len());
    let v = &s[..end];
    v.first().is_some_and(u8::is_ascii_digit).then_some(v)
}

/// Finds `key` at a word boundary and returns what follows it.
fn after_key<'a>(s: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let mut from = 0;
    while let Some(i) = memmem::find(&s[from..], key) {
        let at = from + i;
        if at == 0 || matches!(s[at - 1], b'(' | b' ' | b',' | b'{' | b'\'' | b'"') {
            return Some(&s[at + key.len()..]);
        }
        from = at + 1;
    }
    None
}

/// `key=N` (config dumps) or `'key': N` (argument dicts).
fn size_of(s: &[u8], name: &str) -> Option<u32> {
    let eq = format!("{name}=");
    let dict = format!("{name}': ");
    let v = after_key(s, eq.as_bytes()).or_else(|| after_key(s, dict.as_bytes()))?;
    let (n, _) = crate::num::leading_u64(v)?;
    u32::try_from(n).ok()
}

/// `key='value'` or `'key': 'value'`.
fn quoted_of<'a>(s: &'a [u8], name: &str) -> Option<&'a [u8]> {
    let eq = format!("{name}=");
    let dict = format!("{name}': ");
    let v = after_key(s, eq.as_bytes()).or_else(|| after_key(s, dict.as_bytes()))?;
    let q = *v.first()?;
    if q != b'\'' && q != b'"' {
        return None;
    }
    let end = memchr::memchr(q, &v[1..])?;
    Some(&v[1..1 + end]).filter(|x| !x.is_empty())
}

/// Sizes and model of a configuration dump or argument list.
fn config_facts<'a>(s: &'a [u8], f: &mut StartupFacts<'a>) {
    f.model = quoted_of(s, "model");
    f.tp_size = size_of(s, "tensor_parallel_size");
    f.pp_size = size_of(s, "pipeline_parallel_size");
    f.dp_size = size_of(s, "data_parallel_size");
    f.kv_role = quoted_of(s, "kv_role");
}

/// Decodes a start-up line's message; `None` when it is not one.
pub fn decode_startup(msg: &[u8]) -> Option<StartupRecord<'_>> {
    let mut f = StartupFacts::default();
    let mut memory = None;
    match msg.first()? {
        b'v' if msg.starts_with(b"vLLM API server version") => {
            let v = &msg[23..];
            let v = v.strip_prefix(b":").unwrap_or(v);
            f.version = version_token(v.strip_prefix(b" ").unwrap_or(v));
        }
        b'v' if msg.starts_with(b"vllm cache_config_info") => {
            f.gpu_blocks = num_after(msg, b"num_gpu_blocks is: ").map(|x| x as u64);
        }
        b'I' if msg.starts_with(b"Initializing a") => {
            let i = memmem::find(msg, b"engine (v")? + 9;
            f.version = version_token(&msg[i..]);
            config_facts(msg, &mut f);
        }
        b'a' if msg.starts_with(b"args: Namespace(") => config_facts(msg, &mut f),
        b'n' if msg.starts_with(b"non-default args: ") => config_facts(msg, &mut f),
        b'#' if msg.starts_with(b"# GPU blocks: ") => {
            f.gpu_blocks = grouped_u64(&msg[14..]);
            f.cpu_blocks =
                memmem::find(msg, b"# CPU blocks: ").and_then(|i| grouped_u64(&msg[i + 14..]));
        }
        b'G' if msg.starts_with(b"GPU KV cache size: ") => {
            f.kv_cache_tokens = grouped_u64(&msg[19..]);
            concurrency(msg, &mut f);
            memory = Some(MemoryStep {
                event: MemoryEvent::KvCacheAllocated,
                mem_usage_gb: None,
                kv_size_gb: None,
                kv_tokens: f.kv_cache_tokens.map(|t| t as f64),
            });
        }
        b'G' if msg.starts_with(b"Graph capturing finished") => {
            memory = Some(MemoryStep {
                event: MemoryEvent::CudaGraphEnd,
                mem_usage_gb: num_after(msg, b"took "),
                kv_size_gb: None,
                kv_tokens: None,
            });
        }
        b'M' if msg.starts_with(b"Maximum concurrency for ") => concurrency(msg, &mut f),
        b'M' if msg.starts_with(b"Model loading took ") => {
            memory = Some(MemoryStep {
                event: MemoryEvent::LoadWeightEnd,
                mem_usage_gb: num_after(msg, b"took "),
                kv_size_gb: None,
                kv_tokens: None,
            });
        }
        b'L' if msg.starts_with(b"Loading model weights took ") => {
            memory = Some(MemoryStep {
                event: MemoryEvent::LoadWeightEnd,
                mem_usage_gb: num_after(msg, b"took "),
                kv_size_gb: None,
                kv_tokens: None,
            });
        }
        b'A' if msg.starts_with(b"Available KV cache memory: ") => {
            memory = Some(MemoryStep {
                event: MemoryEvent::KvCacheAllocated,
                mem_usage_gb: None,
                kv_size_gb: num_after(msg, b"memory: "),
                kv_tokens: None,
            });
        }
        // The ASCII-art banner: `<art>  version 0.25.1` / `<art>  model   NAME`.
        _ if !msg.is_ascii() => {
            if let Some(i) = memmem::find(msg, b"  version ") {
                f.version = version_token(&msg[i + 10..]);
            } else if let Some(i) = memmem::find(msg, b"  model   ") {
                let m = msg[i + 10..].trim_ascii();
                f.model = (!m.is_empty() && !m.contains(&b' ')).then_some(m);
            }
        }
        _ => {}
    }
    (!f.is_empty() || memory.is_some()).then_some(StartupRecord { facts: f, memory })
}

/// `Maximum concurrency for 4,096 tokens per request: 104.82x`, alone or at
/// the end of a `GPU KV cache size` line.
fn concurrency<'a>(msg: &'a [u8], f: &mut StartupFacts<'a>) {
    let Some(i) = memmem::find(msg, b"Maximum concurrency for ") else {
        return;
    };
    let rest = &msg[i + 24..];
    f.max_concurrency_tokens = grouped_u64(rest);
    if let Some(j) = memmem::find(rest, b"per request: ") {
        let v = &rest[j + 13..];
        let end = v
            .iter()
            .position(|&b| !(b.is_ascii_digit() || b == b'.'))
            .unwrap_or(v.len());
        f.max_concurrency = parse_f64(&v[..end]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(msg: &str) -> StartupFacts<'_> {
        decode_startup(msg.as_bytes()).expect(msg).facts
    }

    #[test]
    fn versions_and_configs() {
        assert_eq!(
            facts("vLLM API server version 0.6.3.post1").version,
            Some(&b"0.6.3.post1"[..])
        );
        let f = facts("Initializing an LLM engine (v0.6.3.post1) with config: model='/workspace/StructRAG/model/Qwen2.5-32B-Instruct', speculative_config=None, tokenizer='/x', tensor_parallel_size=4, pipeline_parallel_size=1, disable_custom_all_reduce=False");
        assert_eq!(f.version, Some(&b"0.6.3.post1"[..]));
        assert_eq!(
            f.model,
            Some(&b"/workspace/StructRAG/model/Qwen2.5-32B-Instruct"[..])
        );
        assert_eq!((f.tp_size, f.pp_size, f.dp_size), (Some(4), Some(1), None));
        let f = facts("Initializing a V1 LLM engine (v0.17.0) with config: model='Qwen/Qwen2.5-3B-Instruct', speculative_config=None, tokenizer='Qwen/Qwen2.5-3B-Instruct', tensor_parallel_size=1, pipeline_parallel_size=1, data_parallel_size=2, enable_prefix_caching=True");
        assert_eq!(f.version, Some(&b"0.17.0"[..]));
        assert_eq!(f.dp_size, Some(2));
        let f = facts("non-default args: {'model_tag': 'facebook/opt-125m', 'model': 'facebook/opt-125m', 'tensor_parallel_size': 2, 'kv_transfer_config': KVTransferConfig(kv_connector='NixlConnector', kv_role='kv_producer')}");
        assert_eq!(f.model, Some(&b"facebook/opt-125m"[..]));
        assert_eq!(f.tp_size, Some(2));
        assert_eq!(f.kv_role, Some(&b"kv_producer"[..]));
        let f = facts("non-default args: {'model': 'm', 'kv_transfer_config': {'kv_connector': 'NixlConnector', 'kv_role': 'kv_consumer'}}");
        assert_eq!(f.kv_role, Some(&b"kv_consumer"[..]));
        assert_eq!(
            facts(" ▄▄ ▄█ █     █     █ ▀▄▀ █  version 0.25.1").version,
            Some(&b"0.25.1"[..])
        );
        assert_eq!(
            facts("  █▄█▀ █     █     █     █  model   poolside/Laguna-S-2.1-NVFP4").model,
            Some(&b"poolside/Laguna-S-2.1-NVFP4"[..])
        );
    }

    #[test]
    fn capacity_lines() {
        let r = decode_startup(b"GPU KV cache size: 1,028,832 tokens").unwrap();
        assert_eq!(r.facts.kv_cache_tokens, Some(1_028_832));
        assert_eq!(r.memory.unwrap().kv_tokens, Some(1_028_832.0));
        let f = facts("Maximum concurrency for 131,072 tokens per request: 7.85x");
        assert_eq!(
            (f.max_concurrency_tokens, f.max_concurrency),
            (Some(131_072), Some(7.85))
        );
        let f = facts("GPU KV cache size: 394,633 tokens, Maximum concurrency for 10,240 tokens per request: 38.54x");
        assert_eq!(
            (f.kv_cache_tokens, f.max_concurrency),
            (Some(394_633), Some(38.54))
        );
        let f = facts("# GPU blocks: 2987, # CPU blocks: 4096");
        assert_eq!((f.gpu_blocks, f.cpu_blocks), (Some(2987), Some(4096)));
        let f = facts("vllm cache_config_info with initialization after num_gpu_blocks is: 64302");
        assert_eq!(f.gpu_blocks, Some(64302));
        let m =
            decode_startup(b"Model loading took 95.63 GiB memory and 595.559227 seconds").unwrap();
        assert_eq!(m.memory.unwrap().mem_usage_gb, Some(95.63));
        let m = decode_startup(b"Loading model weights took 15.3916 GB").unwrap();
        assert_eq!(m.memory.unwrap().event, MemoryEvent::LoadWeightEnd);
        let m = decode_startup(b"Available KV cache memory: 6.97 GiB").unwrap();
        assert_eq!(m.memory.unwrap().kv_size_gb, Some(6.97));
        let m = decode_startup(b"Graph capturing finished in 11 secs, took 2.08 GiB").unwrap();
        assert_eq!(m.memory.unwrap().mem_usage_gb, Some(2.08));
        assert!(decode_startup(b"Using max model len 65536").is_none());
    }
}
