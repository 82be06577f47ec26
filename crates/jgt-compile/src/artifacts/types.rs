//! The artifacts' shapes as serde types: what jgt writes and what
//! `state:modified` reads back. Field names are dbt's (manifest v12, run
//! results v6); fields jgt has nothing for are written empty, as dbt does.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An empty JSON object, for the sections jgt does not fill.
pub type Empty = BTreeMap<String, Value>;

/// `metadata` of either artifact.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Metadata {
    /// The published schema the file follows.
    pub dbt_schema_version: String,
    /// `jgt-<version>`.
    pub dbt_version: String,
    /// When the file was written.
    pub generated_at: String,
    /// This invocation's id.
    pub invocation_id: String,
    /// When this invocation started.
    pub invocation_started_at: String,
    /// Environment metadata (none).
    pub env: Empty,
    /// The project's name (manifest only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub project_name: Option<String>,
    /// The adapter type (manifest only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub adapter_type: Option<String>,
}

/// `target/manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Manifest {
    /// Who wrote it and when.
    pub metadata: Metadata,
    /// Seeds, models and tests by unique id.
    pub nodes: BTreeMap<String, ManifestNode<'static>>,
    /// Source tables by unique id.
    pub sources: BTreeMap<String, ManifestNode<'static>>,
    /// Project macros by unique id.
    pub macros: BTreeMap<String, MacroEntry>,
    /// Parents of each node.
    pub parent_map: BTreeMap<String, Vec<String>>,
    /// Children of each node.
    pub child_map: BTreeMap<String, Vec<String>>,
    /// dbt's sections jgt has nothing for.
    #[serde(flatten)]
    pub empty: BTreeMap<String, Empty>,
}

/// A macro in the manifest.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct MacroEntry {
    /// `macro.<project>.<name>`.
    pub unique_id: String,
    /// The macro's name.
    pub name: String,
    /// The project it belongs to.
    pub package_name: String,
    /// Its file.
    pub path: PathBuf,
    /// Its file, as dbt repeats it.
    pub original_file_path: PathBuf,
    /// The whole file's text.
    pub macro_sql: String,
    /// Always `macro`.
    pub resource_type: String,
}

/// A seed, model, test or source in the manifest.
///
/// Its text fields borrow from the compiled project where they can: at
/// 10,000 models, copying SQL and names into each entry before
/// serialising it was a fifth of writing the manifest.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct ManifestNode<'a> {
    /// `model.<project>.<name>`.
    pub unique_id: Cow<'a, str>,
    /// `seed`, `model`, `test` or `source`.
    pub resource_type: Cow<'a, str>,
    /// The node's name.
    pub name: Cow<'a, str>,
    /// The project it belongs to.
    pub package_name: Cow<'a, str>,
    /// Its path below its resource folder.
    pub path: String,
    /// Its file, relative to the project.
    pub original_file_path: PathBuf,
    /// `<project>://<schema file>` when a schema file describes it.
    pub patch_path: Option<String>,
    /// Project, folders and name.
    pub fqn: Vec<Cow<'a, str>>,
    /// The target database.
    pub database: Cow<'a, str>,
    /// The relation's schema.
    pub schema: Cow<'a, str>,
    /// The relation's name.
    pub alias: Cow<'a, str>,
    /// The relation as SQL names it (not for tests).
    pub relation_name: Option<String>,
    /// The Jinja SQL as written.
    pub raw_code: Cow<'a, str>,
    /// The rendered SQL.
    pub compiled_code: Option<Cow<'a, str>>,
    /// Whether it has rendered SQL.
    pub compiled: bool,
    /// Where the rendered SQL was written.
    pub compiled_path: Option<PathBuf>,
    /// Always `sql`.
    pub language: Cow<'a, str>,
    /// Its config after the project tree and `config()`.
    pub config: NodeConfigEntry,
    /// Its tags.
    pub tags: Vec<String>,
    /// Its description.
    pub description: Cow<'a, str>,
    /// Columns a schema file declares.
    pub columns: BTreeMap<String, ColumnEntry>,
    /// Free-form metadata (none).
    pub meta: Empty,
    /// How docs show it.
    pub docs: DocsEntry,
    /// What it depends on.
    pub depends_on: DependsOn<'a>,
    /// The models and seeds it `ref`s.
    pub refs: Vec<RefEntry<'a>>,
    /// The sources it reads, as `[source, table]`.
    pub sources: Vec<[String; 2]>,
    /// The file's sha256.
    pub checksum: Checksum,
    /// The config as written (not kept).
    pub unrendered_config: Empty,
    /// For tests: the node the test is attached to.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub attached_node: Option<Option<Cow<'a, str>>>,
    /// For generic tests: the test macro and the arguments it is called with.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub test_metadata: Option<TestMetadataEntry<'a>>,
    /// For generic tests: the tested column (`null` for a test of a whole node).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub column_name: Option<Option<Cow<'a, str>>>,
    /// For generic tests: where the schema file describes the tested
    /// node, `models.orders` or `sources.raw`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub file_key_name: Option<Cow<'a, str>>,
}

/// A generic test's `test_metadata`: `{"name": "not_null", "kwargs":
/// {"column_name": "id", "model": "{{ get_where_subquery(ref('orders')) }}"},
/// "namespace": null}`.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct TestMetadataEntry<'a> {
    /// The test macro's name without `test_`.
    pub name: Cow<'a, str>,
    /// The arguments it is called with, `column_name` and `model` included.
    pub kwargs: Kwargs<'a>,
    /// The package named before the test, when one is.
    pub namespace: Option<Cow<'a, str>>,
}

/// A generic test's arguments, in the order dbt passes them, written as
/// a JSON object (read back in key order).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Kwargs<'a>(pub Vec<(Cow<'a, str>, Cow<'a, serde_yaml::Value>)>);

impl Serialize for Kwargs<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

impl<'de, 'a> Deserialize<'de> for Kwargs<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, serde_yaml::Value>::deserialize(deserializer)?;
        Ok(Kwargs(
            map.into_iter()
                .map(|(k, v)| (Cow::Owned(k), Cow::Owned(v)))
                .collect(),
        ))
    }
}

/// A node's config in the manifest.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct NodeConfigEntry {
    /// Always true: disabled nodes are not in the manifest.
    pub enabled: bool,
    /// `view`, `table`, `seed`, `test`, ...
    pub materialized: String,
    /// Tags.
    pub tags: Vec<String>,
    /// A custom schema.
    pub schema: Option<String>,
    /// A custom relation name.
    pub alias: Option<String>,
    /// Free-form metadata (none).
    pub meta: Empty,
    /// Every other config key, as configured.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// A declared column.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct ColumnEntry {
    /// The column name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// Its declared type.
    pub data_type: Option<String>,
    /// Free-form metadata (none).
    pub meta: Empty,
    /// Tags (none).
    pub tags: Vec<String>,
}

/// How the docs show a node.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DocsEntry {
    /// Whether it is shown.
    pub show: bool,
    /// A colour (none).
    pub node_color: Option<String>,
}

impl Default for DocsEntry {
    fn default() -> Self {
        DocsEntry {
            show: true,
            node_color: None,
        }
    }
}

/// What a node depends on.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct DependsOn<'a> {
    /// Project macros its template called.
    pub macros: Vec<String>,
    /// Parent nodes, by unique id.
    pub nodes: Vec<Cow<'a, str>>,
}

/// One `ref()`.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct RefEntry<'a> {
    /// The node named.
    pub name: Cow<'a, str>,
    /// Its package (none: this project).
    pub package: Option<String>,
    /// Its version (none).
    pub version: Option<String>,
}

/// A file's checksum, as dbt writes it.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq, Eq)]
#[serde(default)]
pub struct Checksum {
    /// Always `sha256`.
    pub name: String,
    /// The hex digest.
    pub checksum: String,
}

/// `target/run_results.json`.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct RunResults {
    /// Who wrote it and when.
    pub metadata: Metadata,
    /// One entry per planned node, in plan order.
    pub results: Vec<RunResult>,
    /// Seconds the whole command took.
    pub elapsed_time: f64,
    /// The command's arguments.
    pub args: Value,
}

/// One node's result.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct RunResult {
    /// `success`, `error`, `skipped`, `pass`, `fail` or `warn`.
    pub status: String,
    /// When it ran.
    pub timing: Vec<Timing>,
    /// The worker that built it: `Thread-N`.
    pub thread_id: String,
    /// Seconds it took.
    pub execution_time: f64,
    /// What the database said.
    pub adapter_response: AdapterResponse,
    /// The error, or why it was skipped.
    pub message: Option<String>,
    /// Tests: how many rows failed.
    pub failures: Option<u64>,
    /// The node's unique id.
    pub unique_id: String,
    /// Whether it has rendered SQL.
    pub compiled: bool,
    /// The rendered SQL.
    pub compiled_code: Option<String>,
    /// The relation as SQL names it (not for tests).
    pub relation_name: Option<String>,
}

/// One timed step of a node.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Timing {
    /// Always `execute`.
    pub name: String,
    /// When it started.
    pub started_at: String,
    /// When it ended.
    pub completed_at: String,
}

/// The database's answer, as dbt records it.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct AdapterResponse {
    /// Always `OK`.
    #[serde(rename = "_message")]
    pub message: String,
    /// Rows in the built relation, where known.
    pub rows_affected: Option<u64>,
}
