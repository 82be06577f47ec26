//! dbt's built-in macros on the real binary: the cross-database macros give
//! DuckDB the results dbt-duckdb gives, dispatch picks a project's
//! implementation, and `generate_schema_name` decides where models build.

mod common;

use common::TempProject;

/// The recorded cases: name, Jinja expression, the value dbt-duckdb's SQL
/// gave as text (bench/record_cross_db.sh records them with real dbt).
fn cases() -> Vec<(String, String, String)> {
    let text = include_str!("fixtures/cross_db_cases.tsv");
    text.lines()
        .skip(1)
        .map(|line| {
            let mut fields = line.split('\t').map(str::to_string);
            let (Some(name), Some(expression), Some(expected)) =
                (fields.next(), fields.next(), fields.next())
            else {
                panic!("a case needs name, expression and expected: {line}");
            };
            (name, expression, expected)
        })
        .collect()
}

#[test]
fn cross_database_macros_give_the_results_dbt_duckdb_gives() {
    let p = TempProject::new("name: cross_db\n");
    let cases = cases();
    assert!(cases.len() > 40, "the fixture lost its cases");
    for (name, expression, _) in &cases {
        p.write(
            &format!("models/{name}.sql"),
            &format!("select {{{{ {expression} }}}} as v\n"),
        );
    }
    p.jgt(&["run"]).ok();
    let mut wrong = Vec::new();
    for (name, expression, expected) in &cases {
        let got = p.scalar(&format!("select cast(v as varchar) from \"{name}\""));
        if &got != expected {
            wrong.push(format!(
                "{name}: {expression} gave {got}, dbt-duckdb gives {expected}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_project_replaces_a_cross_database_macro_through_dispatch() {
    let p = TempProject::new("name: shop\n");
    p.write(
        "macros/dates.sql",
        "{% macro duckdb__dateadd(datepart, interval, from_date_or_timestamp) %}\
         (date '1999-12-31'){% endmacro %}",
    );
    p.write(
        "models/tomorrow.sql",
        "select {{ dbt.dateadd('day', 1, \"date '2021-01-31'\") }} as qualified, \
         {{ dateadd('day', 1, \"date '2021-01-31'\") }} as bare",
    );
    p.jgt(&["run"]).ok();
    assert_eq!(
        p.query("select cast(qualified as varchar), cast(bare as varchar) from tomorrow"),
        [["1999-12-31", "1999-12-31"]]
    );
}

#[test]
fn a_dispatch_with_no_implementation_names_every_macro_searched() {
    let p = TempProject::new("name: shop\n");
    p.write(
        "models/broken.sql",
        "select {{ adapter.dispatch('no_such_macro', 'dbt')() }} as v",
    );
    p.jgt(&["run"])
        .failed()
        .refused("JGT2010")
        .refused("duckdb__no_such_macro, default__no_such_macro");
}

fn staged_project() -> TempProject {
    let p = TempProject::new("name: shop\nmodels:\n  shop:\n    staging:\n      +schema: stg\n");
    p.write("models/staging/stg_orders.sql", "select 1 as id");
    p.write("models/orders.sql", "select * from {{ ref('stg_orders') }}");
    p
}

#[test]
fn a_custom_schema_is_appended_to_the_target_schema_by_default() {
    let p = staged_project();
    p.jgt(&["run"]).ok();
    assert_eq!(p.scalar("select count(*) from main_stg.stg_orders"), "1");
    assert_eq!(p.scalar("select count(*) from main.orders"), "1");
}

#[test]
fn a_project_generate_schema_name_puts_custom_schemas_where_it_says() {
    let p = staged_project();
    p.write(
        "macros/generate_schema_name.sql",
        "{% macro generate_schema_name(custom_schema_name, node) -%}\n\
         {%- if custom_schema_name is none -%}{{ target.schema }}\
         {%- else -%}{{ custom_schema_name | trim }}{%- endif -%}\n\
         {%- endmacro %}",
    );
    p.jgt(&["run"]).ok();
    assert_eq!(p.scalar("select count(*) from stg.stg_orders"), "1");
    assert_eq!(p.scalar("select count(*) from main.orders"), "1");
}

#[test]
fn a_project_generate_alias_name_names_the_relations() {
    let p = staged_project();
    p.write(
        "macros/generate_alias_name.sql",
        "{% macro generate_alias_name(custom_alias_name=none, node=none) -%}\n\
         {{ node.resource_type }}_{{ node.name }}\n\
         {%- endmacro %}",
    );
    p.jgt(&["run"]).ok();
    assert_eq!(p.scalar("select count(*) from main.model_orders"), "1");
}
