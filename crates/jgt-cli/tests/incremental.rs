//! Incremental and ephemeral models on the real binary.

mod common;

use common::TempProject;

const EVENTS_V1: &str = "event_id,ts,value\n1,2024-01-01 10:00:00,a\n2,2024-01-02 10:00:00,b\n3,2024-01-03 10:00:00,c\n";

fn project(model: &str) -> TempProject {
    let p = TempProject::new("name: inc\n");
    p.write("seeds/events.csv", EVENTS_V1);
    p.write("models/loaded.sql", model);
    p
}

fn incremental(config: &str) -> String {
    format!(
        "{{{{ config(materialized='incremental', {config}) }}}}
select event_id, ts, value from {{{{ ref('events') }}}}
{{% if is_incremental() %}}where ts > (select max(ts) from {{{{ this }}}}){{% endif %}}"
    )
}

fn rows(p: &TempProject) -> String {
    p.scalar("select string_agg(event_id || value, ',' order by event_id, value) from loaded")
}

#[test]
fn append_adds_exactly_the_new_rows() {
    let p = project(&incremental("incremental_strategy='append'"));
    p.jgt(&["build"]).ok();
    assert_eq!(rows(&p), "1a,2b,3c");
    p.write(
        "seeds/events.csv",
        &format!("{EVENTS_V1}4,2024-01-04 10:00:00,d\n5,2024-01-05 10:00:00,e\n"),
    );
    p.jgt(&["build"]).ok();
    assert_eq!(rows(&p), "1a,2b,3c,4d,5e");
    // Nothing new: nothing added.
    p.jgt(&["run"]).ok();
    assert_eq!(p.scalar("select count(*) from loaded"), "5");
}

#[test]
fn delete_insert_and_merge_replace_rows_by_unique_key() {
    for config in [
        "unique_key='event_id', incremental_strategy='delete+insert'",
        "unique_key=['event_id'], incremental_strategy='merge'",
    ] {
        let p = project(&incremental(config));
        p.jgt(&["build"]).ok();
        // Event 2 is delivered again, corrected and later; event 4 is new.
        p.write(
            "seeds/events.csv",
            &format!("{EVENTS_V1}2,2024-01-05 10:00:00,B\n4,2024-01-06 10:00:00,d\n"),
        );
        p.jgt(&["build"]).ok();
        assert_eq!(rows(&p), "1a,2B,3c,4d", "{config}");
    }
}

#[test]
fn full_refresh_rebuilds_from_scratch() {
    let p = project(&incremental("incremental_strategy='append'"));
    p.jgt(&["build"]).ok();
    p.write(
        "seeds/events.csv",
        "event_id,ts,value\n9,2020-01-01 00:00:00,z\n",
    );
    p.jgt(&["build"]).ok();
    assert_eq!(rows(&p), "1a,2b,3c", "older rows are not new rows");
    p.jgt(&["build", "--full-refresh"]).ok();
    assert_eq!(rows(&p), "9z");
}

#[test]
fn on_schema_change_modes() {
    let with_extra = |config: &str| {
        format!(
            "{{{{ config(materialized='incremental', {config}) }}}}
select event_id, ts, value, 'x' as extra from {{{{ ref('events') }}}}
{{% if is_incremental() %}}where ts > (select max(ts) from {{{{ this }}}}){{% endif %}}"
        )
    };
    let new_row = format!("{EVENTS_V1}4,2024-01-04 10:00:00,d\n");
    let columns = |p: &TempProject| {
        p.scalar("select string_agg(column_name, ',' order by ordinal_position) from information_schema.columns where table_name = 'loaded'")
    };

    let p = project(&incremental("on_schema_change='ignore'"));
    p.jgt(&["build"]).ok();
    p.write(
        "models/loaded.sql",
        &with_extra("on_schema_change='ignore'"),
    );
    p.write("seeds/events.csv", &new_row);
    p.jgt(&["build"]).ok();
    assert_eq!(columns(&p), "event_id,ts,value");
    assert_eq!(rows(&p), "1a,2b,3c,4d");

    let p = project(&incremental("on_schema_change='append_new_columns'"));
    p.jgt(&["build"]).ok();
    p.write(
        "models/loaded.sql",
        &with_extra("on_schema_change='append_new_columns'"),
    );
    p.write("seeds/events.csv", &new_row);
    p.jgt(&["build"]).ok();
    assert_eq!(columns(&p), "event_id,ts,value,extra");
    assert_eq!(
        p.scalar("select string_agg(coalesce(extra, '-'), '' order by event_id) from loaded"),
        "---x"
    );

    let p = project(&incremental("on_schema_change='fail'"));
    p.jgt(&["build"]).ok();
    p.write("models/loaded.sql", &with_extra("on_schema_change='fail'"));
    p.write("seeds/events.csv", &new_row);
    let run = p.jgt(&["build"]).failed();
    assert!(
        run.stdout.contains("on_schema_change: fail") && run.stdout.contains("New: [extra]"),
        "{}",
        run.stdout
    );
    assert_eq!(rows(&p), "1a,2b,3c", "the table is as it was");

    let p = project(&incremental("on_schema_change='sync_all_columns'"));
    p.jgt(&["build"]).ok();
    p.write(
        "models/loaded.sql",
        "{{ config(materialized='incremental', on_schema_change='sync_all_columns') }}
select event_id, ts, 'x' as extra from {{ ref('events') }}
{% if is_incremental() %}where ts > (select max(ts) from {{ this }}){% endif %}",
    );
    p.write("seeds/events.csv", &new_row);
    p.jgt(&["build"]).ok();
    assert_eq!(columns(&p), "event_id,ts,extra");
    assert_eq!(p.scalar("select count(*) from loaded"), "4");
}

#[test]
fn a_missing_unique_key_is_explained() {
    let p = project(&incremental("incremental_strategy='merge'"));
    let run = p.jgt(&["build"]).failed();
    assert!(
        run.stderr
            .contains("models/loaded.sql: incremental_strategy 'merge' needs a unique_key"),
        "{}",
        run.stderr
    );
}

#[test]
fn ephemeral_models_are_inlined_and_never_created() {
    let p = project("{{ config(materialized='table') }}select * from {{ ref('recent') }}");
    p.write(
        "models/recent.sql",
        "{{ config(materialized='ephemeral') }}select * from {{ ref('late') }} where ts >= '2024-01-02'",
    );
    p.write(
        "models/late.sql",
        "{{ config(materialized='ephemeral') }}select * from {{ ref('events') }}",
    );
    let run = p.jgt(&["build"]).ok();
    assert_eq!(rows(&p), "2b,3c");
    assert_eq!(
        p.scalar(
            "select count(*) from information_schema.tables where table_name in ('recent', 'late')"
        ),
        "0"
    );
    assert!(!run.stdout.contains("main.recent"), "{}", run.stdout);
    let compiled =
        std::fs::read_to_string(p.path().join("target/compiled/inc/models/loaded.sql")).unwrap();
    assert!(
        compiled.starts_with("with __dbt__cte__late as ("),
        "{compiled}"
    );
    assert!(compiled.contains("__dbt__cte__recent as ("), "{compiled}");
}

#[test]
fn jafflegaggle_events_load_incrementally() {
    let p = TempProject::jafflegaggle();
    p.jgt(&["build"]).ok();
    assert_eq!(p.scalar("select count(*) from stg_events"), "120307");
    let events = std::fs::read_to_string(p.path().join("seeds/raw_event.csv")).unwrap();
    p.write(
        "seeds/raw_event.csv",
        &format!("{events}999001,6759,order_placed,2022-02-01 09:00:00\n999002,6759,recipe_viewed,2022-02-01 09:05:00\n"),
    );
    let run = p.jgt(&["build"]).ok();
    assert!(run.stdout.contains("incremental"), "{}", run.stdout);
    assert_eq!(p.scalar("select count(*) from stg_events"), "120309");
    assert_eq!(
        p.scalar("select number_of_orders from jafflegaggle_contacts where user_id = 6759"),
        (p.scalar("select count(*) from raw_event e join raw_user u on e.user_id = u.id where e.event_name = 'order_placed' and lower(u.email) in ('constancerohr@icloud.com', 'constancerohr@outlaws.com')")),
    );
}
