//! How a database engine spells SQL: the one place compiling and
//! rendering learn quoting, relation names, schemas and the wrappers they
//! put around a model's SQL. Each adapter crate implements it for its
//! engine; nothing outside an adapter writes engine-specific SQL.

use crate::plan::{Incremental, Storage, Strategy};
use crate::relation::Relation;

/// What an engine can do, for the parts of jgt that must choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// The engine can update and insert in one statement (the `merge`
    /// incremental strategy).
    pub merge: bool,
    /// The engine replaces partitions of a table (the `insert_overwrite`
    /// incremental strategy).
    pub insert_overwrite: bool,
    /// DDL is transactional: a failed build rolls back to the old relation.
    pub transactional_ddl: bool,
    /// The engine can read files on jgt's machine (seeds by path); when it
    /// cannot, rows must be sent to it.
    pub reads_local_files: bool,
    /// The adapter records snapshots (`Adapter::snapshot` in jgt-exec).
    pub snapshots: bool,
    /// The adapter enforces model contracts (checks columns and builds
    /// the contracted table).
    pub contracts: bool,
}

/// The spelling of SQL for one engine.
pub trait Dialect: Send + Sync + std::fmt::Debug {
    /// The adapter type, as `target.type` and the artifacts name it (`duckdb`).
    fn adapter_type(&self) -> &'static str;

    /// Quotes one identifier so keywords, capitals and odd characters survive.
    fn quote(&self, identifier: &str) -> String;

    /// The schema nodes build into when nothing else is configured.
    fn default_schema(&self) -> &str;

    /// What the engine can do.
    fn capabilities(&self) -> Capabilities;

    /// A relation as SQL names it: `"main"."stg_users"`. A relation with no
    /// schema is a CTE (an inlined ephemeral model) and is named alone.
    fn relation(&self, relation: &Relation) -> String {
        if relation.schema.is_empty() {
            return self.quote(&relation.identifier);
        }
        format!(
            "{}.{}",
            self.quote(&relation.schema),
            self.quote(&relation.identifier)
        )
    }

    /// dbt's default `generate_schema_name`: a custom schema is appended to
    /// the target schema (`schema: staging` builds into `main_staging`).
    fn schema_for(&self, custom: Option<&str>) -> String {
        match custom {
            Some(custom) if !custom.is_empty() => {
                format!("{}_{custom}", self.default_schema())
            }
            _ => self.default_schema().to_string(),
        }
    }

    /// The schema where stored test failures go, as dbt names it.
    fn test_audit_schema(&self) -> String {
        format!("{}_dbt_test__audit", self.default_schema())
    }

    /// `sql` (one statement, trailing `;` and comments already removed)
    /// as a subquery named `alias`. The closing parenthesis sits on its own
    /// line, so a comment on the body's last line cannot swallow it.
    fn subquery(&self, sql: &str, alias: &str) -> String {
        format!("({sql}\n) as {}", self.quote(alias))
    }

    /// `expression` converted to the database type `data_type` (unit test
    /// fixtures take their input relations' types this way).
    fn cast(&self, expression: &str, data_type: &str) -> String {
        format!("cast({expression} as {data_type})")
    }

    /// Whether the engine can build an incremental model `how` says
    /// (compiling checks every model with it, so a model the engine
    /// cannot build is refused before anything runs). The text says what
    /// is wrong and what to use instead.
    fn check_incremental(&self, how: &Incremental) -> Result<(), String> {
        let caps = self.capabilities();
        let missing = match how.strategy {
            Strategy::Merge => !caps.merge,
            Strategy::InsertOverwrite => !caps.insert_overwrite,
            Strategy::Append | Strategy::DeleteInsert => false,
        };
        match missing {
            true => Err(format!(
                "incremental_strategy '{}' is not supported on {}; use append or delete+insert",
                how.strategy.name(),
                self.adapter_type()
            )),
            false => self.check_storage(&how.storage),
        }
    }

    /// Whether the engine can store a table as `storage` asks. Engines
    /// without table formats or partitions refuse any choice: a model
    /// that asks for partitions must not get a table without them.
    fn check_storage(&self, storage: &Storage) -> Result<(), String> {
        match storage.is_default() {
            true => Ok(()),
            false => Err(format!(
                "file_format and partition_by are not supported on {}; \
                 remove them for this target",
                self.adapter_type()
            )),
        }
    }

    /// `text` as a string literal: single quotes, each inner one doubled.
    fn string_literal(&self, text: &str) -> String {
        format!("'{}'", text.replace('\'', "''"))
    }
}

/// Standard SQL's spelling (double-quoted identifiers) in a named default
/// schema: for tests, and for tools that compile a project without a
/// target database. Engines have dialects of their own in their crates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnsiDialect {
    /// The schema nodes build into when nothing else is configured.
    pub default_schema: String,
}

impl Dialect for AnsiDialect {
    fn adapter_type(&self) -> &'static str {
        "ansi"
    }

    fn quote(&self, identifier: &str) -> String {
        format!("\"{}\"", identifier.replace('"', "\"\""))
    }

    fn default_schema(&self) -> &str {
        &self.default_schema
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            merge: false,
            insert_overwrite: false,
            transactional_ddl: false,
            reads_local_files: false,
            snapshots: false,
            contracts: false,
        }
    }
}
