//! `jgt run` of a selection built again from the record of the last
//! identical run: only models whose SQL changed are rendered again, and
//! what it builds and writes is what compiling the whole project gives.
//!
//! Which way a run went shows in the record's memos file: a run that
//! compiled the project writes it anew (a new inode); one built from the
//! record leaves it.

mod common;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use common::{query, TempProject};
use serde_json::Value;

/// Three models in a chain, the first a table, built; their files dated
/// two seconds back, so that the record's stamps can be trusted.
fn chain() -> TempProject {
    let p = TempProject::new("name: rerun\n");
    p.write(
        "models/base.sql",
        "{{ config(materialized='table') }} select range as n from range(10)",
    );
    p.write(
        "models/middle.sql",
        "select n * 2 as n from {{ ref('base') }}",
    );
    p.write(
        "models/leaf.sql",
        "select sum(n) as total from {{ ref('middle') }}",
    );
    age(p.path());
    p.jgt(&["run"]).ok();
    // Only the records of the runs below are kept.
    p.remove("target/jgt_uptodate");
    p
}

/// Dates every file under `dir` two seconds back.
fn age(dir: &Path) {
    let status = std::process::Command::new("find")
        .arg(dir)
        .args([
            "-type",
            "f",
            "-exec",
            "touch",
            "-d",
            "2 seconds ago",
            "{}",
            "+",
        ])
        .status()
        .unwrap();
    assert!(status.success());
}

/// The inode of the only `run` record's memos file; `None` without one.
fn memos_inode(p: &TempProject) -> Option<u64> {
    let folder = p.path().join("target/jgt_uptodate");
    let memos: Vec<PathBuf> = std::fs::read_dir(folder)
        .ok()?
        .map(|e| e.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "models"))
        .collect();
    assert!(memos.len() <= 1, "one record at most: {memos:?}");
    Some(std::fs::metadata(memos.first()?).unwrap().ino())
}

/// What run_results.json says of each node, without times and threads.
fn results(p: &TempProject) -> Vec<Value> {
    let text = std::fs::read_to_string(p.path().join("target/run_results.json")).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    let keep = [
        "status",
        "unique_id",
        "compiled",
        "compiled_code",
        "relation_name",
        "message",
    ];
    json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            keep.iter()
                .map(|k| ((*k).to_string(), r[*k].clone()))
                .collect()
        })
        .collect()
}

/// The manifest without its metadata (the invocation's id and times).
fn manifest(p: &TempProject) -> Value {
    let text = std::fs::read_to_string(p.path().join("target/manifest.json")).unwrap();
    let mut json: Value = serde_json::from_str(&text).unwrap();
    json.as_object_mut().unwrap().remove("metadata");
    json
}

/// The lines a run printed, without their timings (`0.01s`).
fn lines(stdout: &str) -> Vec<String> {
    let timing = |word: &str| {
        word.strip_suffix('s')
            .is_some_and(|n| n.parse::<f64>().is_ok())
    };
    stdout
        .lines()
        .map(|line| {
            let words: Vec<&str> = line.split_whitespace().filter(|w| !timing(w)).collect();
            words.join(" ")
        })
        .collect()
}

#[test]
fn a_selection_run_again_builds_and_writes_what_compiling_gives() {
    let p = chain();
    let first = p.jgt(&["run", "-s", "leaf"]).ok();
    let before = (results(&p), manifest(&p), memos_inode(&p));
    // The relation goes, to see it built again.
    let conn = duckdb::Connection::open(p.db()).unwrap();
    conn.execute_batch("drop view leaf").unwrap();
    drop(conn);
    let again = p.jgt(&["run", "-s", "leaf"]).ok();
    assert_eq!(memos_inode(&p), before.2, "the project was compiled again");
    assert_eq!(p.scalar("select total from leaf"), "90");
    assert_eq!(lines(&again.stdout), lines(&first.stdout));
    assert_eq!(results(&p), before.0);
    assert_eq!(manifest(&p), before.1);
}

#[test]
fn an_edited_model_is_rendered_again_and_built_with_its_new_sql() {
    let p = chain();
    p.jgt(&["run", "-s", "leaf"]).ok();
    let inode = memos_inode(&p);
    p.write(
        "models/leaf.sql",
        "select max(n) as total from {{ ref('middle') }}",
    );
    age(&p.path().join("models"));
    p.jgt(&["run", "-s", "leaf"]).ok();
    assert_eq!(memos_inode(&p), inode, "the project was compiled again");
    assert_eq!(p.scalar("select total from leaf"), "18");
    let compiled = std::fs::read_to_string(p.path().join("target/compiled/rerun/models/leaf.sql"));
    assert!(compiled.unwrap().contains("max(n)"));
    let replayed = (results(&p), manifest(&p));
    // What a run that compiles everything writes.
    p.remove("target/jgt_uptodate");
    p.jgt(&["run", "-s", "leaf"]).ok();
    assert_eq!(results(&p), replayed.0);
    assert_eq!(manifest(&p), replayed.1);
}

#[test]
fn a_change_beyond_a_models_sql_compiles_the_project_again() {
    let p = chain();
    p.jgt(&["run", "-s", "leaf"]).ok();
    // A new ref changes the model's shape.
    let inode = memos_inode(&p);
    p.write(
        "models/leaf.sql",
        "select sum(n) + (select count(*) from {{ ref('base') }}) as total from {{ ref('middle') }}",
    );
    age(&p.path().join("models"));
    p.jgt(&["run", "-s", "leaf"]).ok();
    assert_ne!(memos_inode(&p), inode, "built from the record");
    assert_eq!(p.scalar("select total from leaf"), "100");
    // A macro file: every model may render otherwise.
    let inode = memos_inode(&p);
    p.write(
        "macros/double.sql",
        "{% macro double(x) %}{{ x }} * 2{% endmacro %}",
    );
    age(p.path());
    p.jgt(&["run", "-s", "leaf"]).ok();
    assert_ne!(memos_inode(&p), inode, "built from the record");
}

#[test]
fn an_incremental_model_is_never_built_from_the_record() {
    let p = chain();
    p.write(
        "models/leaf.sql",
        "{{ config(materialized='incremental') }} select sum(n) as total from {{ ref('middle') }}",
    );
    age(p.path());
    p.jgt(&["run", "-s", "leaf"]).ok();
    assert_eq!(memos_inode(&p), None, "a record was kept");
    p.jgt(&["run", "-s", "leaf"]).ok();
    assert_eq!(query(&p.db(), "select count(*) from leaf"), [["2"]]);
}

#[test]
fn a_declared_column_the_relation_lacks_is_warned_about_again() {
    let p = chain();
    p.write(
        "models/schema.yml",
        "version: 2\nmodels:\n  - name: leaf\n    columns:\n      - name: total\n      - name: average\n",
    );
    age(p.path());
    let first = p.jgt(&["run", "-s", "leaf"]).ok();
    let inode = memos_inode(&p);
    let again = p.jgt(&["run", "-s", "leaf"]).ok();
    assert_eq!(memos_inode(&p), inode, "the project was compiled again");
    let warning =
        "models/schema.yml declares column 'average' of leaf, but main.leaf has no such column";
    assert!(first.stderr.contains(warning), "{}", first.stderr);
    assert_eq!(again.stderr, first.stderr);
}
