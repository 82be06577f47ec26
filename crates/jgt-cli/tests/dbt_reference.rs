//! jgt builds dbt-shaped projects, unchanged, into the relations real dbt
//! builds from them: names, column types and rows.
//!
//! Each project under `tests/fixtures/dbt_*` holds `dbt_expected.txt`,
//! what dbt-core 1.12 + dbt-duckdb 1.11 built from it (recorded by
//! `bench/dbt_reference/record.sh`, which CI does not run). Each test
//! copies the project, runs `jgt deps` (when it has packages) and
//! `jgt build` with no flags, and compares every relation in the database
//! its profile names.

mod common;

use common::dbt_fixture::DbtFixture;

#[test]
fn a_shop_with_a_local_dispatching_package_builds_as_dbt_builds_it() {
    // dbt_project.yml with analysis/snapshot paths, clean-targets, a
    // dispatch search order and Jinja in a config value; profiles.yml; a
    // local package of dispatched macros over dbt's cross-database
    // macros, with a generic test and a model.
    let shop = DbtFixture::copy("dbt_shop");
    shop.build();
    assert!(shop.path().join("package-lock.yml").is_file());
    shop.assert_built_as_dbt_does("shop.duckdb");
}

#[test]
fn custom_schema_and_alias_macros_place_relations_as_dbt_does() {
    let schemas = DbtFixture::copy("dbt_schemas");
    schemas.build();
    schemas.assert_built_as_dbt_does("warehouse.duckdb");
}

#[test]
fn models_that_query_the_database_while_rendering_build_as_dbt_builds_them() {
    // run_query, statement/load_result, execute, graph.nodes,
    // adapter.get_columns_in_relation, modules.datetime, namespace(),
    // loop.previtem, {% set %} blocks, selectattr and map(attribute=).
    let introspect = DbtFixture::copy("dbt_introspect");
    introspect.build();
    introspect.assert_built_as_dbt_does("introspect.duckdb");
}

#[test]
fn relations_render_as_text_with_their_database_as_dbt_renders_them() {
    // {{ this }}, {{ ref() }} and {{ source() }} print as
    // "database"."schema"."identifier" in dbt-duckdb; api.Relation.create
    // without a database as "schema"."identifier".
    let relations = DbtFixture::copy("dbt_relations");
    relations.build();
    relations.assert_built_as_dbt_does("lake.duckdb");
}

#[test]
fn versioned_models_build_the_relations_dbt_builds() {
    // Version files <name>_v<N>.sql and one `defined_in`, latest_version
    // below a prerelease, per-version configs (a view, an alias) and
    // columns (include/exclude, the tests following the columns), and
    // ref() without a version, with v= and version=, and with a package.
    let versions = DbtFixture::copy("dbt_versions");
    versions.build();
    versions.assert_built_as_dbt_does("versions.duckdb");
}

#[test]
fn an_unknown_version_names_the_model_its_versions_and_the_line() {
    let versions = DbtFixture::copy("dbt_versions");
    std::fs::write(
        versions.path().join("models/legacy_customers.sql"),
        "-- version 7 was never written\nselect * from {{ ref('dim_customers', v=7) }}\n",
    )
    .unwrap();
    let run = versions.jgt(&["compile"]).failed();
    assert!(
        run.stderr.contains(
            "error[JGT2014]: models/legacy_customers.sql:2: 'legacy_customers' depends on a node named 'dim_customers' with version '7' which was not found; its versions are 1, 2, 3"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_version_without_its_file_is_an_error_naming_the_schema_file() {
    let versions = DbtFixture::copy("dbt_versions");
    std::fs::remove_file(versions.path().join("models/customers_next.sql")).unwrap();
    let run = versions.jgt(&["compile"]).failed();
    assert!(
        run.stderr.contains("error[JGT1104]: models/schema.yml:")
            && run.stderr.contains(
                "version 3 has no model file: expected customers_next.sql under the model paths (its defined_in)"
            ),
        "{}",
        run.stderr
    );
}

#[test]
fn clean_reads_clean_targets_from_dbt_project_yml() {
    let shop = DbtFixture::copy("dbt_shop");
    shop.build();
    let run = shop.jgt(&["clean"]).ok();
    assert!(run.stdout.contains("Deleted target/"), "{}", run.stdout);
    assert!(
        run.stdout.contains("Deleted dbt_packages/"),
        "{}",
        run.stdout
    );
    assert!(!shop.path().join("dbt_packages").exists());
    // The local package's own folder, which dbt_packages/ linked to, stays.
    assert!(shop
        .path()
        .join("../dbt_pkgs/shop_utils/dbt_project.yml")
        .is_file());
    assert!(shop.path().join("models/marts/customers.sql").is_file());
}

/// One line per data test of a manifest, as `test_ids.py` writes dbt's:
/// unique id, file_key_name, column_name and compact test_metadata.
fn test_lines(manifest: &serde_json::Value) -> Vec<String> {
    let or_none = |v: Option<&serde_json::Value>| match v.and_then(|v| v.as_str()) {
        Some(text) => text.to_string(),
        None => "None".to_string(),
    };
    let mut lines: Vec<String> = manifest["nodes"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, node)| node["resource_type"] == "test")
        .map(|(id, node)| {
            let meta = match node.get("test_metadata") {
                Some(meta) => meta.to_string(),
                None => "-".to_string(),
            };
            format!(
                "{id} {} {} {meta}",
                or_none(node.get("file_key_name")),
                or_none(node.get("column_name"))
            )
        })
        .collect();
    lines.sort_unstable();
    lines
}

#[test]
fn generic_tests_get_dbts_unique_ids_and_test_metadata() {
    // The hash ending each id is dbt-core's MD5 of the test's name and a
    // Python repr() of its metadata (`dbt_test_ids.txt`, recorded with the
    // relations): package tests, arguments, versions, singular tests.
    for project in ["dbt_shop", "dbt_schemas", "dbt_introspect", "dbt_versions"] {
        let fixture = DbtFixture::copy(project);
        if fixture.path().join("packages.yml").is_file() {
            fixture.jgt(&["deps"]);
        }
        fixture.jgt(&["compile"]);
        let text = std::fs::read_to_string(fixture.path().join("target/manifest.json")).unwrap();
        let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
        let expected = std::fs::read_to_string(common::repo_root().join(format!(
            "crates/jgt-cli/tests/fixtures/{project}/dbt_test_ids.txt"
        )))
        .expect("recorded test ids");
        let expected: Vec<&str> = expected.lines().collect();
        assert_eq!(
            test_lines(&manifest),
            expected,
            "{project}: jgt's tests (left) vs dbt's"
        );
    }
}

#[test]
fn data_tests_get_the_names_dbt_gives_them() {
    // Package tests keep their namespace, arguments follow in the order of
    // their names with Python's spelling (`True`), as dbt ls lists them
    // (`dbt_tests.txt`, recorded with the relations).
    for project in ["dbt_shop", "dbt_schemas", "dbt_introspect", "dbt_versions"] {
        let fixture = DbtFixture::copy(project);
        if fixture.path().join("packages.yml").is_file() {
            fixture.jgt(&["deps"]);
        }
        let listed = fixture.jgt(&["ls", "-s", "resource_type:test"]);
        let mut names: Vec<&str> = listed
            .stdout
            .lines()
            .filter_map(|line| line.split_whitespace().next())
            .collect();
        names.sort_unstable();
        let expected = std::fs::read_to_string(common::repo_root().join(format!(
            "crates/jgt-cli/tests/fixtures/{project}/dbt_tests.txt"
        )))
        .expect("recorded test names");
        let expected: Vec<&str> = expected.lines().collect();
        assert_eq!(
            names, expected,
            "{project}: jgt's test names (left) vs dbt's"
        );
    }
}

/// One line per node of a manifest, as `node_paths.py` writes dbt's:
/// unique id, original_file_path, path, compiled_path, patch_path and
/// the dotted fqn, `-` for a null.
fn path_lines(manifest: &serde_json::Value) -> Vec<String> {
    let field = |v: &serde_json::Value| match v {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Array(parts) => {
            let parts: Vec<&str> = parts.iter().filter_map(|p| p.as_str()).collect();
            parts.join(".")
        }
        _ => "-".to_string(),
    };
    let keys = [
        "original_file_path",
        "path",
        "compiled_path",
        "patch_path",
        "fqn",
    ];
    let mut lines: Vec<String> = manifest["nodes"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(id, node)| {
            let fields: Vec<String> = keys.iter().map(|key| field(&node[*key])).collect();
            format!("{id} {}", fields.join(" "))
        })
        .collect();
    lines.sort_unstable();
    lines
}

#[test]
fn compiled_files_and_manifest_paths_are_where_dbt_puts_them() {
    // `target/compiled/<package>/<path in the package>`, and the
    // manifest's paths relative to each node's own package: the root
    // project's models, schema-file tests and singular tests, and the
    // local package's model and its tests (`dbt_paths.txt`, recorded
    // from the manifest `dbt build` wrote).
    let shop = DbtFixture::copy("dbt_shop");
    shop.build();
    let text = std::fs::read_to_string(shop.path().join("target/manifest.json")).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    let jgt = path_lines(&manifest);
    let expected = std::fs::read_to_string(
        common::repo_root().join("crates/jgt-cli/tests/fixtures/dbt_shop/dbt_paths.txt"),
    )
    .expect("recorded paths");
    // dbt lists analyses among its nodes; jgt keeps them out of the graph.
    let expected: Vec<&str> = expected
        .lines()
        .filter(|line| !line.starts_with("analysis."))
        .collect();
    assert_eq!(jgt, expected, "jgt's paths (left) vs dbt's");
    let package_model = "target/compiled/shop_utils/models/shop_calendar.sql";
    assert!(shop.path().join(package_model).is_file());
}

#[test]
fn data_tests_show_their_configs_in_the_manifest_as_dbt_does() {
    // Defaults (`!= 0`, `count(*)`, the audit schema), a test's own
    // `config:` (severity, where, limit, tags) and a folder's configs from
    // the project file's `data_tests:` tree (`dbt_test_configs.txt`, what
    // test_configs.py printed from dbt's manifest).
    let shop = DbtFixture::copy("dbt_shop");
    shop.jgt(&["deps"]);
    shop.jgt(&["compile"]);
    let text = std::fs::read_to_string(shop.path().join("target/manifest.json")).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    let keys = [
        "error_if",
        "fail_calc",
        "limit",
        "materialized",
        "schema",
        "severity",
        "store_failures",
        "store_failures_as",
        "tags",
        "warn_if",
        "where",
    ];
    let mut jgt: Vec<String> = manifest["nodes"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, node)| node["resource_type"] == "test")
        .map(|(id, node)| {
            let config: serde_json::Map<String, serde_json::Value> = keys
                .iter()
                .map(|key| (key.to_string(), node["config"][*key].clone()))
                .collect();
            format!("{id} {}", serde_json::Value::Object(config))
        })
        .collect();
    jgt.sort_unstable();
    let expected = std::fs::read_to_string(
        common::repo_root().join("crates/jgt-cli/tests/fixtures/dbt_shop/dbt_test_configs.txt"),
    )
    .expect("recorded test configs");
    let expected: Vec<&str> = expected.lines().collect();
    assert_eq!(jgt, expected, "jgt's test configs (left) vs dbt's");
}
