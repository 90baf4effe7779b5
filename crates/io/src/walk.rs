//! The one directory walker every job uses, with one error policy.
//!
//! * Each directory and each file is visited once, identified by device and
//!   inode: a symbolic-link loop (`ln -s . logs/self`, or `logs/a -> ../logs`
//!   beside `logs/b -> ../logs`) neither multiplies the data nor hangs, and
//!   is reported as a [`WarningKind::Loop`]. A file given twice, or given and
//!   also found in a walked folder, counts once.
//! * FIFOs, sockets and devices are skipped with a warning *without being
//!   opened* (opening a FIFO blocks until a writer appears).
//! * A dangling symbolic link, a folder that cannot be listed or a file that
//!   cannot be opened is a warning, and the walk goes on.
//! * Only a path given by the user that does not exist at all is an error.
//!
//! Which files a job wants is decided by the job: [`WalkOptions::want_file`]
//! filters by name before anything else is checked (a FIFO whose name no job
//! wants is ignored silently), and each job sniffs content on top.

use crate::error::{Error, Result};
use crate::warning::{Warning, WarningKind};
use std::collections::{HashMap, HashSet};
use std::fs::Metadata;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

/// How to walk.
#[derive(Clone, Copy, Debug)]
pub struct WalkOptions {
    /// Deepest folder level entered below a given folder (the given folder
    /// is level 0). `None`: no limit (loops are still caught).
    pub max_depth: Option<usize>,
    /// Folders (by name) not to enter, e.g. srtlog's own `cached_assets/`.
    pub skip_dir: fn(&str) -> bool,
    /// Files found in a folder that the job wants (by path). Files given by
    /// the user are always taken.
    pub want_file: fn(&Path) -> bool,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            max_depth: None,
            skip_dir: |_| false,
            want_file: |_| true,
        }
    }
}

/// A file the walk found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalkedFile {
    /// Its path (as given, or joined under the given folder).
    pub path: PathBuf,
    /// Given by the user rather than found in a folder.
    pub given: bool,
    /// Size in bytes (of the target, for a link).
    pub size: u64,
}

/// What the walk found.
#[derive(Clone, Debug, Default)]
pub struct Walk {
    /// Files in walk order: the given paths in order, each folder's entries
    /// sorted by name, depth first.
    pub files: Vec<WalkedFile>,
    /// Paths skipped, with why.
    pub warnings: Vec<Warning>,
}

/// Walks `paths` (files and folders).
///
/// Errors only when a given path does not exist (not even as a dangling
/// link): everything else is a warning in [`Walk::warnings`].
pub fn walk(paths: &[PathBuf], opts: &WalkOptions) -> Result<Walk> {
    for p in paths {
        if std::fs::symlink_metadata(p).is_err() {
            return Err(Error::NotFound(p.clone()));
        }
    }
    let mut w = Walker {
        opts,
        seen_dirs: HashSet::new(),
        seen_files: HashMap::new(),
        out: Walk::default(),
    };
    for p in paths {
        match stat(p) {
            Ok(m) if m.is_dir() => w.dir(p, &m, 0),
            Ok(m) => w.file(p, &m, true),
            Err(why) => w.warn(p, WarningKind::Unreadable, why),
        }
    }
    Ok(w.out)
}

/// Identity of a file or folder on this machine.
type Id = (u64, u64);

fn id(m: &Metadata) -> Id {
    (m.dev(), m.ino())
}

/// The metadata of `p` (following links), or why it cannot be had.
fn stat(p: &Path) -> std::result::Result<Metadata, String> {
    match std::fs::metadata(p) {
        Ok(m) => Ok(m),
        Err(e) => {
            let dangling = e.kind() == std::io::ErrorKind::NotFound
                && std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink());
            Err(if dangling {
                "dangling symbolic link: skipped".to_string()
            } else {
                format!("cannot read ({e}): skipped")
            })
        }
    }
}

struct Walker<'a> {
    opts: &'a WalkOptions,
    seen_dirs: HashSet<Id>,
    /// Files taken, and whether each was given by the user.
    seen_files: HashMap<Id, bool>,
    out: Walk,
}

impl Walker<'_> {
    fn warn(&mut self, p: &Path, kind: WarningKind, message: impl Into<String>) {
        self.out.warnings.push(Warning::new(p, kind, message));
    }

    fn dir(&mut self, dir: &Path, m: &Metadata, depth: usize) {
        if !self.seen_dirs.insert(id(m)) {
            self.warn(
                dir,
                WarningKind::Loop,
                "folder already visited (a symbolic-link loop or a second link): not read again",
            );
            return;
        }
        let rd = match std::fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) => {
                self.warn(
                    dir,
                    WarningKind::Unreadable,
                    format!("cannot list folder ({e}): skipped"),
                );
                return;
            }
        };
        let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for p in entries {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let m = match stat(&p) {
                Ok(m) => m,
                Err(why) => {
                    if (self.opts.want_file)(&p) {
                        self.warn(&p, WarningKind::Unreadable, why);
                    }
                    continue;
                }
            };
            if m.is_dir() {
                let deeper = self.opts.max_depth.is_none_or(|d| depth < d);
                if deeper && !(self.opts.skip_dir)(&name) {
                    self.dir(&p, &m, depth + 1);
                }
            } else if (self.opts.want_file)(&p) {
                self.file(&p, &m, false);
            }
        }
    }

    fn file(&mut self, p: &Path, m: &Metadata, given: bool) {
        let ft = m.file_type();
        if !ft.is_file() {
            let what = if ft.is_fifo() {
                "a named pipe (FIFO)"
            } else if ft.is_socket() {
                "a socket"
            } else if ft.is_block_device() || ft.is_char_device() {
                "a device"
            } else {
                "not a regular file"
            };
            self.warn(
                p,
                WarningKind::NotRegular,
                format!("{what}: skipped without opening it"),
            );
            return;
        }
        if let Some(&first_given) = self.seen_files.get(&id(m)) {
            // A file named and also found in a named folder is no news.
            if !given && !first_given {
                self.warn(
                    p,
                    WarningKind::Duplicate,
                    "the same file as one already read (a link): read once",
                );
            }
            return;
        }
        self.seen_files.insert(id(m), given);
        // A regular file opens without blocking: an unreadable one is found
        // here, once, instead of by every reader.
        if let Err(e) = std::fs::File::open(p) {
            self.warn(
                p,
                WarningKind::Unreadable,
                format!("cannot open ({e}): skipped"),
            );
            return;
        }
        self.out.files.push(WalkedFile {
            path: p.to_path_buf(),
            given,
            size: m.len(),
        });
    }
}

/// Total size in bytes of the regular files under `path` (a file or a
/// folder), each counted once, not inside srtlog's own `cached_assets/`:
/// the denominator of a progress bar. Loops and unreadable paths add
/// nothing (the job's own walk reports them).
pub fn total_size(path: &Path) -> u64 {
    let opts = WalkOptions {
        skip_dir: |n| n == "cached_assets",
        ..WalkOptions::default()
    };
    walk(&[path.to_path_buf()], &opts)
        .map(|w| w.files.iter().map(|f| f.size).sum())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::os::unix::fs::symlink;

    fn names(w: &Walk, root: &Path) -> Vec<String> {
        w.files
            .iter()
            .map(|f| {
                f.path
                    .strip_prefix(root)
                    .unwrap_or(&f.path)
                    .display()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn loops_are_walked_once_and_reported() {
        let d = tempfile::tempdir().unwrap();
        let logs = d.path().join("logs");
        std::fs::create_dir_all(logs.join("sub")).unwrap();
        std::fs::write(logs.join("a.log"), "x\n").unwrap();
        std::fs::write(logs.join("sub/b.log"), "y\n").unwrap();
        symlink(".", logs.join("self")).unwrap();
        symlink("../logs", logs.join("l1")).unwrap();
        symlink("../logs", logs.join("l2")).unwrap();
        let w = walk(std::slice::from_ref(&logs), &WalkOptions::default()).unwrap();
        assert_eq!(names(&w, &logs), ["a.log", "sub/b.log"]);
        let loops = w
            .warnings
            .iter()
            .filter(|w| w.kind == WarningKind::Loop)
            .count();
        assert_eq!(loops, 3, "{:?}", w.warnings);
    }

    #[test]
    fn files_given_twice_count_once() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("a.log");
        std::fs::write(&a, "x\n").unwrap();
        let w = walk(
            &[a.clone(), a.clone(), d.path().to_path_buf()],
            &WalkOptions::default(),
        )
        .unwrap();
        assert_eq!(w.files.len(), 1);
        assert!(w.files[0].given);
        assert!(w.warnings.is_empty(), "{:?}", w.warnings);
    }

    #[test]
    fn fifos_dangling_links_and_filters() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        std::fs::write(root.join("ok.log"), "x\n").unwrap();
        let st = std::process::Command::new("mkfifo")
            .arg(root.join("pipe.log"))
            .status()
            .unwrap();
        assert!(st.success());
        symlink(root.join("gone"), root.join("bad.log")).unwrap();
        std::fs::create_dir(root.join("cached_assets")).unwrap();
        std::fs::write(root.join("cached_assets/c.log"), "x\n").unwrap();
        std::fs::write(root.join("other.bin"), "x\n").unwrap();
        let opts = WalkOptions {
            skip_dir: |n| n == "cached_assets",
            want_file: |p| p.extension().is_some_and(|e| e == "log"),
            ..WalkOptions::default()
        };
        let w = walk(&[root.to_path_buf()], &opts).unwrap();
        assert_eq!(names(&w, root), ["ok.log"]);
        let mut kinds: Vec<(String, WarningKind)> = w
            .warnings
            .iter()
            .map(|w| (w.path.file_name().unwrap().to_string_lossy().into(), w.kind))
            .collect();
        kinds.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            kinds,
            [
                ("bad.log".to_string(), WarningKind::Unreadable),
                ("pipe.log".to_string(), WarningKind::NotRegular)
            ]
        );
        // Given explicitly, a FIFO is still not opened.
        let w = walk(&[root.join("pipe.log")], &opts).unwrap();
        assert!(w.files.is_empty());
        assert_eq!(w.warnings[0].kind, WarningKind::NotRegular);
        // A path that does not exist at all is an error.
        assert!(walk(&[root.join("nope")], &opts).is_err());
    }

    #[test]
    fn total_size_counts_each_file_once() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a"), "12345").unwrap();
        std::fs::create_dir(d.path().join("cached_assets")).unwrap();
        std::fs::write(d.path().join("cached_assets/c"), "123").unwrap();
        symlink(".", d.path().join("self")).unwrap();
        assert_eq!(total_size(d.path()), 5);
        assert_eq!(total_size(&d.path().join("a")), 5);
    }

    #[test]
    fn depth_is_limited() {
        let d = tempfile::tempdir().unwrap();
        let deep = d.path().join("1/2/3");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(d.path().join("1/a"), "").unwrap();
        std::fs::write(deep.join("b"), "").unwrap();
        let opts = WalkOptions {
            max_depth: Some(1),
            ..WalkOptions::default()
        };
        let w = walk(&[d.path().to_path_buf()], &opts).unwrap();
        assert_eq!(names(&w, d.path()), ["1/a"]);
    }
}
