//! jgt on PostgreSQL.
//!
//! [`PostgresDialect`] (double-quoted identifiers, the profile's schema,
//! `public` by default, `MERGE` as PostgreSQL 15 has it, seeds sent to the
//! server) is always built. [`PostgresAdapter`] and its client library
//! come with the crate's `postgres` feature, which the CLI's `postgres`
//! feature turns on, so the default build does not link a PostgreSQL
//! client.
//!
//! The adapter builds every node inside one transaction (PostgreSQL's DDL
//! is transactional): a table or view is created under a temporary name
//! and renamed into place, so a failed build leaves the old relation.
//! Snapshots and enforced contracts are not implemented yet: they fail
//! with [`jgt_exec::ExecError::Unsupported`], and the dialect's
//! capabilities say so.

mod dialect;

#[cfg(feature = "postgres")]
mod adapter;
#[cfg(feature = "postgres")]
mod build;
#[cfg(feature = "postgres")]
mod client;
#[cfg(feature = "postgres")]
mod dependents;
#[cfg(feature = "postgres")]
mod incremental;
#[cfg(feature = "postgres")]
mod seed;

#[cfg(feature = "postgres")]
pub use adapter::{ConnectOptions, PostgresAdapter};
pub use dialect::{quote_ident, PostgresDialect};
