//! One module per subcommand.

pub mod parse;
pub mod requests;
pub mod simulate;
pub mod stats;
pub mod viz;
