//! `compile` and `ls` reuse their last result when nothing they read has
//! changed, and never when something has.
//!
//! A reused run leaves the manifest file in place (same inode) with this
//! invocation's id; a run that compiles writes a new manifest beside the
//! old one and renames it over, so its inode changes. The project's files
//! are dated ten seconds back before each reuse: jgt refuses to trust a
//! timestamp younger than a second.

mod common;

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

use common::TempProject;

fn project() -> TempProject {
    let p = TempProject::new("name: up\n");
    p.write("seeds/raw.csv", "n\n1\n2\n");
    p.write("models/a.sql", "select n from {{ ref('raw') }}");
    p.write(
        "models/b.sql",
        "select n + {{ var('step', 1) }} as n from {{ ref('a') }}",
    );
    p
}

/// Dates every file of the project (but target/) ten seconds back.
fn age(p: &TempProject) {
    for entry in walk(p.path()) {
        age_file(&entry);
    }
}

/// Dates one file ten seconds back.
fn age_file(path: &Path) {
    let past = SystemTime::now() - Duration::from_secs(10);
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(past).unwrap();
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.ends_with("target") {
            continue;
        }
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// The manifest's inode and invocation id.
fn manifest(p: &TempProject) -> (u64, String) {
    let path = p.path().join("target/manifest.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let id = json["metadata"]["invocation_id"]
        .as_str()
        .unwrap()
        .to_string();
    (std::fs::metadata(&path).unwrap().ino(), id)
}

fn compiled_b(p: &TempProject) -> String {
    std::fs::read_to_string(p.path().join("target/compiled/up/models/b.sql")).unwrap()
}

#[test]
fn an_unchanged_project_is_not_compiled_again() {
    let p = project();
    age(&p);
    let first = p.jgt(&["compile"]).ok();
    let (inode, id) = manifest(&p);
    let again = p.jgt(&["compile"]).ok();
    assert_eq!(again.stdout, first.stdout);
    let (inode_after, id_after) = manifest(&p);
    assert_eq!(inode_after, inode, "the manifest was written again");
    assert_ne!(id_after, id, "the manifest keeps the last invocation's id");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(p.path().join("target/manifest.json")).unwrap())
            .unwrap();
    assert!(manifest["nodes"]["model.up.b"].is_object());

    let listed = p.jgt(&["ls"]).ok();
    let listed_again = p.jgt(&["ls"]).ok();
    assert_eq!(listed_again.stdout, listed.stdout);
    assert!(listed.stdout.contains("models/b.sql"), "{}", listed.stdout);
}

#[test]
fn an_edited_model_is_compiled_again() {
    let p = project();
    age(&p);
    p.jgt(&["compile"]).ok();
    p.write("models/b.sql", "select n * 10 as n from {{ ref('a') }}");
    age(&p);
    p.jgt(&["compile"]).ok();
    assert!(compiled_b(&p).contains("n * 10"), "{}", compiled_b(&p));
}

#[test]
fn other_vars_or_environment_compile_again() {
    let p = project();
    p.write(
        "models/c.sql",
        "select '{{ env_var('UP_COLOUR', 'none') }}' as colour",
    );
    age(&p);
    p.jgt(&["compile"]).ok();
    p.jgt(&["compile", "--vars", "{step: 7}"]).ok();
    assert!(compiled_b(&p).contains("n + 7"), "{}", compiled_b(&p));
    p.jgt_env(&["compile"], &[("UP_COLOUR", "teal")]).ok();
    let c = std::fs::read_to_string(p.path().join("target/compiled/up/models/c.sql")).unwrap();
    assert!(c.contains("'teal'"), "{c}");
}

#[test]
fn a_deleted_compiled_file_is_written_again() {
    let p = project();
    age(&p);
    p.jgt(&["compile"]).ok();
    p.remove("target/compiled/up/models/b.sql");
    p.jgt(&["compile"]).ok();
    assert!(compiled_b(&p).contains("n + 1"));
}

#[test]
fn a_built_database_compiles_again() {
    // `is_incremental()` reads which relations exist: building changes
    // the answer, so the next compile may not reuse the last one.
    let p = project();
    p.write(
        "models/inc.sql",
        "{{ config(materialized='incremental') }}\nselect n from {{ ref('raw') }}\n{% if is_incremental() %}where n > (select max(n) from {{ this }}){% endif %}",
    );
    age(&p);
    p.jgt(&["compile"]).ok();
    let path = p.path().join("target/compiled/up/models/inc.sql");
    assert!(!std::fs::read_to_string(&path).unwrap().contains("max(n)"));
    p.jgt(&["build"]).ok();
    p.jgt(&["compile"]).ok();
    assert!(std::fs::read_to_string(&path).unwrap().contains("max(n)"));
}

#[test]
fn templates_that_read_the_clock_are_always_compiled() {
    let p = project();
    p.write("models/t.sql", "select '{{ run_started_at }}' as started");
    age(&p);
    p.jgt(&["compile"]).ok();
    let (inode, _) = manifest(&p);
    p.jgt(&["compile"]).ok();
    assert_ne!(manifest(&p).0, inode, "a clock-reading project was reused");
    let records = std::fs::read_dir(p.path().join("target/jgt_uptodate"));
    assert_eq!(records.map(|d| d.count()).unwrap_or(0), 0);
}

#[test]
fn files_younger_than_a_second_are_not_trusted() {
    let p = project();
    p.jgt(&["compile"]).ok();
    let (inode, _) = manifest(&p);
    p.jgt(&["compile"]).ok();
    assert_ne!(manifest(&p).0, inode);
}

#[test]
fn a_variable_nothing_reads_changes_nothing() {
    // hyperfine, for one, sets a different variable on every run.
    let p = project();
    age(&p);
    p.jgt_env(&["compile"], &[("UNRELATED_NOISE", "1")]).ok();
    let (inode, _) = manifest(&p);
    p.jgt_env(&["compile"], &[("UNRELATED_NOISE", "2")]).ok();
    assert_eq!(manifest(&p).0, inode, "an unread variable forced a compile");
    p.jgt_env(&["compile"], &[("JGT_SOMETHING", "new")]).ok();
    assert_ne!(manifest(&p).0, inode, "jgt's own variables count");
}

#[test]
fn a_variable_named_at_run_time_is_never_reused() {
    let p = project();
    p.write(
        "models/d.sql",
        "{% set name = 'UP_' ~ 'SHAPE' %}select '{{ env_var(name, 'round') }}' as shape",
    );
    age(&p);
    p.jgt(&["compile"]).ok();
    p.jgt_env(&["compile"], &[("UP_SHAPE", "square")]).ok();
    let d = std::fs::read_to_string(p.path().join("target/compiled/up/models/d.sql")).unwrap();
    assert!(d.contains("'square'"), "{d}");
}

#[test]
fn the_table_list_is_kept_while_the_database_is_unchanged() {
    // `compile` keeps the tables it listed for `is_incremental()`; while
    // the database file is as it was, the next compile reads the kept list
    // and does not open the file.
    let p = project();
    p.write(
        "models/inc.sql",
        "{{ config(materialized='incremental') }}\nselect n from {{ ref('raw') }}\n{% if is_incremental() %}where n > (select max(n) from {{ this }}){% endif %}",
    );
    p.jgt(&["build"]).ok();
    let database = p.path().join("target/jgt.duckdb");
    let age_database = || {
        let file = std::fs::File::options()
            .write(true)
            .open(&database)
            .unwrap();
        file.set_modified(SystemTime::now() - Duration::from_secs(10))
            .unwrap();
    };
    age_database();
    let inc = p.path().join("target/compiled/up/models/inc.sql");
    let listed = p.path().join("target/jgt_uptodate/tables.json");
    p.jgt(&["compile"]).ok();
    assert!(std::fs::read_to_string(&inc).unwrap().contains("max(n)"));
    let kept = std::fs::read_to_string(&listed).unwrap();
    assert!(kept.contains(r#"["main","inc"]"#), "{kept}");

    // The kept list is what the next compile believes: without `inc` in
    // it, the model compiles as on a first run.
    std::fs::write(
        &listed,
        kept.replace(r#"["main","inc"]"#, r#"["main","gone"]"#),
    )
    .unwrap();
    p.jgt(&["compile"]).ok();
    assert!(!std::fs::read_to_string(&inc).unwrap().contains("max(n)"));

    // A build changes the file: the list is read from it again.
    p.jgt(&["run", "-s", "a"]).ok();
    p.jgt(&["compile"]).ok();
    assert!(std::fs::read_to_string(&inc).unwrap().contains("max(n)"));
    assert!(
        !listed.exists(),
        "a list of a file changed a moment ago is not kept"
    );
}

/// The inode of the memos a compile keeps for patching: a compile writes
/// them anew, a patch leaves them as they are (nothing in them changes).
fn memos_inode(p: &TempProject) -> u64 {
    let folder = p.path().join("target/jgt_uptodate");
    let memos = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|path| path.extension().is_some_and(|e| e == "models"))
        .expect("a memos file");
    std::fs::metadata(memos).unwrap().ino()
}

/// The manifest from `"nodes"` on (the metadata differs by invocation).
fn manifest_body(p: &TempProject) -> String {
    let text = std::fs::read_to_string(p.path().join("target/manifest.json")).unwrap();
    text[text.find(",\"nodes\":").unwrap()..].to_string()
}

/// A project whose models call a macro, set a config and read a source.
fn patched_project() -> TempProject {
    let p = project();
    p.write(
        "macros/double.sql",
        "{% macro double(x) %}({{ x }} * 2){% endmacro %}",
    );
    p.write(
        "models/sources.yml",
        "version: 2\nsources:\n  - name: ext\n    schema: main\n    tables:\n      - name: raw\n",
    );
    p.write(
        "models/c.sql",
        "{{ config(materialized='table') }}\nselect {{ double('n') }} as n\nfrom {{ ref('b') }}\n",
    );
    p
}

#[test]
fn an_edited_model_is_patched_into_what_a_whole_compile_writes() {
    let p = patched_project();
    age(&p);
    let first = p.jgt(&["compile"]).ok();
    let memos = memos_inode(&p);
    p.write(
        "models/c.sql",
        "{{ config(materialized='table') }}\n-- \"quoted\" \\ and a tab\t\nselect {{ double('n') }} as doubled\nfrom {{ ref('b') }}\n",
    );
    age_file(&p.path().join("models/c.sql"));
    let patched = p.jgt(&["compile"]).ok();
    assert_eq!(patched.stdout, first.stdout);
    assert_eq!(memos_inode(&p), memos, "the project was compiled again");
    let c = std::fs::read_to_string(p.path().join("target/compiled/up/models/c.sql")).unwrap();
    assert!(c.contains("(n * 2) as doubled"), "{c}");
    let body = manifest_body(&p);
    assert!(body.contains("as doubled"), "the manifest has the new SQL");
    // What compiling everything again writes, byte for byte.
    std::fs::remove_dir_all(p.path().join("target/jgt_uptodate")).unwrap();
    p.jgt(&["compile"]).ok();
    memos_inode(&p); // compiled whole: the memos are there again
    assert!(manifest_body(&p) == body, "the patched manifest differs");
}

#[test]
fn edits_within_one_second_are_patched_every_time() {
    // Each edit lands within the clock tick of the last run: its stamp is
    // kept as unknown, and the next run looks at the file again.
    let p = patched_project();
    age(&p);
    p.jgt(&["compile"]).ok();
    let memos = memos_inode(&p);
    for n in [3, 4, 5] {
        p.write(
            "models/b.sql",
            &format!("select n * {n} as n from {{{{ ref('a') }}}}"),
        );
        p.jgt(&["compile"]).ok();
        assert!(
            compiled_b(&p).contains(&format!("n * {n}")),
            "{}",
            compiled_b(&p)
        );
        assert!(manifest_body(&p).contains(&format!("n * {n} as n")));
    }
    assert_eq!(memos_inode(&p), memos, "the project was compiled again");
}

#[test]
fn a_model_with_new_refs_or_configs_is_compiled_with_the_project() {
    let p = patched_project();
    age(&p);
    p.jgt(&["compile"]).ok();
    let memos = memos_inode(&p);
    p.write(
        "models/b.sql",
        "select a.n from {{ ref('a') }} as a join {{ source('ext', 'raw') }} using (n)",
    );
    age_file(&p.path().join("models/b.sql"));
    p.jgt(&["compile"]).ok();
    assert_ne!(memos_inode(&p), memos, "a new source() was patched");
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(p.path().join("target/manifest.json")).unwrap(),
    )
    .unwrap();
    let parents = &manifest["parent_map"]["model.up.b"];
    assert!(
        parents.to_string().contains("source.up.ext.raw"),
        "{parents}"
    );
    let memos = memos_inode(&p);
    p.write(
        "models/c.sql",
        "{{ config(materialized='view') }}\nselect {{ double('n') }} as n\nfrom {{ ref('b') }}\n",
    );
    age_file(&p.path().join("models/c.sql"));
    p.jgt(&["compile"]).ok();
    assert_ne!(memos_inode(&p), memos, "a new config() was patched");
}

#[test]
fn a_broken_edit_is_reported_with_its_file_and_line() {
    let p = patched_project();
    age(&p);
    p.jgt(&["compile"]).ok();
    p.write("models/c.sql", "select 1 as n\nfrom {{ ref('b') }\n");
    age_file(&p.path().join("models/c.sql"));
    let failed = p.jgt(&["compile"]).failed();
    assert!(failed.stderr.contains("models/c.sql"), "{}", failed.stderr);
    p.write(
        "models/c.sql",
        "select n from {{ ref('b') }}; drop table a\n",
    );
    age_file(&p.path().join("models/c.sql"));
    let refused = p.jgt(&["compile"]).failed();
    assert!(
        refused.stderr.contains("models/c.sql"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("statement"), "{}", refused.stderr);
}
