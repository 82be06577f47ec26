//! `enabled: false` takes a node out of the project wherever it is set, as
//! in dbt: the project file's tree, a model's own `config()`, a schema
//! file's `config:`, a source or one of its tables, a test. Nothing builds
//! it, and a `ref()` or `source()` naming it is error JGT2012 with the
//! file and line of the call.

mod common;

use common::TempProject;

const PROJECT: &str = "name: shop\nmodels:\n  shop:\n    legacy:\n      +enabled: false\n";

/// A project with one disabled node of every kind, and `orders`, which
/// reads none of them.
fn shop() -> TempProject {
    let p = TempProject::new(PROJECT);
    p.write("models/legacy/old_orders.sql", "select 1 as id");
    p.write(
        "models/draft.sql",
        "{{ config(enabled=false) }}\nselect 1 as id",
    );
    p.write("models/retired.sql", "select 1 as id");
    p.write("models/orders.sql", "select 1 as id");
    p.write("seeds/old_prices.csv", "id\n1\n");
    p.write(
        "models/schema.yml",
        "version: 2\n\
         models:\n\
         \x20 - name: retired\n\
         \x20   config:\n\
         \x20     enabled: false\n\
         \x20   columns:\n\
         \x20     - name: id\n\
         \x20       data_tests: [unique]\n\
         seeds:\n\
         \x20 - name: old_prices\n\
         \x20   config: {enabled: false}\n\
         sources:\n\
         \x20 - name: crm\n\
         \x20   config: {enabled: false}\n\
         \x20   tables:\n\
         \x20     - name: accounts\n\
         \x20 - name: erp\n\
         \x20   tables:\n\
         \x20     - name: invoices\n\
         \x20       config: {enabled: false}\n\
         \x20     - name: payments\n",
    );
    p
}

#[test]
fn disabled_nodes_are_neither_listed_nor_built() {
    let p = shop();
    let listed = p.jgt(&["ls"]).ok();
    for gone in [
        "old_orders",
        "draft",
        "retired",
        "old_prices",
        "crm.",
        "erp.invoices",
    ] {
        assert!(!listed.stdout.contains(gone), "{gone}: {}", listed.stdout);
    }
    assert!(listed.stdout.contains("orders"), "{}", listed.stdout);
    assert!(listed.stdout.contains("erp.payments"), "{}", listed.stdout);
    let built = p.jgt(&["build"]).ok();
    assert!(
        !built.all().contains("unique_retired_id"),
        "the disabled model's tests go with it: {}",
        built.all()
    );
    assert_eq!(
        p.scalar("select count(*) from information_schema.tables where table_name in ('old_orders', 'draft', 'retired', 'old_prices')"),
        "0"
    );
}

#[test]
fn a_ref_to_any_disabled_model_or_seed_names_the_node_and_the_line() {
    for (name, id) in [
        ("old_orders", "model.shop.old_orders"),
        ("draft", "model.shop.draft"),
        ("retired", "model.shop.retired"),
        ("old_prices", "seed.shop.old_prices"),
    ] {
        let p = shop();
        p.write(
            "models/report.sql",
            &format!("select *\nfrom {{{{ ref('{name}') }}}}\n"),
        );
        let run = p.jgt(&["build"]).failed();
        let expected = format!(
            "error[JGT2012]: models/report.sql:2: 'report' depends on a node named '{name}' which is disabled ({id} has enabled: false)"
        );
        assert!(run.stderr.contains(&expected), "{}", run.stderr);
    }
}

#[test]
fn a_source_disabled_on_the_source_or_on_its_table_is_an_error_to_read() {
    for (source, table) in [("crm", "accounts"), ("erp", "invoices")] {
        let p = shop();
        p.write(
            "models/report.sql",
            &format!("select * from {{{{ source('{source}', '{table}') }}}}\n"),
        );
        let run = p.jgt(&["compile"]).failed();
        let expected = format!(
            "error[JGT2012]: models/report.sql:1: 'report' depends on a source named '{source}.{table}' which is disabled"
        );
        assert!(run.stderr.contains(&expected), "{}", run.stderr);
    }
}

#[test]
fn tests_that_read_a_disabled_node_are_left_out_with_a_warning() {
    let p = shop();
    p.write(
        "tests/no_old_orders.sql",
        "select * from {{ ref('retired') }}",
    );
    p.write(
        "tests/switched_off.sql",
        "{{ config(enabled=false) }}\nselect 1 as failure",
    );
    p.write(
        "models/orders.yml",
        "version: 2\nmodels:\n  - name: orders\n    columns:\n      - name: id\n        data_tests:\n          - relationships:\n              arguments: {to: ref('retired'), field: id}\n",
    );
    let run = p.jgt(&["build"]).ok();
    assert!(
        run.stderr.contains(
            "tests/no_old_orders.sql:1: 'no_old_orders' depends on a node named 'retired' which is disabled"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("the test is left out, as dbt leaves it out"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("'relationships_orders_id__id__ref_retired_' depends on"),
        "{}",
        run.stderr
    );
    assert!(!run.all().contains("switched_off"), "{}", run.all());
}

#[test]
fn a_schema_file_config_applies_between_the_project_tree_and_the_model_config() {
    let p = TempProject::new("name: shop\nmodels:\n  +materialized: view\n");
    p.write("models/a.sql", "select 1 as id");
    p.write(
        "models/b.sql",
        "{{ config(materialized='view') }}\nselect 1 as id",
    );
    p.write(
        "models/schema.yml",
        "models:\n  - name: a\n    config: {materialized: table}\n  - name: b\n    config: {materialized: table}\n",
    );
    let listed = p.jgt(&["ls"]).ok();
    assert!(listed.stdout.contains("a") && listed.stdout.contains("table"));
    let lines: Vec<&str> = listed.stdout.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("a ") && l.contains("table")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("b ") && l.contains("view")),
        "{lines:?}"
    );
    p.write(
        "models/schema.yml",
        "models:\n  - name: a\n    config:\n      materialized: tabel\n",
    );
    let run = p.jgt(&["ls"]).failed();
    assert!(
        run.stderr.contains(
            "error[JGT1104]: models/schema.yml:4: invalid value for 'models.a.config.materialized'"
        ),
        "{}",
        run.stderr
    );
}
