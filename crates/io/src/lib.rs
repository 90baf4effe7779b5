//! srtlog-io: the one I/O layer every srtlog job reads and writes through.
//!
//! * [`open`]: plain, gzip and zstd inputs recognised by their magic bytes.
//! * [`walk`](mod@walk): the one directory walker, with one error policy (each file
//!   and folder once by device and inode, symlink loops and FIFOs reported
//!   and skipped, unreadable paths reported and skipped).
//! * [`blocks`]: the one block engine (line-aligned byte blocks parsed in
//!   parallel a window at a time, merged in file order, overlong lines
//!   capped, truncated streams reported).
//! * [`atomic`]: output that is complete or absent (a temporary file beside
//!   the target, renamed into place when complete; stale temporaries of
//!   killed runs removed by the next run).
//! * [`warning`]: the typed, per-path problems the readers report.
//! * [`http`]: the scraper's HTTP client.
//! * [`error`]: the errors that stop an operation.
//! * [`fingerprint`](mod@fingerprint): the identity of a source file (size, times, inode, head and
//!   tail hash) that the parse cache and the dataset manifest compare.
//!
//! Decoding is not here: the decoders in `srtlog-formats` are pure (bytes
//! in, typed rows out), and this crate is where the bytes come from.
#![warn(missing_docs)]

pub mod atomic;
pub mod blocks;
pub mod error;
pub mod fingerprint;
pub mod http;
pub mod open;
pub mod walk;
pub mod warning;

pub use atomic::{write_atomic, AtomicFile};
pub use error::{Error, Result};
pub use fingerprint::{fingerprint, Fingerprint};
pub use open::{open_decoded, read_decoded_head, read_head, sniff_encoding, Encoding};
pub use walk::{walk, Walk, WalkOptions, WalkedFile};
pub use warning::{Warning, WarningKind};
