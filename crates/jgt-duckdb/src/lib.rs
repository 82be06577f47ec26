//! jgt on DuckDB: the embedded default engine.
//!
//! This crate is the only one in jgt that links DuckDB. It owns
//! [`DuckDbAdapter`] (one database file, opened read-write with its lock or
//! read-only, building each node in a transaction so a failure leaves the
//! previous relation intact) and [`DuckDbDialect`] (double-quoted
//! identifiers, the profile's schema (`main` by default), `MERGE`, seeds read from local files
//! with DuckDB's CSV reader). Every line of DuckDB-specific SQL jgt runs is
//! written here.

// With neither feature the duckdb crate links whatever DuckDB it finds, or
// downloads one: stop with a clear message rather than a puzzling link error.
#[cfg(not(any(feature = "bundled", feature = "system-duckdb")))]
compile_error!(
    "jgt-duckdb needs a DuckDB: turn on its `bundled` feature (the default) \
     or `system-duckdb` to link a DuckDB 2.0 library already installed"
);

mod adapter;
mod catalog;
mod clock;
mod closing;
mod contract;
mod dialect;
mod external;
mod file;
mod hooks;
mod incremental;
mod options;
mod seed;
mod snapshot;

pub use adapter::DuckDbAdapter;
pub use dialect::{quote_ident, DuckDbDialect};
pub use options::{Attach, OpenOptions};

#[cfg(test)]
mod tests;
