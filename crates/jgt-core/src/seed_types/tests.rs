//! Seed type inference, by example and against what real dbt-duckdb did.

use super::*;
use SeedType::*;

/// The type of a one-column seed holding `values`.
fn type_of(values: &[&str]) -> SeedType {
    let mut csv = String::from("v\n");
    for value in values {
        csv.push('"');
        csv.push_str(&value.replace('"', "\"\""));
        csv.push_str("\"\n");
    }
    let columns = infer_bytes(csv.as_bytes(), ",").unwrap();
    assert_eq!(columns.len(), 1);
    columns[0].seed_type
}

#[test]
fn whole_numbers_are_integers_even_when_written_with_zeros_or_exponents() {
    assert_eq!(type_of(&["1", "-40", "+7"]), Integer);
    assert_eq!(type_of(&["00501", "007"]), Integer);
    assert_eq!(type_of(&["1.0", "2.00", "-0.0"]), Integer);
    assert_eq!(type_of(&["1e3", "1.5e2", "5.", "1_000"]), Integer);
    assert_eq!(type_of(&["2147483647", "-2147483648"]), Integer);
}

#[test]
fn a_single_decimal_makes_the_column_double() {
    assert_eq!(type_of(&["1", "2", "2.5"]), Double);
    assert_eq!(type_of(&["0.10", "0.20"]), Double);
    assert_eq!(type_of(&["1e-2"]), Double);
    assert_eq!(type_of(&[".5", "-.5"]), Double);
    assert_eq!(type_of(&["1.5", "NaN", "inf", "-Infinity"]), Double);
}

#[test]
fn dates_and_timestamps_in_the_forms_agate_reads() {
    assert_eq!(type_of(&["2024-01-05", "2024-1-6", " 2020-02-29"]), Date);
    assert_eq!(
        type_of(&["2024-01-05 10:00:00", "2024-1-6 1:2:3"]),
        Timestamp
    );
    assert_eq!(
        type_of(&["2024-01-05T10:00", "2024-01-06T11:30:15.250"]),
        Timestamp
    );
    assert_eq!(
        type_of(&["2024-01-05T10:00:00Z", "2024-01-05T10:00:00-05:30"]),
        Timestamp
    );
}

#[test]
fn dates_that_do_not_exist_or_mixed_forms_are_text() {
    assert_eq!(type_of(&["2021-02-29"]), Varchar);
    assert_eq!(type_of(&["2021/01/05"]), Varchar);
    assert_eq!(type_of(&["2024-01-05", "2024-01-05 10:00:00"]), Varchar);
    assert_eq!(
        type_of(&["2024-01-05 10:00:00", "2024-01-05T10:00:00"]),
        Varchar
    );
    // strptime's %S takes no fraction, and isodate needs the `T`.
    assert_eq!(type_of(&["2024-01-05 10:00:00.5"]), Varchar);
    assert_eq!(type_of(&["2024-01-05 10:00"]), Varchar);
}

#[test]
fn only_true_and_false_are_booleans() {
    assert_eq!(type_of(&["true", "FALSE", "True", ""]), Boolean);
    assert_eq!(type_of(&["yes", "no"]), Varchar);
    assert_eq!(type_of(&["t", "f"]), Varchar);
    assert_eq!(type_of(&["1", "0"]), Integer);
    assert_eq!(type_of(&["true", "1"]), Varchar);
}

#[test]
fn empty_values_fit_every_type_and_an_empty_column_is_an_integer() {
    assert_eq!(type_of(&["", "2024-01-05", ""]), Date);
    assert_eq!(type_of(&["", ""]), Integer);
    let header_only = infer_bytes(b"a,b\n", ",").unwrap();
    assert!(header_only.iter().all(|c| c.seed_type == Integer));
}

#[test]
fn values_dbt_cannot_load_keep_their_text() {
    // agate reads these as numbers (or nulls) but DuckDB cannot copy them
    // into a number column: dbt's seed fails, jgt keeps the text.
    assert_eq!(type_of(&["$40,000", "$1"]), Varchar);
    assert_eq!(type_of(&["1,234", "5"]), Varchar);
    assert_eq!(type_of(&["50%", "10%"]), Varchar);
    assert_eq!(type_of(&["null", "1", "2"]), Varchar);
    assert_eq!(type_of(&[" true"]), Varchar);
}

#[test]
fn whole_numbers_beyond_integer_widen() {
    // dbt's load fails on these too; jgt keeps every value.
    assert_eq!(type_of(&["1", "3000000000"]), BigInt);
    assert_eq!(type_of(&["1e10"]), BigInt);
    assert_eq!(type_of(&["9223372036854775808"]), Double);
    assert_eq!(type_of(&["1", "NaN"]), Double);
}

#[test]
fn every_column_of_a_file_with_its_delimiter() {
    let csv = b"id;price;day;label\n1;2.5;2024-01-05;\"a; b\"\n2;3;;x\n";
    let columns = infer_bytes(csv, ";").unwrap();
    let found: Vec<(&str, SeedType)> = columns
        .iter()
        .map(|c| (c.name.as_str(), c.seed_type))
        .collect();
    assert_eq!(
        found,
        [
            ("id", Integer),
            ("price", Double),
            ("day", Date),
            ("label", Varchar)
        ]
    );
}

/// One line of `dbt_cases.tsv`: dbt's result, then the column's values.
fn dbt_cases() -> Vec<(String, Vec<String>)> {
    include_str!("dbt_cases.tsv")
        .lines()
        .map(|line| {
            let mut parts = line.split('\t').map(unescape);
            (parts.next().unwrap(), parts.collect())
        })
        .collect()
}

fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// Where jgt knowingly differs from dbt although dbt loads the file:
/// agate rounds numbers to 28 significant digits before counting their
/// decimals, so this value is a whole number to dbt.
const KNOWN_DIFFERENCES: &[&str] = &["1.00000000000000000000000000001"];

#[test]
fn every_column_dbt_loads_gets_dbts_type() {
    // Recorded from dbt-core 1.12 + dbt-duckdb 1.11 by
    // bench/dbt_reference/record_seed_cases.py: one seed per case.
    let cases = dbt_cases();
    assert!(cases.len() > 150, "{} cases", cases.len());
    let mut wrong = Vec::new();
    for (expected, values) in &cases {
        if expected == "ERROR" || KNOWN_DIFFERENCES.contains(&values[0].as_str()) {
            continue;
        }
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        let found = type_of(&values);
        if found.sql_name() != expected {
            wrong.push(format!("{values:?}: dbt {expected}, jgt {found}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn columns_dbt_fails_to_load_get_a_type_that_keeps_their_values() {
    let cases = dbt_cases();
    for (expected, values) in cases.iter().filter(|(e, _)| e == "ERROR") {
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        let found = type_of(&values);
        assert!(
            matches!(found, Varchar | BigInt | Double),
            "{values:?}: dbt {expected}, jgt {found}"
        );
    }
}
