//! Unit tests of the docs server: paths, request heads, limits.

use super::*;
use std::io::Cursor;
use std::net::SocketAddr;

/// A site folder with `index.html` and `sub/index.html`, and a secret
/// file next to it (outside the site).
struct Folder {
    dir: tempfile::TempDir,
}

impl Folder {
    fn new() -> Folder {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("site/sub")).unwrap();
        std::fs::write(dir.path().join("site/index.html"), "<p>home</p>").unwrap();
        std::fs::write(dir.path().join("site/sub/index.html"), "<p>sub</p>").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "secret").unwrap();
        Folder { dir }
    }

    /// The canonical site folder.
    fn site(&self) -> PathBuf {
        self.dir.path().join("site").canonicalize().unwrap()
    }
}

/// Serves `root` in this process with `limits`, on a free port.
fn start(root: PathBuf, limits: Limits) -> SocketAddr {
    let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || run(listener, Site::new(root, limits)));
    address
}

/// Sends `raw`, then reads the whole answer (or what came before an error).
fn exchange(address: SocketAddr, raw: &[u8]) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(raw).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

fn head(text: &str, limits: &Limits) -> Result<Request, BadHead> {
    read_head(&mut Cursor::new(text.as_bytes().to_vec()), limits)
}

#[test]
fn percent_decoding_reads_escapes_and_refuses_broken_ones() {
    assert_eq!(percent_decode("a%2e%2E%2Fb").unwrap(), b"a../b");
    assert_eq!(percent_decode("%00").unwrap(), b"\0");
    assert_eq!(percent_decode("plain+text").unwrap(), b"plain+text");
    assert_eq!(percent_decode("%"), None);
    assert_eq!(percent_decode("%2"), None);
    assert_eq!(percent_decode("%zz"), None);
    assert_eq!(percent_decode("%+1"), None);
}

#[test]
fn resolve_finds_files_inside_the_folder() {
    let folder = Folder::new();
    let site = folder.site();
    let index = site.join("index.html");
    assert_eq!(resolve(&site, "/"), Ok(index.clone()));
    assert_eq!(resolve(&site, "/index.html?x=1#top"), Ok(index.clone()));
    assert_eq!(resolve(&site, "/%69ndex.html"), Ok(index.clone()));
    assert_eq!(resolve(&site, "//index.html"), Ok(index));
    assert_eq!(resolve(&site, "/sub/"), Ok(site.join("sub/index.html")));
    assert_eq!(resolve(&site, "/sub"), Err(NOT_FOUND), "a folder");
    assert_eq!(resolve(&site, "/missing.html"), Err(NOT_FOUND));
}

#[test]
fn resolve_refuses_dot_segments_raw_or_encoded() {
    let folder = Folder::new();
    let site = folder.site();
    for target in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/..%2fsecret.txt",
        "/sub/../../secret.txt",
        "/sub/%2e%2e/%2e%2e/secret.txt",
        "/./index.html",
    ] {
        assert_eq!(resolve(&site, target), Err(NOT_FOUND), "{target}");
    }
    for target in [
        "/index.html%00",
        "/%00/x",
        "index.html",
        "*",
        "/%zz",
        "/%ff",
    ] {
        assert_eq!(resolve(&site, target), Err(BAD_REQUEST), "{target}");
    }
}

#[cfg(unix)]
#[test]
fn resolve_follows_symlinks_only_within_the_folder() {
    use std::os::unix::fs::symlink;
    let folder = Folder::new();
    let site = folder.site();
    symlink(folder.dir.path().join("secret.txt"), site.join("leak.txt")).unwrap();
    symlink(folder.dir.path(), site.join("up")).unwrap();
    symlink(site.join("index.html"), site.join("alias.html")).unwrap();
    assert_eq!(resolve(&site, "/leak.txt"), Err(NOT_FOUND));
    assert_eq!(resolve(&site, "/up/secret.txt"), Err(NOT_FOUND));
    assert_eq!(resolve(&site, "/alias.html"), Ok(site.join("index.html")));
}

#[test]
fn read_head_reads_the_request_line_and_skips_the_headers() {
    let limits = Limits::DEFAULT;
    let mut reader = Cursor::new(b"GET /a?b HTTP/1.1\r\nHost: x\r\n\r\nBODY".to_vec());
    let request = read_head(&mut reader, &limits).unwrap();
    assert_eq!(request.method, "GET");
    assert_eq!(request.target, "/a?b");
    let mut rest = String::new();
    reader.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "BODY", "the head is read, and nothing more");
    assert!(
        head("HEAD / HTTP/1.0\n\n", &limits).is_ok(),
        "bare newlines"
    );
}

#[test]
fn read_head_refuses_what_is_not_a_request() {
    let limits = Limits::DEFAULT;
    assert_eq!(head("", &limits), Err(BadHead::Gone));
    for text in [
        "GET /\r\n\r\n",
        "GET  / HTTP/1.1\r\n\r\n",
        "GET / SPDY/3\r\n\r\n",
        "G-T / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1",
        "GET / HTTP/1.1\r\nHost: x\r\n",
    ] {
        assert_eq!(
            head(text, &limits),
            Err(BadHead::Answer(BAD_REQUEST)),
            "{text:?}"
        );
    }
}

#[test]
fn read_head_bounds_the_request_line_and_the_headers() {
    let limits = Limits {
        request_line: 32,
        header_bytes: 64,
        header_lines: 3,
        ..Limits::DEFAULT
    };
    let long = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(100));
    assert_eq!(head(&long, &limits), Err(BadHead::Answer(URI_TOO_LONG)));
    let endless = "a".repeat(10_000);
    assert_eq!(head(&endless, &limits), Err(BadHead::Answer(URI_TOO_LONG)));
    let lines = "GET / HTTP/1.1\r\na: 1\r\nb: 2\r\nc: 3\r\nd: 4\r\n\r\n";
    assert_eq!(
        head(lines, &limits),
        Err(BadHead::Answer(HEADERS_TOO_LARGE))
    );
    let three = "GET / HTTP/1.1\r\na: 1\r\nb: 2\r\nc: 3\r\n\r\n";
    assert!(head(three, &limits).is_ok());
    let big = format!(
        "GET / HTTP/1.1\r\na: {}\r\nb: {}\r\n\r\n",
        "x".repeat(30),
        "y".repeat(30)
    );
    assert_eq!(head(&big, &limits), Err(BadHead::Answer(HEADERS_TOO_LARGE)));
}

#[test]
fn the_server_answers_get_and_head_and_refuses_other_methods() {
    let folder = Folder::new();
    let address = start(folder.site(), Limits::DEFAULT);
    let get = exchange(address, b"GET / HTTP/1.1\r\n\r\n");
    assert!(get.starts_with("HTTP/1.1 200 OK\r\n"), "{get}");
    assert!(get.contains("Content-Length: 11\r\n"), "{get}");
    assert!(get.ends_with("\r\n\r\n<p>home</p>"), "{get}");
    let head = exchange(address, b"HEAD / HTTP/1.1\r\n\r\n");
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.ends_with("\r\n\r\n"), "no body: {head}");
    let post = exchange(address, b"POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi");
    assert!(
        post.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"),
        "{post}"
    );
    assert!(post.contains("Allow: GET, HEAD\r\n"), "{post}");
}

#[test]
fn a_client_too_slow_with_its_head_gets_408_by_the_deadline() {
    let folder = Folder::new();
    let limits = Limits {
        head_deadline: Duration::from_millis(500),
        ..Limits::DEFAULT
    };
    let address = start(folder.site(), limits);
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    // One byte every 100 ms: each read finishes well within the
    // timeout of a read, only the deadline of the head stops it.
    for &byte in
        b"GET / HTTP/1.1\r\nHost: x\r\nA: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb".iter()
    {
        let _ = stream.write_all(&[byte]);
        let mut chunk = [0; 256];
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
            Err(_) => {}
        }
        if !answer.is_empty() || started.elapsed() > Duration::from_secs(5) {
            break;
        }
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn clients_over_the_cap_are_turned_away_until_a_place_frees() {
    let folder = Folder::new();
    let limits = Limits {
        connections: 1,
        ..Limits::DEFAULT
    };
    let address = start(folder.site(), limits);
    let idle = TcpStream::connect(address).unwrap();
    let refused = exchange(address, b"GET / HTTP/1.1\r\n\r\n");
    assert!(refused.starts_with("HTTP/1.1 503 "), "{refused}");
    drop(idle);
    let started = Instant::now();
    loop {
        let answer = exchange(address, b"GET / HTTP/1.1\r\n\r\n");
        if answer.starts_with("HTTP/1.1 200 ") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "{answer}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
