//! `jgt source freshness` on the real binary: thresholds at source and
//! table level, `freshness: null`, filters, the statuses, the exit code and
//! `target/sources.json`, as `dbt source freshness` gives them.

mod common;

use common::TempProject;
use serde_json::Value;

/// A project whose on-run-start hook makes `main.events`: one row loaded
/// 2 hours ago (kind a) and one 30 hours ago (kind b); `sources` is the
/// `tables:` list of source `app`, whose own thresholds are warn after an
/// hour and error after a day.
fn app(tables: &str) -> TempProject {
    let p = TempProject::new(
        "name: fresh\non-run-start:\n  - \"create or replace table main.events as \
         select 1 as id, cast(now() as timestamp) - interval 2 hour as loaded_at, 'a' as kind \
         union all select 2, cast(now() as timestamp) - interval 30 hour, 'b'\"\n",
    );
    p.write(
        "models/sources.yml",
        &format!(
            "version: 2
sources:
  - name: app
    schema: main
    loaded_at_field: loaded_at
    freshness:
      warn_after: {{count: 1, period: hour}}
      error_after: {{count: 1, period: day}}
    tables:
{tables}"
        ),
    );
    p
}

/// The tables of the dbt project this was checked against.
const TABLES: &str = "      - name: events
      - name: events_b
        identifier: events
        freshness:
          warn_after: {count: 3, period: hour}
          filter: \"kind = 'b'\"
      - name: events_ok
        identifier: events
        freshness:
          error_after: {count: 12, period: hour}
      - name: no_freshness
        identifier: events
        freshness: null
      - name: missing
        identifier: nope
";

fn sources_json(p: &TempProject) -> Value {
    let text = std::fs::read_to_string(p.path().join("target/sources.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The status word of a source's line.
fn status(stdout: &str, source: &str) -> String {
    let line = stdout
        .lines()
        .find(|l| l.split_whitespace().nth(5) == Some(source))
        .unwrap_or_else(|| panic!("no line for {source} in:\n{stdout}"));
    line.split_whitespace().nth(3).unwrap().to_string()
}

#[test]
fn each_source_is_judged_by_its_tables_thresholds_over_its_sources() {
    let p = app(TABLES);
    let run = p.jgt(&["source", "freshness"]).failed();
    assert_eq!(run.code, Some(1));
    // As dbt: 2 hours is past warn_after (1 hour); the filter keeps the
    // 30-hour-old row, past the source's error_after (1 day); the table's
    // error_after of 12 hours keeps the source's warn_after; null is off.
    assert_eq!(status(&run.stdout, "app.events"), "WARN");
    assert_eq!(status(&run.stdout, "app.events_b"), "STALE");
    assert_eq!(status(&run.stdout, "app.events_ok"), "WARN");
    assert_eq!(status(&run.stdout, "app.missing"), "ERROR");
    assert!(!run.stdout.contains("app.no_freshness"), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "Error in source freshness app.events_b (models/sources.yml:11)\n  its newest row ("
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("Error in source freshness app.missing (models/sources.yml:23)"),
        "{}",
        run.stdout
    );
}

#[test]
fn sources_json_has_dbts_shape() {
    let p = app(TABLES);
    p.jgt(&["source", "freshness"]).failed();
    let json = sources_json(&p);
    assert_eq!(
        json["metadata"]["dbt_schema_version"],
        "https://schemas.getdbt.com/dbt/sources/v3.json"
    );
    let results = json["results"].as_array().unwrap();
    // dbt 1.12 leaves a source that could not be measured out of the file.
    let ids: Vec<&str> = results
        .iter()
        .map(|r| r["unique_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "source.fresh.app.events",
            "source.fresh.app.events_b",
            "source.fresh.app.events_ok"
        ]
    );
    let b = &results[1];
    assert_eq!(b["status"], "error");
    assert_eq!(
        b["criteria"],
        serde_json::json!({
            "warn_after": {"count": 3, "period": "hour"},
            "error_after": {"count": 1, "period": "day"},
            "filter": "kind = 'b'",
        })
    );
    let age = b["max_loaded_at_time_ago_in_s"].as_f64().unwrap();
    assert!((age - 30.0 * 3600.0).abs() < 60.0, "{age}");
    assert!(b["max_loaded_at"].as_str().unwrap().ends_with("+00:00"));
    assert!(b["snapshotted_at"].as_str().unwrap().ends_with("+00:00"));
    let keys: Vec<&str> = b.as_object().unwrap().keys().map(String::as_str).collect();
    for key in ["adapter_response", "execution_time", "thread_id", "timing"] {
        assert!(keys.contains(&key), "{key} missing from {keys:?}");
    }
    assert!(json["elapsed_time"].as_f64().is_some());
}

#[test]
fn warnings_alone_succeed_and_select_narrows_to_one_source() {
    let p = app(TABLES);
    let run = p
        .jgt(&["source", "freshness", "--select", "source:app.events"])
        .ok();
    assert_eq!(status(&run.stdout, "app.events"), "WARN");
    assert!(!run.stdout.contains("events_b"), "{}", run.stdout);
    assert_eq!(sources_json(&p)["results"].as_array().unwrap().len(), 1);
}

#[test]
fn a_fresh_source_passes() {
    let p = app("      - name: events\n        freshness:\n          warn_after: {count: 3, period: day}\n          error_after: {count: 4, period: day}\n");
    let run = p.jgt(&["source", "freshness"]).ok();
    assert_eq!(status(&run.stdout, "app.events"), "PASS");
    assert_eq!(sources_json(&p)["results"][0]["status"], "pass");
}

#[test]
fn a_table_without_loaded_at_field_is_a_runtime_error_naming_it() {
    let p = TempProject::new("name: fresh\n");
    p.write(
        "models/sources.yml",
        "version: 2\nsources:\n  - name: app\n    freshness:\n      warn_after: {count: 1, period: hour}\n    tables:\n      - name: events\n",
    );
    let run = p.jgt(&["source", "freshness"]).failed();
    assert!(
        run.stdout.contains(
            "(models/sources.yml:7)\n  its freshness could not be measured:\n  no loaded_at_field"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn a_period_dbt_does_not_know_is_refused_with_its_line() {
    let p = app("      - name: events\n        freshness:\n          warn_after: {count: 1, period: week}\n");
    let run = p.jgt(&["source", "freshness"]).failed();
    let all = run.all();
    assert!(all.contains("error[JGT1101]"), "{all}");
    assert!(all.contains("models/sources.yml:"), "{all}");
    assert!(all.contains("unknown variant `week`"), "{all}");
}
