//! The block engine against a sequential read: same lines, same line
//! numbers, whatever the block size, the encoding or the stream mode;
//! overlong lines skipped with their numbers; truncated streams reported.

#![allow(clippy::unwrap_used)]

use srtlog_io::blocks::{run, BlockJob, BlockOptions, StreamMode};
use srtlog_io::WarningKind;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;

/// Keeps every non-empty line with its 0-based index in the block.
struct Lines;

impl BlockJob for Lines {
    type Out = Vec<(u64, String)>;
    fn parse(&self, _file: usize, block: &[u8], _last: bool) -> Self::Out {
        block
            .split(|&b| b == b'\n')
            .enumerate()
            .filter(|(_, l)| !l.is_empty())
            .map(|(i, l)| (i as u64, String::from_utf8_lossy(l).into_owned()))
            .collect()
    }
}

#[derive(Debug, Default, PartialEq)]
struct Seen {
    /// `(file, 1-based line, text)`.
    lines: Vec<(usize, u64, String)>,
    overlong: Vec<(usize, u64)>,
    warnings: Vec<WarningKind>,
}

fn read(files: &[PathBuf], opts: &BlockOptions) -> Seen {
    let mut s = Seen::default();
    run(files, &Lines, opts, &AtomicU64::new(0), |t| {
        for b in t.blocks {
            for (i, l) in b.out {
                s.lines.push((t.file, b.line_base + i + 1, l));
            }
            s.overlong.extend(b.overlong.iter().map(|&l| (t.file, l)));
        }
        s.warnings.extend(t.warning.map(|w| w.kind));
        Ok::<_, ()>(())
    })
    .unwrap();
    s
}

fn text(n: usize, long_every: usize, long: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        if long_every > 0 && i % long_every == 3 {
            s.push_str(&"x".repeat(long));
        } else {
            s.push_str(&format!("line {i} {}", "y".repeat(i % 13)));
        }
        s.push('\n');
    }
    s
}

fn gz(path: &Path, data: &[u8]) {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    std::fs::write(path, e.finish().unwrap()).unwrap();
}

fn opts(block: usize, cap: usize, streams: StreamMode) -> BlockOptions {
    BlockOptions {
        block_bytes: block,
        stream_block_bytes: block,
        max_line: cap,
        window: 3,
        streams,
    }
}

/// The expected result of a sequential read.
fn expected(files: &[&str], cap: usize) -> Seen {
    let mut s = Seen::default();
    for (f, t) in files.iter().enumerate() {
        for (i, l) in t.split_inclusive('\n').enumerate() {
            if l.len() > cap {
                s.overlong.push((f, i as u64 + 1));
            } else if !l.trim_end_matches('\n').is_empty() {
                s.lines
                    .push((f, i as u64 + 1, l.trim_end_matches('\n').to_string()));
            }
        }
    }
    s
}

#[test]
fn same_as_sequential_for_every_block_size_and_encoding() {
    let d = tempfile::tempdir().unwrap();
    let a = text(3000, 0, 0);
    let b = text(2000, 0, 0) + "no newline at the end";
    let (pa, pb) = (d.path().join("a.log"), d.path().join("b.log.gz"));
    std::fs::write(&pa, &a).unwrap();
    gz(&pb, b.as_bytes());
    let want = expected(&[&a, &b], usize::MAX);
    for block in [7, 100, 4096, 1 << 20] {
        for mode in [StreamMode::OneTask, StreamMode::Parallel] {
            let got = read(&[pa.clone(), pb.clone()], &opts(block, 1 << 20, mode));
            assert_eq!(got, want, "block {block}, {mode:?}");
        }
    }
}

#[test]
fn overlong_lines_are_skipped_with_their_numbers() {
    let d = tempfile::tempdir().unwrap();
    // Long lines of 300 bytes every 50 lines, a cap of 100 bytes.
    let a = text(1000, 50, 300) + &"z".repeat(5000);
    let (pa, pb) = (d.path().join("a.log"), d.path().join("a.log.zst"));
    std::fs::write(&pa, &a).unwrap();
    std::fs::write(&pb, zstd::encode_all(a.as_bytes(), 1).unwrap()).unwrap();
    let mut want = expected(&[&a, &a], 100);
    assert_eq!(want.overlong.len(), 2 * 21);
    assert_eq!(&want.overlong[..2], &[(0, 4), (0, 54)]);
    for block in [64, 250, 1000, 1 << 20] {
        for mode in [StreamMode::OneTask, StreamMode::Parallel] {
            let mut got = read(&[pa.clone(), pb.clone()], &opts(block, 100, mode));
            got.overlong.sort();
            want.overlong.sort();
            assert_eq!(got, want, "block {block}, {mode:?}");
        }
    }
}

#[test]
fn a_huge_line_without_newline_costs_linear_time() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("zeros.log");
    let mut data = b"first\n".to_vec();
    data.extend(std::iter::repeat_n(b'0', 64 << 20));
    data.extend_from_slice(b"\nlast\n");
    std::fs::write(&p, &data).unwrap();
    let pz = d.path().join("zeros.log.gz");
    gz(&pz, &data);
    let t = std::time::Instant::now();
    let got = read(&[p, pz], &opts(1 << 20, 1 << 20, StreamMode::Parallel));
    // A guard, not a timing test: the quadratic reader took minutes.
    assert!(t.elapsed().as_secs() < 60);
    assert_eq!(got.overlong, [(0, 2), (1, 2)]);
    let texts: Vec<&str> = got.lines.iter().map(|l| l.2.as_str()).collect();
    assert_eq!(texts, ["first", "last", "first", "last"]);
    assert_eq!(got.lines[1].1, 3);
}

#[test]
fn truncated_streams_keep_the_lines_before() {
    let d = tempfile::tempdir().unwrap();
    let a = text(20_000, 0, 0);
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(a.as_bytes()).unwrap();
    let full = e.finish().unwrap();
    let p = d.path().join("cut.log.gz");
    std::fs::write(&p, &full[..full.len() / 2]).unwrap();
    for mode in [StreamMode::OneTask, StreamMode::Parallel] {
        let got = read(std::slice::from_ref(&p), &opts(4096, 1 << 20, mode));
        assert_eq!(got.warnings, [WarningKind::Truncated], "{mode:?}");
        assert!(got.lines.len() > 1000, "{}", got.lines.len());
        // Every line kept is a line of the file, at its place.
        for (_, n, l) in &got.lines[..got.lines.len() - 1] {
            assert_eq!(
                l,
                &format!("line {} {}", n - 1, "y".repeat((*n as usize - 1) % 13))
            );
        }
    }
}

#[test]
fn unreadable_files_are_warnings() {
    let d = tempfile::tempdir().unwrap();
    let ok = d.path().join("ok.log");
    std::fs::write(&ok, "a\nb\n").unwrap();
    let got = read(
        &[d.path().join("missing.log"), ok],
        &opts(1 << 20, 1 << 20, StreamMode::Parallel),
    );
    assert_eq!(got.warnings, [WarningKind::Unreadable]);
    assert_eq!(got.lines, [(1, 1, "a".into()), (1, 2, "b".into())]);
}

/// A read error names the file once (it read `/proc/self/mem:
/// /proc/self/mem: Input/output error`, the path of the warning and the
/// path inside the I/O error's own text).
#[cfg(target_os = "linux")]
#[test]
fn a_read_error_names_the_file_once() {
    let path = PathBuf::from("/proc/self/mem");
    let mut texts = Vec::new();
    run(
        std::slice::from_ref(&path),
        &Lines,
        &opts(1 << 20, 1 << 20, StreamMode::Parallel),
        &AtomicU64::new(0),
        |t| {
            texts.extend(t.warning.map(|w| w.to_string()));
            Ok::<_, ()>(())
        },
    )
    .unwrap();
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert_eq!(
        texts[0].matches("/proc/self/mem").count(),
        1,
        "{}",
        texts[0]
    );
}

/// Issue 17 item 10: a file whose lines end with CR alone (old Mac tools,
/// some `script` captures) is read with CR as the line end, plain or
/// compressed, whatever the block size; `\r\n` stays one line end; a file
/// with LF line ends keeps its `\r` bytes (tqdm progress states).
#[test]
fn cr_only_files_are_read_line_by_line() {
    let d = tempfile::tempdir().unwrap();
    let lf = text(500, 0, 0);
    let want = read(
        &[{
            let p = d.path().join("lf.log");
            std::fs::write(&p, &lf).unwrap();
            p
        }],
        &BlockOptions::default(),
    );
    assert_eq!(want.lines.len(), 500);
    let cr = lf.replace('\n', "\r");
    let plain = d.path().join("cr.log");
    std::fs::write(&plain, &cr).unwrap();
    let zipped = d.path().join("cr.log.gz");
    gz(&zipped, cr.as_bytes());
    for p in [&plain, &zipped] {
        for mode in [StreamMode::OneTask, StreamMode::Parallel] {
            for block in [64, 1000, 1 << 20] {
                let got = read(std::slice::from_ref(p), &opts(block, 1 << 20, mode));
                assert_eq!(got.lines, want.lines, "{p:?} {mode:?} {block}");
                assert!(got.warnings.is_empty());
            }
        }
    }
    // An LF past the first MiB after a CR (a CR LF pair): one line end.
    let mut big = "0123456789abcdef\r".repeat(70_000);
    big.push_str("x\r\ny\r");
    let mixed = d.path().join("mixed.log");
    std::fs::write(&mixed, &big).unwrap();
    let got = read(&[mixed], &BlockOptions::default());
    assert_eq!(got.lines.len(), 70_002);
    assert_eq!(got.lines[70_000], (0, 70_001, "x".to_string()));
    assert_eq!(got.lines[70_001], (0, 70_002, "y".to_string()));
    // A file with LF line ends keeps its CRs: `a\rb\r` is one line.
    let lf_file = d.path().join("lf2.log");
    std::fs::write(&lf_file, "a\rb\r\nc\rd").unwrap();
    let got = read(&[lf_file], &BlockOptions::default());
    assert_eq!(got.lines.len(), 2);
    // tqdm states inside an LF file stay inside their line.
    let tqdm = d.path().join("tqdm.log");
    std::fs::write(&tqdm, "start\n 10%|#\r 50%|#####\r100%|##########\ndone\n").unwrap();
    let got = read(&[tqdm], &BlockOptions::default());
    assert_eq!(got.lines.len(), 3);
    assert_eq!(got.lines[1].2, " 10%|#\r 50%|#####\r100%|##########");
}

/// Runs `f` on a thread, failing the test if it has not finished within a
/// generous guard (a hang fails; this is not a timing test).
fn within_a_minute<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(std::time::Duration::from_secs(60))
        .expect("the block engine hung")
}

#[test]
fn inside_a_rayon_pool_the_windows_are_merged_in_turn_with_the_same_result() {
    let d = tempfile::tempdir().unwrap();
    let a = text(3000, 0, 0);
    let b = text(2000, 0, 0);
    let (pa, pb) = (d.path().join("a.log"), d.path().join("b.log.gz"));
    std::fs::write(&pa, &a).unwrap();
    gz(&pb, b.as_bytes());
    let want = expected(&[&a, &b], usize::MAX);
    let files = vec![pa, pb];
    let outside = read(&files, &opts(100, 1 << 20, StreamMode::Parallel));
    assert_eq!(outside, want);
    // A one-thread pool: were the engine to block its only worker on the
    // producer thread, nothing would run the parse and this would hang.
    let inside = within_a_minute(move || {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        pool.install(|| read(&files, &opts(100, 1 << 20, StreamMode::Parallel)))
    });
    assert_eq!(inside, want);
}

#[test]
fn a_merge_error_stops_the_run_without_a_hang() {
    let d = tempfile::tempdir().unwrap();
    let a = text(5000, 0, 0);
    let pa = d.path().join("a.log");
    std::fs::write(&pa, &a).unwrap();
    let (merged, result) = within_a_minute(move || {
        let mut merged = 0;
        let result = run(
            &[pa],
            &Lines,
            &opts(64, 1 << 20, StreamMode::Parallel),
            &AtomicU64::new(0),
            |_| {
                merged += 1;
                if merged == 3 {
                    Err("stop")
                } else {
                    Ok(())
                }
            },
        );
        (merged, result)
    });
    assert_eq!(result, Err("stop"));
    // Nothing is merged after the error.
    assert_eq!(merged, 3);
}
