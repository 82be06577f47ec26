//! Executing jgt's plans against a database.
//!
//! This crate owns everything that touches the database: the [`Adapter`]
//! trait (the one seam between the graph and a database engine), its DuckDB
//! implementation ([`DuckDbAdapter`], an embedded database file), and the
//! [`runner`] that builds a planned list of nodes in order, atomically one
//! by one, timing each, and skipping everything downstream of a failure
//! while independent branches go on. Rendering and graph logic stay out:
//! a plan arrives with its SQL compiled and its parents resolved.

mod adapter;
mod duck;
mod error;
mod incremental;
mod parallel;
pub mod runner;

pub use adapter::{Adapter, Column, Incremental, QueryResult, SchemaChange, SeedOptions, Strategy};
pub use duck::DuckDbAdapter;
pub use error::ExecError;
pub use runner::{run, run_parallel, NodeResult, PlannedNode, Status, Work};

#[cfg(test)]
mod tests;
