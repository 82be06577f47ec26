//! What a template sees while it renders: the catalog of relations that
//! `ref()` and `source()` resolve against, and the per-node state where
//! those calls, `config()` and `return()` leave their marks.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use jgt_core::hash::Map;
use jgt_core::Dialect;
use jgt_project::Relation;
use minijinja::value::{Enumerator, Object, Value};

/// Where every name a template may reference lives in the database.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Seeds and models by name.
    pub nodes: Map<String, Relation>,
    /// Source tables by `(source, table)`.
    pub sources: Map<(String, String), Relation>,
    /// Relations that exist in the database now, for `is_incremental()`
    /// (perhaps still being read: see [`jgt_core::Existing`]).
    pub existing: jgt_core::Existing,
    /// `--full-refresh`: `is_incremental()` is false everywhere.
    pub full_refresh: bool,
    /// The package of each seed and model, for `ref('package', 'name')`.
    pub packages: Map<String, String>,
    /// Models and seeds `enabled: false` left out, by name, with their
    /// unique ids: a `ref()` to one is an error saying so.
    pub disabled: Map<String, String>,
    /// Source tables read straight from files (dbt-duckdb's
    /// `external_location`), by `(source, table)`: the SQL `source()`
    /// prints for them.
    pub external_sources: HashMap<(String, String), String>,
    /// Versioned models by the name `ref()` gives them.
    pub versions: Map<String, jgt_project::VersionedModel>,
    /// Source tables `enabled: false` left out, by `(source, table)`.
    pub disabled_sources: std::collections::HashSet<(String, String)>,
}

/// The database a run builds into, as `{{ target }}` shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Target {
    /// The target name (`dev`).
    pub name: String,
    /// The adapter type (`duckdb`).
    #[serde(rename = "type")]
    pub adapter_type: String,
    /// The database name: the file stem of the DuckDB file.
    pub database: String,
    /// The default schema (`main`).
    pub schema: String,
    /// The DuckDB file.
    pub path: String,
    /// How many threads the run may use.
    pub threads: usize,
    /// The `profiles.yml` profile (empty without a profiles file).
    pub profile_name: String,
}

/// A `ref()` call as the template made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefCall {
    /// The node it names.
    pub name: String,
}

/// Marks left by one render, shared by the model and every macro it calls.
#[derive(Debug, Default)]
pub(crate) struct NodeState {
    pub catalog: Arc<Catalog>,
    pub refs: Mutex<Vec<String>>,
    pub sources: Mutex<Vec<(String, String)>>,
    pub config: Mutex<Vec<(String, serde_yaml::Value)>>,
    /// One slot per macro call in progress; `return()` fills the innermost.
    pub returns: Mutex<Vec<Option<Value>>>,
    /// Macros the render called, by name.
    pub macros: Mutex<Vec<String>>,
    /// The node's relation, when it builds one.
    pub this: Option<Relation>,
    /// The materialization before the template's own `config()`.
    pub default_materialized: Option<String>,
    /// The database, at execution time (dbt's `execute` is true); `None`
    /// while parsing.
    pub db: Option<crate::introspection::Db>,
    /// Results of `{% call statement(name) %}` blocks, for `load_result`.
    pub results: Mutex<HashMap<String, Value>>,
    /// At execution time: the only names `ref()` may name (the node's
    /// parents as compiled); `None` allows every name.
    pub depends_on: Option<Vec<String>>,
    /// A unit test's overrides of macros, vars and environment variables.
    pub overrides: Option<Arc<crate::overrides::Overrides>>,
    /// A test's own `store_failures` config, for `should_store_failures()`.
    pub store_failures: Option<bool>,
}

impl Object for NodeState {}

impl NodeState {
    pub fn new(catalog: Arc<Catalog>) -> Self {
        NodeState {
            catalog,
            ..NodeState::default()
        }
    }

    /// dbt's `is_incremental()`: the model is incremental, its table exists
    /// and this is no full refresh.
    pub fn is_incremental(&self) -> bool {
        if let Some(fixed) = self.overrides.as_ref().and_then(|o| o.is_incremental()) {
            return fixed;
        }
        let configured = self
            .config
            .lock()
            .expect("config lock")
            .iter()
            .rev()
            .find(|(key, _)| key == "materialized")
            .and_then(|(_, value)| value.as_str().map(str::to_string));
        let materialized = configured.or_else(|| self.default_materialized.clone());
        materialized.as_deref() == Some("incremental")
            && !self.catalog.full_refresh
            && self
                .this
                .as_ref()
                .is_some_and(|this| self.catalog.existing.contains(this))
    }
}

/// A relation as a template value: prints as the dialect names it and
/// has dbt's attributes (`schema`, `identifier`, `name`, `database`).
#[derive(Debug, Clone)]
pub(crate) struct RelationValue {
    pub relation: Relation,
    pub database: String,
    /// The relation as the target's dialect names it in SQL.
    pub sql: String,
    /// The database (empty when none), the schema and the identifier,
    /// each quoted by the dialect.
    pub quoted: [String; 3],
    /// Whether it is a table or a view, when known (`get_relation`,
    /// `api.Relation.create(type=...)`).
    pub kind: Option<jgt_core::RelationType>,
}

impl RelationValue {
    /// A relation value, spelt by `dialect`.
    pub fn value(relation: &Relation, database: &str, dialect: &dyn Dialect) -> Value {
        RelationValue::of_kind(relation, database, dialect, None)
    }

    /// A source read straight from a file: prints as `sql` (a quoted path
    /// or a `read_csv(...)` call), with the source's relation's attributes.
    pub fn external(
        relation: &Relation,
        database: &str,
        dialect: &dyn Dialect,
        sql: &str,
    ) -> Value {
        let mut value = RelationValue::of_kind(relation, database, dialect, None);
        if let Some(relation) = value.downcast_object::<RelationValue>() {
            let mut external = (*relation).clone();
            external.sql = sql.to_string();
            value = Value::from_object(external);
        }
        value
    }

    /// A relation value that knows whether it is a table or a view.
    pub fn of_kind(
        relation: &Relation,
        database: &str,
        dialect: &dyn Dialect,
        kind: Option<jgt_core::RelationType>,
    ) -> Value {
        Value::from_object(RelationValue {
            relation: relation.clone(),
            database: database.to_string(),
            sql: qualified(relation, database, dialect),
            quoted: [
                if database.is_empty() {
                    String::new()
                } else {
                    dialect.quote(database)
                },
                dialect.quote(&relation.schema),
                dialect.quote(&relation.identifier),
            ],
            kind,
        })
    }
}

/// A relation as dbt prints it: `"database"."schema"."name"`, or without
/// the database when there is none; a CTE (no schema) alone.
pub(crate) fn qualified(relation: &Relation, database: &str, dialect: &dyn Dialect) -> String {
    let two_part = dialect.relation(relation);
    if database.is_empty() || relation.schema.is_empty() {
        return two_part;
    }
    format!("{}.{two_part}", dialect.quote(database))
}

impl Object for RelationValue {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "schema" => Some(Value::from(self.relation.schema.clone())),
            "identifier" | "name" | "table" => Some(Value::from(self.relation.identifier.clone())),
            "database" => Some(Value::from(self.database.clone())),
            "type" => Some(
                self.kind
                    .map(|k| Value::from(k.as_str()))
                    .unwrap_or(Value::from(())),
            ),
            "is_table" => Some(Value::from(
                self.kind == Some(jgt_core::RelationType::Table),
            )),
            "is_view" => Some(Value::from(self.kind == Some(jgt_core::RelationType::View))),
            "is_cte" => Some(Value::from(self.relation.schema.is_empty())),
            _ => None,
        }
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &minijinja::State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, minijinja::Error> {
        crate::introspection::relation_method(self, method, args)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(&["database", "schema", "identifier", "name"])
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sql)
    }
}
