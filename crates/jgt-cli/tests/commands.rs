//! The commands and flags a dbt user runs around a build, on the real
//! binary: `--selector`, `--fail-fast`, `retry`, `clean`, `parse`,
//! `debug` and `--log-format json`.

mod common;

use common::TempProject;

/// a -> b -> c, and z_later on its own; `b` is broken when `broken`.
fn chain(broken: bool) -> TempProject {
    let p = TempProject::new("name: shop\n");
    p.write("models/a.sql", "select 1 as n");
    let b = if broken {
        "select n from {{ ref('a') }} where"
    } else {
        "select n + 1 as n from {{ ref('a') }}"
    };
    p.write("models/b.sql", b);
    p.write("models/c.sql", "select n * 10 as n from {{ ref('b') }}");
    p.write("models/z_later.sql", "select 42 as n");
    p
}

/// The relations of the `main` schema, sorted.
fn built(p: &TempProject) -> Vec<String> {
    if !p.db().exists() {
        return Vec::new();
    }
    p.query(
        "select table_name from information_schema.tables where table_schema = 'main' order by 1",
    )
    .into_iter()
    .map(|row| row[0].clone())
    .collect()
}

const SELECTORS: &str = "\
selectors:
  - name: a_and_below
    description: a and everything built from it, but not c
    definition:
      union:
        - method: fqn
          value: a
          children: true
        - exclude:
            - c
  - name: lonely
    default: true
    definition: z_later
  - name: just_b
    definition:
      intersection:
        - method: selector
          value: a_and_below
        - 'b'
";

#[test]
fn selector_runs_the_nodes_its_definition_names() {
    let p = chain(false);
    p.write("selectors.yml", SELECTORS);
    p.jgt(&["run", "--selector", "a_and_below"]).ok();
    assert_eq!(built(&p), ["a", "b"]);
    let listed = p.jgt(&["ls", "--selector", "just_b"]).ok().stdout;
    assert_eq!(listed.lines().count(), 1, "{listed}");
    assert!(listed.starts_with("b "), "{listed}");
}

#[test]
fn the_default_selector_applies_only_without_select() {
    let p = chain(false);
    p.write("selectors.yml", SELECTORS);
    p.jgt(&["run"]).ok();
    assert_eq!(built(&p), ["z_later"]);
    p.jgt(&["run", "--select", "a"]).ok();
    assert_eq!(built(&p), ["a", "z_later"]);
}

#[test]
fn selector_mistakes_name_the_file_line_and_nearest_name() {
    let p = chain(false);
    p.write("selectors.yml", SELECTORS);
    p.jgt(&["run", "--selector", "a_and_belw"])
        .refused("JGT3106")
        .refused("Did you mean 'a_and_below'?");
    p.write(
        "selectors.yml",
        &SELECTORS.replace("children: true", "childern: true"),
    );
    p.jgt(&["ls"])
        .refused("error[JGT3104]: selectors.yml:8: unknown key 'childern'")
        .refused("Did you mean 'children'?");
    p.write(
        "selectors.yml",
        &SELECTORS.replace("method: fqn", "method: tagg"),
    );
    p.jgt(&["ls"])
        .refused("error[JGT3105]: selectors.yml:6: unknown selector method 'tagg'");
    p.remove("selectors.yml");
    p.jgt(&["ls", "--selector", "lonely"]).refused("JGT6103");
    assert!(built(&p).is_empty());
}

#[test]
fn fail_fast_skips_what_has_not_started() {
    let p = chain(true);
    let run = p.jgt(&["run", "--threads", "1", "--fail-fast"]).failed();
    assert!(
        run.stdout.contains("SKIP  view        main.z_later"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("--fail-fast stopped the run"),
        "{}",
        run.stdout
    );
    assert_eq!(built(&p), ["a"]);
    // Without the flag the independent model is built despite b's failure.
    p.jgt(&["run", "--threads", "1"]).failed();
    assert_eq!(built(&p), ["a", "z_later"]);
}

#[test]
fn fail_fast_and_watch_do_not_mix() {
    let p = chain(false);
    let run = p.jgt(&["run", "-x", "--watch"]).failed();
    assert!(
        run.stderr
            .contains("'--fail-fast' cannot be used with '--watch'"),
        "{}",
        run.stderr
    );
}

#[test]
fn fail_fast_with_threads_still_builds_nothing_after_the_failure() {
    let p = chain(true);
    p.jgt(&["build", "-x", "--threads", "4", "--vars", "{day: 3}"])
        .failed();
    let results = std::fs::read_to_string(p.path().join("target/run_results.json")).unwrap();
    let results: serde_json::Value = serde_json::from_str(&results).unwrap();
    let status = |id: &str| {
        results["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["unique_id"] == id)
            .map(|r| r["status"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(status("model.shop.b"), "error");
    assert_eq!(status("model.shop.c"), "skipped");
    assert_eq!(results["args"]["fail_fast"], true);
    assert_eq!(results["args"]["which"], "build");
    assert_eq!(results["args"]["vars"], serde_json::json!({"day": 3}));
}

#[test]
fn retry_reruns_only_what_failed_or_was_skipped() {
    let p = chain(true);
    p.jgt(&["run", "--threads", "1", "-x"]).failed();
    assert_eq!(built(&p), ["a"]);
    // a changes too, but it succeeded last time: retry leaves it alone.
    p.write("models/a.sql", "select 100 as n");
    p.write("models/b.sql", "select n + 1 as n from {{ ref('a') }}");
    let run = p.jgt(&["retry"]).ok();
    assert!(
        run.stdout
            .contains("Retrying 3 node(s) that failed or were skipped in the last `jgt run`"),
        "{}",
        run.stdout
    );
    assert_eq!(built(&p), ["a", "b", "c", "z_later"]);
    assert_eq!(p.scalar("select n from a"), "1");
    assert_eq!(p.scalar("select n from c"), "20");
    let again = p.jgt(&["retry"]).ok();
    assert!(
        again
            .stdout
            .contains("Nothing to retry: every node of the last `jgt run` succeeded."),
        "{}",
        again.stdout
    );
}

#[test]
fn retry_runs_the_previous_command_on_its_failures_only() {
    let p = chain(true);
    p.jgt(&["run", "--select", "a"]).ok();
    p.jgt(&["run", "--select", "b+"]).failed();
    p.write("models/b.sql", "select n + 1 as n from {{ ref('a') }}");
    p.jgt(&["retry"]).ok();
    // b failed and c was skipped; z_later was never selected.
    assert_eq!(built(&p), ["a", "b", "c"]);
    let results = std::fs::read_to_string(p.path().join("target/run_results.json")).unwrap();
    let results: serde_json::Value = serde_json::from_str(&results).unwrap();
    assert_eq!(results["results"].as_array().unwrap().len(), 2);
    assert_eq!(results["args"]["select"], serde_json::json!(["b+"]));
    assert_eq!(results["args"]["invocation_command"], "jgt run --select b+");
}

#[test]
fn retry_without_an_earlier_run_is_a_clear_error() {
    let p = chain(false);
    p.jgt(&["retry"])
        .refused("error[JGT6105]")
        .refused("run jgt run, build, seed or test first");
}

#[test]
fn clean_deletes_the_clean_targets() {
    let p = chain(false);
    p.write(
        "project.yml",
        "name: shop\nclean-targets:\n  - target\n  - dbt_packages\n",
    );
    p.write("dbt_packages/util/macros/x.sql", "");
    p.jgt(&["run"]).ok();
    let run = p.jgt(&["clean"]).ok();
    assert!(run.stdout.contains("Deleted target/"), "{}", run.stdout);
    assert!(
        run.stdout.contains("Deleted dbt_packages/"),
        "{}",
        run.stdout
    );
    assert!(!p.path().join("target").exists());
    assert!(!p.path().join("dbt_packages").exists());
    assert!(p.path().join("models/a.sql").exists());
}

#[test]
fn clean_without_clean_targets_deletes_the_target_folder() {
    let p = chain(false);
    p.jgt(&["run"]).ok();
    p.jgt(&["clean"]).ok();
    assert!(!p.path().join("target").exists());
}

#[test]
fn clean_refuses_folders_outside_the_project_and_deletes_nothing() {
    let p = chain(false);
    // A sibling no other test or program uses, so that its absence at the
    // end means clean did not create or keep it.
    let sibling = format!(
        "../{}-outside",
        p.path().file_name().unwrap().to_string_lossy()
    );
    let outside = p.path().join(&sibling);
    p.jgt(&["run"]).ok();
    for entry in [sibling.as_str(), "/tmp", ".", "models/../.."] {
        p.write(
            "project.yml",
            &format!("name: shop\nclean-targets:\n  - target\n  - '{entry}'\n"),
        );
        p.jgt(&["clean"])
            .refused("error[JGT6104]: project.yml:4:")
            .refused(&format!("'{entry}'"));
        assert!(p.path().join("target").exists(), "{entry}");
    }
    assert!(!outside.exists());
}

#[test]
fn parse_writes_the_manifest_without_a_database() {
    let p = chain(false);
    let run = p.jgt(&["parse"]).ok();
    assert!(
        run.stdout
            .contains("Found 4 models, 0 seeds, 0 data tests, 0 sources"),
        "{}",
        run.stdout
    );
    let manifest = std::fs::read_to_string(p.path().join("target/manifest.json")).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    assert!(manifest["nodes"]["model.shop.c"].is_object());
    assert!(!p.db().exists(), "parse must not create the database");
}

#[test]
fn parse_reports_a_broken_template() {
    let p = chain(false);
    p.write("models/c.sql", "select {{ ref('nope') }}");
    p.jgt(&["parse"]).refused("nope");
}

#[test]
fn debug_checks_each_thing_on_its_own_line() {
    let p = chain(false);
    let run = p.jgt(&["debug"]).ok();
    for line in [
        "jgt version: ",
        "  project.yml file [OK found and valid]",
        "  project compiles [OK 4 nodes rendered]",
        "  schema: main",
        "  Connection test: [OK connection ok]",
        "All checks passed!",
    ] {
        assert!(run.stdout.contains(line), "{line:?} in:\n{}", run.stdout);
    }
}

#[test]
fn debug_fails_when_a_check_fails() {
    let p = chain(false);
    p.write(
        "project.yml",
        "name: shop\nmodel-paths: [models]\nbogus: 1\n",
    );
    let run = p.jgt(&["debug"]).failed();
    assert!(
        run.stdout.contains("  project.yml file [ERROR"),
        "{}",
        run.stdout
    );
    p.write("project.yml", "name: shop\n");
    p.write("models/c.sql", "select {{ ref('nope') }}");
    let run = p.jgt(&["debug"]).failed();
    assert!(
        run.stdout.contains("  project compiles [ERROR"),
        "{}",
        run.stdout
    );
}

/// Every stdout line as JSON, with its event name.
fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

#[test]
fn log_format_json_prints_one_dbt_event_per_line() {
    let p = chain(true);
    let run = p
        .jgt(&["--log-format", "json", "run", "--threads", "1"])
        .failed();
    let events = json_lines(&run.stdout);
    let names: Vec<&str> = events
        .iter()
        .map(|e| e["info"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.first(), Some(&"MainReportVersion"));
    assert_eq!(names.iter().filter(|n| **n == "LogModelResult").count(), 4);
    assert!(names.contains(&"RunResultError"), "{names:?}");
    assert_eq!(names.last(), Some(&"StatsLine"));
    let ids: Vec<&str> = events
        .iter()
        .map(|e| e["info"]["invocation_id"].as_str().unwrap())
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]));
    let b = events
        .iter()
        .find(|e| {
            e["data"]["node_info"]["node_name"] == "b" && e["info"]["name"] == "LogModelResult"
        })
        .unwrap();
    assert_eq!(b["info"]["level"], "error");
    assert_eq!(b["data"]["node_info"]["node_status"], "error");
    let stats = &events.last().unwrap()["data"]["stats"];
    assert_eq!(
        (stats["pass"].as_u64(), stats["error"].as_u64()),
        (Some(2), Some(1))
    );
}

#[test]
fn log_format_json_wraps_errors_and_other_commands_too() {
    let p = chain(false);
    let run = p
        .jgt(&["--log-format", "json", "run", "--select", "nope"])
        .failed();
    let events = json_lines(&run.stdout);
    let error = events.last().unwrap();
    assert_eq!(error["info"]["name"], "MainEncounteredError");
    assert_eq!(error["info"]["level"], "error");
    assert!(error["info"]["msg"].as_str().unwrap().contains("JGT3101"));
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let ls = p.jgt(&["--log-format", "json", "ls"]).ok();
    assert_eq!(json_lines(&ls.stdout).len(), 1 + 4);
}
