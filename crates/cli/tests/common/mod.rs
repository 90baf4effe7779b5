//! Helpers shared by the integration tests of the `srtlog` binary.

pub mod browser;
pub mod guarded;
