//! `target/manifest.json` and `target/run_results.json`, in dbt's shape
//! (manifest v12, run results v6) so the tools that read dbt's artifacts
//! can read ours.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::CompileError;

/// What writing an artifact gives.
type Result<T> = std::result::Result<T, CompileError>;
use jgt_core::{NodeResult, PlannedNode, Status, Work};
use jgt_graph::{NodeId, NodeKind};
use serde::Serialize;
use serde_json::Value;

pub use types::{
    AdapterResponse, Checksum, ColumnEntry, DependsOn, DocsEntry, Empty, Kwargs, MacroEntry,
    Manifest, ManifestNode, Metadata, NodeConfigEntry, RefEntry, RunResult, RunResults,
    TestMetadataEntry, Timing,
};

mod manifest;
mod restamp;
mod sources;
mod types;
mod unit;

pub use manifest::{stage_manifest, write_manifest};
pub(crate) use restamp::invocation_fields;
pub use restamp::restamp_manifest;
use sha2::{Digest, Sha256};
pub use sources::{utc_time, write_sources, SourceFreshness};

use crate::compile::{Compiled, CompiledNode};

/// dbt's published schema of the manifest we follow.
pub const MANIFEST_SCHEMA: &str = "https://schemas.getdbt.com/dbt/manifest/v12.json";
/// dbt's published schema of the run results we follow.
pub const RUN_RESULTS_SCHEMA: &str = "https://schemas.getdbt.com/dbt/run-results/v6.json";

/// One invocation of jgt: what both artifacts share.
pub struct Invocation {
    /// A unique id for this invocation.
    pub id: String,
    /// When it started.
    pub started_at: SystemTime,
}

impl Invocation {
    /// A new invocation starting now.
    pub fn start() -> Self {
        let started_at = SystemTime::now();
        let nanos = started_at
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        let seed = nanos as u64 ^ (u64::from(std::process::id()) << 32);
        let a = splitmix(seed);
        let b = splitmix(a);
        let id = format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        );
        Invocation { id, started_at }
    }

    /// What templates see of this invocation: `invocation_id`,
    /// `run_started_at` and `flags`.
    pub fn run_info(&self, flags: jgt_render::Flags) -> jgt_render::RunInfo {
        jgt_render::RunInfo::of(&self.id, self.started_at, flags)
    }

    fn metadata(&self, schema: &str) -> Metadata {
        Metadata {
            dbt_schema_version: schema.into(),
            dbt_version: format!("jgt-{}", env!("CARGO_PKG_VERSION")),
            generated_at: iso8601(SystemTime::now()),
            invocation_id: self.id.clone(),
            invocation_started_at: iso8601(self.started_at),
            env: Empty::new(),
            project_name: None,
            adapter_type: None,
        }
    }
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A time as `2026-11-29T04:50:25.500249Z`.
pub fn iso8601(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let days = (since.as_secs() / 86_400) as i64;
    let secs = since.as_secs() % 86_400;
    // Civil date from days since 1970-01-01 (proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        secs / 3_600,
        secs % 3_600 / 60,
        secs % 60,
        since.subsec_micros()
    )
}

/// dbt's `unique_id` of a node: `model.jaffle_gaggle.stg_users`; a
/// generic test's ends with dbt's hash of its call:
/// `test.jaffle_gaggle.not_null_stg_users_user_id.9e5bb1b8e4`.
pub fn unique_id(compiled: &Compiled, node: &CompiledNode) -> String {
    let package = package_of(compiled, node);
    let kind = node.kind.as_str();
    if let Some(meta) = node.test.as_ref().and_then(|t| t.metadata.as_ref()) {
        return format!("{kind}.{package}.{}.{}", node.name, meta.hash);
    }
    // A unit test `model::test` is `unit_test.<project>.<model>.<test>`.
    format!("{kind}.{package}.{}", node.name.replace("::", "."))
}

/// The package a node comes from: its own, or the root project's.
fn package_of<'a>(compiled: &'a Compiled, node: &'a CompiledNode) -> &'a str {
    if node.package.is_empty() {
        &compiled.project.config.name
    } else {
        &node.package
    }
}

/// The checksum of a file's text, as the manifest gives it.
pub(crate) fn checksum(text: &str) -> Checksum {
    let digest = Sha256::digest(text.as_bytes());
    Checksum {
        name: "sha256".into(),
        // One `format!` per byte was 600,000 of them at 10,000 models.
        checksum: jgt_core::hex::lower(&digest),
    }
}

/// One node as dbt's manifest describes it.
pub fn manifest_node(compiled: &Compiled, id: NodeId) -> ManifestNode<'_> {
    entry_of(compiled, id, Ids::Computed)
}

/// Where an entry's unique ids come from.
#[derive(Clone, Copy)]
pub(super) enum Ids<'a> {
    /// Made for each node as needed.
    Computed,
    /// Made once for every node, by node index (the manifest's writer).
    Known(&'a [String]),
}

impl<'a> Ids<'a> {
    /// The unique id of node `id`.
    fn of(self, compiled: &Compiled, id: NodeId) -> Cow<'a, str> {
        match self {
            Ids::Known(ids) => Cow::Borrowed(ids[id.index()].as_str()),
            Ids::Computed => Cow::Owned(unique_id(compiled, compiled.node(id))),
        }
    }
}

/// [`manifest_node`] with the unique ids from `ids`.
pub(super) fn entry_of<'a>(compiled: &'a Compiled, id: NodeId, ids: Ids<'a>) -> ManifestNode<'a> {
    let node = compiled.node(id);
    let project = package_of(compiled, node);
    let inside = compiled.project.package_path(&node.path).1;
    let within: Vec<Cow<'a, str>> = inside
        .components()
        .skip(1)
        .map(|c| c.as_os_str().to_string_lossy())
        .collect();
    let mut fqn = vec![Cow::Borrowed(project)];
    if let Some((_, folders)) = within.split_last() {
        fqn.extend(folders.iter().cloned());
    }
    fqn.push(Cow::Borrowed(node.name.as_str()));
    let parents = compiled.dag.parents(id);
    let meta = node.test.as_ref().and_then(|t| t.metadata.as_deref());
    let raw = node.raw_sql.as_deref().unwrap_or_default();
    let checksum = if raw.is_empty() && node.kind == NodeKind::Seed {
        let file = compiled.project.root.join(&node.path);
        checksum(&std::fs::read_to_string(file).unwrap_or_default())
    } else {
        checksum(raw)
    };
    ManifestNode {
        unique_id: ids.of(compiled, id),
        resource_type: Cow::Borrowed(node.kind.as_str()),
        name: Cow::Borrowed(&node.name),
        package_name: Cow::Borrowed(project),
        path: match (meta, &node.compiled_path) {
            // A generic test's path is its compiled file's name, as dbt's.
            (Some(_), Some(file)) => file
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default(),
            _ => within.join("/"),
        },
        original_file_path: inside.to_path_buf(),
        patch_path: node.properties_path.as_ref().map(|p| {
            let (package, inside) = compiled.project.package_path(p);
            format!("{package}://{}", inside.display())
        }),
        fqn,
        database: Cow::Borrowed(&compiled.target.database),
        schema: Cow::Borrowed(&node.relation.schema),
        alias: Cow::Borrowed(&node.relation.identifier),
        relation_name: (!matches!(node.kind, NodeKind::Test | NodeKind::UnitTest))
            .then(|| compiled.dialect.relation(&node.relation)),
        raw_code: Cow::Borrowed(raw),
        compiled_code: node.sql.as_deref().map(Cow::Borrowed),
        compiled: node.sql.is_some(),
        compiled_path: node.compiled_path.clone(),
        language: Cow::Borrowed("sql"),
        config: config_entry(node),
        tags: node_tags(node).to_vec(),
        description: Cow::Borrowed(node.description.as_deref().unwrap_or_default()),
        columns: node
            .columns
            .iter()
            .map(|c| {
                let column = ColumnEntry {
                    name: c.name.clone(),
                    description: c.description.clone().unwrap_or_default(),
                    data_type: c.data_type.clone(),
                    ..ColumnEntry::default()
                };
                (c.name.clone(), column)
            })
            .collect(),
        meta: Empty::new(),
        docs: DocsEntry::default(),
        depends_on: DependsOn {
            macros: node
                .macros
                .iter()
                .map(|m| format!("macro.{project}.{m}"))
                .collect(),
            nodes: parents.iter().map(|&p| ids.of(compiled, p)).collect(),
        },
        refs: parents
            .iter()
            .map(|&p| compiled.node(p))
            .filter(|p| matches!(p.kind, NodeKind::Model | NodeKind::Seed))
            .map(|p| RefEntry {
                name: Cow::Borrowed(&p.name),
                ..RefEntry::default()
            })
            .collect(),
        sources: parents
            .iter()
            .map(|&p| compiled.node(p))
            .filter(|p| p.kind == NodeKind::Source)
            .filter_map(|p| p.name.split_once('.'))
            .map(|(s, t)| [s.to_string(), t.to_string()])
            .collect(),
        checksum,
        unrendered_config: Empty::new(),
        attached_node: node.test.as_ref().map(|test| {
            // dbt attaches a test to a model, seed or snapshot, never
            // to a source table.
            let first = test.attached_to.first().copied();
            first
                .filter(|&a| compiled.node(a).kind != NodeKind::Source)
                .map(|a| ids.of(compiled, a))
        }),
        test_metadata: meta.map(|m| TestMetadataEntry {
            name: Cow::Borrowed(&m.name),
            kwargs: Kwargs(m.kwargs().map(|(k, v)| (Cow::Borrowed(k), v)).collect()),
            namespace: m.namespace.as_deref().map(Cow::Borrowed),
        }),
        column_name: meta.map(|_| {
            node.test
                .as_ref()
                .and_then(|t| t.column.as_deref())
                .map(Cow::Borrowed)
        }),
        file_key_name: meta.map(|m| Cow::Borrowed(m.file_key_name.as_str())),
    }
}

/// The schema suffix of a test's stored failures when none is configured.
const AUDIT: &str = "dbt_test__audit";

/// A node's tags: a test's own (from its config and the `data_tests:`
/// tree), else the node config's.
fn node_tags(node: &CompiledNode) -> &[String] {
    match &node.test {
        Some(test) => &test.config.tags,
        None => &node.config.tags,
    }
}

/// A node's config as the manifest shows it; tests add their own keys.
fn config_entry(node: &CompiledNode) -> NodeConfigEntry {
    let materialized = match (&node.kind, node.materialization) {
        (NodeKind::Seed, _) => "seed".to_string(),
        (NodeKind::Test, _) => "test".to_string(),
        (NodeKind::Snapshot, _) => "snapshot".to_string(),
        (NodeKind::UnitTest, _) => "unit".to_string(),
        (_, Some(m)) => m.to_string(),
        _ => String::new(),
    };
    let mut other: BTreeMap<String, Value> = node
        .config
        .other
        .iter()
        .map(|(key, value)| {
            (
                key.clone(),
                serde_json::to_value(value).unwrap_or(Value::Null),
            )
        })
        .collect();
    let builds = matches!(
        node.kind,
        NodeKind::Seed | NodeKind::Model | NodeKind::Snapshot
    );
    for (key, hooks) in [
        ("pre-hook", &node.config.pre_hook),
        ("post-hook", &node.config.post_hook),
    ]
    .into_iter()
    .filter(|_| builds)
    {
        let hooks: Vec<Value> = hooks
            .iter()
            .map(|h| serde_json::json!({"sql": h.sql, "transaction": h.transaction, "index": null}))
            .collect();
        other.insert(key.into(), Value::Array(hooks));
    }
    if let Some(test) = &node.test {
        let config = &test.config;
        let severity = match &config.severity_written {
            Some(written) => written.clone(),
            None => format!("{:?}", config.severity).to_uppercase(),
        };
        other.insert("severity".into(), severity.into());
        other.insert("where".into(), config.where_clause.clone().into());
        other.insert("error_if".into(), config.error_if.clone().into());
        other.insert("warn_if".into(), config.warn_if.clone().into());
        other.insert("store_failures".into(), config.store_failures.into());
        let stored = config.store_failures == Some(true);
        other.insert("store_failures_as".into(), stored.then_some("table").into());
        other.insert("limit".into(), config.limit.into());
        other.insert("fail_calc".into(), "count(*)".into());
    }
    NodeConfigEntry {
        enabled: true,
        materialized,
        tags: node_tags(node).to_vec(),
        schema: match &node.test {
            // dbt shows where a test's failures would be stored.
            Some(test) => Some(test.config.schema.as_deref().unwrap_or(AUDIT).to_string()),
            None => node.config.schema.clone(),
        },
        alias: node.config.alias.clone(),
        meta: Empty::new(),
        other,
    }
}

/// Every project and package macro, as the manifest lists them.
pub(super) fn macro_entries(compiled: &Compiled) -> Vec<MacroEntry> {
    let mut entries = Vec::new();
    for file in &compiled.project.macros {
        let package = if file.package.is_empty() {
            &compiled.project.config.name
        } else {
            &file.package
        };
        let inside = compiled.project.package_path(&file.path).1;
        for name in jgt_render::macro_names(&file.text) {
            entries.push(MacroEntry {
                unique_id: format!("macro.{package}.{name}"),
                name,
                package_name: package.clone(),
                path: inside.to_path_buf(),
                original_file_path: inside.to_path_buf(),
                macro_sql: file.text.clone(),
                resource_type: "macro".into(),
            });
        }
    }
    entries
}

/// dbt's `graph` as templates read it at execution time: `nodes`,
/// `sources` and `macros`, each entry shaped as in `manifest.json`.
pub fn graph(compiled: &Compiled) -> Value {
    let mut nodes = serde_json::Map::new();
    let mut sources = serde_json::Map::new();
    for &id in compiled.dag.order() {
        let entry = manifest_node(compiled, id);
        let key = entry.unique_id.to_string();
        let value = serde_json::to_value(entry).unwrap_or(Value::Null);
        match compiled.node(id).kind {
            NodeKind::Source => sources.insert(key, value),
            _ => nodes.insert(key, value),
        };
    }
    let macros: serde_json::Map<String, Value> = macro_entries(compiled)
        .into_iter()
        .map(|m| {
            (
                m.unique_id.clone(),
                serde_json::to_value(m).unwrap_or(Value::Null),
            )
        })
        .collect();
    serde_json::json!({
        "nodes": nodes,
        "sources": sources,
        "macros": macros,
        "exposures": {},
        "metrics": {},
        "groups": {},
        "semantic_models": {},
        "saved_queries": {},
    })
}

/// dbt's status words: tests pass/fail/warn, everything else success/error.
pub fn status_word(work: &Work, status: Status) -> &'static str {
    if let Work::UnitTest(_) = work {
        return unit_test_status(status, false);
    }
    match (matches!(work, Work::Test { .. }), status) {
        (_, Status::Skipped) => "skipped",
        (true, Status::Success) => "pass",
        (true, Status::Warn) => "warn",
        (true, Status::Error) => "fail",
        (false, Status::Success) | (false, Status::Warn) => "success",
        (false, Status::Error) => "error",
    }
}

/// A unit test's status word: `fail` when its rows differ, `error` when
/// it could not run, as dbt reports them.
fn unit_test_status(status: Status, differs: bool) -> &'static str {
    match status {
        Status::Success | Status::Warn => "pass",
        Status::Skipped => "skipped",
        Status::Error if differs => "fail",
        Status::Error => "error",
    }
}

/// An `on-run-start` / `on-run-end` hook that ran, as run results list
/// it (dbt's `operation` nodes).
#[derive(Debug, Clone)]
pub struct Operation {
    /// The project or package whose hook it is.
    pub package: String,
    /// `on-run-start` or `on-run-end`.
    pub when: &'static str,
    /// Its index in that list.
    pub index: usize,
    /// When it started.
    pub started_at: std::time::SystemTime,
    /// Seconds it took.
    pub seconds: f64,
}

impl Operation {
    /// The run-results entry dbt writes for a hook that passed.
    fn result(&self) -> RunResult {
        let finished = self.started_at + Duration::from_secs_f64(self.seconds);
        RunResult {
            status: "success".into(),
            timing: vec![Timing {
                name: "execute".into(),
                started_at: iso8601(self.started_at),
                completed_at: iso8601(finished),
            }],
            thread_id: "main".into(),
            execution_time: self.seconds,
            adapter_response: AdapterResponse {
                message: "OK".into(),
                rows_affected: None,
            },
            message: Some(format!(
                "{}.{}.{} passed",
                self.package, self.when, self.index
            )),
            failures: None,
            unique_id: format!(
                "operation.{p}.{p}-{}-{}",
                self.when,
                self.index,
                p = self.package
            ),
            compiled: true,
            compiled_code: None,
            relation_name: None,
        }
    }
}

/// What `run_results.json` tells of a node besides its result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultOf {
    /// Its unique id.
    pub unique_id: String,
    /// The SQL it ran, when it has some.
    pub compiled_code: Option<String>,
    /// The relation it built (not for tests).
    pub relation_name: Option<String>,
}

impl ResultOf {
    /// What `compiled` knows of the node `planned` builds.
    pub fn of(compiled: &Compiled, planned: &PlannedNode) -> ResultOf {
        let id = compiled
            .dag
            .find(&planned.name)
            .expect("planned nodes are in the graph");
        let node = compiled.node(id);
        ResultOf {
            unique_id: unique_id(compiled, node),
            compiled_code: node.sql.clone(),
            relation_name: (!matches!(node.kind, NodeKind::Test | NodeKind::UnitTest))
                .then(|| compiled.dialect.relation(&node.relation)),
        }
    }
}

/// Writes `target/run_results.json` for one build: the `on-run-start`
/// hooks that ran, the nodes, then the `on-run-end` hooks.
#[allow(clippy::too_many_arguments)]
pub fn write_run_results(
    compiled: &Compiled,
    plan: &[PlannedNode],
    results: &[NodeResult],
    operations: [&[Operation]; 2],
    invocation: &Invocation,
    elapsed: f64,
    args: Value,
) -> Result<()> {
    let nodes: Vec<(&PlannedNode, ResultOf)> = plan
        .iter()
        .map(|planned| (planned, ResultOf::of(compiled, planned)))
        .collect();
    write_results_of(
        &compiled.project.target_dir(),
        &nodes,
        results,
        operations,
        invocation,
        elapsed,
        args,
    )
}

/// [`write_run_results`] into the target folder `target`, from what each
/// planned node is ([`ResultOf`]) rather than from the compiled project.
#[allow(clippy::too_many_arguments)]
pub fn write_results_of(
    target: &Path,
    nodes: &[(&PlannedNode, ResultOf)],
    results: &[NodeResult],
    operations: [&[Operation]; 2],
    invocation: &Invocation,
    elapsed: f64,
    args: Value,
) -> Result<()> {
    let nodes = nodes.iter().zip(results).map(|((planned, of), result)| {
        let finished = result.started_at + Duration::from_secs_f64(result.seconds);
        RunResult {
            status: match planned.work {
                Work::UnitTest(_) => unit_test_status(result.status, result.failures.is_some()),
                _ => status_word(&planned.work, result.status),
            }
            .into(),
            timing: vec![Timing {
                name: "execute".into(),
                started_at: iso8601(result.started_at),
                completed_at: iso8601(finished),
            }],
            thread_id: format!("Thread-{}", result.thread.max(1)),
            execution_time: result.seconds,
            adapter_response: AdapterResponse {
                message: "OK".into(),
                rows_affected: result.rows,
            },
            message: result.message.clone(),
            failures: result.failures,
            unique_id: of.unique_id.clone(),
            compiled: of.compiled_code.is_some(),
            compiled_code: of.compiled_code.clone(),
            relation_name: of.relation_name.clone(),
        }
    });
    let [start, end] = operations;
    let entries: Vec<RunResult> = start
        .iter()
        .map(Operation::result)
        .chain(nodes)
        .chain(end.iter().map(Operation::result))
        .collect();
    let results = RunResults {
        metadata: invocation.metadata(RUN_RESULTS_SCHEMA),
        results: entries,
        elapsed_time: elapsed,
        args,
    };
    write_json(&target.join("run_results.json"), &results)
}

fn write_json(path: &Path, value: &impl Serialize) -> Result<()> {
    // Compact, as dbt writes it: at 10,000 models pretty-printing doubles the size.
    crate::atomic::write_file(path, |out| {
        serde_json::to_writer(out, value).map_err(std::io::Error::from)
    })
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn times_print_as_utc_iso8601() {
        let t = UNIX_EPOCH + Duration::from_micros(1_796_014_225_500_249);
        assert_eq!(super::iso8601(t), "2026-11-30T04:50:25.500249Z");
        assert_eq!(super::iso8601(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
    }
}
