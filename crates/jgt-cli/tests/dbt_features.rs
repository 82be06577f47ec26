//! dbt features jgt is about to implement, each in a dbt-shaped project
//! under `tests/fixtures/` whose build by real dbt (dbt-core 1.12 +
//! dbt-duckdb 1.11) was recorded by `bench/dbt_reference/record.sh`: the
//! relations, the status of each node, the exit code when the build
//! fails, the files it wrote. Each test builds the project with jgt and
//! compares. What dbt did in detail is in the fixtures report
//! (notes/fixtures-report.md).

mod common;

use common::dbt_fixture::DbtFixture;

/// The database file every snapshots build writes.
const SNAPSHOTS_DB: &str = "snapshots.duckdb";

#[test]
fn snapshots_take_their_first_picture_as_dbt_does() {
    // Timestamp and check strategies, hard_deletes invalidate/new_record,
    // a composite key with dbt_valid_to_current, renamed meta columns, a
    // YAML-defined snapshot, target_schema and schema, a model over a
    // snapshot. The check strategy's times (and so its dbt_scd_id) are
    // the clock's: masked (volatile.txt).
    let snapshots = DbtFixture::copy("dbt_snapshots");
    snapshots.build();
    snapshots.assert_built_as_dbt_does_stage(SNAPSHOTS_DB, 1);
    snapshots.assert_results_as_dbt(1);
}

#[test]
fn snapshots_record_updates_deletes_and_inserts_as_dbt_does() {
    // stage2/ changes the seeds: a row updated, one deleted, one added,
    // one unchanged; the second build closes, invalidates and opens
    // snapshot rows. Times of hard deletes are the clock's: masked
    // (volatile_2.txt).
    let snapshots = DbtFixture::copy("dbt_snapshots");
    snapshots.build();
    snapshots.apply_stage2();
    snapshots.build();
    snapshots.assert_built_as_dbt_does_stage(SNAPSHOTS_DB, 2);
    snapshots.assert_results_as_dbt(2);
}

#[test]
fn hooks_run_in_the_order_dbt_runs_them() {
    // on-run-start/on-run-end, project- and folder-level +pre-hook and
    // +post-hook, a model's own hooks (string, list, before_begin,
    // after_commit, the {sql, transaction: false} dict), a seed's hook,
    // an incremental model's; each appends to main.audit, so the order
    // is in its rows.
    let hooks = DbtFixture::copy("dbt_hooks");
    hooks.build();
    hooks.assert_built_as_dbt_does("hooks.duckdb");
}

#[test]
fn unit_tests_pass_and_fail_as_dbt_runs_them() {
    // Inputs as dict rows, inline csv, sql and a csv fixture file; a
    // source input; overrides of vars and of is_incremental with `this`.
    // labels_are_wrong fails: its model and that model's child are
    // skipped and the build exits 1.
    let unit_tests = DbtFixture::copy("dbt_unit_tests");
    let run = unit_tests.build_expecting_failure();
    unit_tests.assert_exit_as_dbt(&run, 1);
    // jgt's diff is its own table (dbt prints daff's), on purpose.
    assert!(
        run.all()
            .contains("the model's rows differ from the expected rows"),
        "{}",
        run.all()
    );
    unit_tests.assert_results_as_dbt(1);
    unit_tests.assert_built_as_dbt_does("unit_tests.duckdb");
}

#[test]
fn contracts_are_enforced_as_dbt_enforces_them() {
    // Contracted tables with column and model-level constraints build in
    // the contract's column order; bad_contract (a column of another
    // type, a missing column) fails and its child is skipped.
    let contracts = DbtFixture::copy("dbt_contracts");
    let run = contracts.build_expecting_failure();
    contracts.assert_exit_as_dbt(&run, 1);
    assert!(
        run.all()
            .contains("This model has an enforced contract that failed."),
        "{}",
        run.all()
    );
    contracts.assert_results_as_dbt(1);
    contracts.assert_built_as_dbt_does("contracts.duckdb");
    // The constraints dbt's DDL made (dbt_contract_ddl.txt), as DuckDB
    // lists them.
    let constraints = common::query(
        &contracts.path().join("contracts.duckdb"),
        "select table_name, constraint_text from duckdb_constraints() \
         where schema_name = 'main' and constraint_type <> 'NOT NULL' order by 1, 2",
    );
    let expected = [
        ["customers", "CHECK((tier IN ('gold', 'silver', 'bronze')))"],
        ["customers", "PRIMARY KEY(customer_id, region)"],
        ["customers", "UNIQUE(customer_id)"],
        ["customers", "UNIQUE(email)"],
        [
            "orders",
            "FOREIGN KEY (customer_id) REFERENCES customers(customer_id)",
        ],
        ["orders", "PRIMARY KEY(order_id)"],
    ];
    assert_eq!(constraints, expected.map(|row| row.map(String::from)));
}

#[test]
fn external_sources_and_csv_models_read_and_write_files_as_dbt_does() {
    // Sources over CSV files (meta.external_location with {name}, and a
    // table's own read_csv(...)); external models writing CSV at an
    // explicit location and partitioned by a column, each then a view
    // over its files; a table downstream.
    let external = DbtFixture::copy("dbt_external");
    external.build();
    external.assert_built_as_dbt_does("external.duckdb");
    external.assert_files_as_dbt_wrote();
}

#[test]
fn external_models_write_parquet_under_external_root_as_dbt_does() {
    // No location, no format: out/long_rivers.parquet (external_root
    // `out`), a view over it, a table downstream.
    let parquet = DbtFixture::copy("dbt_external_parquet");
    parquet.build();
    parquet.assert_built_as_dbt_does("parquet.duckdb");
    parquet.assert_files_as_dbt_wrote();
}
