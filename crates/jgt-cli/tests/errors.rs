//! Bad input gets a clear message naming the file (and line), and a
//! non-zero exit; a failing model loses nothing.

mod common;

use common::TempProject;

const PROJECT: &str = "name: demo\n";

#[test]
fn a_cycle_names_every_model_and_file() {
    let p = TempProject::new(PROJECT);
    p.write("models/a.sql", "select * from {{ ref('c') }}");
    p.write("models/b.sql", "select * from {{ ref('a') }}");
    p.write("models/c.sql", "select * from {{ ref('b') }}");
    let run = p.jgt(&["run"]).failed();
    assert!(
        run.stderr.contains(
            "dependency cycle: a (models/a.sql) -> b (models/b.sql) -> c (models/c.sql) -> a (models/a.sql)"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn an_unknown_ref_names_file_line_and_the_nearest_model() {
    let p = TempProject::new(PROJECT);
    p.write("models/staging/stg_users.sql", "select 1 as id");
    p.write(
        "models/report.sql",
        "select *\nfrom\n  {{ ref('stg_user') }}\n",
    );
    let run = p.jgt(&["run"]).failed();
    assert!(
        run.stderr.contains(
            "models/report.sql:3: ref('stg_user') names no model or seed in this project. Did you mean 'stg_users'?"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn two_nodes_with_one_name_name_both_files() {
    let p = TempProject::new(PROJECT);
    p.write("seeds/customers.csv", "id\n1\n");
    p.write("models/marts/customers.sql", "select 1 as id");
    let run = p.jgt(&["build"]).failed();
    assert!(
        run.stderr.contains("two nodes are named 'customers'")
            && run.stderr.contains("seeds/customers.csv")
            && run.stderr.contains("models/marts/customers.sql"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_unknown_project_key_suggests_the_valid_one() {
    let p = TempProject::new("name: demo\nmodel-path: [models]\n");
    let run = p.jgt(&["run"]).failed();
    assert!(
        run.stderr
            .contains("project.yml:2: unknown key 'model-path'")
            && run.stderr.contains("Did you mean 'model-paths'?"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_misspelt_config_in_the_models_tree_is_caught() {
    let p = TempProject::new("name: demo\nmodels:\n  demo:\n    +materialised: table\n");
    let run = p.jgt(&["run"]).failed();
    assert!(
        run.stderr
            .contains("project.yml:4: unknown config '+materialised'")
            && run.stderr.contains("Did you mean '+materialized'?"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_jinja_syntax_error_names_file_and_line() {
    let p = TempProject::new(PROJECT);
    p.write("models/m.sql", "select 1\n{% if %}\nselect 2\n");
    let run = p.jgt(&["compile"]).failed();
    assert!(
        run.stderr.contains("models/m.sql:2: syntax error"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_sql_error_names_model_file_compiled_sql_and_quotes_duckdb() {
    let p = TempProject::new(PROJECT);
    p.write("models/bad.sql", "select no_such_column from range(3)");
    let run = p.jgt(&["run"]).failed();
    let out = run.all();
    assert!(out.contains("Error in bad (models/bad.sql)"), "{out}");
    assert!(
        out.contains("compiled SQL: target/compiled/demo/models/bad.sql"),
        "{out}"
    );
    assert!(
        out.contains("Binder Error") && out.contains("no_such_column"),
        "{out}"
    );
    assert!(p
        .path()
        .join("target/compiled/demo/models/bad.sql")
        .is_file());
}

#[test]
fn a_failing_model_keeps_its_table_and_skips_its_children_only() {
    let p = TempProject::new("name: demo\nmodels:\n  +materialized: table\n");
    p.write("models/base.sql", "select * from range(3) t(n)");
    p.write(
        "models/child.sql",
        "select n * 10 as n from {{ ref('base') }}",
    );
    p.write(
        "models/grandchild.sql",
        "select count(*) as c from {{ ref('child') }}",
    );
    p.write("models/other.sql", "select 1 as version");
    p.jgt(&["run"]).ok();
    assert_eq!(p.scalar("select count(*) from base"), "3");

    p.write("models/base.sql", "select n from nowhere_at_all");
    p.write("models/other.sql", "select 2 as version");
    let run = p.jgt(&["run"]).failed();
    assert_eq!(
        p.scalar("select count(*) from base"),
        "3",
        "the previous rows are intact"
    );
    assert_eq!(
        p.scalar("select string_agg(n::varchar, ',' order by n) from base"),
        "0,1,2"
    );
    assert!(run.stdout.contains("SKIP"), "{}", run.stdout);
    assert!(
        run.stdout.contains("upstream base failed"),
        "{}",
        run.stdout
    );
    assert_eq!(
        p.scalar("select version from other"),
        "2",
        "independent branches still build"
    );
    let summary = run
        .stdout
        .lines()
        .find(|l| l.starts_with("| total"))
        .unwrap();
    let cells: Vec<&str> = summary.split('|').map(str::trim).collect();
    assert_eq!(
        cells[2..6],
        ["1", "0", "1", "2"],
        "ok, warn, error, skipped"
    );
}

#[test]
fn a_missing_var_says_how_to_set_it() {
    let p = TempProject::new(PROJECT);
    p.write("models/m.sql", "select {{ var('start_date') }}");
    let run = p.jgt(&["compile"]).failed();
    assert!(
        run.stderr
            .contains("models/m.sql:1: var('start_date') is not set and has no default"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_folder_without_project_yml_is_explained() {
    let p = TempProject::new(PROJECT);
    p.remove("project.yml");
    let run = p.jgt(&["run"]).failed();
    assert!(run.stderr.contains("no project.yml"), "{}", run.stderr);
}
