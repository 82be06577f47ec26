//! Running one dbt unit test, as dbt's `unit` materialization does: each
//! given input becomes rows typed like its real relation (which must
//! exist, as in dbt), the model runs on them, and its rows are compared
//! with the expected ones on the expected columns, ignoring order.

use jgt_core::unit_test::{self, TextRow, SIDE_COLUMN};
use jgt_core::{Column, NodeResult, Status, UnitTestWork};

use crate::adapter::Adapter;

/// Runs `work`: success when the rows match; an error carrying the diff
/// (and one failure) when they do not; an error without failures when the
/// test cannot run (a missing input relation, a wrong column, bad SQL).
pub(crate) fn run_unit_test(adapter: &dyn Adapter, work: &UnitTestWork) -> NodeResult {
    match compare(adapter, work) {
        Ok(None) => NodeResult {
            failures: Some(0),
            ..NodeResult::new(0, Status::Success, 0.0)
        },
        Ok(Some(diff)) => NodeResult {
            failures: Some(1),
            message: Some(format!(
                "{}: the model's rows differ from the expected rows \
                 (- only expected, + only in the result):\n{diff}",
                work.place()
            )),
            ..NodeResult::new(0, Status::Error, 0.0)
        },
        Err(message) => NodeResult {
            message: Some(format!("{}: {message}", work.place())),
            ..NodeResult::new(0, Status::Error, 0.0)
        },
    }
}

/// The diff between expected and actual rows, `None` when they match.
fn compare(adapter: &dyn Adapter, work: &UnitTestWork) -> Result<Option<String>, String> {
    let dialect = adapter.dialect();
    let bodies = work
        .inputs
        .iter()
        .map(|input| {
            let columns = input_columns(adapter, input)?;
            let what = format!("input {}", input.input);
            unit_test::fixture_sql(&input.fixture, &columns, &what, dialect)
        })
        .collect::<Result<Vec<_>, String>>()?;
    let actual = work.actual_sql(&bodies, dialect);
    let output = adapter
        .query_columns(&actual)
        .map_err(|err| format!("the model does not run on the fixture rows: {err}"))?;
    let compared = unit_test::compared_columns(&work.expected, &output)?;
    let expected = unit_test::expected_sql(&work.expected, &compared, &output, dialect)?;
    let sql = unit_test::comparison_sql(&actual, &expected, &compared, dialect);
    let result = adapter.query(&sql, None).map_err(|err| {
        format!("comparing the model's rows with the expected rows failed (check the fixtures' values and types): {err}")
    })?;
    let (mut actual_rows, mut expected_rows): (Vec<TextRow>, Vec<TextRow>) =
        (Vec::new(), Vec::new());
    for mut row in result.rows {
        let side = row.pop().flatten();
        match side.as_deref() {
            Some("actual") => actual_rows.push(row),
            _ => expected_rows.push(row),
        }
    }
    let mut columns = result.columns;
    columns.retain(|c| c != SIDE_COLUMN);
    Ok(unit_test::diff(&columns, &expected_rows, &actual_rows))
}

/// The columns of an input's real relation; dbt reads them from the
/// database too, so the relation must be built first.
fn input_columns(
    adapter: &dyn Adapter,
    input: &jgt_core::FixtureInput,
) -> Result<Vec<Column>, String> {
    if let jgt_core::Fixture::Sql(_) = input.fixture {
        return Ok(Vec::new());
    }
    match adapter.columns(&input.relation) {
        Ok(Some(columns)) => Ok(columns),
        Ok(None) => Err(format!(
            "input {} reads {}, which does not exist yet: a unit test takes its column types \
             from the real relation, as dbt does, so build it first",
            input.input,
            input.relation.display_name(),
        )),
        Err(err) => Err(format!(
            "cannot read the columns of {}: {err}",
            input.relation.display_name()
        )),
    }
}
