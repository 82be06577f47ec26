//! Data tests on the real binary: generic tests from schema files, custom
//! generic tests, singular tests, severities and thresholds, and `build`
//! stopping bad data before it flows downstream.

mod common;

use common::TempProject;

const CLEAN_PEOPLE: &str =
    "id,email,status,team_id\n1,a@x.com,active,10\n2,b@x.com,inactive,10\n3,c@x.com,active,20\n";
const TEAMS: &str = "id,name\n10,red\n20,blue\n";

/// Seeds people and teams, a `people` table model with every built-in test,
/// and a `people_report` downstream of it.
fn project(people_csv: &str, extra_schema: &str) -> TempProject {
    let p = TempProject::new("name: crew\nmodels:\n  +materialized: table\n");
    p.write("seeds/people_raw.csv", people_csv);
    p.write("seeds/teams.csv", TEAMS);
    p.write("models/people.sql", "select * from {{ ref('people_raw') }}");
    p.write(
        "models/people_report.sql",
        "select status, count(*) as n from {{ ref('people') }} group by status",
    );
    p.write(
        "models/schema.yml",
        &format!(
            "version: 2
models:
  - name: people
    description: Everyone on a team.
    columns:
      - name: id
        data_tests:
          - unique
      - name: email
        data_tests:
          - not_null
      - name: status
        data_tests:
          - accepted_values:
              values: [active, inactive]
      - name: team_id
        data_tests:
          - relationships:
              to: ref('teams')
              field: id
{extra_schema}"
        ),
    );
    p
}

/// The status word and failing-row count printed for a test.
fn outcome(stdout: &str, test: &str) -> (String, u64) {
    let line = stdout
        .lines()
        .find(|l| l.split_whitespace().nth(5) == Some(test))
        .unwrap_or_else(|| panic!("no line for {test} in:\n{stdout}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    let failing = words
        .iter()
        .position(|w| *w == "failing")
        .map(|i| words[i - 1].parse().unwrap())
        .unwrap_or(0);
    (words[3].to_string(), failing)
}

#[test]
fn every_generic_test_passes_on_clean_data() {
    let p = project(CLEAN_PEOPLE, "");
    let run = p.jgt(&["build"]).ok();
    for test in [
        "unique_people_id",
        "not_null_people_email",
        "accepted_values_people_status__active__inactive",
        "relationships_people_team_id__id__ref_teams_",
    ] {
        assert_eq!(
            outcome(&run.stdout, test),
            ("PASS".to_string(), 0),
            "{test}"
        );
    }
    assert!(run.stdout.contains("| tests  |  4 |"), "{}", run.stdout);
}

#[test]
fn each_generic_test_fails_with_the_right_count_of_failing_rows() {
    // ids 1 and 2 twice (2 duplicated values), 3 empty e-mails, one unknown
    // status on 2 rows (1 value), teams 30 and 40 do not exist (2 rows).
    let broken = "id,email,status,team_id
1,a@x.com,active,10
1,,active,10
2,,retired,30
2,d@x.com,retired,40
5,,inactive,20
";
    let p = project(broken, "");
    let run = p.jgt(&["build"]).failed();
    let out = &run.stdout;
    assert_eq!(outcome(out, "unique_people_id"), ("FAIL".into(), 2));
    assert_eq!(outcome(out, "not_null_people_email"), ("FAIL".into(), 3));
    assert_eq!(
        outcome(out, "accepted_values_people_status__active__inactive"),
        ("FAIL".into(), 1)
    );
    assert_eq!(
        outcome(out, "relationships_people_team_id__id__ref_teams_"),
        ("FAIL".into(), 2)
    );
    assert!(
        out.contains("Failure in test unique_people_id (models/schema.yml)"),
        "{out}"
    );
    assert!(out.contains("people.id must be unique"), "{out}");
    assert!(
        out.contains("compiled SQL: target/compiled/crew/models/schema.yml/unique_people_id.sql"),
        "{out}"
    );
}

#[test]
fn a_failing_error_test_skips_what_is_downstream_and_fails_the_run() {
    let p = project(
        "id,email,status,team_id\n1,a@x.com,active,10\n1,b@x.com,active,10\n",
        "",
    );
    let run = p.jgt(&["build"]).failed();
    let report = run
        .stdout
        .lines()
        .find(|l| l.contains("main.people_report"))
        .unwrap();
    assert!(
        report.contains("SKIP") && report.contains("upstream test unique_people_id failed"),
        "{report}"
    );
    assert_eq!(
        p.scalar(
            "select count(*) from information_schema.tables where table_name = 'people_report'"
        ),
        "0",
        "bad data never reached the report"
    );
}

#[test]
fn severity_warn_reports_without_failing_the_run() {
    let p = project(CLEAN_PEOPLE, "");
    p.write(
        "models/schema.yml",
        "version: 2\nmodels:\n  - name: people\n    columns:\n      - name: status\n        data_tests:\n          - accepted_values:\n              arguments:\n                values: [active]\n              config:\n                severity: warn\n",
    );
    let run = p.jgt(&["build"]).ok();
    assert_eq!(
        outcome(&run.stdout, "accepted_values_people_status__active"),
        ("WARN".into(), 1)
    );
    assert!(run.stdout.contains("Warning in test"), "{}", run.stdout);
    assert_eq!(p.scalar("select count(*) from people_report"), "2");
}

#[test]
fn thresholds_and_where_decide_what_counts() {
    let p = project(CLEAN_PEOPLE, "");
    p.write(
        "models/schema.yml",
        "version: 2\nmodels:\n  - name: people\n    columns:\n      - name: status\n        data_tests:\n          - accepted_values:\n              values: [active]\n              error_if: '>5'\n              warn_if: '>0'\n      - name: team_id\n        data_tests:\n          - accepted_values:\n              values: [10]\n              quote: false\n              where: \"status = 'inactive'\"\n",
    );
    let run = p.jgt(&["build"]).ok();
    assert_eq!(
        outcome(&run.stdout, "accepted_values_people_status__active"),
        ("WARN".into(), 1)
    );
    assert_eq!(
        outcome(&run.stdout, "accepted_values_people_team_id__False__10"),
        ("PASS".into(), 0)
    );
}

#[test]
fn custom_generic_tests_work_like_built_in_ones() {
    let p = project(CLEAN_PEOPLE, "");
    p.write(
        "tests/generic/is_even.sql",
        "{% test is_even(model, column_name) %}\nselect * from {{ model }} where {{ column_name }} % 2 <> 0\n{% endtest %}\n",
    );
    p.write(
        "models/more.yml",
        "version: 2\nmodels:\n  - name: people_report\n    columns:\n      - name: n\n        data_tests:\n          - is_even\n",
    );
    let run = p.jgt(&["build"]).failed();
    assert_eq!(
        outcome(&run.stdout, "is_even_people_report_n"),
        ("FAIL".into(), 1)
    );
}

#[test]
fn singular_tests_are_queries_returning_failing_rows() {
    let p = project(CLEAN_PEOPLE, "");
    p.write(
        "tests/assert_every_team_has_people.sql",
        "-- Every team has at least one person.\nselect t.id from {{ ref('teams') }} t\nleft join {{ ref('people') }} p on p.team_id = t.id\nwhere p.id is null\n",
    );
    p.jgt(&["build"]).ok();
    p.write("seeds/teams.csv", "id,name\n10,red\n20,blue\n30,green\n");
    let run = p.jgt(&["build"]).failed();
    assert_eq!(
        outcome(&run.stdout, "assert_every_team_has_people"),
        ("FAIL".into(), 1)
    );
    assert!(
        run.stdout.contains("Every team has at least one person."),
        "{}",
        run.stdout
    );
    let run = p.jgt(&["test", "-s", "teams"]).failed();
    assert!(
        run.stdout.contains("assert_every_team_has_people"),
        "{}",
        run.stdout
    );
}

#[test]
fn store_failures_keeps_the_failing_rows() {
    let p = project("id,email,status,team_id\n1,,active,10\n", "");
    p.jgt(&["build", "--store-failures"]).failed();
    assert_eq!(
        p.scalar("select count(*) from main_dbt_test__audit.not_null_people_email"),
        "1"
    );
    // A passing test leaves an empty table, as in dbt.
    assert_eq!(
        p.scalar("select count(*) from main_dbt_test__audit.unique_people_id"),
        "0"
    );
}

#[test]
fn a_broken_schema_file_names_file_line_and_column() {
    let p = project(CLEAN_PEOPLE, "");
    p.write(
        "models/schema.yml",
        "version: 2\nmodels:\n  - name: people\n   columns: []\n",
    );
    let run = p.jgt(&["build"]).failed();
    assert!(
        run.stderr.contains("models/schema.yml:4:"),
        "{}",
        run.stderr
    );
}

#[test]
fn columns_declared_but_missing_are_warned_about() {
    let p = project(
        CLEAN_PEOPLE,
        "      - name: phone\n        description: not built\n",
    );
    let run = p.jgt(&["build"]).ok();
    assert!(
        run.stderr.contains("models/schema.yml declares column 'phone' of people, but main.people has no such column"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_duplicate_email_in_jafflegaggle_stops_the_build_before_the_accounts() {
    let p = TempProject::jafflegaggle();
    let users = std::fs::read_to_string(p.path().join("seeds/raw_user.csv")).unwrap();
    p.write(
        "seeds/raw_user.csv",
        &format!(
            "{users}99999,Pete Stone,PeteStone@straightshooters.ai,1127,2021-10-01 10:00:00\n"
        ),
    );
    let run = p.jgt(&["build"]).failed();
    let accounts = run
        .stdout
        .lines()
        .find(|l| l.contains("main.jafflegaggle_corporate_accounts"))
        .unwrap();
    assert!(accounts.contains("SKIP"), "{accounts}");
    assert!(run.stdout.contains("must be unique"), "{}", run.stdout);
    assert!(
        run.stdout.contains("petestone@straightshooters.ai"),
        "{}",
        run.stdout
    );
    assert_eq!(
        p.scalar("select count(*) from information_schema.tables where table_name = 'jafflegaggle_corporate_accounts'"),
        "0"
    );
}
