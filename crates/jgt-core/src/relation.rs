//! Names of database relations and the ways a node becomes one.

use std::fmt;

/// A relation (table or view) in the database, as `schema.identifier`.
///
/// A relation has no SQL spelling of its own: the target's
/// [`Dialect`](crate::Dialect) quotes it (`"main"."stg_users"` in DuckDB).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Relation {
    /// The schema that holds the relation; empty for a CTE.
    pub schema: String,
    /// The relation's own name inside its schema.
    pub identifier: String,
}

impl Relation {
    /// Builds a relation from its schema and identifier.
    pub fn new(schema: impl Into<String>, identifier: impl Into<String>) -> Self {
        Relation {
            schema: schema.into(),
            identifier: identifier.into(),
        }
    }

    /// The relation in the unquoted form people read: `main.stg_users`.
    pub fn display_name(&self) -> String {
        format!("{}.{}", self.schema, self.identifier)
    }
}

/// How a model is built in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Materialization {
    /// `create view`: nothing stored, the query runs when read.
    View,
    /// `create table as`: the result is stored.
    Table,
    /// Built like a table today; `is_incremental()` is always false for now.
    Incremental,
    /// Inlined into its dependents, never created.
    Ephemeral,
    /// dbt-duckdb's `external`: written to a file (CSV, Parquet, JSON),
    /// with a view over the file as the relation.
    External,
}

impl Materialization {
    /// Every name accepted in `materialized`.
    pub const NAMES: [&'static str; 5] = ["view", "table", "incremental", "ephemeral", "external"];

    /// Parses a `materialized` value, `None` when it names no materialization.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "view" => Some(Materialization::View),
            "table" => Some(Materialization::Table),
            "incremental" => Some(Materialization::Incremental),
            "ephemeral" => Some(Materialization::Ephemeral),
            "external" => Some(Materialization::External),
            _ => None,
        }
    }

    /// The name as written in configs.
    pub fn as_str(self) -> &'static str {
        match self {
            Materialization::View => "view",
            Materialization::Table => "table",
            Materialization::Incremental => "incremental",
            Materialization::Ephemeral => "ephemeral",
            Materialization::External => "external",
        }
    }
}

impl fmt::Display for Materialization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relations_read_unquoted() {
        let rel = Relation::new("main", "my \"odd\" name");
        assert_eq!(rel.display_name(), "main.my \"odd\" name");
    }

    #[test]
    fn materializations_round_trip_their_names() {
        for name in Materialization::NAMES {
            assert_eq!(Materialization::parse(name).unwrap().as_str(), name);
        }
    }
}
