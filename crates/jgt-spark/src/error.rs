//! Spark Connect's failures as jgt's: a server error becomes
//! [`ExecError::Sql`] with Spark's error class and message (no gRPC code,
//! no logical plan, no stack trace); a server that cannot be reached
//! becomes one [`ExecError::Open`] line saying what to check.

use std::time::Duration;

use jgt_exec::ExecError;
use prost::Message;

use crate::proto::{ErrorInfo, RpcStatus};

/// Where the server was looked for, as an [`ExecError::Open`] path names it.
pub(crate) fn address(host: &str, port: u16) -> String {
    format!("sc://{host}:{port}")
}

/// Why no server answered, in a few words (`connection refused`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unreachable {
    /// Nothing listens at the port.
    Refused,
    /// The host name does not resolve.
    UnknownHost,
    /// No answer within the time allowed.
    TimedOut(Duration),
    /// Anything else the network said.
    Other(String),
}

impl Unreachable {
    /// Classifies a transport error by the I/O error beneath it.
    pub(crate) fn of(err: &(dyn std::error::Error + 'static)) -> Self {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
        let mut deepest = err.to_string();
        while let Some(current) = source {
            if let Some(io) = current.downcast_ref::<std::io::Error>() {
                return match io.kind() {
                    std::io::ErrorKind::ConnectionRefused => Unreachable::Refused,
                    std::io::ErrorKind::TimedOut => Unreachable::TimedOut(Duration::ZERO),
                    _ if io.to_string().contains("lookup")
                        || io.to_string().contains("resolve") =>
                    {
                        Unreachable::UnknownHost
                    }
                    _ => Unreachable::Other(io.to_string()),
                };
            }
            deepest = current.to_string();
            source = current.source();
        }
        Unreachable::Other(deepest)
    }

    fn words(&self) -> String {
        match self {
            Unreachable::Refused => "connection refused".into(),
            Unreachable::UnknownHost => "unknown host".into(),
            Unreachable::TimedOut(limit) if limit.is_zero() => "timed out".into(),
            Unreachable::TimedOut(limit) => format!("no answer within {} s", limit.as_secs()),
            Unreachable::Other(text) => text.clone(),
        }
    }

    /// The one line jgt shows for it.
    pub(crate) fn error(&self, host: &str, port: u16) -> ExecError {
        ExecError::Open {
            path: address(host, port).into(),
            message: format!(
                "no Spark Connect server answered at {host}:{port} ({}): \
                 check that the server is running and the profile's host and port",
                self.words()
            ),
        }
    }
}

/// The error for a server that answered the connection but not as Spark
/// Connect does (another service on that port, say).
pub(crate) fn not_spark(host: &str, port: u16, status: &tonic::Status) -> ExecError {
    ExecError::Open {
        path: address(host, port).into(),
        message: format!(
            "the server at {host}:{port} did not answer as Spark Connect ({}): \
             check the profile's host and port",
            first_line(status.message())
        ),
    }
}

/// A server error as jgt shows it: `[ERROR_CLASS] message`, trimmed.
pub(crate) fn server(status: tonic::Status) -> ExecError {
    ExecError::Sql {
        message: server_message(&status),
    }
}

/// The text of [`server`].
pub(crate) fn server_message(status: &tonic::Status) -> String {
    let info = error_info(status);
    let mut message = trim(status.message());
    if message.is_empty() {
        message = format!("the server failed the request ({:?})", status.code());
    }
    match info.and_then(|info| info.metadata.get("errorClass").cloned()) {
        Some(class) if !message.starts_with(&format!("[{class}]")) => {
            format!("[{class}] {message}")
        }
        _ => message,
    }
}

/// The `google.rpc.ErrorInfo` among a status's binary details, if any.
fn error_info(status: &tonic::Status) -> Option<ErrorInfo> {
    let details = RpcStatus::decode(status.details()).ok()?;
    details
        .details
        .iter()
        .find(|any| any.type_url.ends_with("google.rpc.ErrorInfo"))
        .and_then(|any| ErrorInfo::decode(any.value.as_slice()).ok())
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default().trim()
}

/// The server's message without what only a Spark developer reads: the
/// logical plan Spark appends to analysis errors (after `;` and a line
/// break), Java stack frames, and a leading status-code word.
pub(crate) fn trim(message: &str) -> String {
    let message = message.trim();
    let message = message
        .strip_prefix("INTERNAL:")
        .or_else(|| message.strip_prefix("UNKNOWN:"))
        .unwrap_or(message)
        .trim_start();
    let mut kept: Vec<&str> = Vec::new();
    for line in message.lines() {
        let trimmed = line.trim_start();
        let plan_or_stack = trimmed.starts_with("at ")
            || trimmed.starts_with("+- ")
            || trimmed.starts_with(":- ")
            || trimmed.starts_with('\'')
            || trimmed.starts_with("Caused by:")
            || trimmed.starts_with("JVM stacktrace:");
        if plan_or_stack && !kept.is_empty() {
            break;
        }
        kept.push(line);
    }
    let text = kept.join("\n");
    let text = text.trim_end();
    text.strip_suffix(';')
        .unwrap_or(text)
        .trim_end()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analysis_errors_lose_their_plan() {
        let spark = "[TABLE_OR_VIEW_NOT_FOUND] The table or view `nope` cannot be found. \
                     SQLSTATE: 42P01; line 1 pos 14;\n'Project ['a]\n+- 'UnresolvedRelation [nope], [], false\n";
        assert_eq!(
            trim(spark),
            "[TABLE_OR_VIEW_NOT_FOUND] The table or view `nope` cannot be found. \
             SQLSTATE: 42P01; line 1 pos 14"
        );
    }

    #[test]
    fn parse_errors_keep_their_pointer() {
        let spark = "[PARSE_SYNTAX_ERROR] Syntax error at or near 'selec'. SQLSTATE: 42601 (line 1, pos 0)\n\n== SQL ==\nselec 1\n^^^\n";
        assert!(trim(spark).ends_with("selec 1\n^^^"), "{}", trim(spark));
    }

    #[test]
    fn unreachable_is_one_line() {
        let err = Unreachable::Refused.error("127.0.0.1", 1);
        let text = err.to_string();
        assert_eq!(
            text,
            "cannot open the database sc://127.0.0.1:1: no Spark Connect server answered at \
             127.0.0.1:1 (connection refused): check that the server is running and the \
             profile's host and port"
        );
        assert!(!text.contains('\n'));
    }
}
