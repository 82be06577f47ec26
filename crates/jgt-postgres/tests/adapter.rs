//! What the PostgreSQL adapter does beyond the shared conformance suite:
//! errors with their SQLSTATE, views replaced in place under their
//! dependents, views on a rebuilt table kept, seeds typed as PostgreSQL types, what is not there yet.
//! Runs on a throwaway cluster, like the conformance suite.
#![cfg(feature = "postgres")]

mod cluster;

use jgt_core::{Hooks, Materialization, Relation, SeedOptions, Snapshot};
use jgt_exec::{Adapter, ExecError};
use jgt_postgres::{ConnectOptions, PostgresAdapter};

use cluster::Cluster;

fn connect(cluster: &Cluster) -> PostgresAdapter {
    PostgresAdapter::connect(&ConnectOptions {
        host: "127.0.0.1".into(),
        port: cluster.port,
        user: "postgres".into(),
        password: None,
        dbname: "jgt".into(),
        schema: "public".into(),
    })
    .expect("connect")
}

fn text(db: &PostgresAdapter, sql: &str) -> Vec<Vec<Option<String>>> {
    db.query(sql, None).expect(sql).rows
}

#[test]
fn postgres_specifics() {
    let cluster = Cluster::start();
    let db = connect(&cluster);

    // Errors carry PostgreSQL's SQLSTATE and message.
    let err = db.query("select * from no_such_table", None).unwrap_err();
    assert!(err.to_string().contains("42P01"), "{err}");

    // A view another view reads is replaced in place, and the reader stays.
    let base = Relation::new("public", "base");
    let reader = Relation::new("analytics", "reader");
    let view = |rel: &Relation, sql: &str| {
        db.materialize(rel, sql, Materialization::View, &Hooks::NONE)
            .unwrap_or_else(|err| panic!("{sql}: {err}"))
    };
    view(&base, "select 1 as a");
    view(&reader, "select a from public.base");
    view(&base, "select 2 as a");
    assert_eq!(
        text(&db, "select a from analytics.reader"),
        [[Some("2".to_string())]]
    );
    // A change PostgreSQL cannot replace in place fails, rather than drop
    // the reader; the old view stays.
    assert!(db
        .materialize(
            &base,
            "select 'x' as b",
            Materialization::View,
            &Hooks::NONE
        )
        .is_err());
    assert_eq!(
        text(&db, "select a from analytics.reader"),
        [[Some("2".to_string())]]
    );

    // Views on a table outlive its rebuild (two levels deep), showing the
    // new rows; dbt-postgres's `drop ... cascade` alone would drop them.
    let table = |rel: &Relation, sql: &str| {
        db.materialize(rel, sql, Materialization::Table, &Hooks::NONE)
            .unwrap_or_else(|err| panic!("{sql}: {err}"))
    };
    let orders = Relation::new("public", "orders");
    table(&orders, "select 1 as id, 10 as amount");
    view(
        &Relation::new("public", "big"),
        "select id, amount from public.orders where amount > 5",
    );
    view(
        &Relation::new("analytics", "big_ids"),
        "select id from public.big",
    );
    table(&orders, "select 2 as id, 20 as amount");
    assert_eq!(
        text(&db, "select id from analytics.big_ids"),
        [[Some("2".to_string())]]
    );
    // A view the new table cannot serve (its column is gone) is dropped,
    // as dbt-postgres drops it, and the rebuild goes through.
    table(&orders, "select 3 as id");
    assert!(db.query("select * from public.big", None).is_err());
    assert!(db.query("select * from analytics.big_ids", None).is_err());
    assert_eq!(
        text(&db, "select id from public.orders"),
        [[Some("3".to_string())]]
    );

    // Seeds get PostgreSQL types; column_types win.
    let dir = tempfile::tempdir().expect("a folder");
    let csv = dir.path().join("people.csv");
    std::fs::write(
        &csv,
        "id,price,day,flag,name,zip\n1,2.50,2024-01-05,true,ann,00501\n",
    )
    .expect("write the seed");
    let options = SeedOptions {
        delimiter: None,
        column_types: vec![("zip".into(), "varchar(5)".into())],
        inferred: None,
    };
    let people = Relation::new("seeds", "people");
    assert_eq!(
        db.load_seed(&people, &csv, &options, &Hooks::NONE).unwrap(),
        1
    );
    let types: Vec<String> = db
        .columns(&people)
        .unwrap()
        .unwrap()
        .into_iter()
        .map(|c| c.data_type)
        .collect();
    assert_eq!(
        types,
        [
            "integer",
            "double precision",
            "date",
            "boolean",
            "text",
            "character varying(5)"
        ]
    );
    assert_eq!(db.tables().unwrap(), [orders.clone(), people.clone()]);

    // Not implemented yet: said so, never silently skipped.
    let snapshot = Snapshot {
        strategy: jgt_core::SnapshotStrategy::Timestamp {
            updated_at: "updated_at".into(),
        },
        unique_key: vec!["id".into()],
        hard_deletes: jgt_core::HardDeletes::Ignore,
        valid_to_current: None,
        columns: jgt_core::SnapshotColumns::default(),
    };
    let refused = db.snapshot(&people, "select 1 as id", &snapshot, &Hooks::NONE);
    assert!(matches!(refused, Err(ExecError::Unsupported(_))));
}
