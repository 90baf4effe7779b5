//! One module per subcommand.

pub mod aiperf;
pub mod audit;
pub mod check;
pub mod parse;
pub mod request;
pub mod requests;
pub mod scrape;
pub mod simulate;
pub mod snapshots;
pub mod snapshots_report;
pub mod stats;
pub mod viz;
