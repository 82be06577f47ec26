//! Enforced model contracts on the real binary: checked before the build
//! with dbt's table of mismatches, tables created with their constraints.

mod common;

use common::TempProject;

fn project(sql: &str, columns: &str) -> TempProject {
    let p = TempProject::new("name: promised\n");
    p.write("models/orders.sql", sql);
    p.write(
        "models/orders.yml",
        &format!(
            "models:\n  - name: orders\n    config:\n      materialized: table\n      contract: {{enforced: true}}\n    columns:\n{columns}"
        ),
    );
    p
}

const COLUMNS: &str = "      - {name: id, data_type: int, constraints: [{type: primary_key}]}\n      \
    - {name: amount, data_type: 'decimal(10,2)', constraints: [{type: check, expression: 'amount >= 0'}]}\n";

#[test]
fn a_broken_contract_prints_dbt_s_table_and_keeps_the_old_table() {
    let p = project(
        "select 1 as id, cast(5 as decimal(10,2)) as amount",
        COLUMNS,
    );
    p.jgt(&["run"]).ok();
    p.write(
        "models/orders.sql",
        "select 2 as id, 9.99 as amount, 'x' as note",
    );
    let run = p.jgt(&["run"]).failed();
    let text = run.all();
    for line in [
        "This model has an enforced contract that failed.",
        "| column_name | definition_type | contract_type | mismatch_reason     |",
        "| amount      | DECIMAL(3,2)    | DECIMAL(10,2) | data type mismatch  |",
        "| note        | VARCHAR         |               | missing in contract |",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    assert_eq!(p.scalar("select id from orders"), "1");
}

#[test]
fn constraints_are_enforced_by_the_table() {
    let p = project(
        "select 1 as id, cast(-5 as decimal(10,2)) as amount",
        COLUMNS,
    );
    let run = p.jgt(&["run"]).failed();
    assert!(
        run.all().contains("CHECK constraint failed"),
        "{}",
        run.all()
    );
    p.write(
        "models/orders.sql",
        "select 1 as id, cast(5 as decimal(10,2)) as amount",
    );
    p.jgt(&["run"]).ok();
    assert_eq!(
        p.scalar(
            "select string_agg(constraint_text, '; ' order by constraint_text) \
             from duckdb_constraints() where table_name = 'orders' and constraint_type <> 'NOT NULL'"
        ),
        "CHECK((amount >= 0)); PRIMARY KEY(id)"
    );
}

#[test]
fn a_contract_without_data_types_names_the_column() {
    let p = project("select 1 as id", "      - {name: id}\n");
    p.jgt(&["run"])
        .failed()
        .refused("the enforced contract needs a data_type for column 'id'");
}
