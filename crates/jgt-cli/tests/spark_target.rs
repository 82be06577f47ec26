//! JaffleGaggle on Spark, through Spark Connect: the real `jgt` binary
//! built with the `spark` feature, against a throwaway Spark Connect
//! server (pyspark's, `local[2]`) and a Sail server.
//!
//! `jgt build --target spark` must build the same tables as the embedded
//! DuckDB build on Spark (compared as sorted sets of rows; on Sail, whose
//! catalog lives only as long as the session, the build and its data tests
//! must pass), a model whose SQL
//! Spark refuses must leave its previous table readable and skip its
//! children, and a profile naming a port nobody listens on must fail in
//! one clear line within seconds.
//!
//! Run with `cargo test --release --workspace --features jgt-cli/spark
//! --test spark_target` (see `.ci/run`, which starts the servers once and
//! hands them over in `JGT_SPARK_CONNECT` and `JGT_SAIL_CONNECT`).
#![cfg(feature = "spark")]

mod common;
#[path = "../../jgt-spark/tests/server/mod.rs"]
mod server;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::TempProject;
use jgt_exec::Adapter;
use server::{lasting, Kind, Server};

/// A profile with the embedded DuckDB as `dev` and `server` as `spark`.
fn profiles(server: &Server, schema: &str) -> String {
    format!(
        "jaffle_gaggle:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: target/dev.duckdb\n    spark:\n      type: spark\n      method: connect\n      host: {}\n      port: {}\n      schema: {schema}\n      threads: 2\n",
        server.host, server.port
    )
}

/// JaffleGaggle with a profiles file, named by its project file.
fn project(server: &Server, schema: &str) -> TempProject {
    let p = TempProject::jafflegaggle();
    let yml = std::fs::read_to_string(p.path().join("project.yml")).unwrap();
    p.write("project.yml", &format!("{yml}profile: jaffle_gaggle\n"));
    p.write("profiles.yml", &profiles(server, schema));
    p
}

/// An adapter on the server, for reading what a build left.
fn connect(server: &Server, schema: &str) -> jgt_spark::SparkAdapter {
    jgt_spark::SparkAdapter::connect(&jgt_spark::ConnectOptions {
        host: server.host.clone(),
        port: server.port,
        schema: schema.into(),
        token: None,
        user: None,
        use_ssl: false,
        connect_timeout: Duration::from_secs(10),
    })
    .expect("connect to the test server")
}

/// Every row of `sql` as text, sorted, with values spelled one way for
/// both engines (Spark's `1.0E-4`-style doubles and `.0` seconds aside,
/// both print the same text).
fn sorted_rows(db: &dyn Adapter, sql: &str) -> Vec<String> {
    common::sorted_rows(db, sql, |value| value.unwrap_or_else(|| "NULL".into()))
}

/// Every relation JaffleGaggle builds, by name, with its sorted rows.
fn relations(db: &dyn Adapter, schema: &str) -> BTreeMap<String, Vec<String>> {
    let names = [
        "raw_user",
        "raw_gaggle",
        "raw_event",
        "merged_user",
        "merged_company_domain",
        "stg_users",
        "stg_gaggles",
        "stg_events",
        "stg_merged_company_domains",
        "jafflegaggle_contacts",
        "jafflegaggle_facts",
        "jafflegaggle_corporate_accounts",
    ];
    let dialect = db.dialect();
    names
        .iter()
        .map(|name| {
            let relation = jgt_core::Relation::new(schema, *name);
            let sql = format!("select * from {}", dialect.relation(&relation));
            (name.to_string(), sorted_rows(db, &sql))
        })
        .collect()
}

/// The DuckDB build of JaffleGaggle, for comparison.
fn duckdb_relations() -> BTreeMap<String, Vec<String>> {
    let p = TempProject::jafflegaggle();
    p.jgt(&["build"]).ok();
    let db = jgt_duckdb::DuckDbAdapter::open(&p.db()).expect("the DuckDB build opens");
    relations(&db, "main")
}

#[test]
fn jafflegaggle_on_spark_builds_the_duckdb_tables() {
    let server = lasting(Kind::Spark);
    let schema = "jaffle_spark";
    let p = project(server, schema);
    p.jgt(&["build", "--target", "spark"]).ok();
    let built = relations(&connect(server, schema), schema);
    for (name, rows) in &duckdb_relations() {
        assert!(!rows.is_empty(), "{name} is empty on DuckDB");
        assert_eq!(&built[name], rows, "{name} on Spark differs from DuckDB");
    }
}

/// Sail keeps its catalog per session: what one `jgt` run builds is gone
/// for any other session, so the rows cannot be read back from outside.
/// The build itself runs every data test of JaffleGaggle against them
/// (the conformance suite compares rows on Sail case by case).
#[test]
fn jafflegaggle_on_sail_builds_and_passes_its_tests() {
    let server = lasting(Kind::Sail);
    let p = project(server, "jaffle_sail");
    let run = p.jgt(&["build", "--target", "spark"]).ok();
    let results = std::fs::read_to_string(p.path().join("target/run_results.json")).unwrap();
    let results: serde_json::Value = serde_json::from_str(&results).unwrap();
    let results = results["results"].as_array().unwrap();
    let tests = results
        .iter()
        .filter(|r| r["unique_id"].as_str().unwrap().starts_with("test."))
        .count();
    assert!(tests >= 30, "{tests} tests ran: {}", run.all());
    for result in results {
        assert!(
            ["success", "pass"].contains(&result["status"].as_str().unwrap()),
            "{result}"
        );
    }
}

#[test]
fn a_failed_model_keeps_its_table_and_skips_its_children() {
    let server = lasting(Kind::Spark);
    let schema = "jaffle_failure";
    let p = project(server, schema);
    p.jgt(&["build", "--target", "spark"]).ok();
    let db = connect(server, schema);
    let contacts = "select count(*) from `jaffle_failure`.`jafflegaggle_contacts`";
    let before = sorted_rows(&db, contacts);

    let model = p.path().join("models/jafflegaggle_contacts.sql");
    let sql = std::fs::read_to_string(&model).unwrap();
    std::fs::write(&model, sql.replace("select", "select no_such_column,")).unwrap();
    let run = p.jgt(&["run", "--target", "spark"]).failed();
    assert!(run.all().contains("jafflegaggle_contacts"), "{}", run.all());
    assert!(
        run.all().contains("UNRESOLVED_COLUMN"),
        "Spark's error class is kept: {}",
        run.all()
    );
    assert!(!run.all().contains("INTERNAL:"), "{}", run.all());
    // The old table is still there, whole.
    assert_eq!(sorted_rows(&db, contacts), before);
    // Its children did not run.
    let results = std::fs::read_to_string(p.path().join("target/run_results.json")).unwrap();
    let results: serde_json::Value = serde_json::from_str(&results).unwrap();
    let status = |name: &str| {
        results["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["unique_id"].as_str().unwrap().ends_with(name))
            .map(|r| r["status"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("{name} not in run_results"))
    };
    assert_eq!(status(".jafflegaggle_contacts"), "error");
    assert_eq!(status(".jafflegaggle_facts"), "skipped");
}

#[test]
fn a_wrong_port_is_one_clear_line_within_seconds() {
    // A port that was free a moment ago: nobody listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let p = TempProject::jafflegaggle();
    let yml = std::fs::read_to_string(p.path().join("project.yml")).unwrap();
    p.write("project.yml", &format!("{yml}profile: jaffle_gaggle\n"));
    p.write(
        "profiles.yml",
        &format!("jaffle_gaggle:\n  target: spark\n  outputs:\n    spark:\n      type: spark\n      method: connect\n      host: 127.0.0.1\n      port: {port}\n      schema: analytics\n"),
    );
    let started = Instant::now();
    let run = p.jgt(&["build"]).failed();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let errors: Vec<&str> = run.stderr.lines().filter(|l| l.contains("error")).collect();
    assert_eq!(errors.len(), 1, "{}", run.stderr);
    assert!(
        errors[0].contains(&format!("127.0.0.1:{port}")),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("tonic") && !run.stderr.contains("transport error"),
        "{}",
        run.stderr
    );
    insta::assert_snapshot!(run.stderr.replace(&port.to_string(), "PORT"));
}
