//! `--log-format json`: every line jgt prints becomes one JSON object on
//! stdout, shaped as dbt's structured logs are:
//! `{"info": {"name", "msg", "level", "ts", "invocation_id", ...}, "data": {...}}`.
//!
//! Structured events (a node's result, the run's counts, an error) are sent
//! with [`event`]; any other line that reaches [`crate::out`] is wrapped as
//! a `Note` (stdout) or by its prefix (stderr), so nothing escapes as text.

use std::io::Write;
use std::sync::OnceLock;
use std::time::SystemTime;

use serde_json::{json, Value};

use crate::cli::LogFormat;

/// The invocation id, set once when JSON logging is on.
static JSON: OnceLock<String> = OnceLock::new();

/// Turns JSON logging on for this process (colours off: messages are plain).
pub fn init(format: LogFormat, invocation_id: &str) {
    if format == LogFormat::Json {
        console::set_colors_enabled(false);
        console::set_colors_enabled_stderr(false);
        let _ = JSON.set(invocation_id.to_string());
    }
}

/// Whether `--log-format json` is on.
pub fn json() -> bool {
    JSON.get().is_some()
}

/// Prints one structured event (only in JSON mode).
pub fn event(name: &str, level: &str, msg: &str, data: Value) {
    let Some(invocation_id) = JSON.get() else {
        return;
    };
    let line = json!({
        "info": {
            "name": name,
            "msg": console::strip_ansi_codes(msg),
            "level": level,
            "ts": jgt_compile::artifacts::iso8601(SystemTime::now()),
            "invocation_id": invocation_id,
            "pid": std::process::id(),
            "category": "",
            "extra": {},
        },
        "data": data,
    });
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
}

/// Wraps plain text written to stdout or stderr: one event per non-empty line.
pub fn wrap(text: &str, to_stderr: bool) {
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let plain = console::strip_ansi_codes(line).to_string();
        let (name, level) = match () {
            _ if !to_stderr => ("Note", "info"),
            _ if plain.starts_with("error") => ("MainEncounteredError", "error"),
            _ if plain.starts_with("warning") => ("Note", "warn"),
            _ => ("Note", "info"),
        };
        event(name, level, &plain, json!({ "msg": plain }));
    }
}
