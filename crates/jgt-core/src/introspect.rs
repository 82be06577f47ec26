//! What a template may ask the database while it renders: dbt's
//! `run_query`, `statement`, `adapter.get_relation` and
//! `adapter.get_columns_in_relation`.
//!
//! Rendering knows no database. At execution time the runner hands the
//! renderer an [`Introspect`] backed by the worker's own connection, so a
//! model that reads its upstream's columns sees them as they are after the
//! upstream was built in this run, as in dbt. While parsing (dbt's
//! `execute` is false) no [`Introspect`] exists and these calls return
//! empty results.

use crate::relation::Relation;
use crate::results::{Column, QueryResult};

/// Whether a relation is a table or a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationType {
    /// A stored table.
    Table,
    /// A view.
    View,
}

impl RelationType {
    /// dbt's name for it (`table`, `view`).
    pub fn as_str(self) -> &'static str {
        match self {
            RelationType::Table => "table",
            RelationType::View => "view",
        }
    }
}

/// Database access for templates, through one connection.
///
/// Errors are the database's message as text: the renderer wraps them
/// with the template's file and line.
pub trait Introspect: Send + Sync {
    /// Runs one statement and returns its rows (none for DDL/DML).
    fn query(&self, sql: &str) -> Result<QueryResult, String>;

    /// Whether `relation` exists, and what it is.
    fn relation_type(&self, relation: &Relation) -> Result<Option<RelationType>, String>;

    /// The columns of `relation`, in order; empty when it does not exist.
    fn columns(&self, relation: &Relation) -> Result<Vec<Column>, String>;
}
