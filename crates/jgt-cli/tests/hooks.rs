//! Model and seed `pre-hook` / `post-hook` on the real binary: run in the
//! node's transaction, in dbt's order, with `{{ this }}`.

mod common;

use common::TempProject;

fn project() -> TempProject {
    let p = TempProject::new(
        "name: hooked\n\
         on-run-start: \"create table if not exists main.audit (n integer, what varchar)\"\n\
         models:\n  hooked:\n    +post-hook: \"insert into main.audit select count(*), 'project {{ this.name }}' from main.audit\"\n\
         seeds:\n  hooked:\n    +post-hook: \"insert into main.audit select count(*), 'seed {{ this.identifier }}' from main.audit\"\n",
    );
    p.write("seeds/people.csv", "id\n1\n2\n");
    p
}

fn audit(p: &TempProject) -> Vec<String> {
    p.query("select n || ' ' || what from main.audit order by n")
        .into_iter()
        .map(|row| row.join(""))
        .collect()
}

#[test]
fn hooks_run_in_dbt_order_with_this() {
    let p = project();
    p.write(
        "models/people_count.sql",
        "{{ config(materialized='table', pre_hook=\"insert into main.audit select count(*), 'pre ' || '{{ this }}' from main.audit\", \
         post_hook=[\"insert into main.audit select count(*), 'own' from main.audit\", \
         after_commit(\"insert into main.audit select count(*), 'after commit' from main.audit\")]) }}\n\
         select count(*) as people from {{ ref('people') }}",
    );
    p.jgt(&["build"]).ok();
    assert_eq!(
        audit(&p),
        [
            "0 seed people",
            "1 pre \"jgt\".\"main\".\"people_count\"",
            "2 project people_count",
            "3 own",
            "4 after commit"
        ]
    );
    // run_results.json lists on-run-start as dbt does: an operation first.
    let results = std::fs::read_to_string(p.path().join("target/run_results.json")).unwrap();
    let results: serde_json::Value = serde_json::from_str(&results).unwrap();
    let first = &results["results"][0];
    assert_eq!(first["unique_id"], "operation.hooked.hooked-on-run-start-0");
    assert_eq!(first["status"], "success");
    assert_eq!(first["message"], "hooked.on-run-start.0 passed");
}

#[test]
fn a_failing_post_hook_rolls_the_model_back() {
    let p = project();
    p.write(
        "models/m.sql",
        "{{ config(materialized='table') }}\nselect 1 as v",
    );
    p.jgt(&["build"]).ok();
    p.write(
        "models/m.sql",
        "{{ config(materialized='table', post_hook='insert into no_such_table values (1)') }}\nselect 2 as v",
    );
    let run = p.jgt(&["run"]).failed();
    assert!(run.all().contains("post-hook failed"), "{}", run.all());
    assert_eq!(p.scalar("select v from m"), "1");
}

#[test]
fn a_hook_that_queries_while_rendering_is_refused_by_name() {
    let p = project();
    p.write(
        "models/m.sql",
        "{{ config(post_hook=\"{% if execute %}select 1{% endif %}\") }}\nselect 1 as v",
    );
    p.jgt(&["build"])
        .failed()
        .refused("post-hook[1] reads the database while rendering");
}

#[test]
fn persist_docs_writes_descriptions_as_comments() {
    let p = project();
    p.write(
        "models/people_count.sql",
        "{{ config(materialized='table', persist_docs={'relation': true, 'columns': true}) }}\n\
         select count(*) as people from {{ ref('people') }}",
    );
    p.write(
        "models/people_count.yml",
        "models:\n  - name: people_count\n    description: \"How many people, don't guess\"\n    \
         columns:\n      - name: people\n        description: the count\n      - name: gone\n        description: not a column\n",
    );
    p.jgt(&["build"]).ok();
    assert_eq!(
        p.scalar("select comment from duckdb_tables() where table_name = 'people_count'"),
        "How many people, don't guess"
    );
    assert_eq!(
        p.scalar("select comment from duckdb_columns() where table_name = 'people_count' and column_name = 'people'"),
        "the count"
    );
}
