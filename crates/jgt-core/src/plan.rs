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
    /// The file's header and types as [`crate::seed_types::infer`] reads
    /// them, when the caller read the file already (the CLI does while
    /// the database opens); the adapter reads it itself when `None`.
    pub inferred: Option<Vec<crate::seed_types::SeedColumn>>,
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
        /// The enforced contract, checked before the build (and its
        /// constraints created with a table).
        contract: Option<crate::Contract>,
        /// For `external` models: the file to write.
        external: Option<External>,
        /// How a table is stored (format, partitions), where the engine
        /// lets a model choose.
        storage: Storage,
    },
    /// Record a snapshot: the query's rows as the next slice of history.
    Snapshot {
        /// The compiled SQL of the snapshot's query.
        sql: String,
        /// How changes are detected and recorded.
        snapshot: Snapshot,
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
    /// SQL run before and after the build (dbt's `pre-hook`/`post-hook`).
    pub hooks: Hooks,
}

/// One rendered `pre-hook` or `post-hook`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    /// The SQL, one statement or several.
    pub sql: String,
    /// Whether it runs inside the node's transaction (dbt's default);
    /// `false` (`before_begin`, `after_commit`) runs it before the
    /// transaction begins or after it commits.
    pub transaction: bool,
}

/// The hooks of one node, in the order they run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hooks {
    /// Run before the node builds.
    pub pre: Vec<Hook>,
    /// Run after the node builds.
    pub post: Vec<Hook>,
    /// Descriptions written as database comments once the build has
    /// committed, before the post-hooks that run outside the transaction
    /// (dbt's `persist_docs`).
    pub docs: Option<PersistDocs>,
}

/// What `persist_docs` writes as comments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersistDocs {
    /// The relation's description (`persist_docs: {relation: true}`).
    pub relation: Option<String>,
    /// Column name → description (`persist_docs: {columns: true}`); a
    /// column the relation lacks is passed over, as in dbt.
    pub columns: Vec<(String, String)>,
}

impl Hooks {
    /// No hooks at all.
    pub const NONE: Hooks = Hooks {
        pre: Vec::new(),
        post: Vec::new(),
        docs: None,
    };

    /// Whether there is nothing to run.
    pub fn is_empty(&self) -> bool {
        self.pre.is_empty() && self.post.is_empty() && self.docs.is_none()
    }

    /// The pre-hooks (`post` false) or post-hooks (`post` true) that run
    /// inside the transaction (`inside` true) or outside it.
    pub fn select(&self, post: bool, inside: bool) -> impl Iterator<Item = &str> {
        let hooks = if post { &self.post } else { &self.pre };
        hooks
            .iter()
            .filter(move |hook| hook.transaction == inside)
            .map(|hook| hook.sql.as_str())
    }
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
    /// Replace the partitions the new rows fall in (the whole table when
    /// it has no `partition_by`), as dbt-spark's `insert_overwrite`.
    InsertOverwrite,
}

impl Strategy {
    /// Parses dbt's `incremental_strategy` names.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "append" => Some(Strategy::Append),
            "delete+insert" => Some(Strategy::DeleteInsert),
            "merge" => Some(Strategy::Merge),
            "insert_overwrite" => Some(Strategy::InsertOverwrite),
            _ => None,
        }
    }

    /// The strategy as dbt's `incremental_strategy` names it.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Append => "append",
            Strategy::DeleteInsert => "delete+insert",
            Strategy::Merge => "merge",
            Strategy::InsertOverwrite => "insert_overwrite",
        }
    }
}

/// How a table is stored, where the engine lets a model choose: dbt-spark's
/// `file_format` and `partition_by` configs. Engines without such choices
/// refuse a model that sets them (see [`crate::Dialect::check_storage`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Storage {
    /// The table format (`parquet`, `delta`, `iceberg`, ...); `None` for
    /// the engine's default.
    pub file_format: Option<String>,
    /// The columns the table is partitioned by, in order.
    pub partition_by: Vec<String>,
}

impl Storage {
    /// True when the model chose nothing (the engine's defaults).
    pub fn is_default(&self) -> bool {
        self.file_format.is_none() && self.partition_by.is_empty()
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
    /// How the table is stored (its format and partitions).
    pub storage: Storage,
}

/// How a snapshot notices that a row changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotStrategy {
    /// A row changed when its `updated_at` column is newer than the
    /// snapshotted version's `dbt_valid_from`.
    Timestamp {
        /// The column (or SQL expression) holding the row's last change.
        updated_at: String,
    },
    /// A row changed when one of the checked columns differs.
    Check {
        /// The columns compared; `None` for `check_cols: all` (every
        /// column of the query).
        columns: Option<Vec<String>>,
        /// A column to take change times from instead of the clock.
        updated_at: Option<String>,
    },
}

/// What a snapshot does with rows that left the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HardDeletes {
    /// Nothing: the last version stays current.
    #[default]
    Ignore,
    /// The current version gets a `dbt_valid_to`.
    Invalidate,
    /// The current version is closed and a new one, marked deleted, added.
    NewRecord,
}

impl HardDeletes {
    /// Parses dbt's `hard_deletes` names.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "ignore" => Some(HardDeletes::Ignore),
            "invalidate" => Some(HardDeletes::Invalidate),
            "new_record" => Some(HardDeletes::NewRecord),
            _ => None,
        }
    }
}

/// The names of the columns a snapshot adds (`snapshot_meta_column_names`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotColumns {
    /// When the version became current (`dbt_valid_from`).
    pub valid_from: String,
    /// When it stopped being current (`dbt_valid_to`).
    pub valid_to: String,
    /// The version's id: a hash of the key and its time (`dbt_scd_id`).
    pub scd_id: String,
    /// The change time the version was taken with (`dbt_updated_at`).
    pub updated_at: String,
    /// `'True'` on versions that record a deletion (`dbt_is_deleted`).
    pub is_deleted: String,
}

impl Default for SnapshotColumns {
    fn default() -> Self {
        SnapshotColumns {
            valid_from: "dbt_valid_from".into(),
            valid_to: "dbt_valid_to".into(),
            scd_id: "dbt_scd_id".into(),
            updated_at: "dbt_updated_at".into(),
            is_deleted: "dbt_is_deleted".into(),
        }
    }
}

/// How to record one snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// How changes are detected.
    pub strategy: SnapshotStrategy,
    /// The columns (or expressions) that identify a row.
    pub unique_key: Vec<String>,
    /// What happens to rows that left the source.
    pub hard_deletes: HardDeletes,
    /// The SQL value current versions carry in `dbt_valid_to` instead of
    /// null (`dbt_valid_to_current`).
    pub valid_to_current: Option<String>,
    /// The names of the added columns.
    pub columns: SnapshotColumns,
}

/// Where and how an `external` model writes its file (dbt-duckdb's
/// `location`, `format`, `partition_by`, `options`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct External {
    /// The file (or, partitioned, the folder) to write: absolute.
    pub location: PathBuf,
    /// `csv`, `parquet` or `json`.
    pub format: String,
    /// Columns whose values make the folders of a partitioned write.
    pub partition_by: Vec<String>,
    /// More `COPY` options, as `name value` pairs (`delimiter '|'`).
    pub options: Vec<(String, String)>,
}
