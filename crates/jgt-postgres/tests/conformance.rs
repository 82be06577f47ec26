//! The adapter conformance suite (see `jgt_exec::conformance` for its table
//! of cases) on a real PostgreSQL 15 server: a throwaway cluster shared by
//! the cases running at one time (stopped when the last of them ends), and
//! a fresh database for each case.
//!
//! Needs the crate's `postgres` feature, root (to run the server as the
//! `postgres` user) and /usr/lib/postgresql/15:
//! `cargo test --release -p jgt-postgres --features postgres` (this package
//! alone: DuckDB is not part of it, so nothing of it recompiles).
//! Snapshots and enforced contracts are not implemented on PostgreSQL yet;
//! their cases print "not checked".
#![cfg(feature = "postgres")]

mod cluster;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

use jgt_exec::conformance::Engine;
use jgt_exec::Adapter;
use jgt_postgres::{ConnectOptions, PostgresAdapter, PostgresDialect};

use cluster::Cluster;

/// The cluster the running cases share. Each engine holds it; when the
/// last one is dropped the cluster stops, and a later case starts another.
static CLUSTER: Mutex<Weak<Cluster>> = Mutex::new(Weak::new());

fn cluster() -> Arc<Cluster> {
    cluster::shared(&CLUSTER, Cluster::start)
}

/// A fresh, empty database on `port`'s cluster.
fn fresh_database(port: u16) -> PostgresAdapter {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let name = format!("case_{}", NEXT.fetch_add(1, Ordering::SeqCst));
    let options = |dbname: &str| ConnectOptions {
        host: "127.0.0.1".into(),
        port,
        user: "postgres".into(),
        password: None,
        dbname: dbname.into(),
        schema: "public".into(),
    };
    let admin = PostgresAdapter::connect(&options("jgt")).expect("connect to jgt");
    admin
        .execute(&format!("create database {name}"))
        .expect("create database");
    PostgresAdapter::connect(&options(&name)).expect("connect to the case's database")
}

fn postgres() -> Engine {
    let cluster = cluster();
    Engine {
        open: Box::new(move || Box::new(fresh_database(cluster.port))),
        dialect: Box::new(PostgresDialect::default()),
    }
}

jgt_exec::conformance_tests!(postgres());
