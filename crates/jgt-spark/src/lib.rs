//! jgt on Apache Spark, through Spark Connect (Spark 3.4 and later, and
//! Sail, which speaks the same protocol).
//!
//! [`SparkDialect`] (backtick-quoted names, a schema is a Spark database,
//! `default` unless the profile sets another) is always built.
//! [`SparkAdapter`] and its client come with the crate's `spark` feature,
//! which the CLI's `spark` feature turns on, so the default build has no
//! gRPC, protobuf or async runtime in it.
//!
//! The client is jgt's own and small: one HTTP/2 channel ([`tonic`]),
//! one session, `ExecutePlan` for SQL (rows come back as Arrow IPC
//! batches), `AnalyzePlan` for schemas, `Config` and `Interrupt`. Its
//! messages are generated from the Spark Connect `.proto` files vendored
//! in `proto/` (Apache-2.0, from the pyspark 4.3.0 wheel) and committed
//! in `src/proto/spark.connect.rs`, so building needs no `protoc`. To
//! regenerate them (needs `protoc`, Debian's `protobuf-compiler`):
//! `cargo run --manifest-path crates/jgt-spark/proto-gen/Cargo.toml`.
//!
//! Spark has no transactions: a table or view is built under
//! `<name>__jgt_tmp` and swapped in by renames, so a failed build leaves
//! the old relation readable (see the `build` module); hooks run before
//! and after, not inside a transaction. Seeds are read by jgt and sent as
//! Arrow batches, never as a path the server would have to read.
//! Incremental strategies: `append`, `insert_overwrite` (dynamic
//! partition overwrite, as dbt-spark), `merge` (delta, iceberg, hudi
//! tables only; refused when compiling otherwise) and `delete+insert`
//! (jgt's own: dbt-spark has none; the table is rewritten and swapped).
//! Threads are concurrent operations in one session: the adapter's clones
//! share it.
//!
//! The adapter asks the server's `version()` whether it is Spark or Sail
//! and writes the SQL each takes. Sail 0.7 cannot rename tables or views
//! (jgt replaces them with `create or replace` from the checked
//! temporary table instead), cannot `alter table ... add columns` (the
//! table is rewritten) and overwrites a partitioned table whole on
//! `insert overwrite` (jgt keeps the untouched partitions by rewriting);
//! its catalogs live in a session, so what one jgt run builds is not seen
//! by another session. Spark's catalog takes only letters, digits and `_`
//! in database and table names.
//! Snapshots, enforced contracts, `external`, `persist_docs` and TLS are
//! not implemented yet: they fail with
//! [`ExecError::Unsupported`](jgt_exec::ExecError::Unsupported), and the
//! dialect's capabilities say so.

mod dialect;

#[cfg(feature = "spark")]
mod adapter;
#[cfg(feature = "spark")]
mod arrow;
#[cfg(feature = "spark")]
mod build;
#[cfg(feature = "spark")]
mod catalog;
#[cfg(feature = "spark")]
mod client;
#[cfg(feature = "spark")]
mod error;
#[cfg(feature = "spark")]
mod incremental;
#[cfg(feature = "spark")]
mod proto;
#[cfg(feature = "spark")]
mod seed;
#[cfg(feature = "spark")]
mod text;
#[cfg(feature = "spark")]
mod types;

#[cfg(feature = "spark")]
pub use adapter::{ConnectOptions, SparkAdapter};
pub use dialect::{
    file_format, quote_ident, string_literal, updates_rows, SparkDialect, DEFAULT_FORMAT,
};
