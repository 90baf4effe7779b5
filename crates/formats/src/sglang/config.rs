//! Server configuration facts (formats.md §1.7 "Parallelism config
//! extraction").
//!
//! Native launches print `server_args=ServerArgs(model_path='…', tp_size=4, …)`
//! (one physical line, often over 8 KB); srt-slurm echoes the launch command
//! (`python -m sglang.launch_server … --tp-size 8 …`), recipes use the short
//! aliases `--tp`, `--dp`, `--ep`, `--pp`. Both are read into [`ConfigFacts`].

use crate::num::leading_u64;
use memchr::memmem;

/// The configuration facts srtlog reports. Fields are `None` when the line
/// did not mention them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConfigFacts<'a> {
    /// Tensor-parallel size.
    pub tp_size: Option<u32>,
    /// Data-parallel size.
    pub dp_size: Option<u32>,
    /// Expert-parallel size.
    pub ep_size: Option<u32>,
    /// Pipeline-parallel size.
    pub pp_size: Option<u32>,
    /// `prefill`, `decode` or `null` (aggregated).
    pub disaggregation_mode: Option<&'a [u8]>,
    /// Model path or name.
    pub model_path: Option<&'a [u8]>,
    /// Whether DP attention is enabled.
    pub enable_dp_attention: Option<bool>,
}

impl<'a> ConfigFacts<'a> {
    /// Fills the fields `self` lacks from `other`.
    pub fn merge(&mut self, other: &ConfigFacts<'a>) {
        self.tp_size = self.tp_size.or(other.tp_size);
        self.dp_size = self.dp_size.or(other.dp_size);
        self.ep_size = self.ep_size.or(other.ep_size);
        self.pp_size = self.pp_size.or(other.pp_size);
        self.disaggregation_mode = self.disaggregation_mode.or(other.disaggregation_mode);
        self.model_path = self.model_path.or(other.model_path);
        self.enable_dp_attention = self.enable_dp_attention.or(other.enable_dp_attention);
    }

    /// True when nothing was found.
    pub fn is_empty(&self) -> bool {
        *self == ConfigFacts::default()
    }
}

/// Does this unprefixed line echo an SGLang launch command?
pub fn is_launch_command(line: &[u8]) -> bool {
    (memmem::find(line, b"sglang.launch_server").is_some()
        || memmem::find(line, b"sglang serve").is_some()
        || memmem::find(line, b"dynamo.sglang").is_some())
        && memmem::find(line, b" --").is_some()
}

/// Extracts configuration facts from a `ServerArgs(...)` dump or a launch
/// command line.
pub fn parse_config(s: &[u8]) -> ConfigFacts<'_> {
    let mut c = ConfigFacts::default();
    if memmem::find(s, b"ServerArgs(").is_some() {
        c.tp_size = kv_u32(s, b"tp_size=");
        c.dp_size = kv_u32(s, b"dp_size=");
        c.ep_size = kv_u32(s, b"ep_size=");
        c.pp_size = kv_u32(s, b"pp_size=");
        c.disaggregation_mode = kv_str(s, b"disaggregation_mode=");
        c.model_path = kv_str(s, b"model_path=");
        c.enable_dp_attention = kv_str(s, b"enable_dp_attention=").map(|v| v == b"True");
    } else {
        c.tp_size = flag_u32(s, &[b"--tp-size", b"--tensor-parallel-size", b"--tp"]);
        c.dp_size = flag_u32(s, &[b"--dp-size", b"--data-parallel-size", b"--dp"]);
        c.ep_size = flag_u32(s, &[b"--ep-size", b"--expert-parallel-size", b"--ep"]);
        c.pp_size = flag_u32(s, &[b"--pp-size", b"--pipeline-parallel-size", b"--pp"]);
        c.disaggregation_mode = flag_str(s, b"--disaggregation-mode");
        c.model_path = flag_str(s, b"--model-path").or_else(|| flag_str(s, b"--model"));
        if memmem::find(s, b"--enable-dp-attention").is_some() {
            c.enable_dp_attention = Some(true);
        }
    }
    c
}

/// Finds `key` at a word boundary (after `(`, ` ` or `,`).
fn find_key(s: &[u8], key: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = memmem::find(&s[from..], key) {
        let at = from + i;
        if at == 0 || matches!(s[at - 1], b'(' | b' ' | b',') {
            return Some(at + key.len());
        }
        from = at + 1;
    }
    None
}

fn kv_u32(s: &[u8], key: &[u8]) -> Option<u32> {
    let i = find_key(s, key)?;
    let (v, _) = leading_u64(&s[i..])?;
    u32::try_from(v).ok()
}

fn kv_str<'a>(s: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let i = find_key(s, key)?;
    let rest = &s[i..];
    if let Some(q @ (b'\'' | b'"')) = rest.first().copied() {
        let end = memchr::memchr(q, &rest[1..])?;
        return Some(&rest[1..1 + end]);
    }
    let end = rest
        .iter()
        .position(|&b| b == b',' || b == b')')
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

/// Value of `--flag N` or `--flag=N` (the flag must end at a space or `=`).
fn flag_value<'a>(s: &'a [u8], flag: &[u8]) -> Option<&'a [u8]> {
    let mut from = 0;
    while let Some(i) = memmem::find(&s[from..], flag) {
        let at = from + i + flag.len();
        from = at;
        match s.get(at) {
            Some(b' ' | b'=') => {
                let rest = &s[at + 1..];
                let rest = &rest[rest.iter().position(|&b| b != b' ').unwrap_or(rest.len())..];
                let end = rest
                    .iter()
                    .position(|&b| b == b' ' || b == b'\\')
                    .unwrap_or(rest.len());
                return Some(&rest[..end]);
            }
            _ => continue,
        }
    }
    None
}

fn flag_u32(s: &[u8], flags: &[&[u8]]) -> Option<u32> {
    flags.iter().find_map(|f| {
        let v = flag_value(s, f)?;
        let (n, used) = leading_u64(v)?;
        (used == v.len()).then_some(u32::try_from(n).ok()?)
    })
}

fn flag_str<'a>(s: &'a [u8], flag: &[u8]) -> Option<&'a [u8]> {
    flag_value(s, flag).filter(|v| !v.is_empty() && !v.starts_with(b"--"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_args_dump() {
        let s = b"server_args=ServerArgs(model_path='/data/DeepSeek-R1', tokenizer_path='/x', tp_size=4, pp_size=1, dp_size=2, ep_size=1, max_micro_batch_size=None, enable_dp_attention=True, disaggregation_mode='prefill', moe_dp_size=1)";
        let c = parse_config(s);
        assert_eq!(
            (c.tp_size, c.pp_size, c.dp_size, c.ep_size),
            (Some(4), Some(1), Some(2), Some(1))
        );
        assert_eq!(c.disaggregation_mode, Some(&b"prefill"[..]));
        assert_eq!(c.model_path, Some(&b"/data/DeepSeek-R1"[..]));
        assert_eq!(c.enable_dp_attention, Some(true));
    }

    #[test]
    fn launch_command() {
        let s = b"[CMD] python -m sglang.launch_server --model-path /m/Qwen3 --tp-size 8 --dp=2 --ep-size 8 --enable-dp-attention --disaggregation-mode decode";
        assert!(is_launch_command(s));
        let c = parse_config(s);
        assert_eq!(
            (c.tp_size, c.dp_size, c.ep_size, c.pp_size),
            (Some(8), Some(2), Some(8), None)
        );
        assert_eq!(c.disaggregation_mode, Some(&b"decode"[..]));
        assert_eq!(c.model_path, Some(&b"/m/Qwen3"[..]));
        assert_eq!(c.enable_dp_attention, Some(true));
        // `--tp` must not match inside `--tp-size`.
        let c = parse_config(b"sglang serve --tp 2 --model x");
        assert_eq!(c.tp_size, Some(2));
    }
}
