//! `target/manifest.json` and `target/run_results.json`, in dbt's shape
//! (manifest v12, run results v6) so the tools that read dbt's artifacts
//! can read ours.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::CompileError;

/// What writing an artifact gives.
type Result<T> = std::result::Result<T, CompileError>;
use jgt_core::{NodeResult, PlannedNode, Status, Work};
use jgt_graph::{NodeId, NodeKind};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

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

    fn metadata(&self, schema: &str) -> Map<String, Value> {
        let mut meta = Map::new();
        meta.insert("dbt_schema_version".into(), json!(schema));
        meta.insert(
            "dbt_version".into(),
            json!(format!("jgt-{}", env!("CARGO_PKG_VERSION"))),
        );
        meta.insert("generated_at".into(), json!(iso8601(SystemTime::now())));
        meta.insert("invocation_id".into(), json!(self.id));
        meta.insert(
            "invocation_started_at".into(),
            json!(iso8601(self.started_at)),
        );
        meta.insert("env".into(), json!({}));
        meta
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

/// dbt's `unique_id` of a node: `model.jaffle_gaggle.stg_users`.
pub fn unique_id(compiled: &Compiled, node: &CompiledNode) -> String {
    format!(
        "{}.{}.{}",
        node.kind.as_str(),
        compiled.project.config.name,
        node.name
    )
}

fn checksum(text: &str) -> Value {
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    json!({ "name": "sha256", "checksum": hex })
}

/// One node as dbt's manifest describes it.
pub fn node_json(compiled: &Compiled, id: NodeId) -> Value {
    let node = compiled.node(id);
    let project = &compiled.project.config.name;
    let mut fqn = vec![project.clone()];
    let within = node
        .path
        .components()
        .skip(1)
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    let within: Vec<String> = within.collect();
    if let Some((_, folders)) = within.split_last() {
        fqn.extend(folders.iter().cloned());
    }
    fqn.push(node.name.clone());
    let parents: Vec<String> = compiled
        .dag
        .parents(id)
        .iter()
        .map(|p| unique_id(compiled, compiled.node(*p)))
        .collect();
    let refs: Vec<Value> = compiled
        .dag
        .parents(id)
        .iter()
        .map(|p| compiled.node(*p))
        .filter(|p| matches!(p.kind, NodeKind::Model | NodeKind::Seed))
        .map(|p| json!({"name": p.name, "package": null, "version": null}))
        .collect();
    let sources: Vec<Value> = compiled
        .dag
        .parents(id)
        .iter()
        .map(|p| compiled.node(*p))
        .filter(|p| p.kind == NodeKind::Source)
        .filter_map(|p| p.name.split_once('.').map(|(s, t)| json!([s, t])))
        .collect();
    let columns: Map<String, Value> = node
        .columns
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                json!({"name": c.name, "description": c.description.clone().unwrap_or_default(),
                       "data_type": c.data_type, "meta": {}, "tags": []}),
            )
        })
        .collect();
    let materialized = match (&node.kind, node.materialization) {
        (NodeKind::Seed, _) => "seed".to_string(),
        (NodeKind::Test, _) => "test".to_string(),
        (_, Some(m)) => m.to_string(),
        _ => String::new(),
    };
    let mut config = json!({
        "enabled": true,
        "materialized": materialized,
        "tags": node.config.tags,
        "schema": node.config.schema,
        "alias": node.config.alias,
        "meta": {},
    });
    for (key, value) in &node.config.other {
        config[key] = serde_json::to_value(value).unwrap_or(Value::Null);
    }
    let raw = node.raw_sql.clone().unwrap_or_default();
    let file_text = if raw.is_empty() && node.kind == NodeKind::Seed {
        std::fs::read_to_string(compiled.project.root.join(&node.path)).unwrap_or_default()
    } else {
        raw.clone()
    };
    let mut value = json!({
        "unique_id": unique_id(compiled, node),
        "resource_type": node.kind.as_str(),
        "name": node.name,
        "package_name": project,
        "path": within.join("/"),
        "original_file_path": node.path,
        "patch_path": node.properties_path.as_ref().map(|p| format!("{project}://{}", p.display())),
        "fqn": fqn,
        "database": compiled.target.database,
        "schema": node.relation.schema,
        "alias": node.relation.identifier,
        "relation_name": (node.kind != NodeKind::Test).then(|| compiled.dialect.relation(&node.relation)),
        "raw_code": raw,
        "compiled_code": node.sql,
        "compiled": node.sql.is_some(),
        "compiled_path": node.compiled_path,
        "language": "sql",
        "config": config,
        "tags": node.config.tags,
        "description": node.description.clone().unwrap_or_default(),
        "columns": columns,
        "meta": {},
        "docs": {"show": true, "node_color": null},
        "depends_on": {
            "macros": node.macros.iter().map(|m| format!("macro.{project}.{m}")).collect::<Vec<_>>(),
            "nodes": parents,
        },
        "refs": refs,
        "sources": sources,
        "checksum": checksum(&file_text),
        "unrendered_config": {},
    });
    if let Some(test) = &node.test {
        value["attached_node"] = json!(test
            .attached_to
            .first()
            .map(|a| unique_id(compiled, compiled.node(*a))));
        value["config"]["severity"] = json!(format!("{:?}", test.config.severity).to_uppercase());
        value["config"]["where"] = json!(test.config.where_clause);
        value["config"]["error_if"] = json!(test.config.error_if);
        value["config"]["warn_if"] = json!(test.config.warn_if);
    }
    value
}

/// Writes `target/manifest.json` for the whole project.
pub fn write_manifest(compiled: &Compiled, invocation: &Invocation) -> Result<()> {
    let mut nodes = Map::new();
    let mut sources = Map::new();
    let mut parent_map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut child_map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for &id in compiled.dag.order() {
        let node = compiled.node(id);
        let key = unique_id(compiled, node);
        let ids = |list: Vec<NodeId>| -> Vec<String> {
            list.iter()
                .map(|n| unique_id(compiled, compiled.node(*n)))
                .collect()
        };
        parent_map.insert(key.clone(), ids(compiled.dag.parents(id)));
        child_map.insert(key.clone(), ids(compiled.dag.children(id)));
        let value = node_json(compiled, id);
        if node.kind == NodeKind::Source {
            sources.insert(key, value);
        } else {
            nodes.insert(key, value);
        }
    }
    let mut macros = Map::new();
    let project_name = &compiled.project.config.name;
    for file in &compiled.project.macros {
        let text = jgt_render::macro_names(&file.text);
        for name in text {
            macros.insert(
                format!("macro.{project_name}.{name}"),
                json!({
                    "unique_id": format!("macro.{project_name}.{name}"),
                    "name": name,
                    "package_name": project_name,
                    "path": file.path,
                    "original_file_path": file.path,
                    "macro_sql": file.text,
                    "resource_type": "macro",
                }),
            );
        }
    }
    let mut metadata = invocation.metadata(MANIFEST_SCHEMA);
    metadata.insert("project_name".into(), json!(compiled.project.config.name));
    metadata.insert(
        "adapter_type".into(),
        json!(compiled.dialect.adapter_type()),
    );
    let manifest = json!({
        "metadata": metadata,
        "nodes": nodes,
        "sources": sources,
        "macros": macros,
        "docs": {},
        "exposures": {},
        "metrics": {},
        "groups": {},
        "selectors": {},
        "disabled": {},
        "parent_map": parent_map,
        "child_map": child_map,
        "group_map": {},
        "saved_queries": {},
        "semantic_models": {},
        "unit_tests": {},
        "functions": {},
    });
    write_json(
        &compiled.project.target_dir().join("manifest.json"),
        &manifest,
    )
}

/// dbt's status words: tests pass/fail/warn, everything else success/error.
fn status_word(work: &Work, status: Status) -> &'static str {
    match (matches!(work, Work::Test { .. }), status) {
        (_, Status::Skipped) => "skipped",
        (true, Status::Success) => "pass",
        (true, Status::Warn) => "warn",
        (true, Status::Error) => "fail",
        (false, Status::Success) | (false, Status::Warn) => "success",
        (false, Status::Error) => "error",
    }
}

/// Writes `target/run_results.json` for one build.
pub fn write_run_results(
    compiled: &Compiled,
    plan: &[PlannedNode],
    results: &[NodeResult],
    invocation: &Invocation,
    elapsed: f64,
    args: Value,
) -> Result<()> {
    let entries: Vec<Value> = plan
        .iter()
        .zip(results)
        .map(|(planned, result)| {
            let id = compiled
                .dag
                .find(&planned.name)
                .expect("planned nodes are in the graph");
            let node = compiled.node(id);
            let finished = result.started_at + Duration::from_secs_f64(result.seconds);
            json!({
                "status": status_word(&planned.work, result.status),
                "timing": [{
                    "name": "execute",
                    "started_at": iso8601(result.started_at),
                    "completed_at": iso8601(finished),
                }],
                "thread_id": format!("Thread-{}", result.thread.max(1)),
                "execution_time": result.seconds,
                "adapter_response": {"_message": "OK", "rows_affected": result.rows},
                "message": result.message,
                "failures": result.failures,
                "unique_id": unique_id(compiled, node),
                "compiled": node.sql.is_some(),
                "compiled_code": node.sql,
                "relation_name": (node.kind != NodeKind::Test).then(|| compiled.dialect.relation(&node.relation)),
            })
        })
        .collect();
    let results = json!({
        "metadata": invocation.metadata(RUN_RESULTS_SCHEMA),
        "results": entries,
        "elapsed_time": elapsed,
        "args": args,
    });
    write_json(
        &compiled.project.target_dir().join("run_results.json"),
        &results,
    )
}

fn write_json(path: &Path, value: &Value) -> Result<()> {
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
