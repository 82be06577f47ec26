//! The one seam between jgt and a database.

use std::path::Path;

use jgt_project::{Materialization, Relation};

use crate::error::ExecError;

/// How a seed's CSV is read.
#[derive(Debug, Clone, Default)]
pub struct SeedOptions {
    /// The delimiter, when it is not a comma.
    pub delimiter: Option<String>,
    /// Column name → database type, overriding inferred types.
    pub column_types: Vec<(String, String)>,
}

/// Rows of a query, every value as display text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryResult {
    /// Column names, in order.
    pub columns: Vec<String>,
    /// Rows; `None` is SQL NULL.
    pub rows: Vec<Vec<Option<String>>>,
}

/// A column of an existing relation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The column name.
    pub name: String,
    /// The database type.
    pub data_type: String,
}

/// What jgt needs from a database. Every build is atomic: when a method
/// fails, the relation it was building is as it was before the call.
pub trait Adapter {
    /// Loads `csv` into `relation` (replacing it), returning the row count.
    fn load_seed(
        &self,
        relation: &Relation,
        csv: &Path,
        options: &SeedOptions,
    ) -> Result<u64, ExecError>;

    /// Builds `relation` from `sql`, returning the row count where it is
    /// known without running the query again (tables).
    fn materialize(
        &self,
        relation: &Relation,
        sql: &str,
        materialization: Materialization,
    ) -> Result<Option<u64>, ExecError>;

    /// Builds an incremental model: the whole table when it does not exist
    /// yet (or on a full refresh), otherwise `sql`'s rows joined in by the
    /// strategy. Returns the table's row count.
    fn incremental(
        &self,
        relation: &Relation,
        sql: &str,
        how: &Incremental,
    ) -> Result<Option<u64>, ExecError>;

    /// Creates a schema if it is missing.
    fn create_schema(&self, schema: &str) -> Result<(), ExecError>;

    /// Every table (not view) that exists now.
    fn tables(&self) -> Result<Vec<Relation>, ExecError>;

    /// Another handle on the same database, for a worker thread.
    fn try_clone(&self) -> Result<Box<dyn Adapter + Send>, ExecError>;

    /// Runs a query, keeping at most `limit` rows.
    fn query(&self, sql: &str, limit: Option<usize>) -> Result<QueryResult, ExecError>;

    /// The columns of `relation`, or `None` when it does not exist.
    fn columns(&self, relation: &Relation) -> Result<Option<Vec<Column>>, ExecError>;
}

/// How new rows join an incremental model's existing table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Insert every new row.
    #[default]
    Append,
    /// Delete existing rows whose unique key comes again, then insert.
    DeleteInsert,
    /// Update rows whose unique key matches, insert the others.
    Merge,
}

impl Strategy {
    /// Parses dbt's `incremental_strategy` names.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "append" => Some(Strategy::Append),
            "delete+insert" => Some(Strategy::DeleteInsert),
            "merge" => Some(Strategy::Merge),
            _ => None,
        }
    }
}

/// What to do when the new rows' columns differ from the table's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SchemaChange {
    /// Keep the table's columns; new columns are dropped, missing ones null.
    #[default]
    Ignore,
    /// Refuse to build.
    Fail,
    /// Add new columns to the table; keep the old ones.
    AppendNewColumns,
    /// Make the table's columns exactly the new ones (add, drop, retype).
    SyncAllColumns,
}

impl SchemaChange {
    /// Parses dbt's `on_schema_change` names.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "ignore" => Some(SchemaChange::Ignore),
            "fail" => Some(SchemaChange::Fail),
            "append_new_columns" => Some(SchemaChange::AppendNewColumns),
            "sync_all_columns" => Some(SchemaChange::SyncAllColumns),
            _ => None,
        }
    }
}

/// How to build one incremental model.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Incremental {
    /// How new rows join the table.
    pub strategy: Strategy,
    /// The columns that identify a row (for delete+insert and merge).
    pub unique_key: Vec<String>,
    /// What to do when columns change.
    pub on_schema_change: SchemaChange,
    /// Rebuild from scratch instead (`--full-refresh`).
    pub full_refresh: bool,
}
