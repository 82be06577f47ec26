//! The one seam between jgt and a database.

use std::path::Path;

use jgt_core::{
    Column, Contract, Dialect, External, Hooks, Incremental, Materialization, QueryResult,
    Relation, SeedOptions, Snapshot, Storage,
};

use crate::error::ExecError;

/// Cancels the statement a connection is running now; called from another
/// thread (the Ctrl-C handler). The statement fails and its transaction
/// rolls back.
pub type Interrupter = std::sync::Arc<dyn Fn() + Send + Sync>;

/// What jgt needs from a database. Every build is atomic: when a method
/// fails, the relation it was building is as it was before the call.
///
/// The building methods take the node's [`Hooks`]: those that run inside
/// the transaction (dbt's default) run in the build's own transaction,
/// before and after it, where the engine has transactions; the others run
/// before it begins and after it commits.
pub trait Adapter {
    /// Loads `csv` into `relation` (replacing it), returning the row count.
    fn load_seed(
        &self,
        relation: &Relation,
        csv: &Path,
        options: &SeedOptions,
        hooks: &Hooks,
    ) -> Result<u64, ExecError>;

    /// Builds `relation` from `sql`, returning the row count where it is
    /// known without running the query again (tables).
    fn materialize(
        &self,
        relation: &Relation,
        sql: &str,
        materialization: Materialization,
        hooks: &Hooks,
    ) -> Result<Option<u64>, ExecError>;

    /// Builds `relation` as [`materialize`](Adapter::materialize) does,
    /// stored as `storage` asks (a table format, partitions). Engines that
    /// store tables one way only take the default and refuse the rest;
    /// compiling has refused such models already
    /// ([`Dialect::check_storage`]), so that refusal is a last guard.
    fn materialize_stored(
        &self,
        relation: &Relation,
        sql: &str,
        materialization: Materialization,
        hooks: &Hooks,
        storage: &Storage,
    ) -> Result<Option<u64>, ExecError> {
        match storage.is_default() {
            true => self.materialize(relation, sql, materialization, hooks),
            false => Err(ExecError::Unsupported(format!(
                "file_format and partition_by on {}",
                self.dialect().adapter_type()
            ))),
        }
    }

    /// Checks `sql`'s columns against an enforced `contract` (names and
    /// types, in the database's own type names), failing with dbt's table
    /// of mismatches ([`ExecError::Contract`]); then builds `relation`
    /// as [`materialize`](Adapter::materialize) does, a table with the
    /// contract's columns in its order and its constraints.
    fn materialize_contracted(
        &self,
        relation: &Relation,
        sql: &str,
        materialization: Materialization,
        hooks: &Hooks,
        contract: &Contract,
    ) -> Result<Option<u64>, ExecError>;

    /// Writes `sql`'s rows to the file `external` names and makes
    /// `relation` a view over it, as dbt-duckdb's `external`
    /// materialization does. The old file and view stay when it fails.
    fn materialize_external(
        &self,
        relation: &Relation,
        sql: &str,
        external: &External,
        hooks: &Hooks,
    ) -> Result<Option<u64>, ExecError>;

    /// Checks `sql`'s columns against an enforced `contract`, as
    /// [`materialize_contracted`](Adapter::materialize_contracted) does
    /// first (an incremental run adds rows to a table that has them).
    fn check_contract(&self, sql: &str, contract: &Contract) -> Result<(), ExecError>;

    /// Builds an incremental model: the whole table when it does not exist
    /// yet (or on a full refresh), otherwise `sql`'s rows joined in by the
    /// strategy. Returns the table's row count.
    fn incremental(
        &self,
        relation: &Relation,
        sql: &str,
        how: &Incremental,
        hooks: &Hooks,
    ) -> Result<Option<u64>, ExecError>;

    /// Records a snapshot: creates `relation` from `sql`'s rows with the
    /// snapshot's columns when it does not exist, else closes the versions
    /// that changed (or left the source) and adds the new ones. Returns the
    /// table's row count.
    fn snapshot(
        &self,
        relation: &Relation,
        sql: &str,
        snapshot: &Snapshot,
        hooks: &Hooks,
    ) -> Result<Option<u64>, ExecError>;

    /// Creates a schema if it is missing.
    fn create_schema(&self, schema: &str) -> Result<(), ExecError>;

    /// Every table (not view) that exists now.
    fn tables(&self) -> Result<Vec<Relation>, ExecError>;

    /// Another handle on the same database, for a worker thread.
    fn try_clone(&self) -> Result<Box<dyn Adapter + Send>, ExecError>;

    /// Runs a query, keeping at most `limit` rows.
    fn query(&self, sql: &str, limit: Option<usize>) -> Result<QueryResult, ExecError>;

    /// Runs one statement of any kind, as a template's `run_query`, a hook
    /// or `run-operation` asks: its rows when it reads some
    /// ([`jgt_core::sql::returns_rows`]), else none. A text that is not
    /// exactly one statement is refused.
    fn execute(&self, sql: &str) -> Result<QueryResult, ExecError>;

    /// The columns `sql` (one query) returns, with their database types,
    /// without reading its rows (unit tests type expected rows by them).
    fn query_columns(&self, sql: &str) -> Result<Vec<Column>, ExecError>;

    /// The newest value of `loaded_at_field` (an SQL expression) in
    /// `relation`, among the rows `filter` keeps, and the database's clock
    /// (`jgt source freshness`).
    fn freshness(
        &self,
        relation: &Relation,
        loaded_at_field: &str,
        filter: Option<&str>,
    ) -> Result<jgt_core::freshness::Measured, ExecError>;

    /// The columns of `relation`, or `None` when it does not exist.
    fn columns(&self, relation: &Relation) -> Result<Option<Vec<Column>>, ExecError>;

    /// The columns of each of `relations`, in their order, as
    /// [`columns`](Adapter::columns) gives them. Engines that can read
    /// them all in one catalog query say so by overriding this; the
    /// default asks for each in turn.
    fn columns_of(&self, relations: &[&Relation]) -> Result<Vec<Option<Vec<Column>>>, ExecError> {
        relations.iter().map(|r| self.columns(r)).collect()
    }

    /// A handle that cancels whatever this connection is running.
    fn interrupter(&self) -> Interrupter;

    /// How this database spells SQL (the runner wraps test queries with it).
    fn dialect(&self) -> &dyn Dialect;

    /// Closes the database for a process that exits next: everything
    /// written is made durable, as closing it would. The default drops
    /// the connection; an engine whose teardown is costly beyond that
    /// (DuckDB frees its whole catalog piece by piece) may leave that
    /// memory to the process's exit instead. Never call it on a
    /// connection the process goes on using or opens again.
    fn close_for_exit(self: Box<Self>) {
        drop(self);
    }
}
