//! `jgt run --watch`: a save rebuilds the changed model and its children
//! only, a bad save is reported and watching goes on, `q` stops it.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::TempProject;

/// Lines from the child's stdout and stderr, as they come.
fn lines_of(reader: impl std::io::Read + Send + 'static, tx: mpsc::Sender<String>) {
    std::thread::spawn(move || {
        for line in BufReader::new(reader).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
}

/// Collects lines until one contains `marker` (waiting at most a minute).
fn until(rx: &mpsc::Receiver<String>, marker: &str) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => {
                let done = line.contains(marker);
                seen.push(line);
                if done {
                    return seen;
                }
            }
            Err(_) => panic!("never saw {marker:?}; got:\n{}", seen.join("\n")),
        }
    }
}

#[test]
fn watch_rebuilds_only_what_changed_and_stops_cleanly() {
    let p = TempProject::new("name: w\nmodels:\n  +materialized: table\n");
    p.write("seeds/raw.csv", "n\n1\n2\n");
    p.write("models/a.sql", "select n from {{ ref('raw') }}");
    p.write("models/b.sql", "select n * 10 as n from {{ ref('a') }}");
    p.write("models/c.sql", "select 1 as n");
    p.jgt(&["seed"]).ok();

    let mut child = Command::new(env!("CARGO_BIN_EXE_jgt"))
        .args(["run", "--watch", "--threads", "1"])
        .current_dir(p.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    lines_of(child.stdout.take().unwrap(), tx.clone());
    lines_of(child.stderr.take().unwrap(), tx);

    let first = until(&rx, "Watching");
    assert_eq!(
        first.iter().filter(|l| l.contains(" OK ")).count(),
        3,
        "{first:#?}"
    );

    p.write("models/a.sql", "select n + 1 as n from {{ ref('raw') }}");
    let rebuilt = until(&rx, "Watching for changes");
    let built: Vec<&String> = rebuilt.iter().filter(|l| l.contains(" OK ")).collect();
    assert_eq!(built.len(), 2, "{rebuilt:#?}");
    assert!(
        built.iter().any(|l| l.contains("main.a")) && built.iter().any(|l| l.contains("main.b"))
    );
    assert!(
        !rebuilt.iter().any(|l| l.contains("main.c")),
        "{rebuilt:#?}"
    );

    // The error comes on stderr, which may arrive before or after stdout's
    // "Watching" line: wait for the error itself, then for watching to go on.
    p.write("models/c.sql", "select 1 as n\n{% if %}\n");
    let broken = until(&rx, "syntax error");
    assert!(
        broken
            .last()
            .unwrap()
            .contains("models/c.sql:2: syntax error"),
        "{broken:#?}"
    );
    if !broken.iter().any(|l| l.contains("Watching for changes")) {
        until(&rx, "Watching for changes");
    }

    child.stdin.as_mut().unwrap().write_all(b"q\n").unwrap();
    let status = child.wait().unwrap();
    assert!(status.success());
    assert_eq!(
        p.scalar("select string_agg(n::varchar, ',' order by n) from b"),
        "20,30"
    );
}
