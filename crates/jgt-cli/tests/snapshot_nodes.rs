//! Snapshots (`{% snapshot %}` blocks under `snapshot-paths`) on the real
//! binary: history recorded run after run, as dbt-duckdb records it.

mod common;

use common::TempProject;

const DAY_ONE: &str = "id,name,tier,updated_at\n\
    1,ann,gold,2024-01-01 00:00:00\n\
    2,bob,silver,2024-01-01 00:00:00\n\
    3,cy,gold,2024-01-01 00:00:00\n";

/// Ann moved up a tier, Cy left, Dee arrived; Bob is as he was.
const DAY_TWO: &str = "id,name,tier,updated_at\n\
    1,ann,platinum,2024-02-01 00:00:00\n\
    2,bob,silver,2024-01-01 00:00:00\n\
    4,dee,gold,2024-02-01 00:00:00\n";

fn project(config: &str) -> TempProject {
    let p = TempProject::new("name: snap\n");
    p.write("seeds/customers.csv", DAY_ONE);
    p.write(
        "snapshots/history.sql",
        &format!(
            "-- every version of every customer\n{{% snapshot history %}}\n\
             {{{{ config({config}) }}}}\nselect * from {{{{ ref('customers') }}}}\n\
             {{% endsnapshot %}}\n"
        ),
    );
    p
}

/// `id tier valid_from..valid_to` for every version, the clock's times as `now`.
fn versions(p: &TempProject, extra: &str) -> String {
    p.query(&format!(
        "select id || ' ' || tier || ' ' || \
           case when dbt_valid_from > timestamp '2025-01-01' then 'now' else strftime(dbt_valid_from, '%m-%d') end || '..' || \
           coalesce(case when dbt_valid_to > timestamp '2025-01-01' then 'now' else strftime(dbt_valid_to, '%m-%d') end, ''){extra} \
         from history order by id, dbt_valid_from, dbt_valid_to nulls last"
    ))
    .into_iter()
    .map(|row| row.join(""))
    .collect::<Vec<_>>()
    .join("\n")
}

#[test]
fn the_timestamp_strategy_closes_changed_and_deleted_versions() {
    let p = project(
        "unique_key='id', strategy='timestamp', updated_at='updated_at', hard_deletes='invalidate'",
    );
    p.jgt(&["build"]).ok();
    assert_eq!(
        versions(&p, ""),
        "1 gold 01-01..\n2 silver 01-01..\n3 gold 01-01.."
    );
    p.write("seeds/customers.csv", DAY_TWO);
    p.jgt(&["seed"]).ok();
    let run = p.jgt(&["snapshot"]).ok();
    assert!(
        run.stdout.contains("snapshot    main.history"),
        "{}",
        run.stdout
    );
    assert_eq!(
        versions(&p, ""),
        "1 gold 01-01..02-01\n1 platinum 02-01..\n2 silver 01-01..\n3 gold 01-01..now\n4 gold 02-01.."
    );
    // dbt's version id: md5 of the key and the change time.
    assert_eq!(
        p.scalar("select dbt_scd_id from history where id = 2"),
        "f8e4dcba7004839b9c5b44a77923cd0a"
    );
    // Nothing changed: nothing recorded.
    p.jgt(&["snapshot"]).ok();
    assert_eq!(p.scalar("select count(*) from history"), "5");
}

#[test]
fn the_check_strategy_with_new_record_keeps_a_deletion_version() {
    let p = project(
        "unique_key=['id', 'name'], strategy='check', check_cols=['tier'], hard_deletes='new_record'",
    );
    p.jgt(&["build"]).ok();
    p.write("seeds/customers.csv", DAY_TWO);
    p.jgt(&["build"]).ok();
    assert_eq!(
        versions(&p, " || ' ' || dbt_is_deleted"),
        "1 gold now..now False\n1 platinum now.. False\n2 silver now.. False\n\
         3 gold now..now False\n3 gold now.. True\n4 gold now.. False"
    );
}

#[test]
fn models_read_a_snapshot_through_ref() {
    let p = project("unique_key='id', strategy='check', check_cols='all'");
    p.write(
        "models/current.sql",
        "select id, tier from {{ ref('history') }} where dbt_valid_to is null",
    );
    let run = p.jgt(&["build"]).ok();
    let snapshot = run.stdout.find("main.history").unwrap();
    let model = run.stdout.find("main.current").unwrap();
    assert!(snapshot < model, "{}", run.stdout);
    assert_eq!(p.scalar("select count(*) from current"), "3");
    // `run` builds models only; `build` and `snapshot` record snapshots.
    let run = p.jgt(&["run"]).ok();
    assert!(!run.stdout.contains("main.history"), "{}", run.stdout);
}

#[test]
fn meta_column_names_and_valid_to_current_are_honoured() {
    let p = project(
        "unique_key='id', strategy='timestamp', updated_at='updated_at', \
         dbt_valid_to_current=\"'9999-12-31'::timestamp\", \
         snapshot_meta_column_names={'dbt_valid_from': 'since', 'dbt_valid_to': 'until'}",
    );
    p.jgt(&["build"]).ok();
    p.write("seeds/customers.csv", DAY_TWO);
    p.jgt(&["build"]).ok();
    assert_eq!(
        p.query("select id, tier, strftime(until, '%Y-%m-%d') from history order by id, since")
            .into_iter()
            .map(|r| r.join(" "))
            .collect::<Vec<_>>(),
        [
            "1 gold 2024-02-01",
            "1 platinum 9999-12-31",
            "2 silver 9999-12-31",
            "3 gold 9999-12-31",
            "4 gold 9999-12-31"
        ]
    );
}

#[test]
fn a_snapshot_without_a_strategy_names_its_file() {
    let p = project("unique_key='id'");
    p.jgt(&["build"])
        .failed()
        .refused("snapshots/history.sql: a snapshot needs a strategy");
}

#[test]
fn a_failing_snapshot_leaves_its_history_intact() {
    let p = project("unique_key='id', strategy='timestamp', updated_at='updated_at'");
    p.jgt(&["build"]).ok();
    p.write(
        "snapshots/history.sql",
        "{% snapshot history %}\n{{ config(unique_key='id', strategy='timestamp', updated_at='updated_at') }}\n\
         select *, 1 / 0 as boom from {{ ref('customers') }} where no_such_column\n{% endsnapshot %}\n",
    );
    p.jgt(&["snapshot"]).failed();
    assert_eq!(p.scalar("select count(*) from history"), "3");
}

#[test]
fn a_legacy_snapshots_configs_are_read_without_warnings() {
    // dbt's pre-1.9 spelling: `target_schema` names the schema itself.
    let p = project(
        "target_schema='snapshots', unique_key='id', strategy='timestamp', updated_at='updated_at',",
    );
    let run = p.jgt(&["build"]).ok();
    assert!(!run.stderr.contains("config '"), "{}", run.stderr);
    assert_eq!(p.scalar("select count(*) from snapshots.history"), "3");
}

#[test]
fn a_query_under_the_snapshot_paths_without_a_block_is_skipped_with_a_warning() {
    // dbt skips such a file without a word; jgt names it and goes on.
    let p = project("unique_key='id', strategy='check', check_cols='all'");
    p.write(
        "snapshots/dim_scd.sql",
        "select * from {{ ref('customers') }}",
    );
    let run = p.jgt(&["build"]).ok();
    assert!(
        run.stderr
            .contains("snapshots/dim_scd.sql: no {% snapshot name %} ... {% endsnapshot %} block"),
        "{}",
        run.stderr
    );
    assert_eq!(p.scalar("select count(*) from history"), "3");
    assert_eq!(
        p.scalar("select count(*) from information_schema.tables where table_name = 'dim_scd'"),
        "0"
    );
}

#[test]
fn a_ref_to_a_skipped_query_fails_after_the_warning_that_explains_it() {
    let p = project("unique_key='id', strategy='check', check_cols='all'");
    p.write(
        "snapshots/dim_scd.sql",
        "select * from {{ ref('customers') }}",
    );
    p.write("models/current.sql", "select * from {{ ref('dim_scd') }}");
    let run = p.jgt(&["build"]).failed();
    let warned = run.stderr.find("snapshots/dim_scd.sql: no {% snapshot");
    let refused = run.stderr.find("ref('dim_scd')");
    assert!(
        matches!((warned, refused), (Some(w), Some(r)) if w < r),
        "{}",
        run.stderr
    );
}
