//! What the Spark adapter does beyond the conformance suite, on a real
//! Spark Connect server and a real Sail server (each case runs on both
//! and prints where they differ).
//!
//! `cargo test --release -p jgt-spark --features spark`; set
//! `JGT_SPARK_CONNECT` / `JGT_SAIL_CONNECT` to `host:port` to use servers
//! already running.
#![cfg(feature = "spark")]

mod server;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use jgt_core::{
    Dialect, Hooks, Incremental, Materialization, Relation, SeedOptions, Storage, Strategy,
};
use jgt_exec::{Adapter, ExecError};
use jgt_spark::{ConnectOptions, SparkAdapter, SparkDialect};

use server::Kind;

fn options(host: &str, port: u16, schema: &str) -> ConnectOptions {
    ConnectOptions {
        host: host.into(),
        port,
        schema: schema.into(),
        token: None,
        user: None,
        use_ssl: false,
        connect_timeout: Duration::from_secs(5),
    }
}

/// A session on each server, building into a fresh schema; `check` runs
/// with the server's name (`spark`, `sail`).
fn on_both(check: impl Fn(&str, &SparkAdapter, &Relation)) {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    for kind in [Kind::Spark, Kind::Sail] {
        let server = server::lasting(kind);
        let schema = format!(
            "jgt_adapter_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let db = SparkAdapter::connect(&options(&server.host, server.port, &schema))
            .unwrap_or_else(|err| panic!("{}: {err}", server.name()));
        db.create_schema(&schema).unwrap();
        check(server.name(), &db, &Relation::new(schema.as_str(), "t"));
    }
}

fn values(db: &SparkAdapter, sql: &str) -> Vec<Vec<String>> {
    db.query(sql, None)
        .unwrap_or_else(|err| panic!("{sql}: {err}"))
        .rows
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|v| v.unwrap_or("NULL".into()))
                .collect()
        })
        .collect()
}

fn name(db: &SparkAdapter, relation: &Relation) -> String {
    db.dialect().relation(relation)
}

#[test]
fn wrong_port_is_one_clear_line_within_ten_seconds() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let started = Instant::now();
    let err = SparkAdapter::connect(&options("127.0.0.1", port, "default")).unwrap_err();
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    let ExecError::Open { path, message } = &err else {
        panic!("not an Open error: {err:?}");
    };
    assert_eq!(path.to_string_lossy(), format!("sc://127.0.0.1:{port}"));
    assert_eq!(
        message,
        &format!(
            "no Spark Connect server answered at 127.0.0.1:{port} (connection refused): \
             check that the server is running and the profile's host and port"
        )
    );
    assert!(!err.to_string().contains('\n'));
}

#[test]
fn tls_is_refused_clearly() {
    let mut tls = options("127.0.0.1", 1, "default");
    tls.use_ssl = true;
    let err = SparkAdapter::connect(&tls).unwrap_err();
    assert!(matches!(err, ExecError::Unsupported(_)), "{err:?}");
}

#[test]
fn failed_table_keeps_the_old_one_readable_and_errors_keep_the_class() {
    on_both(|engine, db, t| {
        db.materialize(t, "select 1 as a", Materialization::Table, &Hooks::NONE)
            .unwrap();
        let err = db
            .materialize(
                t,
                "select a from no_such_table",
                Materialization::Table,
                &Hooks::NONE,
            )
            .unwrap_err()
            .to_string();
        eprintln!("{engine}: {err}");
        assert!(err.contains("[TABLE_OR_VIEW_NOT_FOUND]"), "{engine}: {err}");
        assert!(
            !err.contains("INTERNAL") && !err.contains("+- ") && !err.contains("\tat "),
            "{engine}: {err}"
        );
        assert_eq!(
            values(db, &format!("select a from {}", name(db, t))),
            [["1"]]
        );
        // Nothing is left behind under the temporary names.
        let left: Vec<String> = db
            .tables()
            .unwrap()
            .into_iter()
            .filter(|r| r.schema == t.schema)
            .map(|r| r.identifier)
            .collect();
        assert_eq!(left, ["t"], "{engine}");
    });
}

#[test]
fn seeds_round_trip_with_types() {
    let csv = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        csv.path(),
        "id,price,day,at,flag,text,zip\n\
         1,2.50,2024-01-05,2024-01-05 10:00:00,true,\"back\\slash, 'quote' \"\"dq\"\"\",00501\n\
         2,3,,2024-02-01 08:30:00,false,\"two\nlines é\",10001\n\
         3,,2024-03-01,,,,\n",
    )
    .unwrap();
    let options = SeedOptions {
        delimiter: None,
        column_types: vec![("zip".into(), "string".into())],
        inferred: None,
    };
    on_both(|engine, db, t| {
        let rows = db.load_seed(t, csv.path(), &options, &Hooks::NONE).unwrap();
        assert_eq!(rows, 3, "{engine}");
        let types: Vec<String> = db
            .columns(t)
            .unwrap()
            .unwrap()
            .into_iter()
            .map(|c| c.data_type)
            .collect();
        assert_eq!(
            types,
            [
                "int",
                "double",
                "date",
                "timestamp",
                "boolean",
                "string",
                "string"
            ],
            "{engine}"
        );
        let read = values(db, &format!("select * from {} order by id", name(db, t)));
        assert_eq!(
            read,
            [
                [
                    "1",
                    "2.5",
                    "2024-01-05",
                    "2024-01-05 10:00:00",
                    "true",
                    "back\\slash, 'quote' \"dq\"",
                    "00501"
                ],
                [
                    "2",
                    "3.0",
                    "NULL",
                    "2024-02-01 08:30:00",
                    "false",
                    "two\nlines é",
                    "10001"
                ],
                ["3", "NULL", "2024-03-01", "NULL", "NULL", "NULL", "NULL"],
            ],
            "{engine}"
        );
    });
}

#[test]
fn insert_overwrite_replaces_only_the_new_partitions() {
    on_both(|engine, db, t| {
        let storage = Storage {
            file_format: Some("parquet".into()),
            partition_by: vec!["d".into()],
        };
        let how = |is_incremental| Incremental {
            strategy: Strategy::InsertOverwrite,
            is_incremental,
            storage: storage.clone(),
            ..Incremental::default()
        };
        let first = "select 1 as a, 'x' as d union all select 5, 'z'";
        db.incremental(t, first, &how(false), &Hooks::NONE).unwrap();
        let rows = db
            .incremental(t, "select 2 as a, 'x' as d", &how(true), &Hooks::NONE)
            .unwrap();
        assert_eq!(rows, Some(2), "{engine}");
        let read = values(db, &format!("select a, d from {} order by a", name(db, t)));
        assert_eq!(read, [["2", "x"], ["5", "z"]], "{engine}");
    });
}

#[test]
fn merge_on_parquet_is_refused_when_compiling_and_building() {
    let how = Incremental {
        strategy: Strategy::Merge,
        unique_key: vec!["id".into()],
        is_incremental: true,
        ..Incremental::default()
    };
    let refused = SparkDialect::default().check_incremental(&how).unwrap_err();
    assert!(refused.contains("this table is parquet"), "{refused}");
    on_both(|engine, db, t| {
        let whole = Incremental {
            is_incremental: false,
            ..how.clone()
        };
        db.incremental(t, "select 1 as id", &whole, &Hooks::NONE)
            .unwrap();
        let err = db
            .incremental(t, "select 1 as id", &how, &Hooks::NONE)
            .unwrap_err();
        assert!(
            matches!(err, ExecError::Unsupported(_)),
            "{engine}: {err:?}"
        );
        assert!(err.to_string().contains("parquet"), "{engine}: {err}");
    });
}

#[test]
fn spark_type_names_and_tables_without_views() {
    on_both(|engine, db, t| {
        let columns = db
            .query_columns(
                "select 1 as a, cast(1 as bigint) as b, 'x' as c, cast(1.5 as decimal(10,2)) as d, \
                 cast('2024-01-01 00:00:00' as timestamp) as e, date'2024-01-01' as f",
            )
            .unwrap();
        let types: Vec<&str> = columns.iter().map(|c| c.data_type.as_str()).collect();
        assert_eq!(
            types,
            [
                "int",
                "bigint",
                "string",
                "decimal(10,2)",
                "timestamp",
                "date"
            ],
            "{engine}"
        );
        db.materialize(t, "select 1 as a", Materialization::Table, &Hooks::NONE)
            .unwrap();
        let view = Relation::new(t.schema.as_str(), "v");
        db.materialize(&view, "select 1 as a", Materialization::View, &Hooks::NONE)
            .unwrap();
        let mine: Vec<String> = db
            .tables()
            .unwrap()
            .into_iter()
            .filter(|r| r.schema == t.schema)
            .map(|r| r.identifier)
            .collect();
        assert_eq!(mine, ["t"], "{engine}");
        let measured = db.freshness(t, "current_timestamp()", None).unwrap();
        assert!(
            measured.max_loaded_at_us.is_some() && measured.snapshotted_at_us > 0,
            "{engine}"
        );
    });
}

#[test]
fn clones_share_the_session_and_run_at_once() {
    on_both(|engine, db, t| {
        db.materialize(t, "select 1 as a", Materialization::Table, &Hooks::NONE)
            .unwrap();
        let sql = format!("select count(*) from {}", name(db, t));
        let workers: Vec<_> = (0..3)
            .map(|_| {
                let clone = db.try_clone().unwrap();
                let sql = sql.clone();
                std::thread::spawn(move || clone.query(&sql, None).map(|r| r.rows))
            })
            .collect();
        for worker in workers {
            let rows = worker
                .join()
                .unwrap()
                .unwrap_or_else(|err| panic!("{engine}: {err}"));
            assert_eq!(rows, [[Some("1".to_string())]], "{engine}");
        }
    });
}

#[test]
fn ddl_through_execute_returns_no_rows() {
    on_both(|engine, db, t| {
        let made = db
            .execute(&format!("create table {} as select 1 as a", name(db, t)))
            .unwrap();
        // Sail answers DDL with a row of its own; the adapter drops it.
        assert!(made.rows.is_empty(), "{engine}: {made:?}");
    });
}

#[test]
fn interrupt_cancels_a_running_query() {
    on_both(|engine, db, _| {
        let interrupt = db.interrupter();
        let started = Instant::now();
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(3));
            interrupt();
        });
        let slow = db.query("select sum(id % 7) from range(100000000000)", None);
        canceller.join().unwrap();
        let elapsed = started.elapsed();
        match slow {
            Err(err) => eprintln!("{engine}: interrupted after {elapsed:.1?}: {err}"),
            Ok(_) => {
                panic!("{engine}: the query finished ({elapsed:?}) instead of being cancelled")
            }
        }
        assert!(elapsed < Duration::from_secs(30), "{engine}: {elapsed:?}");
    });
}

#[test]
fn merge_into_delta_where_the_engine_has_it() {
    let storage = Storage {
        file_format: Some("delta".into()),
        partition_by: Vec::new(),
    };
    let how = |is_incremental| Incremental {
        strategy: Strategy::Merge,
        unique_key: vec!["id".into()],
        is_incremental,
        storage: storage.clone(),
        ..Incremental::default()
    };
    assert!(SparkDialect::default()
        .check_incremental(&how(true))
        .is_ok());
    on_both(|engine, db, t| {
        let first = "select 1 as id, 'a' as v union all select 2, 'b'";
        let built = db.incremental(t, first, &how(false), &Hooks::NONE);
        if engine == "spark" {
            // Stock Spark has no Delta Lake (its jars come from Maven): the
            // build fails, saying so.
            let err = built.unwrap_err().to_string();
            eprintln!("spark: no delta: {err}");
            assert!(err.contains("delta"), "{err}");
            return;
        }
        built.unwrap_or_else(|err| panic!("{engine}: {err}"));
        let next = "select 2 as id, 'B' as v union all select 3, 'c'";
        db.incremental(t, next, &how(true), &Hooks::NONE)
            .unwrap_or_else(|err| panic!("{engine}: {err}"));
        let read = values(
            db,
            &format!("select id, v from {} order by id", name(db, t)),
        );
        assert_eq!(read, [["1", "a"], ["2", "B"], ["3", "c"]], "{engine}");
    });
}

#[test]
fn sync_all_columns_adding_a_column_keeps_the_order() {
    let how = Incremental {
        strategy: Strategy::Append,
        on_schema_change: jgt_core::SchemaChange::SyncAllColumns,
        is_incremental: true,
        ..Incremental::default()
    };
    on_both(|engine, db, t| {
        let whole = Incremental {
            is_incremental: false,
            ..how.clone()
        };
        db.incremental(t, "select 1 as id, 'x' as a", &whole, &Hooks::NONE)
            .unwrap();
        db.incremental(t, "select 'y' as a, 2 as id, true as b", &how, &Hooks::NONE)
            .unwrap_or_else(|err| panic!("{engine}: {err}"));
        let names: Vec<String> = db
            .columns(t)
            .unwrap()
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, ["id", "a", "b"], "{engine}");
        let read = values(
            db,
            &format!("select id, a, b from {} order by id", name(db, t)),
        );
        assert_eq!(read, [["1", "x", "NULL"], ["2", "y", "true"]], "{engine}");
    });
}

#[test]
fn the_token_is_never_shown() {
    let mut secret = options("127.0.0.1", 1, "default");
    secret.token = Some("s3cr3t-token".into());
    assert!(!format!("{secret:?}").contains("s3cr3t"));
    let err = SparkAdapter::connect(&secret).unwrap_err();
    assert!(!format!("{err:?} {err}").contains("s3cr3t"));
}
