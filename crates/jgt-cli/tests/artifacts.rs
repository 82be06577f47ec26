//! manifest.json and run_results.json: readable with serde_json into the
//! fields tools need, and with dbt's top-level shape.

mod common;

use std::collections::BTreeMap;

use common::TempProject;
use serde::Deserialize;

/// The top-level keys of dbt-core 1.12's manifest (schema v12), as dbt
/// writes them.
const DBT_MANIFEST_KEYS: [&str; 17] = [
    "child_map",
    "disabled",
    "docs",
    "exposures",
    "functions",
    "group_map",
    "groups",
    "macros",
    "metadata",
    "metrics",
    "nodes",
    "parent_map",
    "saved_queries",
    "selectors",
    "semantic_models",
    "sources",
    "unit_tests",
];

/// The top-level keys of dbt's run results (schema v6).
const DBT_RUN_RESULTS_KEYS: [&str; 4] = ["args", "elapsed_time", "metadata", "results"];

#[derive(Deserialize)]
struct Manifest {
    metadata: Metadata,
    nodes: BTreeMap<String, ManifestNode>,
    parent_map: BTreeMap<String, Vec<String>>,
    child_map: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
struct Metadata {
    dbt_schema_version: String,
    invocation_id: String,
}

#[derive(Deserialize)]
struct ManifestNode {
    resource_type: String,
    raw_code: String,
    compiled_code: Option<String>,
    config: serde_json::Value,
    depends_on: DependsOn,
    checksum: Checksum,
}

#[derive(Deserialize)]
struct DependsOn {
    nodes: Vec<String>,
}

#[derive(Deserialize)]
struct Checksum {
    name: String,
    checksum: String,
}

#[derive(Deserialize)]
struct RunResults {
    metadata: Metadata,
    results: Vec<RunResult>,
}

#[derive(Deserialize)]
struct RunResult {
    unique_id: String,
    status: String,
    execution_time: f64,
    timing: Vec<serde_json::Value>,
    adapter_response: serde_json::Value,
    message: Option<String>,
}

fn project() -> TempProject {
    let p = TempProject::new("name: shop\n");
    p.write("seeds/raw.csv", "id\n1\n2\n");
    p.write(
        "models/orders.sql",
        "{{ config(materialized='table') }}select * from {{ ref('raw') }}",
    );
    p.write("models/broken.sql", "select nope from {{ ref('orders') }}");
    p
}

fn keys(path: &std::path::Path) -> Vec<String> {
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    value.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn manifest_has_dbts_shape_and_the_fields_tools_read() {
    let p = project();
    p.jgt(&["build"]).failed();
    let path = p.path().join("target/manifest.json");
    assert_eq!(keys(&path), DBT_MANIFEST_KEYS);
    let manifest: Manifest =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        manifest.metadata.dbt_schema_version,
        "https://schemas.getdbt.com/dbt/manifest/v12.json"
    );
    let orders = &manifest.nodes["model.shop.orders"];
    assert_eq!(orders.resource_type, "model");
    assert!(orders.raw_code.contains("ref('raw')"));
    assert_eq!(
        orders.compiled_code.as_deref(),
        Some(r#"select * from "jgt"."main"."raw""#)
    );
    assert_eq!(orders.config["materialized"], "table");
    assert_eq!(orders.depends_on.nodes, ["seed.shop.raw"]);
    assert_eq!(orders.checksum.name, "sha256");
    assert_eq!(orders.checksum.checksum.len(), 64);
    assert_eq!(
        manifest.parent_map["model.shop.broken"],
        ["model.shop.orders"]
    );
}

/// dbt sorts every list of `parent_map` and `child_map` by unique id
/// (checked with dbt-core 1.12 + dbt-duckdb 1.11), not by node name: a
/// source named `a.zz` comes after the models `b` and `zzz`, and a test
/// after every model.
#[test]
fn parent_and_child_lists_are_sorted_by_unique_id_as_dbt_sorts_them() {
    let p = TempProject::new("name: ord\n");
    p.write(
        "models/sources.yml",
        "version: 2\nsources:\n  - name: a\n    schema: main\n    tables:\n      - name: zz\n",
    );
    p.write("models/b.sql", "select 1 as id");
    p.write("models/zzz.sql", "select 1 as id");
    p.write(
        "models/c.sql",
        "select * from {{ ref('zzz') }} join {{ source('a', 'zz') }} using (id) \
         join {{ ref('b') }} using (id)",
    );
    p.write(
        "models/tests.yml",
        "version: 2\nmodels:\n  - name: b\n    columns:\n      - name: id\n        data_tests: [not_null]\n",
    );
    p.write("models/z_child.sql", "select * from {{ ref('b') }}");
    p.jgt(&["compile"]).ok();
    let text = std::fs::read_to_string(p.path().join("target/manifest.json")).unwrap();
    let manifest: Manifest = serde_json::from_str(&text).unwrap();
    assert_eq!(
        manifest.parent_map["model.ord.c"],
        ["model.ord.b", "model.ord.zzz", "source.ord.a.zz"]
    );
    assert_eq!(
        manifest.child_map["model.ord.b"],
        [
            "model.ord.c",
            "model.ord.z_child",
            "test.ord.not_null_b_id.37be81e63b"
        ]
    );
}

#[test]
fn run_results_record_status_timing_rows_and_messages() {
    let p = project();
    p.jgt(&["build"]).failed();
    let path = p.path().join("target/run_results.json");
    assert_eq!(keys(&path), DBT_RUN_RESULTS_KEYS);
    let results: RunResults =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let manifest: Manifest = serde_json::from_str(
        &std::fs::read_to_string(p.path().join("target/manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        results.metadata.invocation_id,
        manifest.metadata.invocation_id
    );
    let by_id: BTreeMap<&str, &RunResult> = results
        .results
        .iter()
        .map(|r| (r.unique_id.as_str(), r))
        .collect();
    let orders = by_id["model.shop.orders"];
    assert_eq!(orders.status, "success");
    assert_eq!(orders.adapter_response["rows_affected"], 2);
    assert!(orders.execution_time >= 0.0 && orders.timing.len() == 1);
    let broken = by_id["model.shop.broken"];
    assert_eq!(broken.status, "error");
    assert!(broken.message.as_deref().unwrap().contains("nope"));
}
