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
    /// `prefill` or `decode`; `None` for aggregated serving (SGLang prints
    /// `disaggregation_mode='null'`, which is not a mode: see
    /// [`ConfigFacts::aggregated`]).
    pub disaggregation_mode: Option<&'a [u8]>,
    /// `Some(true)` when the configuration says the server is not
    /// disaggregated (`disaggregation_mode='null'` or `None`), `Some(false)`
    /// when it names a mode.
    pub aggregated: Option<bool>,
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
        self.aggregated = self.aggregated.or(other.aggregated);
        self.model_path = self.model_path.or(other.model_path);
        self.enable_dp_attention = self.enable_dp_attention.or(other.enable_dp_attention);
    }

    /// True when nothing was found.
    pub fn is_empty(&self) -> bool {
        *self == ConfigFacts::default()
    }
}

/// Does this unprefixed line echo an SGLang launch command?
///
/// A usage hint that only shows the syntax (SGLang 2026 prints
/// `  Example: sglang serve --model-path <model> [options]` under a
/// deprecation warning) is not a launch: its values are placeholders.
pub fn is_launch_command(line: &[u8]) -> bool {
    (memmem::find(line, b"sglang.launch_server").is_some()
        || memmem::find(line, b"sglang serve").is_some()
        || memmem::find(line, b"dynamo.sglang").is_some())
        && memmem::find(line, b" --").is_some()
        && !is_usage_hint(line)
}

/// `Example: …`, `Usage: …`, or a line whose values are `<placeholders>`.
fn is_usage_hint(line: &[u8]) -> bool {
    let t = line.trim_ascii_start();
    [
        &b"Example:"[..],
        b"Examples:",
        b"Usage:",
        b"usage:",
        b"e.g.",
    ]
    .iter()
    .any(|p| t.starts_with(p))
        || memmem::find_iter(line, b" <").any(|i| {
            // `<model>`, `<tp-size>`: a word in angle brackets (not a shell
            // redirection such as `< /dev/null 2>&1`).
            let rest = &line[i + 2..];
            let n = rest
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
                .count();
            n > 0 && rest.get(n) == Some(&b'>')
        })
}

/// A placeholder such as `<model>` or `[options]`, never a real value.
fn is_placeholder(v: &[u8]) -> bool {
    matches!(
        (v.first(), v.last()),
        (Some(b'<'), Some(b'>')) | (Some(b'['), Some(b']')) | (Some(b'{'), Some(b'}'))
    )
}

/// Splits SGLang's disaggregation mode into a mode (`prefill`, `decode`)
/// and whether the server is aggregated: `'null'` and Python's `None` are
/// the absence of a mode, not a mode named "null".
fn disaggregation(v: Option<&[u8]>) -> (Option<&[u8]>, Option<bool>) {
    match v {
        None => (None, None),
        Some(b"null" | b"None" | b"") => (None, Some(true)),
        Some(m) => (Some(m), Some(false)),
    }
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
        (c.disaggregation_mode, c.aggregated) = disaggregation(kv_str(s, b"disaggregation_mode="));
        c.model_path = kv_str(s, b"model_path=");
        c.enable_dp_attention = kv_str(s, b"enable_dp_attention=").map(|v| v == b"True");
    } else {
        c.tp_size = flag_u32(s, &[b"--tp-size", b"--tensor-parallel-size", b"--tp"]);
        c.dp_size = flag_u32(s, &[b"--dp-size", b"--data-parallel-size", b"--dp"]);
        c.ep_size = flag_u32(s, &[b"--ep-size", b"--expert-parallel-size", b"--ep"]);
        c.pp_size = flag_u32(s, &[b"--pp-size", b"--pipeline-parallel-size", b"--pp"]);
        (c.disaggregation_mode, c.aggregated) =
            disaggregation(flag_str(s, b"--disaggregation-mode"));
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
    flag_value(s, flag).filter(|v| !v.is_empty() && !v.starts_with(b"--") && !is_placeholder(v))
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
        assert_eq!(c.aggregated, Some(false));
    }

    #[test]
    fn null_mode_is_aggregated_not_a_mode() {
        // issue 17 item 13: SGLang prints `disaggregation_mode='null'`.
        let c = parse_config(b"server_args=ServerArgs(model_path='poolside/Laguna-S-2.1-INT4', tp_size=1, disaggregation_mode='null', x=1)");
        assert_eq!(c.disaggregation_mode, None);
        assert_eq!(c.aggregated, Some(true));
        assert_eq!(c.model_path, Some(&b"poolside/Laguna-S-2.1-INT4"[..]));
    }

    #[test]
    fn usage_hints_are_not_launch_commands() {
        // issue 17 item 13: the 2026 deprecation warning's example line.
        assert!(!is_launch_command(
            b"  Example: sglang serve --model-path <model> [options]"
        ));
        assert!(!is_launch_command(
            b"sglang serve --model-path <model> --tp-size <n>"
        ));
        assert!(is_launch_command(
            b"python -m sglang.launch_server --model-path /m --tp 2 < /dev/null 2>&1"
        ));
        assert_eq!(
            parse_config(b"python -m sglang.launch_server --model-path <model>").model_path,
            None
        );
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
