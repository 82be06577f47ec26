//! dbt unit tests as the runner carries them out: the model's SQL with each
//! given input read from a CTE of fixture rows, the expected rows, and the
//! comparison of the two, all spelt through the target's [`Dialect`].
//!
//! Compiling fills a [`UnitTestWork`]; at run time the adapter says the
//! column types of each real input relation and of the model's output, and
//! the functions here write the fixture SQL ([`fixture_sql`]), the query
//! that returns actual and expected rows side by side ([`comparison_sql`])
//! and, when they differ, the table diff people read ([`diff`]).

use std::path::PathBuf;

use crate::dialect::Dialect;
use crate::relation::Relation;
use crate::results::Column;

/// One value of a fixture row, as the schema file wrote it.
#[derive(Debug, Clone, PartialEq)]
pub enum FixtureValue {
    /// `null`, or an empty CSV field.
    Null,
    /// Text: quoted as a string literal, then cast to the column's type.
    Text(String),
    /// A number, written as it stands, then cast.
    Number(String),
    /// A boolean.
    Bool(bool),
}

/// One fixture row: `(column, value)` pairs in the order written.
pub type FixtureRow = Vec<(String, FixtureValue)>;

/// Rows given to a unit test, or SQL that selects them.
#[derive(Debug, Clone, PartialEq)]
pub enum Fixture {
    /// Rows (`format: dict` or `csv`); columns not given are null.
    Rows(Vec<FixtureRow>),
    /// `format: sql`: a query selecting every column.
    Sql(String),
}

/// A given input: which relation it stands for and its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct FixtureInput {
    /// The input as written (`ref('stg_users')`, `this`), for messages.
    pub input: String,
    /// The CTE the model's SQL reads instead of the relation.
    pub cte: String,
    /// The real relation, whose column types the fixture takes.
    pub relation: Relation,
    /// The rows.
    pub fixture: Fixture,
}

/// Everything the runner needs to run one unit test.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitTestWork {
    /// The tested model.
    pub model: String,
    /// The unit test's own name.
    pub test: String,
    /// The schema file that declares it, relative to the project folder.
    pub file: PathBuf,
    /// The line of its `- name:` entry.
    pub line: usize,
    /// The model's SQL with each given input's `ref`/`source` naming its CTE.
    pub sql: String,
    /// The given inputs.
    pub inputs: Vec<FixtureInput>,
    /// The expected rows.
    pub expected: Fixture,
}

impl UnitTestWork {
    /// `models/unit.yml:12: unit test orders::sums_per_customer`, as
    /// messages start.
    pub fn place(&self) -> String {
        format!(
            "{}:{}: unit test {}::{}",
            self.file.display(),
            self.line,
            self.model,
            self.test
        )
    }

    /// The model's SQL reading the fixtures: each input's CTE in front,
    /// with `bodies[i]` the SQL of `inputs[i]`.
    pub fn actual_sql(&self, bodies: &[String], dialect: &dyn Dialect) -> String {
        if bodies.is_empty() {
            return self.sql.clone();
        }
        let ctes: Vec<String> = self
            .inputs
            .iter()
            .zip(bodies)
            .map(|(input, body)| format!("{} as ({body}\n)", dialect.quote(&input.cte)))
            .collect();
        format!(
            "with {}\nselect * from {}",
            ctes.join(",\n"),
            dialect.subquery(&self.sql, "__jgt_unit_actual")
        )
    }
}

/// The SQL that selects `fixture`'s rows typed as `columns` (a relation's
/// columns, in order): one `select` per row joined by `union all`, every
/// column present, those a row does not give null. `what` names the
/// fixture in messages (`'stg_users'`, `expected output`).
pub fn fixture_sql(
    fixture: &Fixture,
    columns: &[Column],
    what: &str,
    dialect: &dyn Dialect,
) -> Result<String, String> {
    let rows = match fixture {
        Fixture::Sql(sql) => return Ok(sql.clone()),
        Fixture::Rows(rows) => rows,
    };
    let selects = rows
        .iter()
        .map(|row| {
            let values = typed_row(row, columns, what, dialect)?;
            Ok(select_of(columns, |i| values[i].clone(), dialect))
        })
        .collect::<Result<Vec<_>, String>>()?;
    if selects.is_empty() {
        let nulls = select_of(columns, |i| null_of(&columns[i], dialect), dialect);
        return Ok(format!("{nulls} limit 0"));
    }
    Ok(selects.join("\nunion all\n"))
}

/// The SQL of the expected rows: only the expected columns, typed as the
/// model's output columns. An expected column the model does not give is
/// an error naming the columns it does give.
pub fn expected_sql(
    fixture: &Fixture,
    expected_columns: &[Column],
    output: &[Column],
    dialect: &dyn Dialect,
) -> Result<String, String> {
    match fixture {
        Fixture::Sql(sql) => Ok(sql.clone()),
        Fixture::Rows(rows) => {
            for (n, row) in rows.iter().enumerate() {
                check_columns(row, output, "expected output")?;
                if !same_columns(row, expected_columns) {
                    return Err(format!(
                        "expected row {} gives other columns than the first expected row; \
                         every expected row must give the same columns (dbt compares the first row's)",
                        n + 1
                    ));
                }
            }
            fixture_sql(fixture, expected_columns, "expected output", dialect)
        }
    }
}

/// The columns compared: the first expected row's, in its order, typed
/// as the model's output; all of the output's when the expectation has
/// no rows or is SQL, as in dbt.
pub fn compared_columns(expected: &Fixture, output: &[Column]) -> Result<Vec<Column>, String> {
    let first = match expected {
        Fixture::Rows(rows) => rows.first(),
        Fixture::Sql(_) => None,
    };
    let Some(first) = first else {
        return Ok(output.to_vec());
    };
    check_columns(first, output, "expected output")?;
    Ok(first
        .iter()
        .filter_map(|(name, _)| {
            output
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(name))
                .cloned()
        })
        .collect())
}

/// The name of the column the comparison query adds.
pub const SIDE_COLUMN: &str = "actual_or_expected";

/// One query returning the actual rows and the expected rows, each with
/// the compared columns and a last column saying which side it is.
pub fn comparison_sql(
    actual: &str,
    expected: &str,
    columns: &[Column],
    dialect: &dyn Dialect,
) -> String {
    let list: Vec<String> = columns.iter().map(|c| dialect.quote(&c.name)).collect();
    let list = list.join(", ");
    let side = dialect.quote(SIDE_COLUMN);
    format!(
        "select {list}, {} as {side} from {}\nunion all\nselect {list}, {} as {side} from {}",
        dialect.string_literal("actual"),
        dialect.subquery(actual, "__jgt_unit_actual_rows"),
        dialect.string_literal("expected"),
        dialect.subquery(expected, "__jgt_unit_expected_rows"),
    )
}

/// Rows as text (`None` is null), as a query gives them.
pub type TextRow = Vec<Option<String>>;

/// Compares expected and actual rows, ignoring their order. `None` when
/// they are the same multiset; otherwise a table of every row, sorted,
/// rows only expected marked `-`, rows only in the result marked `+`.
pub fn diff(columns: &[String], expected: &[TextRow], actual: &[TextRow]) -> Option<String> {
    let mut expected = expected.to_vec();
    let mut actual = actual.to_vec();
    expected.sort();
    actual.sort();
    if expected == actual {
        return None;
    }
    let mut lines: Vec<(char, &TextRow)> = Vec::new();
    let (mut e, mut a) = (0, 0);
    while e < expected.len() || a < actual.len() {
        let next = match (expected.get(e), actual.get(a)) {
            (Some(x), Some(y)) if x == y => {
                e += 1;
                a += 1;
                (' ', x)
            }
            (Some(x), Some(y)) if x < y => {
                e += 1;
                ('-', x)
            }
            (Some(x), None) => {
                e += 1;
                ('-', x)
            }
            (_, Some(y)) => {
                a += 1;
                ('+', y)
            }
            (None, None) => break,
        };
        lines.push(next);
    }
    Some(render_diff(columns, &lines))
}

/// The diff as an aligned table with a marker column.
fn render_diff(columns: &[String], lines: &[(char, &TextRow)]) -> String {
    let cell = |value: &Option<String>| value.clone().unwrap_or_else(|| "null".into());
    let mut widths: Vec<usize> = columns.iter().map(|c| c.chars().count()).collect();
    for (_, row) in lines {
        for (i, value) in row.iter().enumerate() {
            if let Some(width) = widths.get_mut(i) {
                *width = (*width).max(cell(value).chars().count());
            }
        }
    }
    let line = |marker: char, cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(text, width)| format!("{text:<width$}"))
            .collect();
        format!("{marker} | {} |", padded.join(" | "))
            .trim_end()
            .to_string()
    };
    let mut out = vec![line(' ', columns.to_vec())];
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out.push(format!("  |-{}-|", rule.join("-|-")));
    for (marker, row) in lines {
        out.push(line(*marker, row.iter().map(cell).collect()));
    }
    out.join("\n")
}

/// Whether `row` gives exactly the columns of `columns`, in any order.
fn same_columns(row: &FixtureRow, columns: &[Column]) -> bool {
    let mut given: Vec<String> = row.iter().map(|(name, _)| name.to_lowercase()).collect();
    let mut wanted: Vec<String> = columns.iter().map(|c| c.name.to_lowercase()).collect();
    given.sort();
    given.dedup();
    wanted.sort();
    given == wanted
}

/// A row's values cast to its columns' types, in the columns' order.
fn typed_row(
    row: &FixtureRow,
    columns: &[Column],
    what: &str,
    dialect: &dyn Dialect,
) -> Result<Vec<String>, String> {
    check_columns(row, columns, what)?;
    Ok(columns
        .iter()
        .map(|column| {
            let given = row
                .iter()
                .rev()
                .find(|(name, _)| name.eq_ignore_ascii_case(&column.name));
            match given {
                Some((_, value)) => cast_value(value, column, dialect),
                None => null_of(column, dialect),
            }
        })
        .collect())
}

/// Refuses a row naming a column the relation does not have, as dbt does.
fn check_columns(row: &FixtureRow, columns: &[Column], what: &str) -> Result<(), String> {
    for (name, _) in row {
        if !columns.iter().any(|c| c.name.eq_ignore_ascii_case(name)) {
            let accepted: Vec<String> = columns.iter().map(|c| c.name.to_lowercase()).collect();
            return Err(format!(
                "invalid column name '{}' in the fixture for {what}; its columns are: {}",
                name.to_lowercase(),
                accepted.join(", ")
            ));
        }
    }
    Ok(())
}

fn cast_value(value: &FixtureValue, column: &Column, dialect: &dyn Dialect) -> String {
    let literal = match value {
        FixtureValue::Null => return null_of(column, dialect),
        FixtureValue::Text(text) => dialect.string_literal(text),
        FixtureValue::Number(number) => number.clone(),
        FixtureValue::Bool(flag) => flag.to_string(),
    };
    dialect.cast(&literal, &column.data_type)
}

fn null_of(column: &Column, dialect: &dyn Dialect) -> String {
    dialect.cast("null", &column.data_type)
}

/// `select v1 as "c1", v2 as "c2"` for every column.
fn select_of(columns: &[Column], value: impl Fn(usize) -> String, dialect: &dyn Dialect) -> String {
    let items: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, column)| format!("{} as {}", value(i), dialect.quote(&column.name)))
        .collect();
    format!("select {}", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AnsiDialect;

    fn dialect() -> AnsiDialect {
        AnsiDialect {
            default_schema: "main".into(),
        }
    }

    fn column(name: &str, data_type: &str) -> Column {
        Column {
            name: name.into(),
            data_type: data_type.into(),
        }
    }

    #[test]
    fn fixture_rows_take_the_relations_types_and_nulls_fill_the_rest() {
        let columns = [column("id", "INTEGER"), column("name", "VARCHAR")];
        let rows = Fixture::Rows(vec![
            vec![("ID".into(), FixtureValue::Number("1".into()))],
            vec![
                ("id".into(), FixtureValue::Number("2".into())),
                ("name".into(), FixtureValue::Text("O'Hara".into())),
            ],
        ]);
        let sql = fixture_sql(&rows, &columns, "'users'", &dialect()).unwrap();
        assert_eq!(
            sql,
            "select cast(1 as INTEGER) as \"id\", cast(null as VARCHAR) as \"name\"\n\
             union all\n\
             select cast(2 as INTEGER) as \"id\", cast('O''Hara' as VARCHAR) as \"name\""
        );
    }

    #[test]
    fn no_rows_select_typed_nulls_and_nothing() {
        let columns = [column("id", "INTEGER")];
        let sql = fixture_sql(&Fixture::Rows(vec![]), &columns, "'x'", &dialect()).unwrap();
        assert_eq!(sql, "select cast(null as INTEGER) as \"id\" limit 0");
    }

    #[test]
    fn an_unknown_column_names_the_columns_there_are() {
        let columns = [column("id", "INTEGER")];
        let rows = Fixture::Rows(vec![vec![("nme".into(), FixtureValue::Null)]]);
        let err = fixture_sql(&rows, &columns, "'users'", &dialect()).unwrap_err();
        assert_eq!(
            err,
            "invalid column name 'nme' in the fixture for 'users'; its columns are: id"
        );
    }

    #[test]
    fn every_expected_row_gives_the_first_rows_columns() {
        let output = [column("id", "INTEGER"), column("total", "DOUBLE")];
        let expected = Fixture::Rows(vec![
            vec![
                ("id".into(), FixtureValue::Number("1".into())),
                ("total".into(), FixtureValue::Null),
            ],
            vec![("id".into(), FixtureValue::Number("2".into()))],
        ]);
        let compared = compared_columns(&expected, &output).unwrap();
        let err = expected_sql(&expected, &compared, &output, &dialect()).unwrap_err();
        assert!(
            err.starts_with("expected row 2 gives other columns"),
            "{err}"
        );
    }

    #[test]
    fn equal_rows_in_any_order_make_no_diff() {
        let columns = vec!["id".to_string()];
        let one = |v: &str| vec![Some(v.to_string())];
        assert_eq!(
            diff(&columns, &[one("1"), one("2")], &[one("2"), one("1")]),
            None
        );
    }

    #[test]
    fn a_diff_marks_missing_rows_with_minus_and_extra_rows_with_plus() {
        let columns = vec!["id".to_string(), "total".to_string()];
        let row =
            |id: &str, total: Option<&str>| vec![Some(id.to_string()), total.map(String::from)];
        let expected = [row("1", Some("2")), row("2", Some("4")), row("3", None)];
        let actual = [row("1", Some("2")), row("2", Some("3"))];
        let text = diff(&columns, &expected, &actual).unwrap();
        assert_eq!(
            text,
            "  | id | total |\n  |----|-------|\n  | 1  | 2     |\n+ | 2  | 3     |\n- | 2  | 4     |\n- | 3  | null  |"
        );
    }
}
