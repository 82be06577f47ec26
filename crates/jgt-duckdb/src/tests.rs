//! The DuckDB adapter against real database files.

use jgt_core::{Hooks, Materialization, Relation, SeedOptions};
use jgt_exec::Adapter;

use crate::{Attach, DuckDbAdapter, OpenOptions};

fn table(name: &str) -> Relation {
    Relation::new("main", name)
}

#[test]
fn a_failing_build_leaves_the_previous_table_intact() {
    let dir = tempfile::tempdir().unwrap();
    let db = DuckDbAdapter::open(&dir.path().join("t.duckdb")).unwrap();
    let rel = table("numbers");
    let rows = db
        .materialize(
            &rel,
            "select * from range(5) t(n);",
            Materialization::Table,
            &Hooks::NONE,
        )
        .unwrap();
    assert_eq!(rows, Some(5));
    let err = db
        .materialize(
            &rel,
            "select n from no_such_table",
            Materialization::Table,
            &Hooks::NONE,
        )
        .unwrap_err();
    assert!(err.to_string().contains("no_such_table"), "{err}");
    let left = db
        .query("select count(*) as n from main.numbers", None)
        .unwrap();
    assert_eq!(left.rows, vec![vec![Some("5".to_string())]]);
}

#[test]
fn switching_between_view_and_table_replaces_the_relation() {
    let db = DuckDbAdapter::in_memory().unwrap();
    let rel = Relation::new("main_staging", "m");
    db.materialize(&rel, "select 1 as a", Materialization::View, &Hooks::NONE)
        .unwrap();
    db.materialize(&rel, "select 2 as a", Materialization::Table, &Hooks::NONE)
        .unwrap();
    db.materialize(&rel, "select 3 as a", Materialization::View, &Hooks::NONE)
        .unwrap();
    let rows = db.query("select a from main_staging.m", None).unwrap();
    assert_eq!(rows.columns, ["a"]);
    assert_eq!(rows.rows, vec![vec![Some("3".to_string())]]);
}

#[test]
fn seeds_load_through_the_csv_reader_with_type_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("s.csv");
    std::fs::write(&csv, "id;zip\n1;00501\n2;10001\n").unwrap();
    let db = DuckDbAdapter::in_memory().unwrap();
    let options = SeedOptions {
        delimiter: Some(";".into()),
        column_types: vec![("zip".into(), "varchar".into())],
        inferred: None,
    };
    assert_eq!(
        db.load_seed(&table("s"), &csv, &options, &Hooks::NONE)
            .unwrap(),
        2
    );
    let columns = db.columns(&table("s")).unwrap().unwrap();
    assert_eq!(columns[1].data_type, "VARCHAR");
    let rows = db.query("select zip from s order by id", Some(1)).unwrap();
    assert_eq!(rows.rows, vec![vec![Some("00501".to_string())]]);
}

#[test]
fn seed_columns_get_dbts_types_unless_configured() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("s.csv");
    std::fs::write(
        &csv,
        "id,price,zip,day,seen_at,flag,budget\n\
         1,2.5,00501,2024-01-05,2024-01-05 10:00:00,true,\"$40,000\"\n\
         2,3,10001,,2024-01-06 11:30:00,false,$12\n",
    )
    .unwrap();
    let db = DuckDbAdapter::in_memory().unwrap();
    let options = SeedOptions {
        delimiter: None,
        column_types: vec![("zip".into(), "varchar".into())],
        inferred: None,
    };
    assert_eq!(
        db.load_seed(&table("s"), &csv, &options, &Hooks::NONE)
            .unwrap(),
        2
    );
    let columns = db.columns(&table("s")).unwrap().unwrap();
    let types: Vec<&str> = columns.iter().map(|c| c.data_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "INTEGER",
            "DOUBLE",
            "VARCHAR",
            "DATE",
            "TIMESTAMP",
            "BOOLEAN",
            "VARCHAR"
        ]
    );
    let rows = db
        .query("select zip, seen_at, budget from s order by id", None)
        .unwrap();
    assert_eq!(
        rows.rows[1],
        ["10001", "2024-01-06 11:30:00", "$12"].map(|v| Some(v.to_string()))
    );
}

#[test]
fn a_seed_jgt_typed_whole_loads_without_the_sniffer_as_written() {
    // Every column typed by jgt: read_csv runs with auto_detect off. A
    // byte-order mark, CRLF line ends, quoted delimiters and doubled
    // quotes, one-digit months and hours must still read as written.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("s.csv");
    std::fs::write(
        &csv,
        "\u{feff}id,note,day,seen_at\r\n\
         1,\"a, b\",2024-1-5,2024-1-5 7:05:09\r\n\
         2,\"say \"\"hi\"\"\",,2024-12-31 23:59:59\r\n",
    )
    .unwrap();
    let db = DuckDbAdapter::open(&dir.path().join("t.duckdb")).unwrap();
    let rows = db.load_seed(&table("s"), &csv, &SeedOptions::default(), &Hooks::NONE);
    assert_eq!(rows.unwrap(), 2);
    let columns = db.columns(&table("s")).unwrap().unwrap();
    let described: Vec<(&str, &str)> = columns
        .iter()
        .map(|c| (c.name.as_str(), c.data_type.as_str()))
        .collect();
    assert_eq!(
        described,
        [
            ("id", "INTEGER"),
            ("note", "VARCHAR"),
            ("day", "DATE"),
            ("seen_at", "TIMESTAMP")
        ]
    );
    let rows = db
        .query("select note, day, seen_at from s order by id", None)
        .unwrap();
    let text = |v: &str| Some(v.to_string());
    assert_eq!(
        rows.rows,
        [
            vec![
                text("a, b"),
                text("2024-01-05"),
                text("2024-01-05 07:05:09")
            ],
            vec![text("say \"hi\""), None, text("2024-12-31 23:59:59")],
        ]
    );
}

#[test]
fn a_new_file_is_known_empty_without_asking_and_an_old_one_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.duckdb");
    let db = DuckDbAdapter::open(&path).unwrap();
    assert!(db.tables().unwrap().is_empty());
    db.materialize(
        &Relation::new("other", "t"),
        "select 1 as a",
        Materialization::Table,
        &Hooks::NONE,
    )
    .unwrap();
    assert_eq!(db.tables().unwrap(), [Relation::new("other", "t")]);
    drop(db);
    let again = DuckDbAdapter::open(&path).unwrap();
    assert_eq!(again.tables().unwrap(), [Relation::new("other", "t")]);
}

#[test]
fn the_tables_read_at_opening_are_the_current_databases_and_follow_every_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.duckdb");
    let lake = dir.path().join("lake.duckdb");
    let db = DuckDbAdapter::open(&path).unwrap();
    db.materialize(
        &table("a"),
        "select 1 as x",
        Materialization::Table,
        &Hooks::NONE,
    )
    .unwrap();
    db.materialize(
        &table("v"),
        "select 1 as x",
        Materialization::View,
        &Hooks::NONE,
    )
    .unwrap();
    drop(db);
    let other = duckdb::Connection::open(&lake).unwrap();
    other
        .execute_batch("create table main.b as select 1 as x")
        .unwrap();
    drop(other);
    let options = OpenOptions {
        attach: vec![Attach {
            path: lake.clone(),
            alias: "lake".into(),
            kind: None,
            read_only: false,
        }],
        ..OpenOptions::default()
    };
    // Read with the catalog at opening: the table of this file, not its
    // view, nor the attached file's table.
    let db = DuckDbAdapter::open_with(&path, &options).unwrap();
    assert_eq!(db.tables().unwrap(), [table("a")]);
    // A new table, then a table turned into a view, are listed as they are.
    db.materialize(
        &table("b"),
        "select 2 as x",
        Materialization::Table,
        &Hooks::NONE,
    )
    .unwrap();
    let mut tables = db.tables().unwrap();
    tables.sort_by(|l, r| l.identifier.cmp(&r.identifier));
    assert_eq!(tables, [table("a"), table("b")]);
    db.materialize(
        &table("a"),
        "select 3 as x",
        Materialization::View,
        &Hooks::NONE,
    )
    .unwrap();
    assert_eq!(db.tables().unwrap(), [table("b")]);
}

#[test]
fn the_duckdb_inside_is_the_one_dbt_duckdb_runs_on_today() {
    // `pip install dbt-duckdb` brings DuckDB 2.0.1; 2.0.0 rounded this
    // double (2414.68499999...) up, and a public project's rows differed.
    let db = DuckDbAdapter::in_memory().unwrap();
    let out = db
        .query(
            "select version() as v, round(2414.685::double, 2)::varchar as r",
            None,
        )
        .unwrap();
    assert_eq!(
        out.rows,
        vec![vec![
            Some("v2.0.1".to_string()),
            Some("2414.68".to_string())
        ]]
    );
}
