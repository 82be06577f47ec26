//! The one error type of rendering.

use std::path::PathBuf;

/// Everything that can go wrong while rendering templates.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A template failed to parse or to render: a syntax error, an unknown
    /// `ref`, a missing `var`, an error raised by a macro, ...
    #[error("{path}:{line}: {message}{}", while_rendering(.node))]
    Template {
        /// The file where the problem is (a macro file when it is inside a macro).
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: usize,
        /// What went wrong, and how to fix it where that is known.
        message: String,
        /// The model or test being rendered, when it differs from `path`.
        node: Option<String>,
    },
    /// Two macro files define a macro with one name.
    #[error("macro '{name}' is defined twice: in {first} and in {second}; rename or remove one")]
    DuplicateMacro {
        /// The macro name.
        name: String,
        /// The first file defining it.
        first: PathBuf,
        /// The second file defining it.
        second: PathBuf,
    },
}

impl RenderError {
    /// Turns a minijinja error into a positioned error. `fallback` is the
    /// file rendered when the error carries no file of its own.
    pub(crate) fn from_jinja(err: minijinja::Error, fallback: &str, node: Option<&str>) -> Self {
        let path = err.name().unwrap_or(fallback).to_string();
        let message = match err.detail() {
            Some(detail) if is_plain(err.kind()) => detail.to_string(),
            Some(detail) => format!("{}: {detail}", err.kind()),
            None => err.kind().to_string(),
        };
        // Name the node only when the error sits in another file (a macro).
        let node = node.filter(|_| path != fallback).map(str::to_string);
        RenderError::Template {
            line: err.line().unwrap_or(0),
            path: PathBuf::from(path),
            message,
            node,
        }
    }
}

/// Kinds whose detail already says everything (our own messages).
fn is_plain(kind: minijinja::ErrorKind) -> bool {
    matches!(kind, minijinja::ErrorKind::InvalidOperation)
}

fn while_rendering(node: &Option<String>) -> String {
    match node {
        Some(node) => format!(" (while rendering {node})"),
        None => String::new(),
    }
}
