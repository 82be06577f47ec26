//! Output as reviewable snapshots (`insta`): the compiled SQL of every
//! JaffleGaggle model, the DOT graph, a redacted manifest of a small
//! project, and every error message of `errors.rs` and of the bad-input
//! suite's refusals. A change in any of them shows up as a diff in
//! `tests/snapshots/`; accept an intended one with `cargo insta review`
//! (or `INSTA_UPDATE=always cargo test --release -p jgt-cli --test snapshots`).

mod common;

use common::TempProject;

/// Replaces the temporary folder in `text` so snapshots do not depend on it.
fn redact(p: &TempProject, text: &str) -> String {
    let root = p.path().display().to_string();
    text.replace(&root, "<project>")
}

#[test]
fn jafflegaggle_compiled_sql() {
    let p = TempProject::jafflegaggle();
    p.jgt(&["compile"]).ok();
    let mut files = p.files_under("target/compiled/jaffle_gaggle/models");
    files.retain(|(name, _)| name.ends_with(".sql"));
    assert!(files.len() >= 7, "{files:?}");
    for (name, bytes) in files {
        let snapshot = format!("compiled__{}", name.replace(['/', '.'], "_"));
        insta::assert_snapshot!(snapshot, String::from_utf8(bytes).unwrap());
    }
}

#[test]
fn jafflegaggle_dot() {
    let p = TempProject::jafflegaggle();
    let run = p.jgt(&["docs"]).ok();
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn small_project_manifest_redacted() {
    let p = TempProject::new("name: demo\n");
    p.write("seeds/people.csv", "id,name\n1,Ann\n");
    p.write(
        "models/adults.sql",
        "{{ config(materialized='table', tags=['daily']) }}\nselect * from {{ ref('people') }}",
    );
    p.write(
        "models/schema.yml",
        "version: 2\nmodels:\n  - name: adults\n    description: Grown-ups.\n    columns:\n      - name: id\n        data_tests: [unique]\n",
    );
    p.jgt(&["compile"]).ok();
    let text = std::fs::read_to_string(p.path().join("target/manifest.json")).unwrap();
    let mut manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    for key in ["generated_at", "invocation_id", "invocation_started_at"] {
        manifest["metadata"][key] = "<redacted>".into();
    }
    let pretty = serde_json::to_string_pretty(&manifest).unwrap();
    insta::assert_snapshot!(redact(&p, &pretty));
}

/// One bad project: its files, the command, and what it printed.
fn error_of(project_yml: &str, files: &[(&str, &str)], args: &[&str]) -> String {
    let p = TempProject::new(project_yml);
    for (path, text) in files {
        p.write(path, text);
    }
    let run = p.jgt(args).failed();
    redact(&p, &run.stderr)
}

#[test]
fn error_messages() {
    const PROJECT: &str = "name: demo\n";
    let cases: Vec<(&str, String)> = vec![
        (
            "cycle",
            error_of(
                PROJECT,
                &[
                    ("models/a.sql", "select * from {{ ref('c') }}"),
                    ("models/b.sql", "select * from {{ ref('a') }}"),
                    ("models/c.sql", "select * from {{ ref('b') }}"),
                ],
                &["run"],
            ),
        ),
        (
            "unknown_ref",
            error_of(
                PROJECT,
                &[
                    ("models/staging/stg_users.sql", "select 1 as id"),
                    (
                        "models/report.sql",
                        "select *\nfrom\n  {{ ref('stg_user') }}\n",
                    ),
                ],
                &["run"],
            ),
        ),
        (
            "duplicate_name",
            error_of(
                PROJECT,
                &[
                    ("seeds/customers.csv", "id\n1\n"),
                    ("models/marts/customers.sql", "select 1 as id"),
                ],
                &["build"],
            ),
        ),
        (
            "unknown_project_key",
            error_of("name: demo\nmodel-path: [models]\n", &[], &["run"]),
        ),
        (
            "misspelt_config",
            error_of(
                "name: demo\nmodels:\n  demo:\n    +materialised: table\n",
                &[],
                &["run"],
            ),
        ),
        (
            "jinja_syntax",
            error_of(
                PROJECT,
                &[("models/m.sql", "select 1\n{% if %}\nselect 2\n")],
                &["compile"],
            ),
        ),
        (
            "missing_var",
            error_of(
                PROJECT,
                &[("models/m.sql", "select {{ var('start_date') }}")],
                &["compile"],
            ),
        ),
        (
            "undefined_name",
            error_of(
                PROJECT,
                &[("models/m.sql", "select {{ my_undefined_thing }} as a")],
                &["compile"],
            ),
        ),
        (
            "two_statements",
            error_of(
                PROJECT,
                &[("models/m.sql", "select 1 as a;\ndrop table victim")],
                &["run"],
            ),
        ),
        (
            "empty_model",
            error_of(PROJECT, &[("models/m.sql", "-- nothing yet\n")], &["run"]),
        ),
        (
            "secret_env_var",
            error_of(
                PROJECT,
                &[(
                    "models/m.sql",
                    "select '{{ env_var('DBT_ENV_SECRET_PW') }}'",
                )],
                &["compile"],
            ),
        ),
        (
            "wrong_value_type",
            error_of("name: demo\nmodel-paths: models\n", &[], &["run"]),
        ),
        ("missing_name", error_of("vars: {}\n", &[], &["run"])),
        (
            "path_outside_project",
            error_of("name: demo\nseed-paths: ['../x']\n", &[], &["seed"]),
        ),
        (
            "show_unknown",
            error_of(
                PROJECT,
                &[("models/orders.sql", "select 1 as id")],
                &["show", "order"],
            ),
        ),
    ];
    for (name, stderr) in cases {
        insta::assert_snapshot!(format!("error__{name}"), stderr);
    }
}
