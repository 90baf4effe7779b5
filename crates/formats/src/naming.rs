//! Worker file-name conventions (formats.md §1.10 and §5).
//!
//! srt-slurm writes one file per worker, `{node}_{mode}_{worker}.{out|err}`
//! with mode `prefill`, `decode` or `agg`; frontends are
//! `{node}_frontend_{i}.out`. Node names contain `_` and `-`, so the mode is
//! found at the **last** `_{mode}_`. Compression suffixes (`.gz`, `.zst`) are
//! ignored for naming.

/// The role a file name declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// A prefill worker of a disaggregated run.
    Prefill,
    /// A decode worker of a disaggregated run.
    Decode,
    /// An aggregated worker (prefill and decode in one server).
    Agg,
    /// A frontend/router process: not a worker.
    Frontend,
}

impl Role {
    /// Lower-case name as used in file names and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Prefill => "prefill",
            Role::Decode => "decode",
            Role::Agg => "agg",
            Role::Frontend => "frontend",
        }
    }
}

/// The parts of a conventional worker file name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerName<'a> {
    /// Node (host) name, e.g. `eos0234` or `watchtower-navy-cn01`.
    pub node: &'a str,
    /// Declared role.
    pub role: Role,
    /// Worker id within the node, e.g. `w0`.
    pub worker_id: &'a str,
}

/// Strips `.gz`/`.zst`/`.zstd` from a file name.
pub fn strip_compression(name: &str) -> &str {
    for ext in [".gz", ".zst", ".zstd"] {
        if let Some(s) = name.strip_suffix(ext) {
            return s;
        }
    }
    name
}

/// Parses `{node}_{mode}_{worker}.{out|err}`; `None` when the name does not
/// follow the convention.
pub fn parse_worker_name(file_name: &str) -> Option<WorkerName<'_>> {
    let name = strip_compression(file_name);
    let stem = name
        .strip_suffix(".out")
        .or_else(|| name.strip_suffix(".err"))?;
    let mut best: Option<(usize, Role, usize)> = None;
    for (role, tag) in [
        (Role::Prefill, "_prefill_"),
        (Role::Decode, "_decode_"),
        (Role::Agg, "_agg_"),
        (Role::Frontend, "_frontend_"),
    ] {
        if let Some(i) = stem.rfind(tag) {
            if best.is_none_or(|(j, _, _)| i > j) {
                best = Some((i, role, tag.len()));
            }
        }
    }
    let (i, role, len) = best?;
    let node = &stem[..i];
    let worker_id = &stem[i + len..];
    if node.is_empty() || worker_id.is_empty() {
        return None;
    }
    Some(WorkerName {
        node,
        role,
        worker_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conventional_names() {
        let w = parse_worker_name("eos0234_prefill_w0.out").unwrap();
        assert_eq!(
            (w.node, w.role, w.worker_id),
            ("eos0234", Role::Prefill, "w0")
        );
        let w = parse_worker_name("watchtower-navy_cn01_decode_w12.err.gz").unwrap();
        assert_eq!(
            (w.node, w.role, w.worker_id),
            ("watchtower-navy_cn01", Role::Decode, "w12")
        );
        let w = parse_worker_name("my_agg_node_agg_w3.out.zst").unwrap();
        assert_eq!(
            (w.node, w.role, w.worker_id),
            ("my_agg_node", Role::Agg, "w3")
        );
        let w = parse_worker_name("eos0001_frontend_0.out").unwrap();
        assert_eq!(w.role, Role::Frontend);
        assert!(parse_worker_name("prefill.log").is_none());
        assert!(parse_worker_name("benchmark.out").is_none());
        assert!(parse_worker_name("_prefill_w0.out").is_none());
    }
}
