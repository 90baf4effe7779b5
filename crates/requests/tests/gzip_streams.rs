//! `requests` on gzip streams instead of holding the decompressed stream
//! (issue 17 item 3): a `.gz` that expands to 256 MiB is read with a peak
//! memory far below its decompressed size. Alone in its test binary, so the
//! process's peak resident size measures this load only.

#![allow(clippy::unwrap_used)]

use std::io::Write;

/// Peak resident set size of this process, in bytes (Linux).
fn peak_rss() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[test]
fn a_gzip_expanding_to_256_mib_is_streamed() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("junk.log.gz");
    // One member of 1 MiB of 100-byte non-JSON lines, written 256 times:
    // gzip readers read concatenated members as one stream.
    let line = format!("{}\n", "n".repeat(99));
    let mib: String = line.repeat((1 << 20) / line.len());
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(mib.as_bytes()).unwrap();
    let member = e.finish().unwrap();
    let mut f = std::fs::File::create(&p).unwrap();
    for _ in 0..256 {
        f.write_all(&member).unwrap();
    }
    drop(f);
    let Some(before) = peak_rss() else {
        eprintln!("SKIP: no /proc/self/status");
        return;
    };
    let l = srtlog_requests::load(&[p], &srtlog_requests::LoadOptions::default()).unwrap();
    let r = &l.files[0];
    assert_eq!(r.bytes, 256 * mib.len() as u64);
    assert_eq!(r.bad_lines, 256 * (mib.len() as u64 / 100));
    let grew = peak_rss().unwrap().saturating_sub(before);
    assert!(grew < 128 << 20, "peak grew by {} MiB", grew >> 20);
}
