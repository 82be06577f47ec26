//! Real dbt projects: `dbt_project.yml` with every key dbt accepts, the
//! profile and target from `profiles.yml`, Jinja in config values and
//! installed packages under `dbt_packages/`.

mod common;

use common::{query, TempProject};

const DBT_PROJECT: &str = "\
name: shop
version: '1.0.0'
config-version: 2
profile: shop
analysis-paths: [analyses]
snapshot-paths: [snapshots]
clean-targets: [target, dbt_packages]
dbt-cloud:
  project-id: 1234
flags:
  send_anonymous_usage_stats: false
models:
  shop:
    extra:
      +enabled: \"{{ var('with_extra', false) }}\"
";

const PROFILES: &str = "\
shop:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: warehouse/dev.duckdb
      schema: analytics
      threads: 2
    prod:
      type: duckdb
      path: \"{{ env_var('SHOP_PROD_DB', 'prod.duckdb') }}\"
      schema: reporting
";

/// A dbt-style project: dbt_project.yml, two models (one in `extra/`)
/// and no project.yml.
fn shop() -> TempProject {
    let p = TempProject::new("name: unused\n");
    p.remove("project.yml");
    p.write("dbt_project.yml", DBT_PROJECT);
    p.write("models/orders.sql", "select 1 as id");
    p.write(
        "models/whoami.sql",
        "select '{{ target.name }}' as target_name, '{{ target.schema }}' as target_schema, \
         '{{ target.profile_name }}' as profile from {{ ref('orders') }}",
    );
    p.write("models/extra/extra_orders.sql", "select 2 as id");
    p
}

fn whoami(db: &std::path::Path, schema: &str) -> Vec<Vec<String>> {
    query(
        db,
        &format!("select target_name, target_schema, profile from {schema}.whoami"),
    )
}

#[test]
fn a_profile_in_the_project_folder_picks_the_file_and_schema() {
    let p = shop();
    p.write("profiles.yml", PROFILES);
    p.jgt(&["run"]).ok();
    let db = p.path().join("warehouse/dev.duckdb");
    assert_eq!(whoami(&db, "analytics"), [["dev", "analytics", "shop"]]);
    assert!(!p.db().exists(), "nothing is built into target/jgt.duckdb");
    let models = query(
        &db,
        "select table_name from information_schema.tables where table_schema = 'analytics' order by 1",
    );
    assert_eq!(
        models,
        [["orders"], ["whoami"]],
        "extra/ is disabled by the rendered var"
    );
}

#[test]
fn target_chooses_another_output_with_env_var_rendered() {
    let p = shop();
    p.write("profiles.yml", PROFILES);
    p.jgt(&["run", "--target", "prod"]).ok();
    let db = p.path().join("prod.duckdb");
    assert_eq!(whoami(&db, "reporting"), [["prod", "reporting", "shop"]]);
    p.jgt_env(
        &["run", "-t", "prod"],
        &[("SHOP_PROD_DB", "from_env.duckdb")],
    )
    .ok();
    let db = p.path().join("from_env.duckdb");
    assert_eq!(whoami(&db, "reporting"), [["prod", "reporting", "shop"]]);
}

#[test]
fn profiles_dir_flag_and_env_var_find_profiles_elsewhere() {
    let p = shop();
    p.write("conf/profiles.yml", PROFILES);
    p.jgt(&["run", "--profiles-dir", "conf"]).ok();
    assert_eq!(
        whoami(&p.path().join("warehouse/dev.duckdb"), "analytics"),
        [["dev", "analytics", "shop"]]
    );
    p.remove("warehouse");
    p.jgt_env(&["run"], &[("DBT_PROFILES_DIR", "conf")]).ok();
    assert!(p.path().join("warehouse/dev.duckdb").is_file());
    let run = p.jgt(&["run", "--profiles-dir", "nowhere"]).failed();
    assert!(run.stderr.contains("JGT1206"), "{}", run.stderr);
    assert!(
        run.stderr.contains("no profiles.yml in nowhere"),
        "{}",
        run.stderr
    );
}

#[test]
fn without_profiles_the_default_database_stays() {
    let p = shop();
    p.jgt(&["run"]).ok();
    assert_eq!(whoami(&p.db(), "main"), [["dev", "main", ""]]);
}

#[test]
fn a_jinja_var_in_the_project_file_enables_a_folder() {
    let p = shop();
    p.jgt(&["run", "--vars", "{with_extra: true}"]).ok();
    assert_eq!(p.scalar("select id from main.extra_orders"), "2");
}

#[test]
fn an_installed_package_is_built_and_ref_with_its_name_resolves() {
    let p = shop();
    p.write(
        "packages.yml",
        "packages:\n  - package: acme/helpers\n    version: [\">=1.0.0\"]\n",
    );
    p.write(
        "dbt_packages/helpers/dbt_project.yml",
        "name: helpers\nconfig-version: 2\nmodels:\n  helpers:\n    +materialized: table\n",
    );
    p.write(
        "dbt_packages/helpers/models/answer.sql",
        "select 42 as answer",
    );
    p.write(
        "models/uses_helper.sql",
        "select answer from {{ ref('helpers', 'answer') }}",
    );
    p.jgt(&["run"]).ok();
    assert_eq!(p.scalar("select answer from main.uses_helper"), "42");
    let kind =
        p.scalar("select table_type from information_schema.tables where table_name = 'answer'");
    assert_eq!(kind, "BASE TABLE");

    p.write(
        "models/uses_helper.sql",
        "select answer from {{ ref('shop', 'answer') }}",
    );
    let run = p.jgt(&["run"]).failed();
    assert!(
        run.stderr.contains("belongs to package 'helpers'"),
        "{}",
        run.stderr
    );
    p.write(
        "models/uses_helper.sql",
        "select answer from {{ ref('answer', v=2) }}",
    );
    let run = p.jgt(&["run"]).failed();
    assert!(
        run.stderr.contains(
            "depends on a node named 'answer' with version '2' which was not found: 'answer' declares no versions"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn packages_that_are_listed_but_not_installed_ask_for_deps() {
    let p = shop();
    p.write(
        "packages.yml",
        "packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.3.0\n",
    );
    let run = p.jgt(&["run"]).failed();
    assert!(run.stderr.contains("JGT1006"), "{}", run.stderr);
    assert!(
        run.stderr.contains("'dbt_utils' is not installed"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("jgt deps"), "{}", run.stderr);
}

#[test]
fn what_jgt_cannot_build_is_refused_with_its_file_and_line() {
    let p = shop();
    p.write("project.yml", "name: shop\n");
    let run = p.jgt(&["run"]).failed();
    assert!(run.stderr.contains("JGT1003"), "{}", run.stderr);
    p.remove("project.yml");

    p.write(
        "snapshots/snap.sql",
        "{% snapshot snap %}\nselect 1\n{% endsnapshot %}\n",
    );
    let run = p.jgt(&["run"]).failed();
    assert!(
        run.stderr
            .contains("snapshots/snap.sql: a snapshot needs a unique_key"),
        "{}",
        run.stderr
    );
    p.remove("snapshots");

    let other = PROFILES.replace(
        "type: duckdb\n      path: warehouse",
        "type: snowflake\n      path: warehouse",
    );
    p.write("profiles.yml", &other);
    let run = p.jgt(&["run"]).failed();
    assert!(run.stderr.contains("JGT1204"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("profiles.yml:5: target 'dev' has type 'snowflake'"),
        "{}",
        run.stderr
    );

    p.write(
        "profiles.yml",
        &PROFILES.replace("warehouse/dev.duckdb", "':memory:'"),
    );
    let run = p.jgt(&["run"]).failed();
    assert!(
        run.stderr.contains("profiles.yml:6: path ':memory:'"),
        "{}",
        run.stderr
    );

    p.write(
        "profiles.yml",
        &PROFILES.replace("threads: 2", "threads: 2\n      extensions: [jgt_no_such]"),
    );
    let run = p.jgt(&["run"]).failed();
    assert!(
        run.stderr.contains("extension 'jgt_no_such'"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("could not be installed"),
        "{}",
        run.stderr
    );
}

#[test]
fn profile_extensions_that_are_built_in_load_offline() {
    // dbt-duckdb profiles often list parquet: built into jgt's DuckDB, it
    // is neither installed nor downloaded.
    let p = shop();
    p.write(
        "profiles.yml",
        &PROFILES.replace(
            "threads: 2",
            "threads: 2\n      extensions: [parquet, json]",
        ),
    );
    p.jgt(&["run"]).ok();
}

#[test]
fn profile_settings_run_when_the_database_opens() {
    let p = shop();
    p.write(
        "profiles.yml",
        &PROFILES.replace(
            "threads: 2",
            "threads: 2\n      settings:\n        default_order: desc",
        ),
    );
    p.write(
        "models/setting.sql",
        "{{ config(materialized='table') }} select current_setting('default_order') as o",
    );
    p.jgt(&["run"]).ok();
    let db = p.path().join("warehouse/dev.duckdb");
    assert_eq!(
        query(&db, "select lower(o) from analytics.setting"),
        [["desc"]]
    );
}

#[test]
fn profile_attachments_are_readable_from_models() {
    let p = shop();
    let lake = duckdb::Connection::open(p.path().join("lake.duckdb")).unwrap();
    lake.execute_batch("create table raw_orders as select * from range(3) t(id)")
        .unwrap();
    drop(lake);
    p.write(
        "profiles.yml",
        &PROFILES.replace(
            "threads: 2",
            "threads: 2\n      attach:\n        - path: lake.duckdb\n          alias: lake\n          read_only: true",
        ),
    );
    p.write(
        "models/from_lake.sql",
        "{{ config(materialized='table') }} select count(*) as n from lake.main.raw_orders",
    );
    p.jgt(&["run"]).ok();
    let db = p.path().join("warehouse/dev.duckdb");
    assert_eq!(query(&db, "select n from analytics.from_lake"), [["3"]]);
    // Previewing opens the built database read-only, attachments too.
    p.write(
        "models/lake_view.sql",
        "select id from lake.main.raw_orders where id > 0",
    );
    let shown = p.jgt(&["show", "lake_view"]).ok();
    assert!(shown.stdout.contains("2 rows shown"), "{}", shown.stdout);
}

#[test]
fn configs_and_schema_keys_jgt_does_not_apply_are_named_in_warnings() {
    let p = TempProject::new("name: shop\nmodels:\n  shop:\n    +grants: {select: [reporter]}\n");
    p.write("models/orders.sql", "select 1 as id\n");
    p.write(
        "models/schema.yml",
        "version: 2\nmodels:\n  - name: orders\nfunctions:\n  - name: t\n    sql: select 1\nexposures: []\nmodles: []\n",
    );
    let run = p.jgt(&["run"]).ok();
    let all = run.all();
    for expected in [
        "models/orders.sql: config 'grants' is not applied by jgt yet",
        "models/schema.yml:4: 'functions': jgt does not create user-defined functions yet",
        "models/schema.yml:8: 'modles': no dbt version knows this key; it is not read. Did you mean 'models'?",
    ] {
        assert!(all.contains(expected), "missing {expected:?} in:\n{all}");
    }
    assert!(!all.contains("'exposures'"), "{all}");
}

#[test]
fn analyses_are_compiled_never_run_and_build_nothing() {
    let p = TempProject::new("name: shop\nanalysis-paths: [analyses]\n");
    p.write("models/orders.sql", "select 1 as id\n");
    p.write("models/unused.sql", "select 2 as id\n");
    p.write(
        "macros/top.sql",
        "{% macro top(n) %}order by id desc limit {{ n }}{% endmacro %}",
    );
    p.write(
        "analyses/reports/top.sql",
        "select * from {{ ref('orders') }}\n{{ top(3) }}\n",
    );
    p.write("analyses/off.sql", "{{ config(enabled=false) }}\nselect 1");
    let run = p.jgt(&["compile"]).ok();
    assert!(
        run.stdout.contains("Compiled 2 models and 1 analyses"),
        "{}",
        run.stdout
    );
    let sql = std::fs::read_to_string(
        p.path()
            .join("target/compiled/shop/analyses/reports/top.sql"),
    )
    .unwrap();
    assert_eq!(
        sql,
        "select * from \"jgt\".\"main\".\"orders\"\norder by id desc limit 3\n"
    );
    assert!(!p
        .path()
        .join("target/compiled/shop/analyses/off.sql")
        .exists());
    // Never run, and not a node: `ls` lists no analysis, and a build of
    // nothing but `unused` builds nothing the analysis refs.
    let listed = p.jgt(&["ls"]).ok();
    assert!(!listed.stdout.contains("top"), "{}", listed.stdout);
    p.jgt(&["run", "-s", "unused"]).ok();
    assert_eq!(
        p.scalar("select count(*) from information_schema.tables where table_name = 'orders'"),
        "0"
    );
    p.write(
        "analyses/reports/top.sql",
        "select * from {{ ref('order') }}\n",
    );
    let run = p.jgt(&["compile"]).failed();
    assert!(
        run.stderr.contains(
            "analyses/reports/top.sql:1: ref('order') names no model or seed in this project. Did you mean 'orders'?"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn vars_scoped_to_a_package_reach_only_its_nodes_with_dbts_precedence() {
    let p = TempProject::new(
        "name: shop\n\
         vars:\n  region: root_global\n  shop:\n    region: root_scoped_for_shop\n  \
         helpers:\n    tier: root_scoped_for_helpers\n",
    );
    p.write(
        "dbt_packages/helpers/dbt_project.yml",
        "name: helpers\nvars:\n  tier: package_default\n  fallback: package_default\n  \
         helpers:\n    region: package_scoped\n",
    );
    p.write(
        "dbt_packages/helpers/models/helper_vars.sql",
        "select '{{ var(\"region\") }}' as region, '{{ var(\"tier\") }}' as tier, \
         '{{ var(\"fallback\") }}' as fallback\n",
    );
    p.write(
        "models/shop_vars.sql",
        "select '{{ var(\"region\") }}' as region, '{{ var(\"tier\", \"none\") }}' as tier\n",
    );
    p.jgt(&["run"]).ok();
    assert_eq!(
        p.query("select region, tier from shop_vars"),
        [["root_scoped_for_shop", "none"]]
    );
    // Root scope for the package, then the root's globals, then the
    // package's own vars.
    assert_eq!(
        p.query("select region, tier, fallback from helper_vars"),
        [["root_global", "root_scoped_for_helpers", "package_default"]]
    );
    p.jgt(&["run", "--vars", "{region: from_cli}"]).ok();
    assert_eq!(p.scalar("select region from shop_vars"), "from_cli");
}
