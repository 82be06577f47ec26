//! Seeds load with the column types dbt-duckdb gives them (through agate:
//! INTEGER, DOUBLE, DATE, TIMESTAMP, BOOLEAN, VARCHAR) and the same rows,
//! checked against what real dbt built from `tests/fixtures/dbt_seed_types`.

mod common;

use common::dbt_fixture::DbtFixture;
use common::TempProject;

#[test]
fn seeds_get_dbts_types_and_rows() {
    // Integers written as 00501, 1.0 or 1e3; decimals with NaN and
    // infinities; dates and timestamps in each form agate reads; true and
    // false (but not yes/no or 1/0); text that only looks like the rest;
    // an empty column; a header-only file; column_types; a delimiter.
    let seeds = DbtFixture::copy("dbt_seed_types");
    seeds.jgt(&["seed"]).ok();
    seeds.assert_built_as_dbt_does("seeds.duckdb");
}

#[test]
fn jafflegaggle_ids_are_integers_as_in_dbt() {
    let project = TempProject::jafflegaggle();
    project.jgt(&["seed"]).ok();
    let types = project.query(
        "select column_name, data_type from information_schema.columns \
         where table_name = 'raw_user' order by ordinal_position",
    );
    let types: Vec<String> = types.iter().map(|r| format!("{} {}", r[0], r[1])).collect();
    assert_eq!(
        types,
        [
            "id INTEGER",
            "name VARCHAR",
            "email VARCHAR",
            "gaggle_id INTEGER",
            "created_at TIMESTAMP"
        ]
    );
}
