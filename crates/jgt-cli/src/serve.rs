//! `jgt docs serve`: a small static file server on 127.0.0.1.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path};
use std::time::Duration;

use anyhow::{Context, Result};

/// Serves the files of `root` on 127.0.0.1:`port` until the process ends.
pub fn serve(root: &Path, port: u16) -> Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", port)).with_context(|| {
        format!("cannot listen on 127.0.0.1:{port}; is the port in use? try --port")
    })?;
    let port = listener.local_addr()?.port();
    println!("Serving the docs at http://127.0.0.1:{port}/ (Ctrl-C to stop)");
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                if let Err(err) = answer(root, stream) {
                    eprintln!("docs serve: {err:#}");
                }
            }
            Err(err) => eprintln!("docs serve: {err}"),
        }
    }
    Ok(())
}

fn answer(root: &Path, mut stream: TcpStream) -> Result<()> {
    // One connection at a time: a client that never sends its request must
    // not hold the server forever.
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(&stream);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    // Read the headers too, up to the blank line: closing a socket with
    // unread bytes makes the kernel reset it, which can cut the answer off.
    let mut header = String::new();
    while reader.read_line(&mut header)? > 0 && !header.trim_end().is_empty() {
        header.clear();
    }
    let target = request.split_whitespace().nth(1).unwrap_or("/");
    let target = target.split(['?', '#']).next().unwrap_or("/");
    let relative = Path::new(target.trim_start_matches('/'));
    let safe = relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)));
    let file = if target == "/" {
        root.join("index.html")
    } else {
        root.join(relative)
    };
    let (status, body, kind) = match (safe || target == "/", std::fs::read(&file)) {
        (true, Ok(body)) => ("200 OK", body, content_type(&file)),
        _ => ("404 Not Found", b"not found\n".to_vec(), "text/plain"),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)?;
    Ok(())
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        Some("css") => "text/css",
        Some("js") => "text/javascript",
        _ => "application/octet-stream",
    }
}
