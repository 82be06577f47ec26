//! dbt unit tests on the real binary: fixture rows in every format, the
//! overrides, the diff of a failing test, where unit tests run in `build`
//! and what they skip, selection, run_results.json, and the unit tests
//! jgt refuses to run.

mod common;

use common::dbt_fixture::DbtFixture;
use common::TempProject;

/// Customers and orders seeds, `customer_totals` summing orders per
/// customer, a `report` downstream of it and an independent `order_days`.
fn shop(unit_tests: &str) -> TempProject {
    let p = TempProject::new("name: shop\nvars:\n  label: x\n");
    p.write("seeds/raw_customers.csv", "id,name\n10,Ann\n11,Bob\n");
    p.write(
        "seeds/raw_orders.csv",
        "id,customer_id,amount,ordered_at\n1,10,5.50,2024-01-01\n2,10,7.25,2024-01-02\n3,11,1.00,2024-01-03\n",
    );
    p.write(
        "models/customer_totals.sql",
        "select c.id as customer_id, c.name, sum(o.amount) as total, count(*) as n_orders,\n\
         '{{ var('label') }}' as label\n\
         from {{ ref('raw_customers') }} c\n\
         join {{ ref('raw_orders') }} o on o.customer_id = c.id\n\
         group by 1, 2\n",
    );
    p.write(
        "models/report.sql",
        "select count(*) as customers from {{ ref('customer_totals') }}",
    );
    p.write(
        "models/order_days.sql",
        "select distinct ordered_at from {{ ref('raw_orders') }}",
    );
    p.write("models/unit.yml", &format!("unit_tests:\n{unit_tests}"));
    p
}

/// Two customers' orders as dict rows, and the totals they give.
const TOTALS_DICT: &str = "  - name: totals_dict
    description: Orders add up per customer.
    model: customer_totals
    given:
      - input: ref('raw_customers')
        rows:
          - {id: 1, name: A}
          - {id: 2, name: B}
      - input: ref('raw_orders')
        rows:
          - {id: 1, customer_id: 1, amount: 2}
          - {id: 2, customer_id: 1, amount: 3}
          - {id: 3, customer_id: 2, amount: 1.5}
    expect:
      rows:
        - {customer_id: 2, total: 1.5, n_orders: 1}
        - {customer_id: 1, total: 5, n_orders: 2}
";

/// The same test with a wrong expectation: one total is off and one
/// expected customer does not exist.
const TOTALS_WRONG: &str = "  - name: totals_wrong
    model: customer_totals
    given:
      - input: ref('raw_customers')
        rows:
          - {id: 1, name: A}
          - {id: 2, name: B}
      - input: ref('raw_orders')
        rows:
          - {id: 1, customer_id: 1, amount: 2}
          - {id: 2, customer_id: 2, amount: 3}
    expect:
      rows:
        - {customer_id: 1, name: A, total: 2}
        - {customer_id: 2, name: B, total: 4}
        - {customer_id: 3, name: C, total: null}
";

/// The status word printed for a node (by its label) in a run's output.
fn status(stdout: &str, label: &str) -> String {
    let line = stdout
        .lines()
        .find(|l| l.split_whitespace().nth(5) == Some(label))
        .unwrap_or_else(|| panic!("no line for {label} in:\n{stdout}"));
    line.split_whitespace().nth(3).unwrap().to_string()
}

/// The labels of the result lines, in the order they were printed.
fn order(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| l.split_whitespace().nth(1) == Some("of"))
        .map(|l| l.split_whitespace().nth(5).unwrap().to_string())
        .collect()
}

#[test]
fn dict_rows_pass_and_columns_not_given_are_null() {
    let p = shop(TOTALS_DICT);
    let run = p.jgt(&["build"]).ok();
    assert_eq!(status(&run.stdout, "customer_totals::totals_dict"), "PASS");
    assert_eq!(status(&run.stdout, "main.customer_totals"), "OK");
}

#[test]
fn csv_rows_sql_rows_and_fixture_files_pass() {
    let p = shop(
        "  - name: totals_csv
    model: customer_totals
    given:
      - input: ref('raw_customers')
        format: csv
        rows: |
          id,name
          1,A
      - input: ref('raw_orders')
        format: csv
        fixture: two_orders
    expect:
      format: csv
      rows: |
        customer_id,total,n_orders
        1,5,2
  - name: totals_sql
    model: customer_totals
    given:
      - input: ref('raw_customers')
        format: sql
        rows: select 1 as id, 'A' as name
      - input: ref('raw_orders')
        format: sql
        fixture: one_order
    expect:
      format: sql
      rows: select 1 as customer_id, 'A' as name, 4.0 as total, 1 as n_orders, 'x' as label
",
    );
    p.write(
        "tests/fixtures/two_orders.csv",
        "id,customer_id,amount,ordered_at\n1,1,2,\n2,1,3,2024-05-01\n",
    );
    p.write(
        "tests/fixtures/orders/one_order.sql",
        "select 1 as id, 1 as customer_id, 4.0 as amount, null as ordered_at",
    );
    p.jgt(&["seed"]).ok();
    let run = p.jgt(&["test"]).ok();
    assert_eq!(status(&run.stdout, "customer_totals::totals_csv"), "PASS");
    assert_eq!(status(&run.stdout, "customer_totals::totals_sql"), "PASS");
    assert!(
        !run.stdout.contains("one_order"),
        "a fixture file is not a singular test:\n{}",
        run.stdout
    );
}

#[test]
fn a_seed_input_without_rows_reads_the_seed_file() {
    let p = shop(
        "  - name: from_the_seed
    model: customer_totals
    given:
      - input: ref('raw_customers')
      - input: ref('raw_orders')
    expect:
      rows:
        - {customer_id: 10, total: 12.75}
        - {customer_id: 11, total: 1}
",
    );
    let run = p.jgt(&["build"]).ok();
    assert_eq!(
        status(&run.stdout, "customer_totals::from_the_seed"),
        "PASS"
    );
}

#[test]
fn overrides_set_vars_env_vars_and_is_incremental() {
    let p = shop(
        "  - name: new_orders_only
    model: big_orders
    overrides:
      macros: {is_incremental: true}
      vars: {min_amount: 2}
      env_vars: {ORDER_SOURCE: web}
    given:
      - input: ref('raw_orders')
        rows:
          - {id: 1, amount: 5}
          - {id: 5, amount: 5}
          - {id: 6, amount: 1}
      - input: this
        rows:
          - {id: 4}
    expect:
      rows:
        - {id: 5, amount: 5, source: web}
  - name: first_build
    model: big_orders
    overrides:
      macros: {is_incremental: false}
    given:
      - input: ref('raw_orders')
        rows:
          - {id: 1, amount: 5}
          - {id: 6, amount: 0.5}
    expect:
      rows:
        - {id: 1, source: shop}
",
    );
    p.write(
        "models/big_orders.sql",
        "{{ config(materialized='incremental', unique_key='id') }}\n\
         select id, amount, '{{ env_var('ORDER_SOURCE', 'shop') }}' as source\n\
         from {{ ref('raw_orders') }}\n\
         where amount > {{ var('min_amount', 1) }}\n\
         {% if is_incremental() %} and id > (select max(id) from {{ this }}){% endif %}\n",
    );
    // As in dbt, `this` must exist for its column types: build it once.
    p.jgt(&["seed"]).ok();
    p.jgt(&["run", "-s", "big_orders"]).ok();
    let run = p.jgt(&["test", "-s", "big_orders"]).ok();
    assert_eq!(status(&run.stdout, "big_orders::new_orders_only"), "PASS");
    assert_eq!(status(&run.stdout, "big_orders::first_build"), "PASS");
}

#[test]
fn a_failing_unit_test_prints_a_diff_of_the_rows_and_exits_non_zero() {
    let p = shop(TOTALS_WRONG);
    p.jgt(&["seed"]).ok();
    let run = p.jgt(&["test"]).failed();
    assert_eq!(run.code, Some(1));
    assert_eq!(status(&run.stdout, "customer_totals::totals_wrong"), "FAIL");
    let failure = run
        .stdout
        .split("\nFailure in unit test")
        .nth(1)
        .and_then(|rest| rest.split("\nDone with errors").next())
        .unwrap_or_else(|| panic!("no failure in:\n{}", run.stdout));
    insta::assert_snapshot!(
        "unit_test_failure_diff",
        format!("Failure in unit test{failure}")
    );
}

#[test]
fn in_build_unit_tests_run_before_their_model_and_a_failure_skips_it_and_its_children() {
    let p = shop(&format!("{TOTALS_DICT}{TOTALS_WRONG}"));
    let run = p.jgt(&["build"]).failed();
    let printed = order(&run.stdout);
    let at = |label: &str| printed.iter().position(|l| l == label).unwrap();
    assert!(at("main.raw_orders") < at("customer_totals::totals_dict"));
    assert!(at("customer_totals::totals_wrong") < at("main.customer_totals"));
    assert_eq!(status(&run.stdout, "customer_totals::totals_dict"), "PASS");
    assert_eq!(status(&run.stdout, "main.customer_totals"), "SKIP");
    assert_eq!(status(&run.stdout, "main.report"), "SKIP");
    assert_eq!(status(&run.stdout, "main.order_days"), "OK");
    assert!(
        run.stdout
            .contains("unit test customer_totals::totals_wrong failed"),
        "{}",
        run.stdout
    );
}

#[test]
fn run_results_list_unit_tests_with_dbts_ids_and_statuses() {
    let p = shop(&format!("{TOTALS_DICT}{TOTALS_WRONG}"));
    p.jgt(&["build"]).failed();
    let text = std::fs::read_to_string(p.path().join("target/run_results.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let entry = |id: &str| {
        json["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["unique_id"] == id)
            .unwrap_or_else(|| panic!("no {id} in {text}"))
            .clone()
    };
    let passed = entry("unit_test.shop.customer_totals.totals_dict");
    assert_eq!(passed["status"], "pass");
    assert_eq!(passed["failures"], 0);
    let failed = entry("unit_test.shop.customer_totals.totals_wrong");
    assert_eq!(failed["status"], "fail");
    assert_eq!(failed["failures"], 1);
    assert!(failed["message"]
        .as_str()
        .unwrap()
        .starts_with("models/unit.yml:19: unit test customer_totals::totals_wrong"));
    assert_eq!(entry("model.shop.customer_totals")["status"], "skipped");
    let manifest = std::fs::read_to_string(p.path().join("target/manifest.json")).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let unit = &manifest["unit_tests"]["unit_test.shop.customer_totals.totals_dict"];
    assert_eq!(unit["model"], "customer_totals");
    assert_eq!(unit["resource_type"], "unit_test");
}

#[test]
fn unit_tests_are_selected_by_name_by_resource_type_and_by_their_model() {
    let p = shop(&format!("{TOTALS_DICT}{TOTALS_WRONG}"));
    p.jgt(&["seed"]).ok();
    let run = p.jgt(&["test", "-s", "totals_dict"]).ok();
    assert_eq!(order(&run.stdout), ["customer_totals::totals_dict"]);
    let run = p.jgt(&["test", "-s", "resource_type:unit_test"]).failed();
    let mut printed = order(&run.stdout);
    printed.sort();
    assert_eq!(
        printed,
        [
            "customer_totals::totals_dict",
            "customer_totals::totals_wrong"
        ]
    );
    let run = p
        .jgt(&[
            "build",
            "-s",
            "customer_totals",
            "--exclude",
            "totals_wrong",
        ])
        .ok();
    assert_eq!(
        order(&run.stdout),
        ["customer_totals::totals_dict", "main.customer_totals"]
    );
    let run = p.jgt(&["run"]).ok();
    assert!(!run.stdout.contains("::"), "run runs no unit test");
}

#[test]
fn an_input_relation_not_built_yet_is_an_error_of_the_test() {
    let p = shop(TOTALS_DICT);
    let run = p.jgt(&["test"]).failed();
    assert_eq!(status(&run.stdout, "customer_totals::totals_dict"), "ERROR");
    assert!(
        run.stdout.contains(
            "models/unit.yml:2: unit test customer_totals::totals_dict: input ref('raw_customers') \
             reads main.raw_customers, which does not exist yet"
        ),
        "{}",
        run.stdout
    );
}

/// Runs `jgt test` on a project whose only unit test is `unit_test`, and
/// returns what it printed, after checking it stopped with JGT4006.
fn refused(unit_test: &str) -> String {
    let p = shop(unit_test);
    let run = p.jgt(&["test"]).failed();
    let all = run.all();
    assert!(all.contains("error[JGT4006]"), "{all}");
    all
}

#[test]
fn unit_tests_that_cannot_run_are_errors_naming_the_file_and_line() {
    let given = "    given:\n      - input: ref('raw_customers')\n        rows: []\n      - input: ref('raw_orders')\n        rows: []\n";
    let cases = [
        (
            format!("  - name: t\n    model: customer_totalz\n{given}    expect: {{rows: []}}\n"),
            "models/unit.yml:2: unit test customer_totalz::t: model 'customer_totalz' does not exist (or is disabled). Did you mean 'customer_totals'?",
        ),
        (
            format!("  - name: t\n    model: customer_totals\n{given}    expect: {{format: json, rows: []}}\n"),
            "models/unit.yml:2: unit test customer_totals::t: expect: format 'json' is not one of dict, csv or sql",
        ),
        (
            format!("  - name: t\n    model: customer_totals\n{given}      - input: ref('order_days')\n        rows: []\n    expect: {{rows: []}}\n"),
            "input `ref('order_days')` is not a ref or source of model 'customer_totals' (it reads: ref('raw_customers'), ref('raw_orders'))",
        ),
        (
            "  - name: t\n    model: customer_totals\n    given:\n      - input: ref('raw_orders')\n        rows: []\n    expect: {rows: []}\n".to_string(),
            "model 'customer_totals' reads ref('raw_customers'), which `given:` does not list",
        ),
        (
            format!("  - name: t\n    model: customer_totals\n    versions: {{include: [2]}}\n{given}    expect: {{rows: []}}\n"),
            "`versions:` is set, but jgt does not support model versions yet",
        ),
        (
            format!("  - name: t\n    model: customer_totals\n{given}    expect:\n      format: csv\n      fixture: nowhere\n"),
            "expect: fixture 'nowhere' not found: no nowhere.csv under tests/fixtures/",
        ),
    ];
    for (unit_test, message) in cases {
        let all = refused(&unit_test);
        assert!(all.contains(message), "wanted {message:?} in:\n{all}");
    }
}

#[test]
fn an_incremental_model_needs_its_is_incremental_override() {
    let p = shop(
        "  - name: t\n    model: big_orders\n    given:\n      - input: ref('raw_orders')\n        rows: []\n    expect: {rows: []}\n",
    );
    p.write(
        "models/big_orders.sql",
        "{{ config(materialized='incremental') }}\nselect id from {{ ref('raw_orders') }}",
    );
    let all = p.jgt(&["test"]).failed().all();
    assert!(
        all.contains("models/unit.yml:2: unit test big_orders::t: model 'big_orders' is incremental: set `overrides: {macros: {is_incremental: true}}`"),
        "{all}"
    );
}

#[test]
fn a_dbt_project_with_unit_tests_builds_and_reports_them_as_dbt_does() {
    // dict, inline csv, csv and sql fixture files, a source input, empty
    // rows, overrides of vars, env_vars and is_incremental: every unit
    // test passes in dbt, so `dbt build` built every relation, and its
    // run_results.json's unit test entries are in dbt_unit_results.txt.
    let shop = DbtFixture::copy("dbt_unit_shop");
    shop.build();
    shop.assert_built_as_dbt_does("unit_shop.duckdb");
    let text = std::fs::read_to_string(shop.path().join("target/run_results.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut ours: Vec<String> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["unique_id"].as_str().unwrap().starts_with("unit_test."))
        .map(|r| {
            format!(
                "{} {} {}",
                r["unique_id"].as_str().unwrap(),
                r["status"].as_str().unwrap(),
                r["failures"]
            )
        })
        .collect();
    ours.sort();
    let dbt = std::fs::read_to_string(shop.path().join("dbt_unit_results.txt")).unwrap();
    assert_eq!(ours, dbt.lines().collect::<Vec<_>>());
}

#[test]
fn an_ephemeral_input_takes_sql_rows() {
    let p = shop(
        "  - name: t
    model: report
    given:
      - input: ref('customer_totals')
        format: sql
        rows: select 1 as customer_id union all select 2
    expect:
      rows:
        - {customers: 2}
",
    );
    p.write(
        "models/customer_totals.sql",
        "{{ config(materialized='ephemeral') }}\nselect 1 as customer_id",
    );
    let run = p.jgt(&["test"]).ok();
    assert_eq!(status(&run.stdout, "report::t"), "PASS");
    p.write(
        "models/unit.yml",
        "unit_tests:\n  - name: t\n    model: report\n    given:\n      - input: ref('customer_totals')\n        rows: [{customer_id: 1}]\n    expect: {rows: []}\n",
    );
    let all = p.jgt(&["test"]).failed().all();
    assert!(
        all.contains("input `ref('customer_totals')` is an ephemeral model"),
        "{all}"
    );
}
