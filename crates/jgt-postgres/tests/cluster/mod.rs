//! A throwaway PostgreSQL 15 cluster for the tests: `initdb` into a
//! temporary folder owned by `postgres`, a server on a free port of
//! 127.0.0.1 (and a socket in that folder), stopped (`pg_ctl stop -m
//! fast`) and removed on drop. The tests run as root (as CI does);
//! `initdb` and the server run as the `postgres` user through `runuser`.
//! [`Cluster::start_with_password`] makes TCP logins need a password
//! (SCRAM), for the tests of a profile's `password`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Where Debian's PostgreSQL 15 keeps its programs.
const BIN: &str = "/usr/lib/postgresql/15/bin";

/// A running cluster with one database, `jgt`; its superuser is `postgres`
/// and it trusts local connections.
pub struct Cluster {
    dir: tempfile::TempDir,
    /// The port it listens on, on 127.0.0.1.
    pub port: u16,
}

/// Runs `program` (in [`BIN`]) as `postgres`, with `PGPASSWORD` set to
/// `password` when there is one.
fn as_postgres_with(program: &str, args: &[&str], password: Option<&str>) -> Output {
    let mut command = Command::new("runuser");
    command
        .args(["-u", "postgres", "--"])
        .arg(Path::new(BIN).join(program))
        .args(args);
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    command
        .output()
        .unwrap_or_else(|err| panic!("runuser {program}: {err}"))
}

/// Runs `program` (in [`BIN`]) as `postgres`.
fn as_postgres(program: &str, args: &[&str]) -> Output {
    as_postgres_with(program, args, None)
}

/// Fails the test with `output` when its program failed.
fn check(what: &str, output: &Output) {
    assert!(
        output.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A TCP port nobody listens on now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

impl Cluster {
    /// Creates and starts a cluster and its `jgt` database.
    pub fn start() -> Cluster {
        Cluster::start_with(None)
    }

    /// Like [`Cluster::start`], but logins over TCP must give `password`
    /// (the superuser's, checked with SCRAM); the Unix socket still trusts.
    /// Used by jgt-cli's `pg_target` tests, which include this file.
    #[allow(dead_code)]
    pub fn start_with_password(password: &str) -> Cluster {
        Cluster::start_with(Some(password))
    }

    /// Creates and starts a cluster and its `jgt` database; with a
    /// password, TCP logins need it.
    fn start_with(password: Option<&str>) -> Cluster {
        let dir = tempfile::Builder::new()
            .prefix("jgt-pg-")
            .tempdir()
            .expect("a temporary folder");
        let chown = Command::new("chown")
            .arg("postgres:postgres")
            .arg(dir.path())
            .output()
            .expect("chown");
        check("chown postgres", &chown);
        let data = dir.path().join("data").to_string_lossy().to_string();
        let mut args = vec!["-D", &data, "-U", "postgres", "-E", "UTF8", "--no-sync"];
        let pwfile = dir.path().join("pwfile").to_string_lossy().to_string();
        let pwfile_arg = format!("--pwfile={pwfile}");
        match password {
            None => args.extend(["-A", "trust"]),
            Some(password) => {
                std::fs::write(&pwfile, password).expect("write the password file");
                args.extend([
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    &pwfile_arg,
                ]);
            }
        }
        let initdb = as_postgres("initdb", &args);
        check("initdb", &initdb);
        let log = dir.path().join("server.log").to_string_lossy().to_string();
        // Another process may take the free port before the server does.
        let mut attempts = 0;
        let port = loop {
            let port = free_port();
            let options = format!(
                "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off",
                dir.path().display()
            );
            let started = as_postgres(
                "pg_ctl",
                &["-D", &data, "-o", &options, "-l", &log, "start", "-w"],
            );
            attempts += 1;
            if started.status.success() {
                break port;
            }
            if attempts == 3 {
                let log = std::fs::read_to_string(&log).unwrap_or_default();
                check(&format!("pg_ctl start (server log:\n{log})"), &started);
            }
        };
        let cluster = Cluster { dir, port };
        let port_arg = port.to_string();
        let createdb = as_postgres_with(
            "createdb",
            &["-h", "127.0.0.1", "-p", &port_arg, "-U", "postgres", "jgt"],
            password,
        );
        check("createdb jgt", &createdb);
        cluster
    }

    /// The cluster's data folder.
    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data().to_string_lossy().to_string();
        let _ = as_postgres("pg_ctl", &["-D", &data, "stop", "-m", "fast", "-w"]);
    }
}

/// One cluster shared by the tests running at the same time: the one in
/// `slot` while any test still holds it, else a new one from `start`. It
/// stops when the last holder drops it, and a later test starts another.
#[allow(dead_code)]
pub fn shared(
    slot: &std::sync::Mutex<std::sync::Weak<Cluster>>,
    start: impl FnOnce() -> Cluster,
) -> std::sync::Arc<Cluster> {
    let mut held = slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(cluster) = held.upgrade() {
        return cluster;
    }
    let cluster = std::sync::Arc::new(start());
    *held = std::sync::Arc::downgrade(&cluster);
    cluster
}
