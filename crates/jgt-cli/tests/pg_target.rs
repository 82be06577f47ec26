//! JaffleGaggle on PostgreSQL: the real `jgt` binary built with the
//! `postgres` feature, against a throwaway PostgreSQL 15 cluster whose
//! TCP logins need a password (the profile reads it with `env_var`).
//!
//! `jgt build --target pg` must build the same tables as the embedded
//! DuckDB build (compared as sorted sets of rows) and pass every data
//! test; a model whose SQL PostgreSQL refuses must leave its previous
//! table readable and skip its children; a `jgt` killed with SIGKILL in
//! the middle of a build must leave only whole relations; and `sslmode`
//! is read, never ignored.
//!
//! Needs root and /usr/lib/postgresql/15 (see the cluster helper). Run
//! with `cargo test --release -p jgt-cli --features postgres --test
//! pg_target` (see `.ci/run`).
#![cfg(feature = "postgres")]

#[allow(dead_code)]
#[path = "../../jgt-postgres/tests/cluster/mod.rs"]
mod cluster;
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use cluster::Cluster;
use common::{Run, TempProject};
use jgt_exec::Adapter;
use jgt_postgres::{ConnectOptions, PostgresAdapter};

/// The superuser's password on the test cluster; jgt reads it from the
/// environment variable [`PASSWORD_VAR`].
const PASSWORD: &str = "s3cret-for-jgt";
const PASSWORD_VAR: &str = "JGT_TEST_PG_PASSWORD";

/// The cluster the running tests share; it stops when the last of them
/// drops it.
static CLUSTER: Mutex<Weak<Cluster>> = Mutex::new(Weak::new());

fn cluster() -> Arc<Cluster> {
    cluster::shared(&CLUSTER, || Cluster::start_with_password(PASSWORD))
}

/// A profile with the embedded DuckDB as `dev` and the cluster as `pg`,
/// building into `schema`, with `extra` lines added to the `pg` output.
fn profiles(port: u16, schema: &str, extra: &str) -> String {
    format!(
        "jaffle_gaggle:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: target/dev.duckdb\n    pg:\n      type: postgres\n      host: 127.0.0.1\n      port: {port}\n      user: postgres\n      password: \"{{{{ env_var('{PASSWORD_VAR}') }}}}\"\n      dbname: jgt\n      schema: {schema}\n      threads: 2\n{extra}"
    )
}

/// Names the profile in `p`'s project file and writes its profiles file.
fn use_profile(p: &TempProject, port: u16, schema: &str, extra: &str) {
    let yml = std::fs::read_to_string(p.path().join("project.yml")).unwrap();
    p.write("project.yml", &format!("{yml}profile: jaffle_gaggle\n"));
    p.write("profiles.yml", &profiles(port, schema, extra));
}

/// JaffleGaggle with a profiles file for the cluster on `port`.
fn project(port: u16, schema: &str) -> TempProject {
    let p = TempProject::jafflegaggle();
    use_profile(&p, port, schema, "      sslmode: disable\n");
    p
}

/// Runs `jgt` with the profile's password in its environment.
fn jgt(p: &TempProject, args: &[&str]) -> Run {
    p.jgt_env(args, &[(PASSWORD_VAR, PASSWORD)])
}

/// A connection to the cluster, for reading what a build left.
fn connect(port: u16) -> PostgresAdapter {
    PostgresAdapter::connect(&ConnectOptions {
        host: "127.0.0.1".into(),
        port,
        user: "postgres".into(),
        password: Some(PASSWORD.into()),
        dbname: "jgt".into(),
        schema: "public".into(),
    })
    .expect("connect to the test cluster")
}

/// `value` spelled one way for both engines: PostgreSQL's `t`/`f`
/// booleans as DuckDB's `true`/`false`, numbers by their value (so
/// `12.50` and `12.5` agree), and timestamps without a zero fraction.
fn normalise(value: Option<String>) -> String {
    let Some(value) = value else {
        return "NULL".into();
    };
    match value.as_str() {
        "t" => return "true".into(),
        "f" => return "false".into(),
        _ => {}
    }
    let numeric = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
        && value.chars().any(|c| c.is_ascii_digit());
    if numeric && !looks_like_date(&value) {
        if let Ok(number) = value.parse::<f64>() {
            return format!("{number}");
        }
    }
    value
        .strip_suffix(".000000")
        .or_else(|| value.strip_suffix(".000"))
        .map_or(value.clone(), str::to_string)
}

/// `2024-01-31`: a date, not a subtraction.
fn looks_like_date(value: &str) -> bool {
    value.len() >= 10 && value.as_bytes()[4] == b'-' && value.as_bytes()[7] == b'-'
}

/// Every row of `sql` as normalised text, sorted.
fn sorted_rows(db: &dyn Adapter, sql: &str) -> Vec<String> {
    common::sorted_rows(db, sql, normalise)
}

/// The relations of `schema` with their kinds (`BASE TABLE`, `VIEW`), as
/// the database's information schema lists them.
fn catalog(db: &dyn Adapter, schema: &str) -> Vec<String> {
    sorted_rows(
        db,
        &format!(
            "select table_name, table_type from information_schema.tables \
             where table_schema = '{schema}'"
        ),
    )
}

/// Each of `names` (relations of `schema`) with its sorted rows.
fn relations(db: &dyn Adapter, schema: &str, names: &[String]) -> BTreeMap<String, Vec<String>> {
    let dialect = db.dialect();
    names
        .iter()
        .map(|name| {
            let relation = jgt_core::Relation::new(schema, name.as_str());
            let sql = format!("select * from {}", dialect.relation(&relation));
            (name.clone(), sorted_rows(db, &sql))
        })
        .collect()
}

/// The name of a [`catalog`] row.
fn name_of(row: &str) -> String {
    row.split(" | ").next().unwrap_or_default().to_string()
}

/// The DuckDB build of JaffleGaggle, for comparison: every relation it
/// made (seeds and models) with its kind, and each one's rows.
fn duckdb_build() -> (Vec<String>, BTreeMap<String, Vec<String>>) {
    let p = TempProject::jafflegaggle();
    p.jgt(&["build"]).ok();
    let db = jgt_duckdb::DuckDbAdapter::open(&p.db()).expect("the DuckDB build opens");
    let catalog = catalog(&db, "main");
    let names: Vec<String> = catalog.iter().map(|row| name_of(row)).collect();
    let rows = relations(&db, "main", &names);
    (catalog, rows)
}

/// The status of each node in the project's `target/run_results.json`,
/// by unique id.
fn statuses(p: &TempProject) -> BTreeMap<String, String> {
    let results = std::fs::read_to_string(p.path().join("target/run_results.json")).unwrap();
    let results: serde_json::Value = serde_json::from_str(&results).unwrap();
    results["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["unique_id"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The status of the node whose unique id ends with `.name`.
fn status_of(statuses: &BTreeMap<String, String>, name: &str) -> String {
    let suffix = format!(".{name}");
    statuses
        .iter()
        .find(|(id, _)| id.ends_with(&suffix))
        .map(|(_, status)| status.clone())
        .unwrap_or_else(|| panic!("{name} not in run_results: {statuses:?}"))
}

#[test]
fn jafflegaggle_on_postgres_builds_the_duckdb_tables() {
    let cluster = cluster();
    let schema = "jaffle_pg";
    let p = project(cluster.port, schema);
    let run = jgt(&p, &["build", "--target", "pg"]).ok();
    // Every data test ran on PostgreSQL and passed.
    let statuses = statuses(&p);
    let tests: Vec<_> = statuses
        .iter()
        .filter(|(id, _)| id.starts_with("test."))
        .collect();
    assert!(
        tests.len() >= 30,
        "{} tests ran: {}",
        tests.len(),
        run.all()
    );
    for (id, status) in &statuses {
        assert!(
            ["success", "pass"].contains(&status.as_str()),
            "{id}: {status}"
        );
    }
    let (duck_catalog, duck_rows) = duckdb_build();
    // 5 seeds and 7 models, each of the same kind on both engines.
    assert_eq!(duck_catalog.len(), 12, "{duck_catalog:?}");
    let pg = connect(cluster.port);
    assert_eq!(catalog(&pg, schema), duck_catalog);
    let names: Vec<String> = duck_catalog.iter().map(|row| name_of(row)).collect();
    let built = relations(&pg, schema, &names);
    for (name, rows) in &duck_rows {
        assert!(!rows.is_empty(), "{name} is empty on DuckDB");
        let on_pg = &built[name];
        if on_pg != rows {
            let (pg_set, duck_set): (BTreeSet<_>, BTreeSet<_>) =
                (on_pg.iter().collect(), rows.iter().collect());
            let missing: Vec<_> = duck_set.difference(&pg_set).take(3).collect();
            let extra: Vec<_> = pg_set.difference(&duck_set).take(3).collect();
            panic!(
                "{name} on PostgreSQL differs from DuckDB: {} rows against {}; \
                 only on DuckDB: {missing:?}; only on PostgreSQL: {extra:?}",
                on_pg.len(),
                rows.len()
            );
        }
    }
}

#[test]
fn a_failed_model_keeps_its_table_and_skips_its_children() {
    let cluster = cluster();
    let schema = "jaffle_failure";
    let p = project(cluster.port, schema);
    jgt(&p, &["build", "--target", "pg"]).ok();
    let db = connect(cluster.port);
    let contacts = "select * from jaffle_failure.jafflegaggle_contacts";
    let facts = "select * from jaffle_failure.jafflegaggle_facts";
    let before = (sorted_rows(&db, contacts), sorted_rows(&db, facts));

    let model = p.path().join("models/jafflegaggle_contacts.sql");
    let sql = std::fs::read_to_string(&model).unwrap();
    std::fs::write(&model, sql.replace("select", "select no_such_column,")).unwrap();
    let run = jgt(&p, &["run", "--target", "pg"]).failed();
    assert_eq!(run.code, Some(1), "{}", run.all());
    // The error names the model's file and keeps PostgreSQL's SQLSTATE
    // (42703: undefined column) and message.
    let out = run.all();
    assert!(
        out.contains("models/jafflegaggle_contacts.sql"),
        "the error names the file: {out}"
    );
    assert!(out.contains("42703"), "the SQLSTATE is kept: {out}");
    assert!(out.contains("no_such_column"), "{out}");
    // The old tables are still there, whole and readable; nothing was
    // left under a temporary name.
    assert_eq!(
        (sorted_rows(&db, contacts), sorted_rows(&db, facts)),
        before
    );
    assert_eq!(leftovers(&db, schema), Vec::<String>::new());
    // Its children did not run; an independent branch did.
    let statuses = statuses(&p);
    assert_eq!(status_of(&statuses, "jafflegaggle_contacts"), "error");
    assert_eq!(status_of(&statuses, "jafflegaggle_facts"), "skipped");
    assert_eq!(
        status_of(&statuses, "jafflegaggle_corporate_accounts"),
        "skipped"
    );
    assert_eq!(status_of(&statuses, "stg_gaggles"), "success");
}

/// Relations of `schema` named as a build's temporary or backup copy.
fn leftovers(db: &dyn Adapter, schema: &str) -> Vec<String> {
    let sql = format!(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace \
         where n.nspname = '{schema}' and (c.relname like '%\\_\\_dbt\\_tmp' or c.relname like '%\\_\\_dbt\\_backup')"
    );
    sorted_rows(db, &sql)
}

/// The relations of `schema` (tables and views), by name.
fn relation_names(db: &dyn Adapter, schema: &str) -> Vec<String> {
    let sql = format!(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace \
         where n.nspname = '{schema}' and c.relkind in ('r', 'v', 'm', 'p')"
    );
    sorted_rows(db, &sql)
}

/// A project whose models all say which version built them (`var('v')`)
/// in every row, with as many rows as `var('rows')`: `base` (a table),
/// `base_view` on it, `slow` (a table on `base` that sleeps `var('sleep')`
/// seconds in PostgreSQL while it is built) and `after_slow` on `slow`.
fn versioned_project(port: u16, schema: &str) -> TempProject {
    let p =
        TempProject::new("name: kill_test\nprofile: jaffle_gaggle\nmodel-paths: [\"models\"]\n");
    p.write("profiles.yml", &profiles(port, schema, ""));
    p.write(
        "models/base.sql",
        "{{ config(materialized='table') }}\nselect n, {{ var('v') }} as version\nfrom generate_series(1, {{ var('rows') }}) as n\n",
    );
    p.write(
        "models/base_view.sql",
        "{{ config(materialized='view') }}\nselect * from {{ ref('base') }}\n",
    );
    p.write(
        "models/slow.sql",
        "{{ config(materialized='table') }}\nselect base.n, {{ var('v') }} as version\nfrom {{ ref('base') }} as base\ncross join (select pg_sleep({{ var('sleep') }})) as pause\n",
    );
    p.write(
        "models/after_slow.sql",
        "{{ config(materialized='table') }}\nselect * from {{ ref('slow') }}\n",
    );
    p
}

/// The `--vars` of version `v`: `v * 1000` rows, sleeping `sleep` seconds.
fn version_vars(v: u32, sleep: u32) -> String {
    format!("{{v: {v}, rows: {}, sleep: {sleep}}}", v * 1000)
}

/// The versions `relation`'s rows were built by, with their row counts.
fn versions(db: &dyn Adapter, schema: &str, relation: &str) -> Vec<String> {
    sorted_rows(
        db,
        &format!("select version, count(*) from {schema}.{relation} group by version"),
    )
}

/// Waits until a backend other than `db`'s own runs `pg_sleep`; false
/// when none did within `limit`.
fn wait_for_sleep(db: &dyn Adapter, limit: Duration) -> bool {
    let sql = "select count(*) from pg_stat_activity where state = 'active' \
               and pid <> pg_backend_pid() and query like '%pg_sleep%'";
    let started = Instant::now();
    while started.elapsed() < limit {
        if sorted_rows(db, sql) != ["0"] {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// Waits until no backend but `db`'s own is connected to database `jgt`.
fn wait_for_quiet(db: &dyn Adapter, limit: Duration) {
    let sql = "select count(*) from pg_stat_activity where datname = 'jgt' \
               and pid <> pg_backend_pid()";
    let started = Instant::now();
    while sorted_rows(db, sql) != ["0"] {
        assert!(
            started.elapsed() < limit,
            "the killed jgt's backends still run"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn kill_9_in_the_middle_of_a_build_leaves_only_whole_relations() {
    let cluster = cluster();
    let schema = "killed";
    let p = versioned_project(cluster.port, schema);
    jgt(
        &p,
        &["build", "--target", "pg", "--vars", &version_vars(1, 0)],
    )
    .ok();
    let db = connect(cluster.port);
    let v1 = ["1 | 1000"];
    for relation in ["base", "base_view", "slow", "after_slow"] {
        assert_eq!(versions(&db, schema, relation), v1, "{relation}");
    }

    // Version 2, with `slow` sleeping in the server while it is built.
    let mut child = p
        .command(&["build", "--target", "pg", "--vars", &version_vars(2, 5)])
        .env(PASSWORD_VAR, PASSWORD)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("jgt starts");
    let sleeping = wait_for_sleep(&db, Duration::from_secs(60));
    child.kill().expect("SIGKILL"); // Child::kill is SIGKILL on Unix
    child.wait().expect("jgt is reaped");
    assert!(sleeping, "the slow model never started");
    // The server finishes the statement, finds its client gone and rolls
    // the transaction back.
    wait_for_quiet(&db, Duration::from_secs(30));

    // `base` was committed before `slow` began (slow depends on it).
    assert_eq!(versions(&db, schema, "base"), ["2 | 2000"]);
    assert_eq!(versions(&db, schema, "base_view"), ["2 | 2000"]);
    // `slow` was being rebuilt: its previous version is there, whole.
    assert_eq!(versions(&db, schema, "slow"), v1);
    assert_eq!(versions(&db, schema, "after_slow"), v1);
    // Nothing half-built under another name.
    assert_eq!(
        relation_names(&db, schema),
        ["after_slow", "base", "base_view", "slow"]
    );
    assert_eq!(leftovers(&db, schema), Vec::<String>::new());

    // And the next build finishes the job.
    jgt(
        &p,
        &["build", "--target", "pg", "--vars", &version_vars(2, 0)],
    )
    .ok();
    for relation in ["base", "base_view", "slow", "after_slow"] {
        assert_eq!(versions(&db, schema, relation), ["2 | 2000"], "{relation}");
    }
}

#[test]
fn a_wrong_password_fails_clearly() {
    let cluster = cluster();
    let p = project(cluster.port, "jaffle_denied");
    let run = p
        .jgt_env(&["build", "--target", "pg"], &[(PASSWORD_VAR, "wrong")])
        .failed();
    assert!(run.all().contains("password"), "{}", run.all());
    assert!(
        !run.all().contains("wrong"),
        "the password is never printed: {}",
        run.all()
    );
}

#[test]
fn sslmode_is_read_never_ignored() {
    let cluster = cluster();
    // The plain modes connect.
    for mode in ["disable", "prefer", "allow"] {
        let p = TempProject::jafflegaggle();
        let schema = format!("jaffle_ssl_{mode}");
        use_profile(
            &p,
            cluster.port,
            &schema,
            &format!("      sslmode: {mode}\n"),
        );
        let run = jgt(&p, &["seed", "--target", "pg"]).ok();
        assert!(!run.all().contains("sslmode"), "{mode}: {}", run.all());
    }
    // A mode that needs TLS is refused, naming the profile file and the
    // line of the key, before anything connects.
    for mode in ["require", "verify-ca", "verify-full"] {
        let p = TempProject::jafflegaggle();
        use_profile(
            &p,
            cluster.port,
            "jaffle_ssl",
            &format!("      sslmode: {mode}\n"),
        );
        let run = jgt(&p, &["seed", "--target", "pg"]).failed();
        let out = run.all();
        // sslmode is the 16th line of the profiles file.
        assert!(out.contains("profiles.yml:16"), "{mode}: {out}");
        assert!(out.contains(&format!("sslmode '{mode}'")), "{mode}: {out}");
        assert!(!out.contains("panicked"), "{out}");
    }
    assert_eq!(
        relation_names(&connect(cluster.port), "jaffle_ssl"),
        Vec::<String>::new()
    );
}
