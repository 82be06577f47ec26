//! The everyday loop of a dbt user, on the real binary: edit, run, look.

mod common;

use common::TempProject;

fn small_project() -> TempProject {
    let p = TempProject::new(
        "name: shop\nvars:\n  min_amount: 10\nmodels:\n  shop:\n    staging:\n      +materialized: view\n    marts:\n      +materialized: table\n",
    );
    p.write(
        "seeds/raw_orders.csv",
        "id,amount,zip\n1,5,00501\n2,15,10001\n3,25,10002\n",
    );
    p.write(
        "models/staging/stg_orders.sql",
        "select id, amount, zip from {{ ref('raw_orders') }}",
    );
    p.write(
        "models/marts/big_orders.sql",
        "select * from {{ ref('stg_orders') }} where amount >= {{ var('min_amount') }}",
    );
    p
}

#[test]
fn editing_a_model_changes_the_next_run_without_rebuilding_jgt() {
    let p = small_project();
    p.jgt(&["build"]).ok();
    assert_eq!(p.scalar("select count(*) from big_orders"), "2");
    p.write(
        "models/marts/big_orders.sql",
        "select *, amount * 2 as doubled from {{ ref('stg_orders') }} where amount >= 20",
    );
    p.jgt(&["run"]).ok();
    assert_eq!(p.scalar("select sum(doubled) from big_orders"), "50");
}

#[test]
fn build_loads_seeds_then_models_and_reports_each() {
    let p = small_project();
    let run = p.jgt(&["build"]).ok();
    let lines: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains(" of 3 "))
        .collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert!(
        lines[0].contains("seed")
            && lines[0].contains("main.raw_orders")
            && lines[0].contains("3 rows")
    );
    assert!(lines[1].contains("view") && lines[1].contains("main.stg_orders"));
    assert!(
        lines[2].contains("table")
            && lines[2].contains("main.big_orders")
            && lines[2].contains("2 rows")
    );
    assert!(run.stdout.contains("Finished 3 nodes"), "{}", run.stdout);
    assert_eq!(
        p.scalar(
            "select table_type from information_schema.tables where table_name = 'stg_orders'"
        ),
        "VIEW"
    );
}

#[test]
fn vars_on_the_command_line_override_project_vars() {
    let p = small_project();
    p.jgt(&["build", "--vars", "{min_amount: 20}"]).ok();
    assert_eq!(p.scalar("select count(*) from big_orders"), "1");
}

#[test]
fn compile_writes_rendered_sql_under_target() {
    let p = small_project();
    p.jgt(&["compile"]).ok();
    let sql = std::fs::read_to_string(
        p.path()
            .join("target/compiled/shop/models/marts/big_orders.sql"),
    )
    .unwrap();
    assert_eq!(
        sql,
        r#"select * from "jgt"."main"."stg_orders" where amount >= 10"#
    );
    assert!(!p.db().exists(), "compile never touches the database");
}

#[test]
fn selection_with_ancestors_and_descendants() {
    let p = small_project();
    p.jgt(&["seed"]).ok();
    let run = p.jgt(&["run", "-s", "stg_orders"]).ok();
    assert!(run.stdout.contains("1 of 1"), "{}", run.stdout);
    let run = p.jgt(&["ls", "-s", "+big_orders"]).ok();
    let names: Vec<&str> = run
        .stdout
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(names, ["raw_orders", "stg_orders", "big_orders"]);
    let run = p.jgt(&["ls", "-s", "stg_orders+"]).ok();
    assert_eq!(run.stdout.lines().count(), 2);
    let run = p.jgt(&["ls", "-s", "stg_order"]).failed();
    assert!(
        run.stderr.contains("Did you mean 'stg_orders'?"),
        "{}",
        run.stderr
    );
}

#[test]
fn ls_lists_nodes_in_order_with_materializations() {
    let p = small_project();
    let run = p.jgt(&["ls"]).ok();
    let rows: Vec<Vec<&str>> = run
        .stdout
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows[0][..3], ["raw_orders", "seed", "seed"]);
    assert_eq!(rows[1][..3], ["stg_orders", "model", "view"]);
    assert_eq!(rows[2][..3], ["big_orders", "model", "table"]);
}

#[test]
fn show_previews_a_model_as_a_table() {
    let p = small_project();
    p.jgt(&["build"]).ok();
    let run = p.jgt(&["show", "big_orders", "--limit", "1"]).ok();
    assert!(
        run.stdout.contains("| id | amount |   zip |") || run.stdout.contains("| id | amount |"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("1 rows shown"), "{}", run.stdout);
}

#[test]
fn seed_configs_set_types_and_delimiters() {
    let p = TempProject::new(
        "name: shop\nseeds:\n  shop:\n    +delimiter: ';'\n    +column_types:\n      zip: varchar\n",
    );
    p.write("seeds/zips.csv", "id;zip\n1;00501\n");
    p.jgt(&["seed"]).ok();
    assert_eq!(p.scalar("select zip from zips"), "00501");
}

#[test]
fn a_delimiter_set_in_a_schema_file_is_the_one_the_seed_is_read_with() {
    // The seeds' types are read ahead, before compiling; they must be read
    // with the schema file's `;`, or the seed would be one column named
    // `id;n;day`.
    let p = TempProject::new("name: shop\n");
    p.write("seeds/s.csv", "id;n;day\n1;2.5;2024-01-05\n");
    p.write(
        "seeds/schema.yml",
        "version: 2\nseeds:\n  - name: s\n    config:\n      delimiter: ';'\n",
    );
    p.jgt(&["build"]).ok();
    assert_eq!(
        p.scalar("select string_agg(data_type, ',' order by column_index) from duckdb_columns() where table_name = 's'"),
        "INTEGER,DOUBLE,DATE"
    );
}

#[test]
fn config_in_a_model_overrides_the_folder_and_moves_its_relation() {
    let p = small_project();
    p.write(
        "models/staging/stg_orders.sql",
        "{{ config(materialized='table', schema='staging', alias='orders') }}select id, amount from {{ ref('raw_orders') }}",
    );
    p.jgt(&["build"]).ok();
    assert_eq!(p.scalar("select count(*) from main_staging.orders"), "3");
    assert_eq!(
        p.scalar("select count(*) from main.big_orders"),
        "2",
        "ref() follows the alias"
    );
}

#[test]
fn sources_declared_in_yaml_resolve_and_become_graph_nodes() {
    let p = small_project();
    p.write(
        "models/sources.yml",
        "version: 2\nsources:\n  - name: shop_raw\n    schema: main\n    tables:\n      - name: orders\n        identifier: raw_orders\n",
    );
    p.write(
        "models/from_source.sql",
        "select count(*) as n from {{ source('shop_raw', 'orders') }}",
    );
    p.jgt(&["build"]).ok();
    assert_eq!(p.scalar("select n from from_source"), "3");
    let run = p.jgt(&["ls", "-s", "+from_source"]).ok();
    assert!(run.stdout.contains("shop_raw.orders"), "{}", run.stdout);
}

#[test]
fn the_database_file_follows_db_flag_and_env() {
    let p = small_project();
    let elsewhere = p.path().join("other.duckdb");
    p.jgt(&["seed", "--db", elsewhere.to_str().unwrap()]).ok();
    assert!(elsewhere.is_file());
    assert!(!p.db().exists());
    let from_env = p.path().join("env.duckdb");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_jgt"))
        .arg("seed")
        .current_dir(p.path())
        .env("JGT_DB", &from_env)
        .output()
        .unwrap();
    assert!(status.status.success());
    assert!(from_env.is_file());
}

#[test]
fn bare_docs_prints_the_graph_as_dot() {
    let p = small_project();
    let run = p.jgt(&["docs"]).ok();
    assert!(run.stdout.starts_with("digraph jgt {"), "{}", run.stdout);
    assert!(
        run.stdout.contains("\"raw_orders\" -> \"stg_orders\";"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\"stg_orders\" -> \"big_orders\";"),
        "{}",
        run.stdout
    );
}

#[test]
fn macros_and_return_render_like_dbt() {
    let p = small_project();
    p.write(
        "macros/zones.sql",
        "{% macro east_zips() %}{{ return(('10001', '10002')) }}{% endmacro %}",
    );
    p.write(
        "models/marts/east.sql",
        "{% set zips = east_zips() %}select id from {{ ref('stg_orders') }} where zip in {{ zips }}",
    );
    p.jgt(&["build"]).ok();
    assert_eq!(
        p.scalar("select string_agg(id::varchar, ',' order by id) from east"),
        "2,3"
    );
}

/// `jgt compile` of a whole project writes most models' files while the
/// rest compiles; every file still holds its node's final SQL, the
/// manifest's `compiled_code`: a model that inlines an ephemeral one, one
/// rendered again with `execute` true, a test, and a model edited since.
#[test]
fn every_compiled_file_holds_the_final_sql_of_its_node() {
    let p = small_project();
    p.write(
        "models/staging/eph.sql",
        "{{ config(materialized='ephemeral') }}select 1 as id",
    );
    p.write(
        "models/marts/uses_eph.sql",
        "select * from {{ ref('eph') }}",
    );
    p.write(
        "models/marts/when_run.sql",
        "select {% if execute %}'run'{% else %}'parse'{% endif %} as phase",
    );
    p.write(
        "models/marts/schema.yml",
        "version: 2\nmodels:\n  - name: big_orders\n    columns:\n      - name: id\n        data_tests: [not_null]\n",
    );
    let check = |p: &TempProject| {
        p.jgt(&["compile"]).ok();
        let text = std::fs::read_to_string(p.path().join("target/manifest.json")).unwrap();
        let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut files = 0;
        for node in manifest["nodes"].as_object().unwrap().values() {
            let Some(path) = node["compiled_path"].as_str() else {
                continue;
            };
            let written = std::fs::read_to_string(p.path().join(path)).unwrap();
            assert_eq!(written, node["compiled_code"].as_str().unwrap(), "{path}");
            files += 1;
        }
        assert!(files >= 5, "{files} files");
    };
    // Rendered with `execute` true once the database is built.
    p.jgt(&["build"]).ok();
    check(&p);
    let uses_eph = p
        .path()
        .join("target/compiled/shop/models/marts/uses_eph.sql");
    let sql = std::fs::read_to_string(&uses_eph).unwrap();
    assert!(sql.contains("__dbt__cte__eph"), "{sql}");
    let when_run = p
        .path()
        .join("target/compiled/shop/models/marts/when_run.sql");
    assert_eq!(
        std::fs::read_to_string(when_run).unwrap(),
        "select 'run' as phase"
    );
    p.write(
        "models/marts/big_orders.sql",
        "select * from {{ ref('stg_orders') }} where amount >= 20",
    );
    check(&p);
}
