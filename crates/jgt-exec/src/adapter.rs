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

    /// Runs a query, keeping at most `limit` rows.
    fn query(&self, sql: &str, limit: Option<usize>) -> Result<QueryResult, ExecError>;

    /// The columns of `relation`, or `None` when it does not exist.
    fn columns(&self, relation: &Relation) -> Result<Option<Vec<Column>>, ExecError>;
}
