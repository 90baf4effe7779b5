//! The identity of a source file: what the worker-log Parquet cache and the
//! dataset manifest (`srtlog ingest`) compare to decide that a file is
//! unchanged, so neither parses it again.
//!
//! A fingerprint is the file's canonical path, size, modification time,
//! status-change time (ctime), inode and a hash of its first and last
//! 64 KiB. Hashing the head and tail instead of the whole file (the Python
//! srtlog read every byte for an MD5) keeps the check constant-time per
//! file; the size and mtime catch appends and rewrites that the sampled
//! bytes could miss, and the ctime and inode catch an edit whose mtime was
//! restored (`touch -r`, `cp -p`, `rsync -t`): the ctime cannot be set back.
//! Paths are canonical so that a relative and an absolute spelling agree.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Bytes hashed at each end of a file.
const SAMPLE: u64 = 64 * 1024;

/// Identity of one source file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// Canonical path.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: i128,
    /// FNV-1a 64 of the first and last 64 KiB, hex.
    pub head_tail: String,
    /// Status-change time, nanoseconds since the epoch (0 in metadata from
    /// releases that did not record it, which then never matches).
    #[serde(default)]
    pub ctime_ns: i128,
    /// Inode number (0 in older metadata).
    #[serde(default)]
    pub inode: u64,
}

/// The FNV-1a 64-bit offset basis.
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a, 64-bit (Fowler, Noll, Vo; IETF draft-eastlake-fnv), continuing
/// from `h` ([`FNV_OFFSET`] to start). Stable across platforms and
/// releases, which a cache key needs and `std`'s hasher is not.
pub fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Fingerprints a file; its path is made canonical (absolute, links
/// resolved) so that a relative and an absolute spelling agree.
pub fn fingerprint(path: &Path) -> Result<Fingerprint> {
    use std::os::unix::fs::MetadataExt;
    let io = |e| Error::io(path, e);
    let canonical = std::fs::canonicalize(path).map_err(io)?;
    let meta = std::fs::metadata(path).map_err(io)?;
    let ctime_ns = i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec());
    let mtime_ns = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i128);
    let mut f = File::open(path).map_err(io)?;
    let mut buf = Vec::with_capacity(SAMPLE as usize);
    (&mut f).take(SAMPLE).read_to_end(&mut buf).map_err(io)?;
    let mut h = fnv1a(FNV_OFFSET, &buf);
    if meta.len() > SAMPLE {
        buf.clear();
        f.seek(SeekFrom::Start(
            meta.len().saturating_sub(SAMPLE).max(SAMPLE),
        ))
        .map_err(io)?;
        f.take(SAMPLE).read_to_end(&mut buf).map_err(io)?;
        h = fnv1a(h, &buf);
    }
    Ok(Fingerprint {
        path: canonical.display().to_string(),
        size: meta.len(),
        mtime_ns,
        head_tail: format!("{h:016x}"),
        ctime_ns,
        inode: meta.ino(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_reference_values() {
        // Published FNV-1a 64 test vectors (draft-eastlake-fnv, appendix).
        assert_eq!(fnv1a(FNV_OFFSET, b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(FNV_OFFSET, b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(FNV_OFFSET, b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn an_edit_changes_the_fingerprint() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.log");
        std::fs::write(&p, b"one\n").unwrap();
        let a = fingerprint(&p).unwrap();
        assert_eq!(a, fingerprint(&dir.path().join(".").join("a.log")).unwrap());
        std::fs::write(&p, b"two\n").unwrap();
        let b = fingerprint(&p).unwrap();
        assert_ne!(a.head_tail, b.head_tail);
        assert!(fingerprint(&dir.path().join("missing")).is_err());
    }
}
