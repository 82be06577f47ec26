//! The vocabulary every jgt crate shares, and nothing that touches a
//! database.
//!
//! This crate owns the small types that cross crate boundaries: a
//! [`Relation`] and how a node becomes one ([`Materialization`]), the
//! [`Dialect`] through which everything that writes SQL asks the target
//! database how to spell it, a test's [`TestConfig`], the [`plan`] the
//! runner carries out and the [`results`] it gives back. It also holds two
//! database-free readers every engine needs (and [`Existing`], the
//! relations a database holds, which may still be on their way): [`sql`], which tells where one
//! SQL statement ends, and [`csv`], which checks a seed's shape before any
//! database reads it; [`seed_types`] works out the column types dbt gives
//! a seed. [`unit_test`] writes the SQL of dbt's unit tests and compares
//! their rows; [`freshness`] judges how old a source's newest row may be.

pub mod contract;
pub mod csv;
mod dialect;
mod existing;
pub mod freshness;
pub mod hash;
pub mod hex;
pub mod introspect;
pub mod parallel;
pub mod plan;
mod relation;
pub mod results;
pub mod schema_change;
pub mod seed_types;
pub mod sql;
mod test_config;
pub mod unit_test;

pub use contract::{Constraint, ConstraintKind, Contract, ContractColumn};
pub use dialect::{AnsiDialect, Capabilities, Dialect};
pub use existing::{Existing, Reading};
pub use introspect::{Introspect, RelationType};
pub use plan::{
    External, HardDeletes, Hook, Hooks, Incremental, Inlined, PersistDocs, PlannedNode,
    SchemaChange, SeedOptions, Snapshot, SnapshotColumns, SnapshotStrategy, Storage, Strategy,
    Work,
};
pub use relation::{Materialization, Relation};
pub use results::{Column, NodeResult, QueryResult, Status};
pub use test_config::{threshold_met, InvalidValue, Severity, TestConfig};
pub use unit_test::{Fixture, FixtureInput, FixtureValue, UnitTestWork};
