//! Data test configs from the project file (`data_tests:`, or `tests:` in
//! older projects), on the real binary: they cascade by folder, a test's
//! own configs win, and `should_store_failures()` follows them.

mod common;

use common::TempProject;

/// `crew` with a `people` table at the top and `stg_people` under
/// `staging/`, each with one failing `not_null` test (one row has no
/// e-mail), a schema file beside each model, and `project_tail` after
/// the models' tree in the project file.
fn project(project_tail: &str) -> TempProject {
    let p = TempProject::new(&format!(
        "name: crew\nmodels:\n  +materialized: table\n{project_tail}"
    ));
    p.write("seeds/people_raw.csv", "id,email\n1,a@x.com\n2,\n");
    p.write("models/people.sql", "select * from {{ ref('people_raw') }}");
    p.write(
        "models/schema.yml",
        "models:\n  - name: people\n    columns:\n      - name: email\n        data_tests: [not_null]\n",
    );
    p.write(
        "models/staging/stg_people.sql",
        "select * from {{ ref('people_raw') }}",
    );
    p.write(
        "models/staging/schema.yml",
        "models:\n  - name: stg_people\n    columns:\n      - name: email\n        data_tests: [not_null]\n",
    );
    p
}

/// The status word printed for `test`.
fn status(stdout: &str, test: &str) -> String {
    stdout
        .lines()
        .find(|l| l.split_whitespace().nth(5) == Some(test))
        .and_then(|l| l.split_whitespace().nth(3))
        .unwrap_or_else(|| panic!("no line for {test} in:\n{stdout}"))
        .to_string()
}

#[test]
fn configs_cascade_from_the_project_file_down_to_a_folder() {
    let p = project(
        "data_tests:\n  +store_failures: true\n  crew:\n    staging:\n      +severity: warn\n",
    );
    let run = p.jgt(&["build"]).failed();
    assert_eq!(status(&run.stdout, "not_null_people_email"), "FAIL");
    assert_eq!(status(&run.stdout, "not_null_stg_people_email"), "WARN");
    // Stored without --store-failures: the tree asks for it.
    for test in ["not_null_people_email", "not_null_stg_people_email"] {
        let sql = format!("select count(*) from main_dbt_test__audit.{test}");
        assert_eq!(p.scalar(&sql), "1", "{test}");
    }
}

#[test]
fn a_tests_own_config_wins_over_the_project_file() {
    let p = project("data_tests:\n  +severity: warn\n");
    p.write(
        "models/staging/schema.yml",
        "models:\n  - name: stg_people\n    columns:\n      - name: email\n        data_tests:\n          - not_null:\n              config: {severity: error}\n",
    );
    let run = p.jgt(&["build"]).failed();
    assert_eq!(status(&run.stdout, "not_null_people_email"), "WARN");
    assert_eq!(status(&run.stdout, "not_null_stg_people_email"), "FAIL");
}

#[test]
fn singular_tests_take_the_configs_of_their_folder() {
    let p = project("tests:\n  crew:\n    audit:\n      +severity: warn\n      +schema: checks\n");
    p.write("models/schema.yml", "models: []\n");
    p.write("models/staging/schema.yml", "models: []\n");
    p.write(
        "tests/audit/no_missing_emails.sql",
        "select * from {{ ref('people') }} where email is null",
    );
    let run = p.jgt(&["build", "--store-failures"]).ok();
    assert_eq!(status(&run.stdout, "no_missing_emails"), "WARN");
    // `schema: checks` is a custom schema, named as a model's is.
    assert_eq!(
        p.scalar("select count(*) from main_checks.no_missing_emails"),
        "1"
    );
}

#[test]
fn should_store_failures_follows_the_tests_config() {
    let p = project("data_tests:\n  crew:\n    staging:\n      +store_failures: true\n");
    p.write(
        "macros/all_have.sql",
        "{% test all_have(model, column_name) %}\n\
         select {{ '*' if should_store_failures() else '1 as failed' }}\n\
         from {{ model }} where {{ column_name }} is null\n\
         {% endtest %}\n",
    );
    for (file, model) in [
        ("models/schema.yml", "people"),
        ("models/staging/schema.yml", "stg_people"),
    ] {
        p.write(
            file,
            &format!("models:\n  - name: {model}\n    columns:\n      - name: email\n        data_tests: [all_have]\n"),
        );
    }
    p.jgt(&["compile"]).ok();
    let compiled = |path: &str| std::fs::read_to_string(p.path().join(path)).unwrap();
    let top = compiled("target/compiled/crew/models/schema.yml/all_have_people_email.sql");
    let staged =
        compiled("target/compiled/crew/models/staging/schema.yml/all_have_stg_people_email.sql");
    assert!(top.contains("select 1 as failed"), "{top}");
    assert!(staged.contains("select *"), "{staged}");
}

#[test]
fn bad_trees_are_errors_at_their_line() {
    let p = project("data_tests:\n  crew:\n    +severty: warn\n");
    let run = p.jgt(&["compile"]).failed();
    assert!(run.stderr.contains("error[JGT1103]"), "{}", run.stderr);
    assert!(run.stderr.contains("project.yml:6"), "{}", run.stderr);
    assert!(run.stderr.contains("+severity"), "{}", run.stderr);
    let p = project("data_tests:\n  +store_failures_as: view\n");
    p.jgt(&["compile"]).failed().refused("store_failures_as");
    let p = project("data_tests:\n  +severity: warn\ntests:\n  +severity: error\n");
    p.jgt(&["compile"]).failed().refused("'tests:'");
}
