//! Throwaway Spark Connect servers for the tests: Apache Spark (the Spark
//! Connect server inside the pyspark wheel, `local[2]`, on Java 17) and Sail
//! (`sail spark server` from the pysail wheel), each on a free port of
//! 127.0.0.1, in a temporary folder of its own (metastore, warehouse, logs).
//!
//! A test asks for a server with [`shared`] (one server per kind, shared by
//! the cases running at the same time, stopped when the last case holding
//! it is done), [`lasting`] (one server per kind for the whole test binary)
//! or [`Server::start`] (its own). When `JGT_SPARK_CONNECT` /
//! `JGT_SAIL_CONNECT` hold a `host:port`, that server is used instead and
//! never stopped here.
//!
//! Where the programs are (`.ci/spark-servers.sh` installs them):
//! - Spark: `JGT_SPARK_HOME` (Spark's folder) when set, else the folder of
//!   the `pyspark` package of the Python in `JGT_SPARK_PYTHON`,
//!   `$HOME/.cache/jgt-spark-venv/bin/python` or
//!   `/root/.venvs/spark/bin/python`, the first that exists;
//! - Sail: `sail` next to the Python in `JGT_SAIL_PYTHON`, else
//!   `$HOME/.cache/jgt-sail-venv/bin/sail`, else `sail` from `PATH`. Sail
//!   needs a venv without pyspark 4.3: a Sail 0.7.2 server whose Python
//!   imports pyspark 4.3.0 refuses every session ("unsupported PySpark
//!   version", "session ... is not running").
//!
//! A server started here runs in a process group of its own, so that
//! stopping it (SIGTERM to the group, SIGKILL after a grace period) also ends
//! the JVM that `spark-submit` leaves behind. A watchdog in the same group
//! ends the group and removes its folder when the test process disappears
//! without dropping the server (a test binary killed by a signal), so no
//! JVM is left running.

#![allow(dead_code)]

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// The engines a test can run against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Apache Spark's own Spark Connect server (JVM).
    Spark,
    /// Sail, a Rust engine speaking Spark Connect.
    Sail,
}

impl Kind {
    /// `spark` or `sail`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Spark => "spark",
            Kind::Sail => "sail",
        }
    }

    /// The variable naming an already running server of this kind.
    fn connect_var(self) -> &'static str {
        match self {
            Kind::Spark => "JGT_SPARK_CONNECT",
            Kind::Sail => "JGT_SAIL_CONNECT",
        }
    }

    /// How long a server of this kind may take to listen.
    fn start_timeout(self) -> Duration {
        match self {
            Kind::Spark => Duration::from_secs(90),
            Kind::Sail => Duration::from_secs(30),
        }
    }
}

/// A running Spark Connect server, reachable at `host:port`.
pub struct Server {
    /// Which engine it is.
    pub kind: Kind,
    /// Where it listens (`127.0.0.1` when started here).
    pub host: String,
    /// Its Spark Connect (gRPC) port.
    pub port: u16,
    /// The server process, when started here (the leader of its group).
    child: Option<Child>,
    /// Its working folder (logs, metastore, warehouse), when started here.
    dir: Option<tempfile::TempDir>,
}

impl Server {
    /// A running server of `kind`: the one named by `JGT_SPARK_CONNECT` /
    /// `JGT_SAIL_CONNECT` (`host:port`) when set, else one started here on a
    /// free port of 127.0.0.1. Panics, with the server's log, when it does
    /// not come up.
    pub fn start(kind: Kind) -> Server {
        if let Some((host, port)) = external(kind) {
            return Server {
                kind,
                host,
                port,
                child: None,
                dir: None,
            };
        }
        let dir = tempfile::Builder::new()
            .prefix(&format!("jgt-{}-", kind.name()))
            .tempdir()
            .expect("a temporary folder for the server");
        // Another process may take the free port before the server does:
        // try a few ports before giving up.
        let mut attempt = 0;
        loop {
            attempt += 1;
            let port = free_port();
            let mut child = launch(kind, dir.path(), port);
            let outcome = wait_until_listening(kind, &mut child, port);
            let mut server = Server {
                kind,
                host: "127.0.0.1".into(),
                port,
                child: Some(child),
                dir: None,
            };
            match outcome {
                Ok(()) => {
                    server.dir = Some(dir);
                    return server;
                }
                Err(why) => {
                    server.stop();
                    let log = log_tail(&dir.path().join("server.log"));
                    if attempt == 3 || !log.contains("ddress already in use") {
                        panic!(
                            "the {} server did not start on 127.0.0.1:{port}: {why}\n\
                             --- end of {}:\n{log}",
                            kind.name(),
                            dir.path().join("server.log").display()
                        );
                    }
                }
            }
        }
    }

    /// `spark` or `sail`.
    pub fn name(&self) -> &'static str {
        self.kind.name()
    }

    /// The Spark Connect address, `sc://host:port`.
    pub fn url(&self) -> String {
        format!("sc://{}:{}", self.host, self.port)
    }

    /// Whether this server was started here (and is stopped on drop).
    pub fn is_owned(&self) -> bool {
        self.child.is_some()
    }

    /// The server's log file, when started here.
    pub fn log_path(&self) -> Option<PathBuf> {
        self.dir.as_ref().map(|dir| dir.path().join("server.log"))
    }

    /// Stops the process group of a server started here: SIGTERM, then
    /// SIGKILL when it is still there after a grace period. Waits for the
    /// leader so that no zombie is left.
    fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let group = format!("-{}", child.id());
        signal_group("TERM", &group);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                // The leader is gone; end whatever else is left in the group.
                signal_group("KILL", &group);
                return;
            }
            sleep(Duration::from_millis(100));
        }
        signal_group("KILL", &group);
        let _ = child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
        // `dir` (a TempDir) removes the folder when it is dropped after this.
    }
}

/// One server per kind, shared by the cases of one test binary that run at
/// the same time. Each case holds it; when the last one is dropped the
/// server stops, and a later case starts another.
pub fn shared(kind: Kind) -> Arc<Server> {
    static SPARK: Mutex<Weak<Server>> = Mutex::new(Weak::new());
    static SAIL: Mutex<Weak<Server>> = Mutex::new(Weak::new());
    let slot = match kind {
        Kind::Spark => &SPARK,
        Kind::Sail => &SAIL,
    };
    let mut slot = slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(server) = slot.upgrade() {
        return server;
    }
    let server = Arc::new(Server::start(kind));
    *slot = Arc::downgrade(&server);
    server
}

/// One server per kind for the whole test binary, never stopped by a case:
/// when the binary exits, the watchdog in the server's process group kills
/// it (within about 2 s) and removes its folder. Saves Spark's 8-20 s start
/// when cases run one after the other, which [`shared`] would repeat.
pub fn lasting(kind: Kind) -> &'static Server {
    static SPARK: OnceLock<Server> = OnceLock::new();
    static SAIL: OnceLock<Server> = OnceLock::new();
    let slot = match kind {
        Kind::Spark => &SPARK,
        Kind::Sail => &SAIL,
    };
    slot.get_or_init(|| Server::start(kind))
}

/// The `host:port` in `JGT_SPARK_CONNECT` / `JGT_SAIL_CONNECT`, when set.
fn external(kind: Kind) -> Option<(String, u16)> {
    let value = std::env::var(kind.connect_var()).ok()?;
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let parsed = value
        .rsplit_once(':')
        .and_then(|(host, port)| Some((host.to_string(), port.parse::<u16>().ok()?)));
    match parsed {
        Some(found) => Some(found),
        None => panic!("{}={value:?} is not host:port", kind.connect_var()),
    }
}

/// A TCP port nobody listens on now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

/// The Python whose packages hold pyspark (Spark).
fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("JGT_SPARK_PYTHON") {
        return PathBuf::from(python);
    }
    let mut candidates = Vec::new();
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(Path::new(&home).join(".cache/jgt-spark-venv/bin/python"));
    }
    candidates.push(PathBuf::from("/root/.venvs/spark/bin/python"));
    candidates
        .iter()
        .find(|python| python.exists())
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "no Python with pyspark: tried {candidates:?}; \
                 run .ci/spark-servers.sh or set JGT_SPARK_PYTHON"
            )
        })
}

/// Spark's folder: `JGT_SPARK_HOME`, else the pyspark package's folder.
fn spark_home() -> PathBuf {
    if let Some(home) = std::env::var_os("JGT_SPARK_HOME") {
        return PathBuf::from(home);
    }
    let python = python();
    let output = Command::new(&python)
        .args([
            "-c",
            "import os, pyspark; print(os.path.dirname(pyspark.__file__))",
        ])
        .output()
        .unwrap_or_else(|err| panic!("{}: {err}", python.display()));
    assert!(
        output.status.success(),
        "{} cannot import pyspark: {}",
        python.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
}

/// The `sail` program: next to `JGT_SAIL_PYTHON`, else in
/// `$HOME/.cache/jgt-sail-venv`, else from `PATH`.
fn sail_program() -> PathBuf {
    if let Some(python) = std::env::var_os("JGT_SAIL_PYTHON") {
        return PathBuf::from(python).with_file_name("sail");
    }
    if let Some(home) = std::env::var_os("HOME") {
        let venv = Path::new(&home).join(".cache/jgt-sail-venv/bin/sail");
        if venv.exists() {
            return venv;
        }
    }
    PathBuf::from("sail")
}

/// Starts a server of `kind` on `port` in `dir`, its output in
/// `dir/server.log`, as the leader of a new process group. The group also
/// holds a watchdog that ends it when this test process is gone.
fn launch(kind: Kind, dir: &Path, port: u16) -> Child {
    let port = port.to_string();
    let (program, args, env): (PathBuf, Vec<String>, Vec<(&str, PathBuf)>) = match kind {
        Kind::Spark => {
            let home = spark_home();
            let conf = |key: &str, value: &str| ["--conf".to_string(), format!("{key}={value}")];
            let mut args = vec![
                "--class".to_string(),
                "org.apache.spark.sql.connect.service.SparkConnectServer".to_string(),
                "--master".to_string(),
                "local[2]".to_string(),
                "--name".to_string(),
                "jgt-test".to_string(),
            ];
            let warehouse = dir.join("warehouse");
            let local = dir.join("local");
            for (key, value) in [
                ("spark.ui.enabled", "false"),
                ("spark.connect.grpc.binding.address", "127.0.0.1"),
                ("spark.connect.grpc.binding.port", port.as_str()),
                ("spark.driver.host", "127.0.0.1"),
                ("spark.driver.bindAddress", "127.0.0.1"),
                ("spark.sql.warehouse.dir", &warehouse.to_string_lossy()),
                ("spark.local.dir", &local.to_string_lossy()),
            ] {
                args.extend(conf(key, value));
            }
            let env = vec![
                ("SPARK_HOME", home.clone()),
                ("SPARK_LOG_DIR", dir.to_path_buf()),
                ("SPARK_PID_DIR", dir.to_path_buf()),
                ("SPARK_LOCAL_IP", PathBuf::from("127.0.0.1")),
            ];
            (home.join("bin/spark-submit"), args, env)
        }
        Kind::Sail => {
            let args = ["spark", "server", "--ip", "127.0.0.1", "--port", &port]
                .map(String::from)
                .to_vec();
            (sail_program(), args, Vec::new())
        }
    };
    let log = File::create(dir.join("server.log")).expect("the server's log file");
    let log_err = log.try_clone().expect("the server's log file");
    // sh runs a watchdog in the background (same group), then becomes the
    // server: `$1` is this process, `$2` the server's folder, the rest is
    // the server's command line. When this process is gone, the watchdog
    // removes the folder and kills the group (itself included).
    let script =
        "(while kill -0 \"$1\" 2>/dev/null; do sleep 2; done; rm -rf \"$2\"; kill -KILL 0) \
                  </dev/null >/dev/null 2>&1 & shift 2; exec \"$@\"";
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(script)
        .arg("jgt-server")
        .arg(std::process::id().to_string())
        .arg(dir)
        .arg(&program)
        .args(&args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .process_group(0);
    for (key, value) in env {
        command.env(key, value);
    }
    command
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start {}: {err}", program.display()))
}

/// Waits until `port` accepts TCP connections, or the server exits, or
/// `kind`'s start timeout passes.
fn wait_until_listening(kind: Kind, child: &mut Child, port: u16) -> Result<(), String> {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let started = Instant::now();
    loop {
        if TcpStream::connect_timeout(&address, Duration::from_millis(500)).is_ok() {
            return Ok(());
        }
        match child.try_wait() {
            Ok(Some(status)) => return Err(format!("it exited ({status})")),
            Ok(None) => {}
            Err(err) => return Err(format!("cannot watch it: {err}")),
        }
        if started.elapsed() > kind.start_timeout() {
            return Err(format!(
                "nothing listens after {} s",
                kind.start_timeout().as_secs()
            ));
        }
        sleep(Duration::from_millis(200));
    }
}

/// Sends SIG`signal` to the process group `-pgid`.
fn signal_group(signal: &str, group: &str) {
    let _ = Command::new("kill")
        .args([&format!("-{signal}"), "--", group])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// The last 4 KB of the log at `path`.
fn log_tail(path: &Path) -> String {
    let Ok(mut file) = File::open(path) else {
        return String::from("(no log)");
    };
    let length = file.metadata().map(|meta| meta.len()).unwrap_or(0);
    let _ = file.seek(SeekFrom::Start(length.saturating_sub(4096)));
    let mut tail = Vec::new();
    let _ = file.read_to_end(&mut tail);
    String::from_utf8_lossy(&tail).into_owned()
}
