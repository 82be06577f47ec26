//! Today's date on jgt's DuckDB, which has no ICU extension: `current_date`
//! and its kin work as on dbt-duckdb's, on every connection of a build,
//! and what needs ICU beyond them fails with a hint.

mod common;

use common::TempProject;

#[test]
fn current_date_works_in_views_and_tables_on_every_thread() {
    let p = TempProject::new("name: dates\n");
    p.write(
        "models/today_view.sql",
        "{{ config(materialized='view') }}\nselect current_date as d, today() as t",
    );
    // Read through the view on another connection of the build (--threads).
    for n in 1..=4 {
        p.write(
            &format!("models/copy_{n}.sql"),
            "{{ config(materialized='table') }}\n\
             select d, t, current_date - 1 as yesterday from {{ ref('today_view') }}",
        );
    }
    p.jgt(&["run", "--threads", "3"]).ok();
    // The machine's local date, as ICU's `current_date` gives it.
    let date = std::process::Command::new("date")
        .arg("+%F")
        .output()
        .unwrap();
    let today = String::from_utf8(date.stdout).unwrap().trim().to_string();
    for n in 1..=4 {
        let row = p.query(&format!("select d::varchar, t::varchar from copy_{n}"));
        assert_eq!(row, [[today.clone(), today.clone()]], "copy_{n}");
    }
    // The view keeps `current_date` as written: a DuckDB with ICU reads it too.
    let sql = p.scalar("select sql from duckdb_views() where view_name = 'today_view'");
    assert!(sql.contains("current_date"), "{sql}");
}

#[test]
fn time_zone_arithmetic_fails_with_a_hint() {
    let p = TempProject::new("name: dates\n");
    p.write(
        "models/m.sql",
        "select date_trunc('month', now()) as month_start",
    );
    let run = p.jgt(&["run"]).failed();
    assert!(run.stdout.contains("now()::timestamp"), "{}", run.stdout);
    p.write(
        "models/m.sql",
        "select date_trunc('month', now()::timestamp) as month_start",
    );
    p.jgt(&["run"]).ok();
}
