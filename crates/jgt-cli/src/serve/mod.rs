//! `jgt docs serve`: a small static file server on 127.0.0.1.
//!
//! It is built so that no client can reach outside the site or cost the
//! other clients anything:
//!
//! - only regular files whose canonical path lies inside the canonical site
//!   folder are served, so neither `..` (raw or percent-encoded) nor a
//!   symlink leads out of it; everything else is 404;
//! - every client is answered on its own thread, at most
//!   [`Limits::connections`] at once (more are turned away with 503), so an
//!   idle or trickling client never delays another;
//! - every read and write waits at most [`Limits::io_timeout`], the whole
//!   request head must arrive within [`Limits::head_deadline`] (else 408)
//!   and the response is given up after [`Limits::response_deadline`];
//! - the request line and the headers are read through a `take`-bounded
//!   reader, so an endless line costs at most a few KiB (414 or 431);
//! - only `GET` and `HEAD` are answered; other methods get 405.
//!
//! The folder is checked when a request arrives and the file opened right
//! after: someone who can write into the site folder could swap a file for
//! a symlink in between, but no HTTP client can.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::error::CliError;

/// Serves the files of `root` on 127.0.0.1:`port` until the process ends.
pub fn serve(root: &Path, port: u16) -> Result<()> {
    let root = root.canonicalize().map_err(|source| CliError::Io {
        what: format!("cannot open the site folder {}", root.display()),
        source,
    })?;
    let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|source| CliError::Io {
        what: format!("cannot listen on 127.0.0.1:{port}; is the port in use? try --port"),
        source,
    })?;
    let port = listener.local_addr()?.port();
    outln!("Serving the docs at http://127.0.0.1:{port}/ (Ctrl-C to stop)");
    run(listener, Site::new(root, Limits::DEFAULT))
}

/// The bounds that keep one client from costing the others anything.
#[derive(Clone, Copy, Debug)]
struct Limits {
    /// Clients answered at once; the next ones get 503.
    connections: usize,
    /// The longest a single read or write may wait.
    io_timeout: Duration,
    /// The time a client has to send its whole request head.
    head_deadline: Duration,
    /// The time spent sending one response before giving up on the client.
    response_deadline: Duration,
    /// The longest request line, its line ending included.
    request_line: usize,
    /// The most header bytes, all lines and line endings together.
    header_bytes: usize,
    /// The most header lines.
    header_lines: usize,
}

impl Limits {
    /// The limits `jgt docs serve` runs with.
    const DEFAULT: Limits = Limits {
        connections: 64,
        io_timeout: Duration::from_secs(10),
        head_deadline: Duration::from_secs(10),
        response_deadline: Duration::from_secs(60),
        request_line: 8 * 1024,
        header_bytes: 64 * 1024,
        header_lines: 100,
    };
}

/// How long, at most, a finished connection is drained before it is closed.
const DRAIN_TIME: Duration = Duration::from_secs(1);

/// How many bytes, at most, a finished connection is drained of.
const DRAIN_BYTES: u64 = 64 * 1024;

/// An HTTP status: its code and reason phrase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Status(u16, &'static str);

/// The file follows.
const OK: Status = Status(200, "OK");
/// The request line or target cannot be read.
const BAD_REQUEST: Status = Status(400, "Bad Request");
/// No regular file inside the site folder has that name.
const NOT_FOUND: Status = Status(404, "Not Found");
/// Not `GET` or `HEAD`.
const METHOD_NOT_ALLOWED: Status = Status(405, "Method Not Allowed");
/// The request head did not arrive within [`Limits::head_deadline`].
const REQUEST_TIMEOUT: Status = Status(408, "Request Timeout");
/// The request line is longer than [`Limits::request_line`].
const URI_TOO_LONG: Status = Status(414, "URI Too Long");
/// More than [`Limits::header_lines`] or [`Limits::header_bytes`].
const HEADERS_TOO_LARGE: Status = Status(431, "Request Header Fields Too Large");
/// [`Limits::connections`] clients are being answered already.
const UNAVAILABLE: Status = Status(503, "Service Unavailable");

/// What every connection thread shares.
struct Site {
    /// The canonical site folder.
    root: PathBuf,
    /// The bounds on every client.
    limits: Limits,
    /// How many clients are being answered now.
    active: AtomicUsize,
}

impl Site {
    /// A site serving the canonical folder `root` within `limits`.
    fn new(root: PathBuf, limits: Limits) -> Site {
        Site {
            root,
            limits,
            active: AtomicUsize::new(0),
        }
    }
}

/// Accepts clients until the process ends, each answered on its own thread.
fn run(listener: TcpListener, site: Site) -> Result<()> {
    let site = Arc::new(site);
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => dispatch(&site, stream),
            Err(err) => {
                // Out of file descriptors, say: wait a little for some to
                // be given back rather than spin.
                errln!("docs serve: {err}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
    Ok(())
}

/// Answers `stream` on a new thread, or turns it away with 503 when
/// [`Limits::connections`] clients are already being answered.
fn dispatch(site: &Arc<Site>, stream: TcpStream) {
    let Some(slot) = Slot::take(site) else {
        turn_away(&stream);
        return;
    };
    let spawned = std::thread::Builder::new()
        .name("docs-serve".into())
        .spawn(move || {
            if let Err(err) = handle(&slot.0, &stream) {
                if worth_logging(&err) {
                    errln!("docs serve: {err}");
                }
            }
        });
    if let Err(err) = spawned {
        errln!("docs serve: cannot start a thread: {err}");
    }
}

/// One of the [`Limits::connections`] places, given back when dropped.
struct Slot(Arc<Site>);

impl Slot {
    /// A free place, if there is one.
    fn take(site: &Arc<Site>) -> Option<Slot> {
        let limit = site.limits.connections;
        site.active
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < limit).then_some(n + 1)
            })
            .ok()?;
        Some(Slot(Arc::clone(site)))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Tells a client over the limit to come back later, without waiting on it:
/// the answer fits in the empty send buffer of a new connection.
fn turn_away(stream: &TcpStream) {
    let mut answer = Vec::new();
    if stream.set_nonblocking(true).is_ok() && send_error(&mut answer, UNAVAILABLE, false).is_ok() {
        let mut stream = stream;
        let _ = stream.write_all(&answer);
    }
}

/// Whether a failed connection says something about the server rather than
/// about a client that went away or was too slow.
fn worth_logging(err: &io::Error) -> bool {
    !matches!(
        err.kind(),
        io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::UnexpectedEof
            | io::ErrorKind::TimedOut
            | io::ErrorKind::WouldBlock
    )
}

/// Answers one client: reads its request head, then sends the file it asks
/// for or the error that stops it. The only failures are the connection's.
fn handle(site: &Site, stream: &TcpStream) -> io::Result<()> {
    let limits = &site.limits;
    let head = {
        let timed = Timed::new(stream, limits.head_deadline, limits.io_timeout);
        read_head(&mut BufReader::new(timed), limits)
    };
    let timed = Timed::new(stream, limits.response_deadline, limits.io_timeout);
    let mut out = BufWriter::new(timed);
    match head {
        Ok(request) => respond(site, &request, &mut out)?,
        Err(BadHead::Answer(status)) => send_error(&mut out, status, false)?,
        Err(BadHead::Gone) => return Ok(()),
    }
    out.flush()?;
    close_gently(stream);
    Ok(())
}

/// Ends a connection without a reset: closing a socket that still holds
/// unread bytes makes the kernel reset it, which can destroy the answer
/// before the client reads it. So the server says it is done writing, then
/// reads and drops what the client still sends, briefly and boundedly.
fn close_gently(stream: &TcpStream) {
    if stream.shutdown(Shutdown::Write).is_ok() {
        let rest = Timed::new(stream, DRAIN_TIME, DRAIN_TIME);
        let _ = io::copy(&mut rest.take(DRAIN_BYTES), &mut io::sink());
    }
}

/// A connection whose reads and writes all end by one deadline, each of
/// them waiting at most `step`.
struct Timed<'a> {
    /// The connection.
    stream: &'a TcpStream,
    /// When every read or write fails with `TimedOut`.
    deadline: Instant,
    /// The longest one read or write waits.
    step: Duration,
}

impl<'a> Timed<'a> {
    /// `stream`, with `within` from now to do everything.
    fn new(stream: &'a TcpStream, within: Duration, step: Duration) -> Timed<'a> {
        Timed {
            stream,
            deadline: Instant::now() + within,
            step,
        }
    }

    /// How long the next read or write may wait; `TimedOut` once the
    /// deadline has passed.
    fn wait(&self) -> io::Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "deadline passed"));
        }
        Ok(left.min(self.step))
    }
}

impl Read for Timed<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.set_read_timeout(Some(self.wait()?))?;
        let mut stream = self.stream;
        stream.read(buf)
    }
}

impl Write for Timed<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.set_write_timeout(Some(self.wait()?))?;
        let mut stream = self.stream;
        stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut stream = self.stream;
        stream.flush()
    }
}

/// The parts of a request this server looks at.
#[derive(Debug, PartialEq, Eq)]
struct Request {
    /// `GET`, `HEAD`, ...
    method: String,
    /// The request target as sent: `/index.html?x=1`.
    target: String,
}

/// How reading a request head can end without a request.
#[derive(Debug, PartialEq, Eq)]
enum BadHead {
    /// Answer with this status, then close.
    Answer(Status),
    /// The client went away: close without an answer.
    Gone,
}

/// Reads the request line and the headers, within `limits`. The headers are
/// read only to leave the connection clean; none of them matters here.
fn read_head(reader: &mut impl BufRead, limits: &Limits) -> Result<Request, BadHead> {
    let line = match read_line(reader, limits.request_line).map_err(lost)? {
        Line::Full(line) => line,
        Line::TooLong => return Err(BadHead::Answer(URI_TOO_LONG)),
        Line::End(0) => return Err(BadHead::Gone),
        Line::End(_) => return Err(BadHead::Answer(BAD_REQUEST)),
    };
    let request = parse_request_line(content(&line)).ok_or(BadHead::Answer(BAD_REQUEST))?;
    skip_headers(reader, limits)?;
    Ok(request)
}

/// Reads header lines up to the blank line that ends them, refusing more
/// than [`Limits::header_lines`] lines or [`Limits::header_bytes`] bytes.
fn skip_headers(reader: &mut impl BufRead, limits: &Limits) -> Result<(), BadHead> {
    let mut budget = limits.header_bytes;
    for _ in 0..=limits.header_lines {
        match read_line(reader, budget).map_err(lost)? {
            Line::Full(line) if content(&line).is_empty() => return Ok(()),
            Line::Full(line) => budget = budget.saturating_sub(line.len()),
            Line::TooLong => return Err(BadHead::Answer(HEADERS_TOO_LARGE)),
            Line::End(_) => return Err(BadHead::Answer(BAD_REQUEST)),
        }
    }
    Err(BadHead::Answer(HEADERS_TOO_LARGE))
}

/// What a failed read of the head means: a timeout is answered with 408,
/// anything else means the client is gone.
fn lost(err: io::Error) -> BadHead {
    match err.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => BadHead::Answer(REQUEST_TIMEOUT),
        _ => BadHead::Gone,
    }
}

/// What one bounded line read found.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    /// A whole line, with its line ending.
    Full(Vec<u8>),
    /// The limit was reached before the line ended.
    TooLong,
    /// The client stopped sending after this many bytes of the line.
    End(usize),
}

/// Reads one line of at most `max` bytes, its line ending included, through
/// a `take`-bounded reader: a client that never sends a newline costs at
/// most `max` bytes of memory.
fn read_line(reader: &mut impl BufRead, max: usize) -> io::Result<Line> {
    let mut line = Vec::new();
    let bound = u64::try_from(max).unwrap_or(u64::MAX);
    Read::take(&mut *reader, bound).read_until(b'\n', &mut line)?;
    if line.last() == Some(&b'\n') {
        Ok(Line::Full(line))
    } else if line.len() >= max {
        Ok(Line::TooLong)
    } else {
        Ok(Line::End(line.len()))
    }
}

/// A line without its `\n` or `\r\n`.
fn content(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Splits `METHOD target HTTP/1.x`; `None` for anything else.
fn parse_request_line(line: &[u8]) -> Option<Request> {
    let line = std::str::from_utf8(line).ok()?;
    let mut parts = line.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    let token = !method.is_empty() && method.bytes().all(|b| b.is_ascii_alphabetic());
    if parts.next().is_some() || !token || target.is_empty() || !version.starts_with("HTTP/1.") {
        return None;
    }
    Some(Request {
        method: method.to_string(),
        target: target.to_string(),
    })
}

/// Sends the file `request` asks for, or the error that stops it.
fn respond(site: &Site, request: &Request, out: &mut impl Write) -> io::Result<()> {
    let head_only = match request.method.as_str() {
        "GET" => false,
        "HEAD" => true,
        _ => return send_error(out, METHOD_NOT_ALLOWED, false),
    };
    let path = match resolve(&site.root, &request.target) {
        Ok(path) => path,
        Err(status) => return send_error(out, status, head_only),
    };
    match open_regular(&path) {
        Some((file, length)) => {
            write_head(out, OK, content_type(&path), length, "")?;
            if !head_only {
                io::copy(&mut file.take(length), out)?;
            }
            Ok(())
        }
        None => send_error(out, NOT_FOUND, head_only),
    }
}

/// Opens `path` if it is still a regular file, with its length.
fn open_regular(path: &Path) -> Option<(File, u64)> {
    let file = File::open(path).ok()?;
    let metadata = file.metadata().ok()?;
    metadata.is_file().then_some((file, metadata.len()))
}

/// Writes a short plain-text error answer; `405` also says what is allowed.
fn send_error(out: &mut impl Write, status: Status, head_only: bool) -> io::Result<()> {
    let body = format!("{} {}\n", status.0, status.1);
    let extra = if status == METHOD_NOT_ALLOWED {
        "Allow: GET, HEAD\r\n"
    } else {
        ""
    };
    let kind = "text/plain; charset=utf-8";
    write_head(out, status, kind, body.len() as u64, extra)?;
    if !head_only {
        out.write_all(body.as_bytes())?;
    }
    Ok(())
}

/// Writes the status line and headers; `extra` is more header lines, each
/// ending in `\r\n`.
fn write_head(
    out: &mut impl Write,
    status: Status,
    kind: &str,
    length: u64,
    extra: &str,
) -> io::Result<()> {
    write!(
        out,
        "HTTP/1.1 {} {}\r\nContent-Type: {kind}\r\nContent-Length: {length}\r\n\
         X-Content-Type-Options: nosniff\r\n{extra}Connection: close\r\n\r\n",
        status.0, status.1
    )
}

/// The file a request target names inside the canonical folder `root`:
/// `/` and any target ending in `/` mean that folder's `index.html`; the
/// query and fragment are ignored. 400 for a target that is not a path or
/// holds a NUL; 404 for `.` or `..` segments (raw or percent-encoded) and
/// for anything that is not a regular file inside `root` once every symlink
/// is resolved.
fn resolve(root: &Path, target: &str) -> Result<PathBuf, Status> {
    let path = target.split(['?', '#']).next().unwrap_or_default();
    let path = path.strip_prefix('/').ok_or(BAD_REQUEST)?;
    let decoded = percent_decode(path).ok_or(BAD_REQUEST)?;
    if decoded.contains(&0) {
        return Err(BAD_REQUEST);
    }
    let decoded = String::from_utf8(decoded).map_err(|_| BAD_REQUEST)?;
    let mut relative = PathBuf::new();
    for segment in decoded.split('/').filter(|s| !s.is_empty()) {
        if !is_plain_segment(segment) {
            return Err(NOT_FOUND);
        }
        relative.push(segment);
    }
    if decoded.is_empty() || decoded.ends_with('/') {
        relative.push("index.html");
    }
    let full = root.join(relative).canonicalize().map_err(|_| NOT_FOUND)?;
    let regular = std::fs::metadata(&full).is_ok_and(|m| m.is_file());
    if full.starts_with(root) && regular {
        Ok(full)
    } else {
        Err(NOT_FOUND)
    }
}

/// Whether `segment` is one ordinary file or folder name: not `.`, `..`,
/// a drive or a root, and without a separator of the platform.
fn is_plain_segment(segment: &str) -> bool {
    let mut components = Path::new(segment).components();
    let first = components.next();
    matches!(first, Some(Component::Normal(name)) if name == segment) && components.next().is_none()
}

/// Decodes `%XX` escapes; `None` when an escape is cut short or not hex.
fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let high = hex_digit(*bytes.get(i + 1)?)?;
            let low = hex_digit(*bytes.get(i + 2)?)?;
            out.push((high << 4) | low);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// The value of one hexadecimal digit.
fn hex_digit(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// The `Content-Type` of a file, by its extension.
fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        Some("css") => "text/css",
        Some("js") => "text/javascript",
        Some("png") => "image/png",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests;
