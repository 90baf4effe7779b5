//! srtlog-io: the one I/O layer every srtlog job reads and writes through.
//!
//! * [`open`]: plain, gzip and zstd inputs recognised by their magic bytes,
//!   positional reads of line-aligned byte ranges.
//! * [`atomic`]: output that is complete or absent (a temporary file beside
//!   the target, renamed into place when complete).
//!
//! Decoding is not here: the decoders in `srtlog-formats` are pure (bytes
//! in, typed rows out), and this crate is where the bytes come from.
#![warn(missing_docs)]

pub mod atomic;
pub mod error;
pub mod http;
pub mod open;

pub use atomic::{write_atomic, AtomicFile};
pub use error::{Error, Result};
pub use open::{open_decoded, read_decoded_head, read_head, sniff_encoding, Encoding};
