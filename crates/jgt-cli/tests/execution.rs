//! dbt's second phase on the real binary: templates that query the
//! database (`run_query`, `adapter.get_columns_in_relation`, `graph`,
//! `execute`) see the built upstream relations when they run, hooks run
//! around a build, and `run-operation` calls a macro with the database.

mod common;

use common::TempProject;

/// A project whose second model counts the first one's rows while it
/// renders; while compiling, `execute` is false and the count is 0.
fn counting_project() -> TempProject {
    let p = TempProject::new("name: phases\n");
    p.write(
        "models/people.sql",
        "select 1 as id, 'ann' as name union all select 2, 'bob' union all select 3, 'cy'\n",
    );
    p.write(
        "models/people_count.sql",
        "-- depends_on: {{ ref('people') }}\n\
         {% if execute %}\n\
         {% set n = run_query('select count(*) from ' ~ ref('people')).columns[0].values()[0] %}\n\
         {% else %}{% set n = 0 %}{% endif %}\n\
         select {{ n }} as counted_while_rendering\n",
    );
    p
}

#[test]
fn run_query_sees_upstream_rows_when_the_model_runs() {
    let p = counting_project();
    p.jgt(&["run"]).ok();
    assert_eq!(
        p.scalar("select counted_while_rendering from people_count"),
        "3"
    );
    // The compiled file shows the SQL that ran, not the parse-time SQL.
    let compiled = std::fs::read_to_string(
        p.path()
            .join("target/compiled/phases/models/people_count.sql"),
    )
    .expect("compiled SQL");
    assert!(
        compiled.contains("select 3 as counted_while_rendering"),
        "{compiled}"
    );
}

#[test]
fn a_ref_seen_only_while_running_asks_for_depends_on() {
    let p = counting_project();
    p.write(
        "models/people_count.sql",
        "{% if execute %}{% set n = run_query('select count(*) from ' ~ ref('people')) %}{% endif %}\n\
         select 1 as counted_while_rendering\n",
    );
    let run = p.jgt(&["run"]).failed();
    assert!(
        run.all().contains("models/people_count.sql:1"),
        "{}",
        run.all()
    );
    assert!(
        run.all().contains("-- depends_on: {{ ref('people') }}"),
        "{}",
        run.all()
    );
}

#[test]
fn compile_and_show_render_against_the_built_database_like_dbt() {
    let p = counting_project();
    let before = p.jgt(&["compile"]).ok();
    assert!(
        before.all().contains("is not built yet"),
        "{}",
        before.all()
    );
    let compiled = || {
        std::fs::read_to_string(
            p.path()
                .join("target/compiled/phases/models/people_count.sql"),
        )
        .expect("compiled SQL")
    };
    assert!(
        compiled().contains("select 0 as counted_while_rendering"),
        "{}",
        compiled()
    );
    p.jgt(&["run", "-s", "people"]).ok();
    p.jgt(&["compile"]).ok();
    assert!(
        compiled().contains("select 3 as counted_while_rendering"),
        "{}",
        compiled()
    );
    let shown = p.jgt(&["show", "people_count"]).ok();
    assert!(
        shown.stdout.contains("|                       3 |"),
        "{}",
        shown.stdout
    );
}

#[test]
fn a_column_list_from_the_database_builds_like_dbt_utils_star() {
    let p = counting_project();
    p.write(
        "macros/star.sql",
        "{% macro star_except(relation, except) %}\
         {%- if not execute %}*{% else -%}\
         {%- set cols = adapter.get_columns_in_relation(relation) | map(attribute='name') | reject('in', except) | list -%}\
         {{ cols | join(', ') }}{% endif %}{% endmacro %}",
    );
    p.write(
        "models/names_only.sql",
        "select {{ star_except(ref('people'), ['id']) }} from {{ ref('people') }}\n",
    );
    p.jgt(&["run"]).ok();
    let columns = p.query(
        "select column_name from information_schema.columns where table_name = 'names_only'",
    );
    assert_eq!(columns, [["name"]]);
}

#[test]
fn graph_lists_the_project_nodes_when_running() {
    let p = counting_project();
    p.write(
        "models/model_census.sql",
        "{% set models = [] %}\
         {% for node in graph.nodes.values() if node.resource_type == 'model' %}\
         {% do models.append(node.name) %}{% endfor %}\
         select {{ models | length }} as models, '{{ models | sort | join(\",\") }}' as names\n",
    );
    p.jgt(&["run"]).ok();
    assert_eq!(
        p.query("select models::varchar, names from model_census"),
        [["3", "model_census,people,people_count"]]
    );
}

#[test]
fn an_ephemeral_parent_is_still_inlined_when_its_child_renders_again() {
    let p = counting_project();
    p.write(
        "models/tall.sql",
        "{{ config(materialized='ephemeral') }}\nselect * from {{ ref('people') }} where id > 1\n",
    );
    p.write(
        "models/tall_count.sql",
        "{% set n = run_query('select 40').columns[0].values()[0] if execute else 0 %}\n\
         select count(*) + {{ n }} as n from {{ ref('tall') }}\n",
    );
    p.jgt(&["run"]).ok();
    assert_eq!(p.scalar("select n from tall_count"), "42");
}

#[test]
fn a_query_error_while_running_names_the_model_and_keeps_its_old_relation() {
    let p = counting_project();
    p.jgt(&["run"]).ok();
    p.write(
        "models/people_count.sql",
        "-- depends_on: {{ ref('people') }}\n\
         {% if execute %}{% set n = run_query('select * from no_such_table') %}{% endif %}\n\
         select 99 as counted_while_rendering\n",
    );
    let run = p.jgt(&["run"]).failed();
    assert!(
        run.all().contains("models/people_count.sql"),
        "{}",
        run.all()
    );
    assert!(run.all().contains("no_such_table"), "{}", run.all());
    assert_eq!(
        p.scalar("select counted_while_rendering from people_count"),
        "3"
    );
}

#[test]
fn hooks_run_before_and_after_the_build() {
    let p = TempProject::new(
        "name: hooked\n\
         on-run-start:\n  - \"create table if not exists {{ target.schema }}.audit (event varchar)\"\n  \
         - \"insert into {{ target.schema }}.audit values ('start')\"\n\
         on-run-end: \"insert into {{ target.schema }}.audit select 'end ' || {{ results | length }} || ' ' || '{{ schemas | join(\\\",\\\") }}'\"\n",
    );
    p.write("models/a.sql", "select 1 as x\n");
    p.write("models/b.sql", "select * from {{ ref('a') }}\n");
    let run = p.jgt(&["run"]).ok();
    assert!(run.all().contains("on-run-start[0]"), "{}", run.all());
    assert_eq!(
        p.query("select event from audit order by event desc"),
        [["start"], ["end 2 main"]]
    );
}

#[test]
fn package_hooks_run_before_the_root_projects_as_in_dbt() {
    let p = TempProject::new(
        "name: root_project\n\
         on-run-start:\n  - \"create table if not exists main.events (n int, who varchar)\"\n  \
         - \"insert into main.events select count(*), 'root' from main.events\"\n",
    );
    p.write(
        "dbt_packages/audit_pkg/dbt_project.yml",
        "name: audit_pkg\n\
         on-run-start: \"create table if not exists main.events (n int, who varchar); \
         insert into main.events select count(*), '{{ project_name }}:pkg' from main.events\"\n",
    );
    p.write("models/a.sql", "select 1 as x\n");
    let run = p.jgt(&["run"]).ok();
    assert!(
        run.all()
            .contains("dbt_packages/audit_pkg/dbt_project.yml: on-run-start[0]"),
        "{}",
        run.all()
    );
    assert_eq!(
        p.query("select n::varchar, who from main.events order by n"),
        [["0", "root_project:pkg"], ["1", "root"]]
    );
}

#[test]
fn a_failing_hook_stops_the_run_and_names_itself() {
    let p = TempProject::new("name: hooked\non-run-start: \"insert into nowhere values (1)\"\n");
    p.write("models/a.sql", "select 1 as x\n");
    let run = p.jgt(&["run"]).failed();
    assert!(run.all().contains("JGT6108"), "{}", run.all());
    assert!(run.all().contains("on-run-start[0]"), "{}", run.all());
    assert!(run.all().contains("nowhere"), "{}", run.all());
    assert!(p
        .query("select table_name from information_schema.tables where table_name = 'a'")
        .is_empty());
}

#[test]
fn run_operation_calls_a_macro_with_arguments_and_the_database() {
    let p = counting_project();
    p.write(
        "macros/snapshot_count.sql",
        "{% macro snapshot_count(table_name, plus=0) %}\
         {% set n = run_query('select count(*) from ' ~ ref('people')).columns[0].values()[0] %}\
         {% do run_query('create table main.' ~ table_name ~ ' as select ' ~ (n + plus) ~ ' as n') %}\
         {% endmacro %}",
    );
    p.jgt(&["run"]).ok();
    p.jgt(&[
        "run-operation",
        "snapshot_count",
        "--args",
        "{table_name: counted, plus: 10}",
    ])
    .ok();
    assert_eq!(p.scalar("select n from counted"), "13");
}

#[test]
fn run_operation_refuses_an_unknown_macro_and_bad_arguments() {
    let p = counting_project();
    p.write(
        "macros/ops.sql",
        "{% macro grant_select(role) %}{% endmacro %}",
    );
    let unknown = p.jgt(&["run-operation", "grant_selekt"]).failed();
    assert!(unknown.all().contains("JGT2031"), "{}", unknown.all());
    assert!(unknown.all().contains("grant_select"), "{}", unknown.all());
    let bad = p
        .jgt(&["run-operation", "grant_select", "--args", "[1, 2]"])
        .failed();
    assert!(bad.all().contains("JGT6107"), "{}", bad.all());
}

#[test]
fn a_generic_test_that_reads_columns_renders_as_it_runs() {
    // Shaped like dbt_utils' `equality`: nothing while parsing, the
    // compared columns read from the database while running.
    let p = counting_project();
    p.write(
        "macros/same_rows.sql",
        "{% test same_rows(model, compare_model) %}\
         {%- if not execute -%}{{ return('') }}{%- endif -%}\
         {%- set cols = adapter.get_columns_in_relation(model) | map(attribute='name') | join(', ') -%}\
         (select {{ cols }} from {{ model }} except select {{ cols }} from {{ compare_model }})\n\
         union all\n\
         (select {{ cols }} from {{ compare_model }} except select {{ cols }} from {{ model }})\
         {% endtest %}",
    );
    p.write(
        "models/people_copy.sql",
        "select * from {{ ref('people') }} where id < {{ var('cut', 9) }}\n",
    );
    p.write(
        "models/schema.yml",
        "version: 2\nmodels:\n  - name: people_copy\n    data_tests:\n      \
         - same_rows:\n          compare_model: ref('people')\n",
    );
    let passed = p.jgt(&["build"]).ok();
    assert!(
        passed.stdout.contains("same_rows_people_copy_ref_people_"),
        "{}",
        passed.stdout
    );
    let failed = p.jgt(&["build", "--vars", "{cut: 3}"]).failed();
    assert!(
        failed.all().contains("same_rows_people_copy_ref_people_"),
        "{}",
        failed.all()
    );
    assert!(failed.all().contains("FAIL"), "{}", failed.all());
}
