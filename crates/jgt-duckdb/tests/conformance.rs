//! The adapter conformance suite (see `jgt_exec::conformance` for its table
//! of cases) on DuckDB: each case opens a fresh in-memory database.
//! DuckDB has every capability the suite asks about, so every case checks.

use jgt_duckdb::{DuckDbAdapter, DuckDbDialect};
use jgt_exec::conformance::Engine;

fn duckdb() -> Engine {
    Engine {
        open: Box::new(|| Box::new(DuckDbAdapter::in_memory().expect("an in-memory DuckDB"))),
        dialect: Box::new(DuckDbDialect::default()),
    }
}

jgt_exec::conformance_tests!(duckdb());
