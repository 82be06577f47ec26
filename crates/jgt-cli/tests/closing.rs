//! What a command leaves on disk when it closes the database: every file
//! it wrote into checkpointed, no write-ahead log beside any of them, as
//! DuckDB's own close leaves them (and dbt-duckdb's runs).

mod common;

use common::{query, TempProject};

/// A project with a seed and a table big enough to be written in blocks.
fn project() -> TempProject {
    let p = TempProject::new("name: closing\n");
    p.write("seeds/codes.csv", "code,label\n1,one\n2,two\n3,three\n");
    p.write(
        "models/numbers.sql",
        "{{ config(materialized='table') }}\n\
         select range as n, range % 7 as bucket from range(200000)",
    );
    p.write(
        "models/by_bucket.sql",
        "select bucket, count(*) as rows from {{ ref('numbers') }} group by bucket",
    );
    p
}

/// The write-ahead log DuckDB keeps beside `db` while it has unwritten
/// changes.
fn wal(db: &std::path::Path) -> std::path::PathBuf {
    let mut path = db.as_os_str().to_owned();
    path.push(".wal");
    path.into()
}

#[test]
fn a_build_leaves_its_database_checkpointed_without_a_write_ahead_log() {
    let p = project();
    p.jgt(&["build"]).ok();
    assert!(!wal(&p.db()).exists(), "a write-ahead log was left");
    assert_eq!(p.scalar("select count(*) from numbers"), "200000");
    assert_eq!(p.scalar("select sum(rows) from by_bucket"), "200000");
    assert_eq!(p.scalar("select label from codes where code = 3"), "three");
    // A second run over the same file, then a selection, likewise.
    p.jgt(&["run", "-s", "by_bucket"]).ok();
    assert!(!wal(&p.db()).exists(), "a write-ahead log was left");
    assert_eq!(p.scalar("select count(*) from by_bucket"), "7");
}

#[test]
fn a_writable_attached_database_is_checkpointed_too() {
    let p = project();
    p.write(
        "profiles.yml",
        "closing:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      \
         path: target/jgt.duckdb\n      attach:\n        - path: lake.duckdb\n          \
         alias: lake\n",
    );
    // on-run-end runs in a transaction of its own (one DuckDB
    // transaction writes into one database only).
    p.write(
        "dbt_project.yml",
        "name: closing\nprofile: closing\non-run-end:\n  - create or replace table \
         lake.main.copied as select * from main.numbers\n",
    );
    p.remove("project.yml");
    p.jgt(&["run"]).ok();
    let lake = p.path().join("lake.duckdb");
    assert!(!wal(&p.db()).exists(), "a write-ahead log was left");
    assert!(
        !wal(&lake).exists(),
        "the attached file kept a write-ahead log"
    );
    assert_eq!(query(&lake, "select count(*) from copied"), [["200000"]]);
}

#[test]
fn a_failed_model_leaves_the_file_checkpointed_with_the_old_relation() {
    let p = project();
    p.jgt(&["run"]).ok();
    p.write(
        "models/numbers.sql",
        "{{ config(materialized='table') }} select n from no_such_table",
    );
    p.jgt(&["run"]).failed();
    assert!(!wal(&p.db()).exists(), "a write-ahead log was left");
    assert_eq!(p.scalar("select count(*) from numbers"), "200000");
}

#[test]
fn a_project_that_fails_to_load_says_why_and_leaves_the_built_file_as_it_was() {
    // A built file is opened before the project loads: the project's
    // error must still be the one told, and the file left whole.
    let p = project();
    p.jgt(&["run"]).ok();
    p.write(
        "models/schema.yml",
        "version: 2\nmodels:\n  - name: [numbers\n",
    );
    let run = p.jgt(&["run"]).failed();
    assert!(run.all().contains("models/schema.yml"), "{}", run.all());
    assert!(!wal(&p.db()).exists(), "a write-ahead log was left");
    assert_eq!(p.scalar("select count(*) from numbers"), "200000");
}
