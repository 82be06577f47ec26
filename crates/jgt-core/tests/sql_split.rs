//! jgt's statement scanner against DuckDB's own parser: every text in
//! `data/split_corpus.tsv` (recorded by `bench/sql_split_corpus.py` from
//! DuckDB 2.0's `extract_statements`) must split into as many statements.

use jgt_core::sql::count_statements;

#[test]
fn the_scanner_agrees_with_duckdb_on_the_recorded_corpus() {
    let corpus = include_str!("data/split_corpus.tsv");
    let mut checked = 0;
    for line in corpus.lines().filter(|l| !l.starts_with('#')) {
        let (json, expected) = line.rsplit_once('\t').expect("sql<TAB>count");
        // A JSON string is a YAML double-quoted scalar.
        let sql: String = serde_yaml::from_str(json).expect("a JSON string");
        let expected: usize = expected.parse().expect("a count");
        assert_eq!(count_statements(&sql), expected, "{sql:?}");
        checked += 1;
    }
    assert_eq!(checked, 400, "the whole corpus was read");
}
