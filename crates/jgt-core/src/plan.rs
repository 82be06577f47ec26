//! A plan: what the runner builds, node by node, in order. Compiling
//! makes it; an adapter carries it out.

use std::path::PathBuf;

use crate::relation::{Materialization, Relation};
use crate::test_config::TestConfig;

/// How a seed's CSV is read.
#[derive(Debug, Clone, Default)]
pub struct SeedOptions {
    /// The delimiter, when it is not a comma.
    pub delimiter: Option<String>,
    /// Column name → database type, overriding inferred types.
    pub column_types: Vec<(String, String)>,
}

/// What building one node means.
#[derive(Debug, Clone)]
pub enum Work {
    /// Load a CSV file (absolute path) as a table.
    Seed {
        /// The CSV file.
        csv: PathBuf,
        /// How to read it.
        options: SeedOptions,
    },
    /// Build rendered SQL as a view or table.
    Model {
        /// The compiled SQL.
        sql: String,
        /// How to build it.
        materialization: Materialization,
        /// For incremental models: how new rows join the table.
        incremental: Option<Incremental>,
    },
    /// Run a data test: SQL that selects the failing rows.
    Test {
        /// The compiled SQL.
        sql: String,
        /// Severity, thresholds, `store_failures`, ...
        config: TestConfig,
        /// Where to keep failing rows, when they are kept.
        store_failures: Option<Relation>,
    },
    /// Run a dbt unit test: the model on fixture rows, compared with the
    /// expected rows.
    UnitTest(Box<crate::unit_test::UnitTestWork>),
}

/// One node of a plan, in build order.
#[derive(Debug, Clone)]
pub struct PlannedNode {
    /// The node's name.
    pub name: String,
    /// The file that defines it, relative to the project folder.
    pub path: PathBuf,
    /// Where its compiled SQL was written, for error messages.
    pub compiled_path: Option<PathBuf>,
    /// The relation it builds.
    pub relation: Relation,
    /// What to do.
    pub work: Work,
    /// Indices (into the plan) of the parents that are also in the plan.
    pub parents: Vec<usize>,
    /// What the node checks or holds, in plain words, for messages.
    pub description: Option<String>,
    /// The ephemeral models inlined into its SQL, parents first: when the
    /// build fails, the first of them that fails on its own is blamed.
    pub inlined: Vec<Inlined>,
}

/// An ephemeral model inlined into a node's SQL.
#[derive(Debug, Clone)]
pub struct Inlined {
    /// The ephemeral model's name.
    pub name: String,
    /// Its file, relative to the project folder.
    pub path: PathBuf,
    /// Its own SQL, with what it inlines in turn.
    pub sql: String,
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
    /// What `is_incremental()` returned when the SQL was rendered: true
    /// means the SQL selects only new rows, to be joined into the existing
    /// table; false means it selects everything, to build the table whole.
    /// The adapter follows this decision and never makes its own.
    pub is_incremental: bool,
}
