//! Carrying out a jgt plan through an adapter, with no database of its own.
//!
//! This crate owns the [`Adapter`] trait (what jgt needs from a database
//! engine; each engine's crate implements it, `jgt-duckdb` for DuckDB),
//! the [`runner`] that builds a plan's nodes in order, atomically one by
//! one, timing each and skipping everything downstream of a failure while
//! independent branches go on, the scheduler behind `--threads`, and the
//! [`Cancel`] switch Ctrl-C turns. Seeds are checked here, the same for
//! every engine, before an adapter loads them. Rendering and graph logic
//! stay out: a plan arrives with its SQL compiled and its parents resolved.

mod adapter;
mod cancel;
pub mod conformance;
mod error;
mod introspect;
mod parallel;
pub mod runner;
mod unit;

pub use adapter::{Adapter, Interrupter};
pub use cancel::Cancel;
pub use error::ExecError;
pub use introspect::{AdapterIntrospect, Rerender};
pub use jgt_core::plan::{
    Incremental, Inlined, PlannedNode, SchemaChange, SeedOptions, Strategy, Work,
};
pub use jgt_core::results::{Column, NodeResult, QueryResult, Status};
pub use runner::{run, run_parallel, INTERRUPTED_BEFORE, INTERRUPTED_DURING, STOPPED_BEFORE};
