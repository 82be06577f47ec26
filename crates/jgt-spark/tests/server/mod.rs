//! Throwaway Spark Connect servers for the tests (a minimal stand-in with
//! the API of the full harness): `Server::start(Kind::Spark | Kind::Sail)`
//! uses the server that `JGT_SPARK_CONNECT` / `JGT_SAIL_CONNECT`
//! (`host:port`) names when set, else starts one on a free port of
//! 127.0.0.1 and stops it when dropped.
#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Apache Spark's Spark Connect server (pyspark 4.3.0, local[2]).
    Spark,
    /// Sail.
    Sail,
}

/// A running server.
pub struct Server {
    /// Its host.
    pub host: String,
    /// Its port.
    pub port: u16,
    kind: Kind,
    child: Option<Child>,
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    /// The server's name for messages: `spark` or `sail`.
    pub fn name(&self) -> &'static str {
        match self.kind {
            Kind::Spark => "spark",
            Kind::Sail => "sail",
        }
    }

    /// The server `kind`, already running or started now.
    pub fn start(kind: Kind) -> Server {
        let variable = match kind {
            Kind::Spark => "JGT_SPARK_CONNECT",
            Kind::Sail => "JGT_SAIL_CONNECT",
        };
        if let Ok(address) = std::env::var(variable) {
            let (host, port) = address.rsplit_once(':').expect("host:port");
            return Server {
                host: host.into(),
                port: port.parse().expect("a port number"),
                kind,
                child: None,
                _dir: None,
            };
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = tempfile::tempdir().expect("a temporary folder");
        let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
        let log = std::fs::File::create(dir.path().join("server.log")).expect("a log file");
        let mut command = match kind {
            Kind::Spark => {
                let spark_home = PathBuf::from(&home)
                    .join(".cache/jgt-spark-venv/lib/python3.11/site-packages/pyspark");
                let mut c = Command::new(spark_home.join("bin/spark-submit"));
                c.env("SPARK_HOME", &spark_home).args([
                    "--class",
                    "org.apache.spark.sql.connect.service.SparkConnectServer",
                    "--master",
                    "local[2]",
                    "--conf",
                    "spark.ui.enabled=false",
                    "--conf",
                    "spark.connect.grpc.binding.address=127.0.0.1",
                    "--conf",
                    &format!("spark.connect.grpc.binding.port={port}"),
                ]);
                c
            }
            Kind::Sail => {
                let mut c =
                    Command::new(PathBuf::from(&home).join(".cache/jgt-sail-venv/bin/sail"));
                c.args([
                    "spark",
                    "server",
                    "--ip",
                    "127.0.0.1",
                    "--port",
                    &port.to_string(),
                ]);
                c
            }
        };
        let child = command
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start the server");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "the server did not listen"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        eprintln!(
            "{kind:?} listening after {:.1} s",
            started.elapsed().as_secs_f64()
        );
        Server {
            host: "127.0.0.1".into(),
            port,
            kind,
            child: Some(child),
            _dir: Some(dir),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
