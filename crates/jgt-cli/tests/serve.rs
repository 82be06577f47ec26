//! `jgt docs serve` against hostile or careless clients, and the escaping of
//! `jgt docs --format mermaid`, each run with the real `jgt` binary on a
//! small temporary project.
//!
//! | case | what it asserts |
//! |------|-----------------|
//! | `symlinks_out_of_the_site_answer_404` | a symlink in `target/docs` to a file or a folder outside answers 404 and never the outside content; one to a file inside still answers 200 |
//! | `dot_dot_paths_answer_404_or_400` | `/../project.yml`, `/%2e%2e/project.yml` and other spellings of a way up (or a NUL) answer 404 or 400, never the file |
//! | `an_idle_client_does_not_block_others` | while a client is connected and silent, another gets `index.html` within 2 s |
//! | `a_trickling_client_does_not_block_others` | while a client sends its request one byte every 200 ms, others get `index.html` within 2 s each |
//! | `an_endless_request_line_is_refused_quickly` | a 10 MB request line without a newline gets 414/400 or a closed connection within 3 s, the next client is served, and the server's peak RSS grows by less than 5 MB |
//! | `only_get_and_head_are_answered` | POST, PUT, DELETE and OPTIONS get 405 with `Allow: GET, HEAD`; HEAD gets the headers of GET and no body |
//! | `mermaid_escapes_names_with_quotes_and_markup` | a model named `x"y<b>&z` appears in the Mermaid label as `x#quot;y#lt;b#gt;#amp;z`, with no raw `"` or markup |
//! | `mermaid_of_a_plain_project_is_unchanged` | ordinary names are written as they are, with the `<br/><small>` label, the edge and the class lines |

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use common::TempProject;

/// How long a client waits for an answer before the test calls the server
/// stuck.
const PATIENCE: Duration = Duration::from_secs(5);

/// What a client served quickly waits at most, even while other clients
/// are idle or slow.
const QUICK: Duration = Duration::from_secs(2);

/// A project with one model, `a`.
fn project() -> TempProject {
    let p = TempProject::new("name: demo\n");
    p.write("models/a.sql", "select 1 as id");
    p
}

/// A running `jgt docs serve --port 0`, killed when dropped.
struct Server {
    /// The `jgt` process.
    child: Child,
    /// `127.0.0.1:port`, as it printed.
    address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts the server in `p` and waits (a minute at most) for the URL it
    /// prints. Its output is drained for as long as it runs.
    fn start(p: &TempProject) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_jgt"))
            .args(["docs", "serve", "--port", "0"])
            .current_dir(p.path())
            .env_remove("JGT_DB")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("jgt starts");
        let stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let mut server = Server {
            child,
            address: String::new(),
        };
        let (send, receive) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://")) {
                    let _ = send.send(url.to_string());
                }
            }
        });
        let errors = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let Ok(url) = receive.recv_timeout(Duration::from_secs(60)) else {
            let _ = server.child.kill();
            panic!(
                "jgt docs serve printed no URL:\n{}",
                errors.join().unwrap_or_default()
            );
        };
        server.address = url
            .strip_prefix("http://")
            .and_then(|rest| rest.strip_suffix('/'))
            .unwrap_or_else(|| panic!("not an http URL: {url}"))
            .to_string();
        server
    }

    /// A new connection to the server.
    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(&self.address).expect("the server accepts");
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream.set_write_timeout(Some(PATIENCE)).unwrap();
        stream
    }

    /// Sends `raw` on a new connection and reads until the server closes
    /// it; panics when that takes longer than [`PATIENCE`].
    fn exchange(&self, raw: &[u8]) -> Answer {
        let mut stream = self.connect();
        stream.write_all(raw).expect("the request is sent");
        let mut response = Vec::new();
        if let Err(err) = stream.read_to_end(&mut response) {
            panic!(
                "no whole answer to {:?} within {PATIENCE:?}: {err}",
                String::from_utf8_lossy(&raw[..raw.len().min(80)])
            );
        }
        Answer::parse(&response)
    }

    /// `GET target`, answered within [`QUICK`].
    fn get_quickly(&self, target: &str) -> Answer {
        let started = Instant::now();
        let answer = self.exchange(request("GET", target).as_bytes());
        let took = started.elapsed();
        assert!(took < QUICK, "GET {target} took {took:?}");
        answer
    }

    /// The server's peak resident memory in KiB (`VmHWM`), where the
    /// system tells it.
    fn peak_memory_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }
}

/// A whole request with no body.
fn request(method: &str, target: &str) -> String {
    format!("{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
}

/// An answer: its status line, header block and body.
struct Answer {
    /// `HTTP/1.1 200 OK`.
    status: String,
    /// The header lines, `\r\n` between them.
    headers: String,
    /// Everything after the blank line.
    body: Vec<u8>,
}

impl Answer {
    /// Splits a whole response.
    fn parse(response: &[u8]) -> Answer {
        let split = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| {
                panic!("no header block in {:?}", String::from_utf8_lossy(response))
            });
        let head = String::from_utf8_lossy(&response[..split]).into_owned();
        let (status, headers) = head.split_once("\r\n").unwrap_or((&head, ""));
        Answer {
            status: status.to_string(),
            headers: headers.to_string(),
            body: response[split + 4..].to_vec(),
        }
    }

    /// The body as text.
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_site_answer_404() {
    use std::os::unix::fs::symlink;
    let p = project();
    p.write("secret.txt", "the outside secret 4711\n");
    let docs = p.path().join("target/docs");
    std::fs::create_dir_all(&docs).unwrap();
    symlink(p.path().join("secret.txt"), docs.join("leak.txt")).unwrap();
    symlink(p.path(), docs.join("up")).unwrap();
    // Dangling until the server writes the site; inside it, so allowed.
    symlink(docs.join("index.html"), docs.join("alias.html")).unwrap();
    let server = Server::start(&p);
    for target in [
        "/leak.txt",
        "/up/secret.txt",
        "/up/project.yml",
        "/up/models/a.sql",
    ] {
        let answer = server.get_quickly(target);
        assert_eq!(answer.status, "HTTP/1.1 404 Not Found", "{target}");
        assert!(!answer.text().contains("4711"), "{target}");
        assert!(!answer.text().contains("select 1"), "{target}");
        assert!(!answer.text().contains("name: demo"), "{target}");
    }
    let alias = server.get_quickly("/alias.html");
    assert_eq!(alias.status, "HTTP/1.1 200 OK");
    assert_eq!(alias.body, std::fs::read(docs.join("index.html")).unwrap());
}

#[test]
fn dot_dot_paths_answer_404_or_400() {
    let p = project();
    let server = Server::start(&p);
    for target in [
        "/../project.yml",
        "/%2e%2e/project.yml",
        "/%2E%2E%2Fproject.yml",
        "/..%2fproject.yml",
        "/../../project.yml",
        "/x/../../project.yml",
        "/%2e%2e/%2e%2e/project.yml",
        "/..\\project.yml",
        "/%00/../project.yml",
        "/index.html%00.txt",
    ] {
        let answer = server.get_quickly(target);
        assert!(
            answer.status == "HTTP/1.1 404 Not Found"
                || answer.status == "HTTP/1.1 400 Bad Request",
            "{target}: {}",
            answer.status
        );
        assert!(!answer.text().contains("name: demo"), "{target}");
    }
    assert_eq!(server.get_quickly("/").status, "HTTP/1.1 200 OK");
}

#[test]
fn an_idle_client_does_not_block_others() {
    let p = project();
    let server = Server::start(&p);
    let _idle = server.connect();
    let _half = {
        let mut stream = server.connect();
        stream.write_all(b"GET /index.html HT").unwrap();
        stream
    };
    // Let the server take both before the real client comes.
    std::thread::sleep(Duration::from_millis(200));
    for _ in 0..3 {
        let answer = server.get_quickly("/");
        assert_eq!(answer.status, "HTTP/1.1 200 OK");
        assert!(answer.text().contains("<!DOCTYPE html>"));
    }
}

#[test]
fn a_trickling_client_does_not_block_others() {
    let p = project();
    let server = Server::start(&p);
    let stop = Arc::new(AtomicBool::new(false));
    let trickle = {
        let stop = Arc::clone(&stop);
        let mut stream = server.connect();
        std::thread::spawn(move || {
            let request = format!("GET / HTTP/1.1\r\nX-Slow: {}", "a".repeat(1000));
            for byte in request.bytes() {
                if stop.load(Ordering::Relaxed) || stream.write_all(&[byte]).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        })
    };
    std::thread::sleep(Duration::from_millis(500));
    for _ in 0..3 {
        let answer = server.get_quickly("/index.html");
        assert_eq!(answer.status, "HTTP/1.1 200 OK");
        std::thread::sleep(Duration::from_millis(300));
    }
    stop.store(true, Ordering::Relaxed);
    trickle.join().unwrap();
}

#[test]
fn an_endless_request_line_is_refused_quickly() {
    let p = project();
    let server = Server::start(&p);
    assert_eq!(server.get_quickly("/").status, "HTTP/1.1 200 OK");
    let peak_before = server.peak_memory_kib();

    let stream = server.connect();
    let mut sending = stream.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        let chunk = vec![b'a'; 64 * 1024];
        let _ = sending.write_all(b"GET /");
        let mut sent = 0;
        while sent < 10 * 1024 * 1024 && sending.write_all(&chunk).is_ok() {
            sent += chunk.len();
        }
    });
    let started = Instant::now();
    let mut response = Vec::new();
    let ended = (&stream).read_to_end(&mut response);
    let took = started.elapsed();
    writer.join().unwrap();
    let status = String::from_utf8_lossy(&response[..response.len().min(40)]).into_owned();
    // Either an error status, or a connection the server cut off.
    let refused = status.starts_with("HTTP/1.1 414 ") || status.starts_with("HTTP/1.1 400 ");
    let cut_off = response.is_empty()
        && ended.as_ref().map_or_else(
            |err| err.kind() == std::io::ErrorKind::ConnectionReset,
            |_| true,
        );
    assert!(refused || cut_off, "{status:?} {ended:?}");
    assert!(took < Duration::from_secs(3), "the answer took {took:?}");

    assert_eq!(server.get_quickly("/").status, "HTTP/1.1 200 OK");
    if let (Some(before), Some(after)) = (peak_before, server.peak_memory_kib()) {
        let grown = after.saturating_sub(before);
        assert!(grown < 5 * 1024, "peak memory grew by {grown} KiB");
    }
}

#[test]
fn only_get_and_head_are_answered() {
    let p = project();
    let server = Server::start(&p);
    let post = server.exchange(
        b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 11\r\nConnection: close\r\n\r\nhello=world",
    );
    assert_eq!(post.status, "HTTP/1.1 405 Method Not Allowed");
    assert!(
        post.headers.contains("Allow: GET, HEAD"),
        "{}",
        post.headers
    );
    assert!(!post.text().contains("<!DOCTYPE html>"));
    for method in ["PUT", "DELETE", "OPTIONS"] {
        let answer = server.exchange(request(method, "/").as_bytes());
        assert_eq!(answer.status, "HTTP/1.1 405 Method Not Allowed", "{method}");
    }

    let get = server.get_quickly("/");
    let head = server.exchange(request("HEAD", "/").as_bytes());
    assert_eq!(head.status, "HTTP/1.1 200 OK");
    assert!(
        head.headers
            .contains(&format!("Content-Length: {}", get.body.len())),
        "{}",
        head.headers
    );
    assert!(head.body.is_empty(), "HEAD sent a body");
}

#[test]
fn mermaid_escapes_names_with_quotes_and_markup() {
    let p = project();
    p.write("models/x\"y<b>&z.sql", "select * from {{ ref('a') }}");
    let mermaid = p.jgt(&["docs", "--format", "mermaid"]).ok().stdout;
    let label = mermaid
        .lines()
        .find(|line| line.contains("x#quot;y#lt;b#gt;#amp;z"))
        .unwrap_or_else(|| panic!("no escaped label:\n{mermaid}"));
    let text = label
        .split_once("[\"")
        .and_then(|(_, rest)| rest.split_once("\"]"))
        .map(|(text, _)| text)
        .unwrap_or_else(|| panic!("not a quoted label: {label}"));
    assert_eq!(text, "x#quot;y#lt;b#gt;#amp;z<br/><small>view</small>");
    assert!(!mermaid.contains("<b>"), "{mermaid}");
    assert!(!mermaid.contains("x\"y"), "{mermaid}");
    assert_eq!(mermaid.matches(" --> ").count(), 1, "{mermaid}");
}

#[test]
fn mermaid_of_a_plain_project_is_unchanged() {
    let p = project();
    p.write("models/b.sql", "select * from {{ ref('a') }}");
    let mermaid = p.jgt(&["docs", "--format", "mermaid"]).ok().stdout;
    let lines: Vec<&str> = mermaid.lines().collect();
    assert_eq!(lines[0], "flowchart LR", "{mermaid}");
    let key = |name: &str| {
        let label = format!("[\"{name}<br/><small>view</small>\"]:::model");
        let line = lines
            .iter()
            .find(|line| line.ends_with(&label))
            .unwrap_or_else(|| panic!("no node {name}:\n{mermaid}"));
        line.trim().strip_suffix(&label).unwrap().to_string()
    };
    let (a, b) = (key("a"), key("b"));
    assert!(
        lines.contains(&format!("  {a} --> {b}").as_str()),
        "{mermaid}"
    );
    for kind in ["seed", "source", "model", "test"] {
        assert!(
            lines
                .iter()
                .any(|line| line.starts_with(&format!("  classDef {kind} fill:#"))),
            "{kind}:\n{mermaid}"
        );
    }
}
