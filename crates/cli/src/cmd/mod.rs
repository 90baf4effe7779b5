//! One module per command, each owning its arguments (`Args`) and its
//! `run` (xsv style).

pub mod aiperf;
pub mod audit;
pub mod check;
pub mod compare;
pub mod follow;
pub mod hint;
pub mod ingest;
pub mod parse;
pub mod requests;
pub mod scrape;
pub mod simulate;
pub mod snapshots;
pub mod stats;
pub mod viz;
